//! The figures, computed from a region's read models, with the suppression rule of
//! the view applied. Pure: the api maps these to proto, the export renders them.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use super::{
    model::*,
    suppression::{Cell, Rule, Tally},
};

/// A figure and whether it may be shown (its value is 0 when it may not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fig {
    pub value: f64,
    pub cell: Cell,
}

impl Fig {
    pub fn new(value: f64, cell: Cell, tally: &mut Tally) -> Fig {
        let cell = tally.count(cell);
        Fig {
            value: if cell.is_shown() { value } else { 0.0 },
            cell,
        }
    }

    pub fn shown(value: f64) -> Fig {
        Fig {
            value,
            cell: Cell::Shown,
        }
    }

    pub fn not_available() -> Fig {
        Fig {
            value: 0.0,
            cell: Cell::NotAvailable,
        }
    }
}

fn n(count: usize) -> f64 {
    count as f64
}

fn people<I: IntoIterator<Item = Uuid>>(ids: I) -> u64 {
    ids.into_iter().collect::<BTreeSet<_>>().len() as u64
}

/// The mean rating and how many people gave one.
fn ratings(feedback: &[Feedback]) -> (f64, u64) {
    let raters = people(feedback.iter().map(Feedback::rater));
    if feedback.is_empty() {
        return (0.0, raters);
    }
    let sum: i64 = feedback.iter().map(|f| i64::from(f.rating)).sum();
    (round2(sum as f64 / n(feedback.len())), raters)
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub companies: BTreeMap<SizeClass, u32>,
    pub companies_total: u32,
    pub employees_reached: Fig,
    pub uwv_referrals: Fig,
    pub development_plans: Fig,
    pub activities_planned: Fig,
    pub activities_completed: Fig,
    pub hours_planned: Fig,
    pub hours_attended: Fig,
    pub coaching_sessions: u32,
    pub coaching_hours: f64,
    pub workshops_held: u32,
    pub registrations: Fig,
    pub attendance_rate: Fig,
    pub average_feedback: Fig,
    pub knowledge_items: u32,
    pub trajectories: BTreeMap<TrajectoryStatus, u32>,
    pub tally: Tally,
}

fn attended(r: &Registration) -> bool {
    matches!(
        r.attendance,
        Some(Attendance::Fully | Attendance::Partially)
    )
}

fn counts_as_registration(r: &Registration) -> bool {
    r.attendance.is_some() || r.status.is_some_and(RegistrationStatus::held_a_seat)
}

