//! A sector's view held against the region and its sibling sectors. The region's figure
//! is the sum of its sectors' (people, hours, counts; a mean with its count), so where
//! the region or another sector hides a figure, a sector's own would let the region less
//! the shown sectors give the hidden one back: it is hidden too (complementary). Company
//! rows need no such step: their plans are made over the whole region (`plans`).
use std::collections::BTreeSet;

use super::*;
use crate::domain::suppression::Rule;

/// A view's figures, each under a key that names the same figure in every view.
pub trait Keyed {
    fn keyed(&mut self) -> Vec<(String, &mut Fig)>;
}

/// `figure` of the view `s`, with what an earlier answer hid kept hidden and, for a
/// sector's view, held against the same figure of the region and of each sibling sector;
/// hidden cells it adds are counted in `tally`.
pub fn held<T: Keyed>(
    s: &Snapshot,
    rule: &Rule,
    figure: impl Fn(&Snapshot, &Rule) -> T,
    tally: &mut Tally,
) -> T {
    let mut view = figure(s, rule);
    let hidden_elsewhere = match around(s, rule, figure) {
        Some(mut others) => hidden(others.iter_mut().flat_map(|other| other.keyed())),
        None => BTreeSet::new(),
    };
    for (key, fig) in view.keyed() {
        let kept = rule.applies && s.remembered.contains(&view_key(s, &key));
        if fig.cell.is_shown() && (kept || hidden_elsewhere.contains(&key)) {
            *fig = Fig {
                value: 0.0,
                cell: tally.count(Cell::Complementary),
            };
        }
    }
    view
}

/// A view's figure as remembered: the view (`region`, or the sector) and the figure.
fn view_key(s: &Snapshot, key: &str) -> String {
    format!("{}:{key}", s.sector.as_deref().unwrap_or("region"))
}

/// The keys to remember of what an anonymised answer about the view `s` hides: the
/// company rows of the region's plans and the view's own hidden figures.
pub fn hidden_keys(s: &Snapshot) -> BTreeSet<String> {
    let rule = Rule::anonymised(s.min_group_size);
    let mut keys: BTreeSet<String> = plans(s, &rule).hidden_keys().into_iter().collect();
    let mut r = report(s, "", "");
    let figures = (r.overview.keyed().into_iter())
        .chain(r.evaluation.keyed())
        .chain(r.months.keyed());
    keys.extend(hidden(figures).iter().map(|key| view_key(s, key)));
    let money = money_cells(&r.funding).into_iter();
    keys.extend(
        money
            .filter(|(_, c)| c.is_suppressed())
            .map(|(k, _)| view_key(s, &k)),
    );
    keys
}

/// The same figure of the region and of each sibling sector; `None` for a region's view.
fn around<T>(s: &Snapshot, rule: &Rule, figure: impl Fn(&Snapshot, &Rule) -> T) -> Option<Vec<T>> {
    let whole = s.whole_region.as_deref()?;
    let mut others = vec![figure(whole, rule)];
    for sector in s.sibling_sectors() {
        others.push(figure(&whole.clone().restrict_to_sector(&sector), rule));
    }
    Some(others)
}

/// The keys of the hidden figures among `figures` (not those no data holds).
fn hidden<'a>(figures: impl Iterator<Item = (String, &'a mut Fig)>) -> BTreeSet<String> {
    figures
        .filter(|(_, f)| f.cell.is_suppressed())
        .map(|(key, _)| key)
        .collect()
}

/// Funding held alike: a source's amounts, the region's total with the number funded,
/// and the cost per participant, each hidden where the region or a sibling hides it
/// (or an earlier answer did). Its amounts are whole cents, not figures, so it has its
/// own keys (`money_cells`) rather than `Keyed`.
pub fn held_funding(s: &Snapshot, rule: &Rule, figure: fn(&Snapshot, &Rule) -> Funding) -> Funding {
    let mut view = figure(s, rule);
    let others = around(s, rule, figure).unwrap_or_default();
    let hidden_elsewhere: BTreeSet<String> = others
        .iter()
        .flat_map(money_cells)
        .filter(|(_, c)| c.is_suppressed())
        .map(|(key, _)| key)
        .collect();
    for (key, cell) in money_cells(&view) {
        let kept = rule.applies && s.remembered.contains(&view_key(s, &key));
        if cell.is_shown() && (kept || hidden_elsewhere.contains(&key)) {
            hide_money(&mut view, &key);
        }
    }
    view
}

