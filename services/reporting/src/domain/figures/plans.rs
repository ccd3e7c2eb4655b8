//! The region's suppression plans, shared by every view.
use std::collections::HashMap;

use uuid::Uuid;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Cell, Rule},
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

pub fn plans(s: &Snapshot, rule: &Rule) -> Plans {
    let compared = compared(s);
    let scan_people: Vec<u64> = compared
        .iter()
        .map(|(_, b, f)| b.respondent_count.min(f.respondent_count).max(0) as u64)
        .collect();
    let scan_plan = rule.rows(&scan_people);
    let orgs = sorted_organisations(s);
    let part_people: Vec<u64> = orgs.iter().map(|o| participants_of(s, o.id)).collect();
    let part_plan = rule.rows(&part_people);
    let fund_people: Vec<u64> = orgs.iter().map(|o| funded_of(s, o.id)).collect();
    let fund_plan = rule.rows(&fund_people);
    Plans {
        scans: compared
            .iter()
            .zip(&scan_plan.rows)
            .map(|((o, _, _), c)| (o.id, *c))
            .collect(),
        scans_total: scan_plan.total,
        participation: orgs
            .iter()
            .zip(&part_plan.rows)
            .map(|(o, c)| (o.id, *c))
            .collect(),
        participation_total: part_plan.total,
        funding: orgs
            .iter()
            .zip(&fund_plan.rows)
            .map(|(o, c)| (o.id, *c))
            .collect(),
        funding_total: fund_plan.total,
    }
}