pub fn overview(s: &Snapshot, rule: &Rule) -> Overview {
    let mut t = Tally::default();
    let mut companies = BTreeMap::new();
    for o in &s.organisations {
        *companies
            .entry(SizeClass::of(o.employee_count))
            .or_insert(0) += 1;
    }
    let enrolled: Vec<&Participant> = s.participants.iter().filter(|p| p.enrolled).collect();
    let reached = people(enrolled.iter().map(|p| p.id));
    let uwv = people(enrolled.iter().filter(|p| p.uwv_referral).map(|p| p.id));
    let planners = people(s.plans.iter().map(|p| p.participant_id));
    let planned: Vec<&Activity> = s.activities.iter().filter(|a| a.planned).collect();
    let completed: Vec<&Activity> = s.activities.iter().filter(|a| a.completed).collect();
    let planned_people = people(planned.iter().map(|a| a.participant_id));
    let completed_people = people(completed.iter().map(|a| a.participant_id));
    let registrations: Vec<&Registration> = s
        .registrations
        .iter()
        .filter(|r| counts_as_registration(r))
        .collect();
    let registered_people = people(registrations.iter().filter_map(|r| r.participant_id));
    let recorded: Vec<&Registration> = s
        .registrations
        .iter()
        .filter(|r| r.attendance.is_some())
        .collect();
    let recorded_people = people(recorded.iter().filter_map(|r| r.participant_id));
    let rate = if recorded.is_empty() {
        0.0
    } else {
        round2(n(recorded.iter().filter(|r| attended(r)).count()) / n(recorded.len()))
    };
    let mut trajectories = BTreeMap::new();
    for tr in &s.trajectories {
        *trajectories.entry(tr.status).or_insert(0) += 1;
    }
    Overview {
        companies_total: s.organisations.len() as u32,
        companies,
        employees_reached: Fig::new(n(enrolled.len()), rule.single(reached), &mut t),
        uwv_referrals: Fig::new(uwv as f64, rule.single(uwv), &mut t),
        development_plans: Fig::new(n(s.plans.len()), rule.single(planners), &mut t),
        activities_planned: Fig::new(n(planned.len()), rule.single(planned_people), &mut t),
        activities_completed: Fig::new(n(completed.len()), rule.single(completed_people), &mut t),
        hours_planned: Fig::new(
            planned.iter().map(|a| f64::from(a.planned_hours)).sum(),
            rule.single(planned_people),
            &mut t,
        ),
        hours_attended: Fig::new(
            completed.iter().map(|a| f64::from(a.actual_hours)).sum(),
            rule.single(completed_people),
            &mut t,
        ),
        coaching_sessions: s.sessions.len() as u32,
        coaching_hours: round2(s.sessions.iter().map(|c| f64::from(c.minutes)).sum::<f64>() / 60.0),
        workshops_held: s
            .workshops
            .iter()
            .filter(|w| w.scheduled && !w.cancelled)
            .count() as u32,
        registrations: Fig::new(
            n(registrations.len()),
            rule.single(registered_people),
            &mut t,
        ),
        attendance_rate: Fig::new(rate, rule.single(recorded_people), &mut t),
        average_feedback: {
            let (mean, raters) = ratings(&s.feedback);
            Fig::new(mean, rule.single(raters), &mut t)
        },
        knowledge_items: s.knowledge_items as u32,
        trajectories,
        tally: t,
    }
}

/// One company's scan per dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionRow {
    pub dimension_id: String,
    pub dimension_name: String,
    pub baseline: Fig,
    pub follow_up: Fig,
    pub change: Fig,
    pub baseline_respondents: Fig,
    pub follow_up_respondents: Fig,
}

