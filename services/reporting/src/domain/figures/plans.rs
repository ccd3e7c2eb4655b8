//! The region's suppression plans, shared by every view.
use std::collections::HashMap;

use uuid::Uuid;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Cell, RowPlan, Rule},
};

/// The region's suppression plans: which company rows each table hides. Shared by
/// every view, so a company hidden in one answer cannot be recovered from another.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plans {
    /// Companies with both scans, by row state; and the dimension totals' state.
    pub scans: HashMap<Uuid, Cell>,
    pub scans_total: Cell,
    pub participation: HashMap<Uuid, Cell>,
    pub participation_total: Cell,
    pub funding: HashMap<Uuid, Cell>,
    pub funding_total: Cell,
    /// A company's figures about some of its people, planned by the people each
    /// describes (the region's totals of each are published): its UWV referrals, its
    /// planned learning (people with a planned activity) and its completed learning
    /// (people who completed one). One person's hours are never a company's row.
    pub referrals: HashMap<Uuid, Cell>,
    /// People with a development plan.
    pub development: HashMap<Uuid, Cell>,
    pub planning: HashMap<Uuid, Cell>,
    pub completion: HashMap<Uuid, Cell>,
}

impl Plans {
    /// The state of a company's row in one of the plans (shown when it has none).
    pub fn of(plan: &HashMap<Uuid, Cell>, organisation: Uuid) -> Cell {
        plan.get(&organisation).copied().unwrap_or(Cell::Shown)
    }

    /// The keys of every hidden company row, to be remembered.
    pub fn hidden_keys(&self) -> Vec<String> {
        [
            ("scans", &self.scans),
            ("participation", &self.participation),
            ("funding", &self.funding),
            ("referrals", &self.referrals),
            ("development", &self.development),
            ("planning", &self.planning),
            ("completion", &self.completion),
        ]
        .into_iter()
        .flat_map(|(table, rows)| {
            rows.iter()
                .filter(|(_, cell)| cell.is_suppressed())
                .map(move |(o, _)| row_key(table, *o))
        })
        .collect()
    }
}

/// People of `organisation` for whom `counts` holds, over its activities.
fn learners_of(s: &Snapshot, organisation: Uuid, counts: impl Fn(&Activity) -> bool) -> u64 {
    people(
        s.activities
            .iter()
            .filter(|a| a.organisation_id == organisation && counts(a))
            .map(|a| a.participant_id),
    )
}

fn referred_of(s: &Snapshot, organisation: Uuid) -> u64 {
    people(
        s.participants
            .iter()
            .filter(|p| p.enrolled && p.uwv_referral && p.organisation_id == organisation)
            .map(|p| p.id),
    )
}

/// Companies that have both a baseline and a follow-up, in a fixed order.
pub(super) fn compared(s: &Snapshot) -> Vec<(&Organisation, &Scan, &Scan)> {
    let mut rows: Vec<_> = s
        .organisations
        .iter()
        .filter_map(|o| {
            Some((
                o,
                s.scan(o.id, Round::Baseline)?,
                s.scan(o.id, Round::FollowUp)?,
            ))
        })
        .collect();
    rows.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.id.cmp(&b.0.id)));
    rows
}

pub(super) fn sorted_organisations(s: &Snapshot) -> Vec<&Organisation> {
    let mut orgs: Vec<&Organisation> = s.organisations.iter().collect();
    orgs.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    orgs
}

pub(super) fn participants_of(s: &Snapshot, organisation: Uuid) -> u64 {
    people(
        s.participants
            .iter()
            .filter(|p| p.enrolled && p.organisation_id == organisation)
            .map(|p| p.id),
    )
}

pub(super) fn funded_of(s: &Snapshot, organisation: Uuid) -> u64 {
    people(
        s.allocations
            .iter()
            .filter(|a| a.organisation_id == organisation)
            .map(|a| a.participant_id),
    )
}

