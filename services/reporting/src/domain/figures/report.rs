//! The shareable report's own figures: hours per company and month, and every table's tally.
use llo_chassis::packs::Calendar;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Cell, Rule, Tally},
};

/// Learning per company: a row of the report's hours table.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyHours {
    pub organisation_name: String,
    pub cell: Cell,
    pub participants: Fig,
    pub hours_planned: Fig,
    pub hours_attended: Fig,
}

/// Everything the shareable report shows; always built with an anonymised rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub region: String,
    pub region_name: String,
    pub programme: String,
    pub sector: Option<String>,
    pub min_group_size: u32,
    pub overview: Overview,
    pub evaluation: Evaluation,
    pub funding: Funding,
    /// The grant's books, when the region keeps them.
    pub project: Option<ProjectCosts>,
    pub hours: Vec<CompanyHours>,
    pub months: Vec<MonthParticipation>,
    /// The programme's phases, in order, from the region's calendar.
    pub phases: Vec<PhaseSpan>,
    pub tally: Tally,
    /// The release it is part of; none for a programme manager's draft of live figures.
    pub release: Option<crate::domain::release::Release>,
}

/// A phase of the programme as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSpan {
    pub name: String,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
}

pub fn report(s: &Snapshot, region_name: &str, programme: &str) -> Report {
    let rule = Rule::anonymised(s.min_group_size);
    let overview = overview(s, &rule);
    let evaluation = evaluation(s, &rule);
    let funding = funding(s, &rule);
    let plans = plans(s, &rule);
    let mut t = Tally::default();
    let hours = sorted_organisations(s)
        .into_iter()
        .map(|o| {
            let cell = Plans::of(&plans.participation, o.id);
            let planning = cell.and(Plans::of(&plans.planning, o.id));
            let completion = cell.and(Plans::of(&plans.completion, o.id));
            let acts: Vec<&Activity> = s
                .activities
                .iter()
                .filter(|a| a.organisation_id == o.id)
                .collect();
            t.count(cell);
            if cell.is_shown() {
                // A shown row may still hide a column about fewer people.
                t.count(planning);
                t.count(completion);
            }
            let mut row = Tally::default();
            CompanyHours {
                organisation_name: o.name.clone(),
                cell,
                participants: Fig::new(participants_of(s, o.id) as f64, cell, &mut row),
                hours_planned: Fig::new(
                    acts.iter()
                        .filter(|a| a.planned)
                        .map(|a| f64::from(a.planned_hours))
                        .sum(),
                    planning,
                    &mut row,
                ),
                hours_attended: Fig::new(
                    acts.iter()
                        .filter(|a| a.completed)
                        .map(|a| f64::from(a.actual_hours))
                        .sum(),
                    completion,
                    &mut row,
                ),
            }
        })
        .collect();
    // A month's row is hidden whole (its people and hours): counted once per row.
    let months = months(s, &rule);
    for month in &months {
        t.count(month.active_participants.cell);
    }
    let tally = Tally {
        small_group: overview.tally.small_group
            + evaluation.tally.small_group
            + funding.tally.small_group
            + t.small_group,
        complementary: overview.tally.complementary
            + evaluation.tally.complementary
            + funding.tally.complementary
            + t.complementary,
        dominance: funding.tally.dominance,
    };
    Report {
        region: s.region.clone(),
        region_name: region_name.to_owned(),
        programme: programme.to_owned(),
        sector: s.sector.clone(),
        min_group_size: s.min_group_size,
        overview,
        evaluation,
        funding,
        project: project_costs(s),
        hours,
        months,
        phases: Vec::new(),
        tally,
        release: None,
    }
}

/// Puts the report's timeline on the programme's calendar: its phases, and the phase of
/// every month (`YYYY-MM`) that has one.
pub fn on_calendar(report: &mut Report, calendar: &Calendar) {
    report.phases = calendar
        .phases
        .iter()
        .map(|p| PhaseSpan {
            name: p.name.clone(),
            start: p.start,
            end: p.end,
        })
        .collect();
    for month in &mut report.months {
        let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", month.month), "%Y-%m-%d");
        month.phase = first.ok().and_then(|day| {
            let at = day.and_hms_opt(12, 0, 0)?.and_utc();
            calendar.phase_of(at).map(|p| p.name.clone())
        });
    }
}