fn dimension_rows(
    s: &Snapshot,
    organisation: Uuid,
    baseline_cell: Cell,
    follow_up_cell: Cell,
    t: &mut Tally,
) -> Vec<DimensionRow> {
    let baseline = s.scan(organisation, Round::Baseline);
    let follow_up = s.scan(organisation, Round::FollowUp);
    s.dimensions
        .iter()
        .map(|d| {
            let b = baseline.and_then(|x| x.score(&d.id));
            let f = follow_up.and_then(|x| x.score(&d.id));
            let fig = |score: Option<&DimensionScore>, cell: Cell, t: &mut Tally| match score {
                Some(score) => Fig::new(round2(score.mean), cell, t),
                None => Fig::not_available(),
            };
            let count = |score: Option<&DimensionScore>, cell: Cell, t: &mut Tally| match score {
                Some(score) => Fig::new(f64::from(score.respondents), cell, t),
                None => Fig::not_available(),
            };
            let change = match (b, f) {
                (Some(b), Some(f)) => Fig::new(
                    round2(f.mean - b.mean),
                    baseline_cell.and(follow_up_cell),
                    t,
                ),
                _ => Fig::not_available(),
            };
            DimensionRow {
                dimension_id: d.id.clone(),
                dimension_name: d.name.clone(),
                baseline: fig(b, baseline_cell, t),
                follow_up: fig(f, follow_up_cell, t),
                change,
                baseline_respondents: count(b, baseline_cell, t),
                follow_up_respondents: count(f, follow_up_cell, t),
            }
        })
        .collect()
}

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
fn compared(s: &Snapshot) -> Vec<(&Organisation, &Scan, &Scan)> {
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

fn sorted_organisations(s: &Snapshot) -> Vec<&Organisation> {
    let mut orgs: Vec<&Organisation> = s.organisations.iter().collect();
    orgs.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    orgs
}

fn participants_of(s: &Snapshot, organisation: Uuid) -> u64 {
    people(
        s.participants
            .iter()
            .filter(|p| p.enrolled && p.organisation_id == organisation)
            .map(|p| p.id),
    )
}

fn funded_of(s: &Snapshot, organisation: Uuid) -> u64 {
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

#[derive(Debug, Clone, PartialEq)]
pub struct SourceAmounts {
    pub source: String,
    pub name: String,
    pub public: bool,
    pub committed: Fig,
    pub spent: Fig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub organisation: Organisation,
    pub dimensions: Vec<DimensionRow>,
    pub trajectory: Option<Trajectory>,
    pub interventions: Vec<Intervention>,
    pub participants: Fig,
    pub uwv_referrals: Fig,
    pub development_plans: Fig,
    pub activities_planned: Fig,
    pub activities_completed: Fig,
    pub credentials: Fig,
    pub hours_planned: Fig,
    pub hours_attended: Fig,
    pub coaching_sessions: u32,
    pub coaching_hours: f64,
    pub funding: Vec<SourceAmounts>,
    pub tally: Tally,
}

/// One company's progress. With an anonymised rule, its cells follow the region's
/// plans (a company hidden from the tables stays hidden here).
pub fn progress(s: &Snapshot, organisation: &Organisation, rule: &Rule) -> Progress {
    let mut t = Tally::default();
    let id = organisation.id;
    let plans = plans(s, rule);
    let (baseline_cell, follow_up_cell) = match plans.scans.get(&id) {
        Some(cell) => (*cell, *cell),
        None => {
            let respondents = |round| {
                s.scan(id, round)
                    .map_or(0, |x| x.respondent_count.max(0) as u64)
            };
            (
                rule.single(respondents(Round::Baseline)),
                rule.single(respondents(Round::FollowUp)),
            )
        }
    };
    let dimensions = dimension_rows(s, id, baseline_cell, follow_up_cell, &mut t);
    let part = plans.participation.get(&id).copied().unwrap_or(Cell::Shown);
    let fund = plans.funding.get(&id).copied().unwrap_or(Cell::Shown);
    let mine = |p: &Uuid| *p == id;
    let enrolled: Vec<&Participant> = s
        .participants
        .iter()
        .filter(|p| p.enrolled && mine(&p.organisation_id))
        .collect();
    let uwv = enrolled.iter().filter(|p| p.uwv_referral).count();
    let activities: Vec<&Activity> = s
        .activities
        .iter()
        .filter(|a| mine(&a.organisation_id))
        .collect();
    let completed: Vec<&&Activity> = activities.iter().filter(|a| a.completed).collect();
    let sessions: Vec<&CoachingSession> = s
        .sessions
        .iter()
        .filter(|c| mine(&c.organisation_id))
        .collect();
    let trajectory = s
        .trajectories
        .iter()
        .filter(|tr| mine(&tr.organisation_id))
        .max_by_key(|tr| (tr.status != TrajectoryStatus::Cancelled, tr.id))
        .cloned();
    let mut interventions: Vec<Intervention> = s
        .interventions
        .iter()
        .filter(|i| mine(&i.organisation_id))
        .cloned()
        .collect();
    interventions.sort_by_key(|i| i.id);
    let funding = s
        .sources
        .iter()
        .map(|source| {
            let sum = |done: bool| -> f64 {
                s.allocations
                    .iter()
                    .filter(|a| mine(&a.organisation_id) && a.source == source.id)
                    .filter(|a| {
                        s.activities
                            .iter()
                            .any(|x| x.id == a.activity_id && x.completed)
                            == done
                    })
                    .map(|a| a.amount_cents as f64)
                    .sum()
            };
            SourceAmounts {
                source: source.id.clone(),
                name: source.name.clone(),
                public: source.is_public(),
                committed: Fig::new(sum(false), fund, &mut t),
                spent: Fig::new(sum(true), fund, &mut t),
            }
        })
        .collect();
    Progress {
        organisation: organisation.clone(),
        dimensions,
        trajectory,
        interventions,
        participants: Fig::new(n(enrolled.len()), part, &mut t),
        uwv_referrals: Fig::new(n(uwv), part.and(rule.single(uwv as u64)), &mut t),
        development_plans: Fig::new(
            n(s.plans.iter().filter(|p| mine(&p.organisation_id)).count()),
            part,
            &mut t,
        ),
        activities_planned: Fig::new(
            n(activities.iter().filter(|a| a.planned).count()),
            part,
            &mut t,
        ),
        activities_completed: Fig::new(n(completed.len()), part, &mut t),
        credentials: Fig::new(
            n(completed.iter().filter(|a| a.credential).count()),
            part,
            &mut t,
        ),
        hours_planned: Fig::new(
            activities
                .iter()
                .filter(|a| a.planned)
                .map(|a| f64::from(a.planned_hours))
                .sum(),
            part,
            &mut t,
        ),
        hours_attended: Fig::new(
            completed.iter().map(|a| f64::from(a.actual_hours)).sum(),
            part,
            &mut t,
        ),
        coaching_sessions: sessions.len() as u32,
        coaching_hours: round2(sessions.iter().map(|c| f64::from(c.minutes)).sum::<f64>() / 60.0),
        funding,
        tally: t,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DimensionEvaluation {
    pub dimension_id: String,
    pub dimension_name: String,
    pub mean_baseline: Fig,
    pub mean_follow_up: Fig,
    pub change: Fig,
    pub companies: u32,
    pub baseline_respondents: Fig,
    pub follow_up_respondents: Fig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompanyEvaluation {
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub cell: Cell,
    pub dimensions: Vec<DimensionRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub dimensions: Vec<DimensionEvaluation>,
    pub companies: Vec<CompanyEvaluation>,
    pub workshop_participants: Fig,
    pub attendance_rate: Fig,
    pub average_feedback: Fig,
    pub feedback_count: Fig,
    pub participants_completed: Fig,
    pub activities_completed: Fig,
    pub credentials: Fig,
    pub hours_attended: Fig,
    pub companies_compared: u32,
    pub mean_change: Fig,
    pub dimensions_improved: u32,
    pub dimensions_declined: u32,
    pub tally: Tally,
}

pub fn evaluation(s: &Snapshot, rule: &Rule) -> Evaluation {
    let mut t = Tally::default();
    let plans = plans(s, rule);
    let compared = compared(s);
    let total = plans.scans_total;
    let dimensions: Vec<DimensionEvaluation> = s
        .dimensions
        .iter()
        .map(|d| {
            let pairs: Vec<(&DimensionScore, &DimensionScore)> = compared
                .iter()
                .filter_map(|(_, b, f)| Some((b.score(&d.id)?, f.score(&d.id)?)))
                .collect();
            let weighted = |follow_up: bool| {
                let pick = |p: &(&DimensionScore, &DimensionScore)| {
                    if follow_up { p.1.clone() } else { p.0.clone() }
                };
                let respondents: i64 = pairs.iter().map(|p| i64::from(pick(p).respondents)).sum();
                let sum: f64 = pairs
                    .iter()
                    .map(|p| pick(p).mean * f64::from(pick(p).respondents))
                    .sum();
                (
                    if respondents > 0 {
                        sum / respondents as f64
                    } else {
                        0.0
                    },
                    respondents,
                )
            };
            let (b, b_n) = weighted(false);
            let (f, f_n) = weighted(true);
            let cell = if pairs.is_empty() {
                Cell::NotAvailable
            } else {
                total
            };
            DimensionEvaluation {
                dimension_id: d.id.clone(),
                dimension_name: d.name.clone(),
                mean_baseline: Fig::new(round2(b), cell, &mut t),
                mean_follow_up: Fig::new(round2(f), cell, &mut t),
                change: Fig::new(round2(round2(f) - round2(b)), cell, &mut t),
                companies: pairs.len() as u32,
                baseline_respondents: Fig::new(b_n as f64, cell, &mut t),
                follow_up_respondents: Fig::new(f_n as f64, cell, &mut t),
            }
        })
        .collect();
    let companies = compared
        .iter()
        .map(|(o, _, _)| {
            let cell = plans.scans.get(&o.id).copied().unwrap_or(Cell::Shown);
            let mut row_tally = Tally::default();
            let dimensions = if cell.is_shown() {
                dimension_rows(s, o.id, cell, cell, &mut row_tally)
            } else {
                Vec::new()
            };
            t.count(cell);
            CompanyEvaluation {
                organisation_id: o.id,
                organisation_name: o.name.clone(),
                cell,
                dimensions,
            }
        })
        .collect();
    let recorded: Vec<&Registration> = s
        .registrations
        .iter()
        .filter(|r| r.attendance.is_some())
        .collect();
    let recorded_people = people(recorded.iter().filter_map(|r| r.participant_id));
    let rate = if recorded.is_empty() {
        0.0
    } else {
        round2(n(recorded.iter().filter(|r| attended(r)).count()) / n(recorded.len()))
    };
    let completed: Vec<&Activity> = s.activities.iter().filter(|a| a.completed).collect();
    let completed_people = people(completed.iter().map(|a| a.participant_id));
    let learning_cell = rule.single(completed_people);
    let shown_changes: Vec<f64> = dimensions
        .iter()
        .filter(|d| d.change.cell.is_shown())
        .map(|d| d.change.value)
        .collect();
    let mean_change = if shown_changes.is_empty() {
        Fig {
            value: 0.0,
            cell: if compared.is_empty() {
                Cell::NotAvailable
            } else {
                total
            },
        }
    } else {
        Fig::shown(round2(
            shown_changes.iter().sum::<f64>() / n(shown_changes.len()),
        ))
    };
    Evaluation {
        companies_compared: compared.len() as u32,
        dimensions_improved: shown_changes.iter().filter(|c| **c > 0.0).count() as u32,
        dimensions_declined: shown_changes.iter().filter(|c| **c < 0.0).count() as u32,
        mean_change,
        dimensions,
        companies,
        workshop_participants: Fig::new(
            recorded_people as f64,
            rule.single(recorded_people),
            &mut t,
        ),
        attendance_rate: Fig::new(rate, rule.single(recorded_people), &mut t),
        average_feedback: {
            let (mean, raters) = ratings(&s.feedback);
            Fig::new(mean, rule.single(raters), &mut t)
        },
        feedback_count: {
            let raters = people(s.feedback.iter().map(Feedback::rater));
            Fig::new(n(s.feedback.len()), rule.single(raters), &mut t)
        },
        participants_completed: Fig::new(completed_people as f64, learning_cell, &mut t),
        activities_completed: Fig::new(n(completed.len()), learning_cell, &mut t),
        credentials: Fig::new(
            n(completed.iter().filter(|a| a.credential).count()),
            learning_cell,
            &mut t,
        ),
        hours_attended: Fig::new(
            completed.iter().map(|a| f64::from(a.actual_hours)).sum(),
            learning_cell,
            &mut t,
        ),
        tally: t,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    pub source: Source,
    pub committed_cents: i64,
    pub spent_cents: i64,
    pub remaining_cents: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompanyFunding {
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub public_cents: Fig,
    pub total_cents: Fig,
    pub participants: Fig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Funding {
    pub sources: Vec<SourceStatus>,
    pub total_cents: i64,
    pub participants_funded: u32,
    pub cost_per_participant_cents: Fig,
    pub companies: Vec<CompanyFunding>,
    pub tally: Tally,
}

pub fn funding(s: &Snapshot, rule: &Rule) -> Funding {
    let mut t = Tally::default();
    let completed: BTreeSet<Uuid> = s
        .activities
        .iter()
        .filter(|a| a.completed)
        .map(|a| a.id)
        .collect();
    let mut sources: Vec<Source> = s.sources.clone();
    for a in &s.allocations {
        if !sources.iter().any(|x| x.id == a.source) {
            sources.push(Source {
                id: a.source.clone(),
                name: a.source.clone(),
                kind: String::new(),
                budget_cents: None,
            });
        }
    }
    let sources: Vec<SourceStatus> = sources
        .into_iter()
        .map(|source| {
            let (mut committed, mut spent) = (0i64, 0i64);
            for a in s.allocations.iter().filter(|a| a.source == source.id) {
                if completed.contains(&a.activity_id) {
                    spent += a.amount_cents;
                } else {
                    committed += a.amount_cents;
                }
            }
            SourceStatus {
                remaining_cents: source.budget_cents.map(|b| b - committed - spent),
                source,
                committed_cents: committed,
                spent_cents: spent,
            }
        })
        .collect();
    let public: BTreeSet<&str> = sources
        .iter()
        .filter(|x| x.source.is_public())
        .map(|x| x.source.id.as_str())
        .collect();
    let total_cents: i64 = s.allocations.iter().map(|a| a.amount_cents).sum();
    let funded = people(s.allocations.iter().map(|a| a.participant_id));
    let plans = plans(s, rule);
    let companies = sorted_organisations(s)
        .into_iter()
        .map(|o| {
            let cell = plans.funding.get(&o.id).copied().unwrap_or(Cell::Shown);
            let mine = || s.allocations.iter().filter(|a| a.organisation_id == o.id);
            CompanyFunding {
                organisation_id: o.id,
                organisation_name: o.name.clone(),
                public_cents: Fig::new(
                    mine()
                        .filter(|a| public.contains(a.source.as_str()))
                        .map(|a| a.amount_cents as f64)
                        .sum(),
                    cell,
                    &mut t,
                ),
                total_cents: Fig::new(mine().map(|a| a.amount_cents as f64).sum(), cell, &mut t),
                participants: Fig::new(funded_of(s, o.id) as f64, cell, &mut t),
            }
        })
        .collect();
    Funding {
        sources,
        total_cents,
        participants_funded: funded as u32,
        cost_per_participant_cents: Fig::new(
            if funded > 0 {
                (total_cents as f64 / funded as f64).round()
            } else {
                0.0
            },
            rule.single(funded),
            &mut t,
        ),
        companies,
        tally: t,
    }
}

/// Learning per company: a row of the report's hours table.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyHours {
    pub organisation_name: String,
    pub cell: Cell,
    pub participants: Fig,
    pub hours_planned: Fig,
    pub hours_attended: Fig,
}

/// Learning per month (of completion): participation over time.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthParticipation {
    pub month: String,
    pub active_participants: Fig,
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
    pub hours: Vec<CompanyHours>,
    pub months: Vec<MonthParticipation>,
    pub tally: Tally,
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
            let cell = plans
                .participation
                .get(&o.id)
                .copied()
                .unwrap_or(Cell::Shown);
            let acts: Vec<&Activity> = s
                .activities
                .iter()
                .filter(|a| a.organisation_id == o.id)
                .collect();
            t.count(cell);
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
                    cell,
                    &mut row,
                ),
                hours_attended: Fig::new(
                    acts.iter()
                        .filter(|a| a.completed)
                        .map(|a| f64::from(a.actual_hours))
                        .sum(),
                    cell,
                    &mut row,
                ),
            }
        })
        .collect();
    let mut by_month: BTreeMap<String, (BTreeSet<Uuid>, f64)> = BTreeMap::new();
    for a in s.activities.iter().filter(|a| a.completed) {
        if let Some(month) = &a.completed_month {
            let entry = by_month.entry(month.clone()).or_default();
            entry.0.insert(a.participant_id);
            entry.1 += f64::from(a.actual_hours);
        }
    }
    let month_people: Vec<u64> = by_month.values().map(|v| v.0.len() as u64).collect();
    let month_plan = rule.rows(&month_people);
    let months = by_month
        .into_iter()
        .zip(month_plan.rows)
        .map(|((month, (active, hours)), cell)| {
            t.count(cell);
            let mut row = Tally::default();
            MonthParticipation {
                month,
                active_participants: Fig::new(n(active.len()), cell, &mut row),
                hours_attended: Fig::new(hours, cell, &mut row),
            }
        })
        .collect();
    let tally = Tally {
        small_group: overview.tally.small_group
            + evaluation.tally.small_group
            + funding.tally.small_group
            + t.small_group,
        complementary: overview.tally.complementary
            + evaluation.tally.complementary
            + funding.tally.complementary
            + t.complementary,
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
        hours,
        months,
        tally,
    }
}