const TOTALS_KEY: &str = "funding/totals";
const COST_KEY: &str = "funding/cost";
const SOURCE_PREFIX: &str = "funding/source/";

/// Funding's cells by key: each source's amounts, the total with the number funded, and
/// the cost per participant.
fn money_cells(f: &Funding) -> Vec<(String, Cell)> {
    let sources = f
        .sources
        .iter()
        .map(|x| (format!("{SOURCE_PREFIX}{}", x.source.id), x.cell));
    sources
        .chain([
            (TOTALS_KEY.to_owned(), f.totals_cell),
            (COST_KEY.to_owned(), f.cost_per_participant_cents.cell),
        ])
        .collect()
}

/// Hides the funding cell under `key` (see `money_cells`), as complementary.
fn hide_money(f: &mut Funding, key: &str) {
    let t = &mut f.tally;
    match key {
        TOTALS_KEY => {
            f.totals_cell = t.count(Cell::Complementary);
            f.total_cents = 0;
            f.participants_funded = 0;
        }
        COST_KEY => f.cost_per_participant_cents = Fig::new(0.0, Cell::Complementary, t),
        _ => {
            let id = key.strip_prefix(SOURCE_PREFIX);
            if let Some(source) = f
                .sources
                .iter_mut()
                .find(|x| Some(x.source.id.as_str()) == id)
            {
                source.cell = t.count(Cell::Complementary);
                source.committed_cents = 0;
                source.spent_cents = 0;
                source.remaining_cents = source.remaining_cents.map(|_| 0);
            }
        }
    }
}

impl Keyed for Overview {
    fn keyed(&mut self) -> Vec<(String, &mut Fig)> {
        [
            ("employees_reached", &mut self.employees_reached),
            ("uwv_referrals", &mut self.uwv_referrals),
            ("development_plans", &mut self.development_plans),
            ("activities_planned", &mut self.activities_planned),
            ("activities_completed", &mut self.activities_completed),
            ("hours_planned", &mut self.hours_planned),
            ("hours_attended", &mut self.hours_attended),
            ("registrations", &mut self.registrations),
            ("attendance_rate", &mut self.attendance_rate),
            ("average_feedback", &mut self.average_feedback),
        ]
        .into_iter()
        .map(|(key, fig)| (format!("overview/{key}"), fig))
        .collect()
    }
}

impl Keyed for Evaluation {
    fn keyed(&mut self) -> Vec<(String, &mut Fig)> {
        let mut keyed: Vec<(String, &mut Fig)> = [
            ("workshop_participants", &mut self.workshop_participants),
            ("attendance_rate", &mut self.attendance_rate),
            ("average_feedback", &mut self.average_feedback),
            ("feedback_count", &mut self.feedback_count),
            ("participants_completed", &mut self.participants_completed),
            ("activities_completed", &mut self.activities_completed),
            ("credentials", &mut self.credentials),
            ("hours_attended", &mut self.hours_attended),
            ("mean_change", &mut self.mean_change),
        ]
        .into_iter()
        .map(|(key, fig)| (format!("evaluation/{key}"), fig))
        .collect();
        for row in &mut self.by_skill {
            let key = format!("skill/{}", row.skill_uri);
            keyed.push((format!("{key}/participants"), &mut row.participants));
            keyed.push((format!("{key}/activities"), &mut row.activities));
        }
        for d in &mut self.dimensions {
            let key = format!(
                "dimension/{}/{}",
                d.sector.as_deref().unwrap_or(""),
                d.dimension_id
            );
            for (field, fig) in [
                ("mean_baseline", &mut d.mean_baseline),
                ("mean_follow_up", &mut d.mean_follow_up),
                ("change", &mut d.change),
                ("baseline_respondents", &mut d.baseline_respondents),
                ("follow_up_respondents", &mut d.follow_up_respondents),
            ] {
                keyed.push((format!("{key}/{field}"), fig));
            }
        }
        keyed
    }
}

/// The report's timeline: each month's active people and hours.
impl Keyed for Vec<MonthParticipation> {
    fn keyed(&mut self) -> Vec<(String, &mut Fig)> {
        self.iter_mut()
            .flat_map(|m| {
                [
                    (
                        format!("month/{}/active", m.month),
                        &mut m.active_participants,
                    ),
                    (format!("month/{}/hours", m.month), &mut m.hours_attended),
                ]
            })
            .collect()
    }
}