/// The plans of a view. They are made over the whole region with each sector's total as
/// a margin (a sector's view publishes it), whichever view asks, so a company's row is
/// hidden alike in the region's view and its sector's, and neither view's total less
/// the other's shown rows gives a hidden one back.
pub fn plans(view: &Snapshot, rule: &Rule) -> Plans {
    let s = view.whole_region.as_deref().unwrap_or(view);
    // A view's total is the region's, or its sector's.
    let total_of = |(plan, totals): (RowPlan, Vec<(&str, Cell)>)| {
        let total = match &view.sector {
            Some(sector) => totals
                .iter()
                .find(|(g, _)| *g == sector.as_str())
                .map_or(Cell::Shown, |(_, c)| *c),
            None => plan.total,
        };
        (plan.rows, total)
    };
    let compared = compared(s);
    let scan_people: Vec<u64> = compared
        .iter()
        .map(|(_, b, f)| b.respondent_count.min(f.respondent_count).max(0) as u64)
        .collect();
    let scan_sectors: Vec<&str> = compared.iter().map(|(o, ..)| o.sector.as_str()).collect();
    // Rows hidden in an earlier answer stay hidden (`Snapshot::remembered`).
    let kept = |table: &str, orgs: &mut dyn Iterator<Item = Uuid>| -> Vec<bool> {
        orgs.map(|o| s.remembered.contains(&row_key(table, o)))
            .collect()
    };
    let scan_kept = kept("scans", &mut compared.iter().map(|(o, ..)| o.id));
    let (mut scan_rows, scans_total) =
        total_of(rule.rows_in_groups(&scan_people, &scan_sectors, &scan_kept));
    // Each dimension's total covers the companies that answered it, per sector too.
    for d in &s.dimensions {
        let answering: Vec<(usize, u64)> = compared
            .iter()
            .enumerate()
            .filter_map(|(i, (_, b, f))| {
                let n = b.score(&d.id)?.respondents.min(f.score(&d.id)?.respondents);
                Some((i, n.max(0) as u64))
            })
            .collect();
        let people: Vec<u64> = answering.iter().map(|(_, n)| *n).collect();
        let groups: Vec<&str> = answering.iter().map(|(i, _)| scan_sectors[*i]).collect();
        let mut rows: Vec<Cell> = answering.iter().map(|(i, _)| scan_rows[*i]).collect();
        rule.beside_small_groups(&people, &groups, &mut rows);
        for ((i, _), cell) in answering.iter().zip(rows) {
            scan_rows[*i] = cell;
        }
    }
    let orgs = sorted_organisations(s);
    let sectors: Vec<&str> = orgs.iter().map(|o| o.sector.as_str()).collect();
    // A table per figure, its rows the companies, planned by the people each row describes.
    let table = |name: &str, count: &dyn Fn(Uuid) -> u64| -> (HashMap<Uuid, Cell>, Cell) {
        let counts: Vec<u64> = orgs.iter().map(|o| count(o.id)).collect();
        let kept = kept(name, &mut orgs.iter().map(|o| o.id));
        let (rows, total) = total_of(rule.rows_in_groups(&counts, &sectors, &kept));
        let rows = orgs.iter().zip(rows).map(|(o, c)| (o.id, c)).collect();
        (rows, total)
    };
    let by_company = |name: &str, count: &dyn Fn(Uuid) -> u64| table(name, count).0;
    let (participation, participation_total) = table("participation", &|o| participants_of(s, o));
    let (funding, funding_total) = table("funding", &|o| funded_of(s, o));
    Plans {
        scans: compared
            .iter()
            .zip(scan_rows)
            .map(|((o, _, _), c)| (o.id, c))
            .collect(),
        scans_total,
        participation,
        participation_total,
        funding,
        funding_total,
        referrals: by_company("referrals", &|o| referred_of(s, o)),
        development: by_company("development", &|o| {
            people(
                s.plans
                    .iter()
                    .filter(|p| p.organisation_id == o)
                    .map(|p| p.participant_id),
            )
        }),
        planning: by_company("planning", &|o| learners_of(s, o, |a| a.planned)),
        completion: by_company("completion", &|o| learners_of(s, o, |a| a.completed)),
    }
}

/// The key under which a company's row of a table is remembered when hidden.
fn row_key(table: &str, organisation: Uuid) -> String {
    format!("{table}/{organisation}")
}
