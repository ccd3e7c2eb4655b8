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

#[cfg(test)]
mod tests {
    use super::*;
    use Cell::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    const A: u128 = 1;
    const B: u128 = 2;
    const C: u128 = 3;
    const D: u128 = 4;

    fn scan(org: u128, round: Round, respondents: i32, scores: &[(&str, f64, i32)]) -> Scan {
        Scan {
            organisation_id: id(org),
            round,
            respondent_count: respondents,
            scores: scores
                .iter()
                .map(|(d, mean, n)| DimensionScore {
                    dimension_id: (*d).into(),
                    mean: *mean,
                    respondents: *n,
                })
                .collect(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn activity(
        n: u128,
        person: u128,
        org: u128,
        planned_hours: Option<i32>,
        actual_hours: Option<i32>,
        credential: bool,
        month: Option<&str>,
    ) -> Activity {
        Activity {
            id: id(n),
            participant_id: id(person),
            organisation_id: id(org),
            planned: planned_hours.is_some(),
            planned_hours: planned_hours.unwrap_or(0),
            completed: actual_hours.is_some(),
            actual_hours: actual_hours.unwrap_or(0),
            credential,
            completed_month: month.map(str::to_owned),
        }
    }

    fn allocation(activity: u128, person: u128, org: u128, source: &str, cents: i64) -> Allocation {
        Allocation {
            activity_id: id(activity),
            participant_id: id(person),
            organisation_id: id(org),
            source: source.into(),
            amount_cents: cents,
        }
    }

    fn registration(
        n: u128,
        person: Option<u128>,
        org: u128,
        status: &str,
        attendance: Option<Attendance>,
    ) -> Registration {
        Registration {
            id: id(n),
            workshop_id: id(51),
            participant_id: person.map(id),
            organisation_id: id(org),
            status: RegistrationStatus::parse(status),
            attendance,
            hours: 0.0,
            attended_month: None,
        }
    }

    /// A region small enough to compute by hand (minimum group size 3):
    /// Alfa (12 employees) and Beta (5) with both scans, Gamma (300) with both,
    /// Delta (60) with a baseline of 2 respondents only.
    fn snapshot() -> Snapshot {
        let org = |n, name: &str, employees| Organisation {
            id: id(n),
            name: name.into(),
            sector: "metal".into(),
            employee_count: employees,
        };
        let participant = |n, o, uwv, enrolled| Participant {
            id: id(n),
            organisation_id: id(o),
            uwv_referral: uwv,
            enrolled,
        };
        let trajectory = |n, o, status| Trajectory {
            id: id(n),
            organisation_id: id(o),
            status,
            coach_assigned: true,
        };
        let intervention = |n, o| Intervention {
            id: id(n),
            trajectory_id: id(21),
            organisation_id: id(o),
            kind: "training".into(),
            dimension_id: "a".into(),
            planned_hours: 4,
        };
        let plan = |p, o| Plan {
            participant_id: id(p),
            organisation_id: id(o),
        };
        let workshop = |n, scheduled, cancelled| Workshop {
            id: id(n),
            scheduled,
            cancelled,
        };
        let feedback = |r, p: Option<u128>, o, rating| Feedback {
            registration_id: id(r),
            participant_id: p.map(id),
            organisation_id: id(o),
            rating,
        };
        use Round::*;
        Snapshot {
            region: "twente".into(),
            sector: None,
            min_group_size: 3,
            dimensions: vec![
                Dimension {
                    id: "a".into(),
                    name: "Leiderschap".into(),
                },
                Dimension {
                    id: "b".into(),
                    name: "Delen".into(),
                },
            ],
            sources: vec![
                Source {
                    id: "slim".into(),
                    name: "SLIM".into(),
                    kind: "subsidy".into(),
                    budget_cents: Some(100_000),
                },
                Source {
                    id: "own".into(),
                    name: "Eigen bijdrage".into(),
                    kind: "employer_share".into(),
                    budget_cents: None,
                },
            ],
            organisations: vec![
                org(C, "Gamma", 300),
                org(A, "Alfa", 12),
                org(D, "Delta", 60),
                org(B, "Beta", 5),
            ],
            participants: vec![
                participant(11, A, true, true),
                participant(12, A, false, true),
                participant(13, B, false, true),
                participant(14, B, true, false),
                participant(15, C, false, true),
                participant(16, C, false, true),
                participant(17, C, true, true),
            ],
            scans: vec![
                scan(A, Baseline, 10, &[("a", 3.0, 10), ("b", 4.0, 10)]),
                scan(A, FollowUp, 8, &[("a", 3.5, 8), ("b", 3.75, 8)]),
                scan(B, Baseline, 2, &[("a", 2.0, 2)]),
                scan(B, FollowUp, 6, &[("a", 3.0, 6)]),
                scan(C, Baseline, 20, &[("a", 4.0, 20), ("b", 2.0, 20)]),
                scan(C, FollowUp, 25, &[("a", 4.5, 25), ("b", 2.0, 25)]),
                scan(D, Baseline, 2, &[("a", 1.0, 2)]),
            ],
            trajectories: vec![
                trajectory(21, A, TrajectoryStatus::Active),
                trajectory(22, A, TrajectoryStatus::Cancelled),
                trajectory(23, B, TrajectoryStatus::Proposed),
            ],
            interventions: vec![
                intervention(32, A),
                intervention(31, A),
                intervention(33, B),
            ],
            sessions: vec![
                CoachingSession {
                    organisation_id: id(A),
                    minutes: 90,
                },
                CoachingSession {
                    organisation_id: id(B),
                    minutes: 45,
                },
            ],
            plans: vec![plan(11, A), plan(11, A), plan(12, A)],
            activities: vec![
                activity(41, 11, A, Some(8), Some(6), true, Some("2026-03")),
                activity(42, 12, A, Some(4), None, false, None),
                activity(43, 13, B, None, Some(2), false, Some("2026-04")),
                activity(44, 12, A, None, Some(3), false, Some("2026-03")),
            ],
            allocations: vec![
                allocation(41, 11, A, "slim", 30_000),
                allocation(42, 12, A, "own", 5_000),
                allocation(42, 12, A, "slim", 2_000),
                allocation(42, 12, A, "extra", 1_000),
            ],
            workshops: vec![
                workshop(51, true, false),
                workshop(52, true, true),
                workshop(54, true, false),
                workshop(53, false, false),
            ],
            registrations: vec![
                registration(61, Some(11), A, "attended_fully", Some(Attendance::Fully)),
                registration(62, Some(12), A, "booked", None),
                registration(63, Some(13), B, "no_show", Some(Attendance::NoShow)),
                registration(64, None, B, "wait_listed", None),
                registration(65, Some(12), A, "cancelled", None),
                registration(
                    66,
                    Some(13),
                    B,
                    "attended_partially",
                    Some(Attendance::Partially),
                ),
            ],
            feedback: vec![
                feedback(61, Some(11), A, 4),
                feedback(66, Some(13), B, 5),
                feedback(63, None, B, 2),
            ],
            knowledge_items: 7,
        }
    }

    fn full() -> Rule {
        Rule::full(3)
    }

    fn anonymised() -> Rule {
        Rule::anonymised(3)
    }

    fn v(fig: Fig) -> (f64, Cell) {
        (fig.value, fig.cell)
    }

    fn figs<const N: usize>(figs: [Fig; N]) -> [(f64, Cell); N] {
        figs.map(v)
    }

    fn organisation(s: &Snapshot, n: u128) -> Organisation {
        s.organisations
            .iter()
            .find(|o| o.id == id(n))
            .unwrap()
            .clone()
    }

    #[test]
    fn the_overview_counts_people_activities_and_the_community_by_hand() {
        let o = overview(&snapshot(), &full());
        use SizeClass::*;
        assert_eq!(
            o.companies,
            BTreeMap::from([(Micro, 1), (Small, 1), (Medium, 1), (Large, 1)])
        );
        assert_eq!(o.companies_total, 4);
        assert_eq!(
            figs([
                o.employees_reached,
                o.uwv_referrals,
                o.development_plans,
                o.activities_planned,
                o.activities_completed,
                o.hours_planned,
                o.hours_attended,
                o.registrations,
                o.attendance_rate,
                o.average_feedback,
            ]),
            [
                (6.0, Shown),
                (2.0, Shown),
                (3.0, Shown),
                (2.0, Shown),
                (3.0, Shown),
                (12.0, Shown),
                (11.0, Shown),
                (4.0, Shown),
                (0.67, Shown),
                (3.67, Shown),
            ]
        );
        assert_eq!(o.coaching_sessions, 2);
        assert_eq!(o.coaching_hours, 2.25);
        assert_eq!(o.workshops_held, 2, "scheduled and not cancelled");
        assert_eq!(o.knowledge_items, 7);
        use TrajectoryStatus::*;
        assert_eq!(
            o.trajectories,
            BTreeMap::from([(Proposed, 1), (Active, 1), (Cancelled, 1)])
        );
        assert_eq!(o.tally, Tally::default());
    }

    #[test]
    fn the_anonymised_overview_hides_figures_about_fewer_than_three_people() {
        let o = overview(&snapshot(), &anonymised());
        assert_eq!(
            figs([
                o.employees_reached,
                o.uwv_referrals,
                o.development_plans,
                o.activities_planned,
                o.activities_completed,
                o.hours_planned,
                o.hours_attended,
                o.registrations,
                o.attendance_rate,
                o.average_feedback,
            ]),
            [
                (6.0, Shown),
                (0.0, SmallGroup),
                (0.0, SmallGroup),
                (0.0, SmallGroup),
                (3.0, Shown),
                (0.0, SmallGroup),
                (11.0, Shown),
                (4.0, Shown),
                (0.0, SmallGroup),
                (3.67, Shown),
            ]
        );
        assert_eq!(
            o.tally,
            Tally {
                small_group: 5,
                complementary: 0
            }
        );
    }

    #[test]
    fn an_empty_region_has_nothing_to_rate_or_compare() {
        let empty = Snapshot::default();
        let o = overview(&empty, &full());
        assert_eq!(v(o.attendance_rate), (0.0, Shown));
        assert_eq!(v(o.average_feedback), (0.0, Shown));
        let e = evaluation(
            &Snapshot {
                dimensions: snapshot().dimensions,
                ..Snapshot::default()
            },
            &full(),
        );
        assert_eq!(e.companies_compared, 0);
        assert_eq!(v(e.mean_change), (0.0, NotAvailable));
        assert_eq!(v(e.dimensions[0].mean_baseline), (0.0, NotAvailable));
        assert_eq!(v(e.attendance_rate), (0.0, Shown));
        let f = funding(&empty, &full());
        assert_eq!(v(f.cost_per_participant_cents), (0.0, Shown));
    }

    #[test]
    fn the_plans_hide_small_rows_and_a_partner_consistently() {
        let p = plans(&snapshot(), &anonymised());
        // Scans (the smaller round's respondents): Alfa 8, Beta 2, Gamma 20.
        assert_eq!(
            p.scans,
            HashMap::from([(id(A), Complementary), (id(B), SmallGroup), (id(C), Shown)])
        );
        assert_eq!(p.scans_total, Shown);
        // Participants: Alfa 2, Beta 1 (the other is not enrolled), Delta 0, Gamma 3.
        assert_eq!(
            p.participation,
            HashMap::from([
                (id(A), SmallGroup),
                (id(B), SmallGroup),
                (id(C), Shown),
                (id(D), Shown)
            ])
        );
        assert_eq!(p.participation_total, Shown);
        // Funded people: Alfa 2, nobody else: the total itself is small.
        assert_eq!(
            p.funding,
            HashMap::from([
                (id(A), SmallGroup),
                (id(B), Shown),
                (id(C), Shown),
                (id(D), Shown)
            ])
        );
        assert_eq!(p.funding_total, SmallGroup);
        let p = plans(&snapshot(), &full());
        assert!(p.scans.values().all(|c| *c == Shown));
        assert_eq!(p.scans.len(), 3);
    }

    #[test]
    fn a_companys_progress_by_hand() {
        let s = snapshot();
        let p = progress(&s, &organisation(&s, A), &full());
        let rows: Vec<_> = p
            .dimensions
            .iter()
            .map(|d| {
                (
                    d.dimension_id.as_str(),
                    figs([
                        d.baseline,
                        d.follow_up,
                        d.change,
                        d.baseline_respondents,
                        d.follow_up_respondents,
                    ]),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "a",
                    [
                        (3.0, Shown),
                        (3.5, Shown),
                        (0.5, Shown),
                        (10.0, Shown),
                        (8.0, Shown)
                    ]
                ),
                (
                    "b",
                    [
                        (4.0, Shown),
                        (3.75, Shown),
                        (-0.25, Shown),
                        (10.0, Shown),
                        (8.0, Shown)
                    ]
                )
            ]
        );
        assert_eq!(p.dimensions[1].dimension_name, "Delen");
        // The active trajectory, not the cancelled one with the higher id.
        assert_eq!(p.trajectory.map(|t| t.id), Some(id(21)));
        let interventions: Vec<_> = p.interventions.iter().map(|i| i.id).collect();
        assert_eq!(interventions, [id(31), id(32)]);
        assert_eq!(
            figs([
                p.participants,
                p.uwv_referrals,
                p.development_plans,
                p.activities_planned,
                p.activities_completed,
                p.credentials,
                p.hours_planned,
                p.hours_attended,
            ]),
            [
                (2.0, Shown),
                (1.0, Shown),
                (3.0, Shown),
                (2.0, Shown),
                (2.0, Shown),
                (1.0, Shown),
                (12.0, Shown),
                (9.0, Shown),
            ]
        );
        assert_eq!(p.coaching_sessions, 1);
        assert_eq!(p.coaching_hours, 1.5);
        let funding: Vec<_> = p
            .funding
            .iter()
            .map(|f| {
                (
                    f.source.as_str(),
                    f.name.as_str(),
                    f.public,
                    v(f.committed),
                    v(f.spent),
                )
            })
            .collect();
        assert_eq!(
            funding,
            [
                ("slim", "SLIM", true, (2000.0, Shown), (30000.0, Shown)),
                (
                    "own",
                    "Eigen bijdrage",
                    false,
                    (5000.0, Shown),
                    (0.0, Shown)
                ),
            ]
        );
        assert_eq!(p.tally, Tally::default());
    }

    #[test]
    fn a_companys_progress_follows_the_regions_plans_when_anonymised() {
        let s = snapshot();
        let p = progress(&s, &organisation(&s, A), &anonymised());
        for d in &p.dimensions {
            assert_eq!(
                figs([
                    d.baseline,
                    d.follow_up,
                    d.change,
                    d.baseline_respondents,
                    d.follow_up_respondents
                ]),
                [(0.0, Complementary); 5]
            );
        }
        assert_eq!(
            figs([
                p.participants,
                p.uwv_referrals,
                p.development_plans,
                p.activities_planned,
                p.activities_completed,
                p.credentials,
                p.hours_planned,
                p.hours_attended,
                p.funding[0].committed,
                p.funding[1].spent,
            ]),
            [(0.0, SmallGroup); 10]
        );
        assert_eq!(
            p.tally,
            Tally {
                small_group: 12,
                complementary: 10
            }
        );
        // Gamma: three participants, shown; its one uwv referral is a group of one.
        let p = progress(&s, &organisation(&s, C), &anonymised());
        assert_eq!(v(p.participants), (3.0, Shown));
        assert_eq!(v(p.uwv_referrals), (0.0, SmallGroup));
        assert_eq!(v(p.dimensions[0].baseline), (4.0, Shown));
        // Delta is in no scan table: each round is judged on its own.
        let p = progress(&s, &organisation(&s, D), &anonymised());
        let a = &p.dimensions[0];
        assert_eq!(
            figs([a.baseline, a.follow_up, a.change, a.baseline_respondents]),
            [
                (0.0, SmallGroup),
                (0.0, NotAvailable),
                (0.0, NotAvailable),
                (0.0, SmallGroup)
            ]
        );
        let p = progress(&s, &organisation(&s, D), &full());
        assert_eq!(v(p.dimensions[0].baseline), (1.0, Shown));
        assert_eq!(v(p.dimensions[0].baseline_respondents), (2.0, Shown));
        assert_eq!(v(p.dimensions[1].baseline), (0.0, NotAvailable));
    }

    #[test]
    fn the_evaluation_weighs_company_means_by_respondents() {
        let e = evaluation(&snapshot(), &full());
        let dims: Vec<_> = e
            .dimensions
            .iter()
            .map(|d| {
                (
                    d.dimension_name.as_str(),
                    d.companies,
                    figs([
                        d.mean_baseline,
                        d.mean_follow_up,
                        d.change,
                        d.baseline_respondents,
                        d.follow_up_respondents,
                    ]),
                )
            })
            .collect();
        // a: (3·10 + 2·2 + 4·20) / 32 = 3.5625; (3.5·8 + 3·6 + 4.5·25) / 39 = 4.064
        // b: (4·10 + 2·20) / 30 = 2.667; (3.75·8 + 2·25) / 33 = 2.424
        assert_eq!(
            dims,
            [
                (
                    "Leiderschap",
                    3,
                    [
                        (3.56, Shown),
                        (4.06, Shown),
                        (0.5, Shown),
                        (32.0, Shown),
                        (39.0, Shown)
                    ]
                ),
                (
                    "Delen",
                    2,
                    [
                        (2.67, Shown),
                        (2.42, Shown),
                        (-0.25, Shown),
                        (30.0, Shown),
                        (33.0, Shown)
                    ]
                )
            ]
        );
        assert_eq!(e.dimensions[0].dimension_id, "a");
        assert_eq!(e.companies_compared, 3);
        // (0.5 − 0.25) / 2 = 0.125
        assert_eq!(v(e.mean_change), (0.13, Shown));
        assert_eq!((e.dimensions_improved, e.dimensions_declined), (1, 1));
        let companies: Vec<_> = e
            .companies
            .iter()
            .map(|c| (c.organisation_name.as_str(), c.cell, c.dimensions.len()))
            .collect();
        assert_eq!(
            companies,
            [("Alfa", Shown, 2), ("Beta", Shown, 2), ("Gamma", Shown, 2)]
        );
        assert_eq!(e.companies[1].organisation_id, id(B));
        assert_eq!(v(e.companies[1].dimensions[0].change), (1.0, Shown));
        assert_eq!(
            figs([
                e.workshop_participants,
                e.attendance_rate,
                e.average_feedback,
                e.feedback_count,
                e.participants_completed,
                e.activities_completed,
                e.credentials,
                e.hours_attended,
            ]),
            [
                (2.0, Shown),
                (0.67, Shown),
                (3.67, Shown),
                (3.0, Shown),
                (3.0, Shown),
                (3.0, Shown),
                (1.0, Shown),
                (11.0, Shown),
            ]
        );
        assert_eq!(e.tally, Tally::default());
    }

    #[test]
    fn the_anonymised_evaluation_hides_small_companies_and_small_groups() {
        let e = evaluation(&snapshot(), &anonymised());
        let companies: Vec<_> = e
            .companies
            .iter()
            .map(|c| (c.organisation_name.as_str(), c.cell, c.dimensions.len()))
            .collect();
        assert_eq!(
            companies,
            [
                ("Alfa", Complementary, 0),
                ("Beta", SmallGroup, 0),
                ("Gamma", Shown, 2)
            ]
        );
        assert_eq!(v(e.dimensions[0].mean_baseline), (3.56, Shown));
        assert_eq!(
            figs([e.workshop_participants, e.attendance_rate, e.feedback_count]),
            [(0.0, SmallGroup), (0.0, SmallGroup), (3.0, Shown)]
        );
        assert_eq!(
            e.tally,
            Tally {
                small_group: 3,
                complementary: 1
            }
        );
        // Only Beta compared: its table's total is a small group, so is every mean.
        let mut s = snapshot();
        s.scans.retain(|x| x.organisation_id == id(B));
        let e = evaluation(&s, &anonymised());
        assert_eq!(v(e.dimensions[0].mean_baseline), (0.0, SmallGroup));
        assert_eq!(v(e.dimensions[1].mean_baseline), (0.0, NotAvailable));
        assert_eq!(v(e.mean_change), (0.0, SmallGroup));
        assert_eq!((e.dimensions_improved, e.dimensions_declined), (0, 0));
    }

    #[test]
    fn funding_by_source_and_company() {
        let f = funding(&snapshot(), &full());
        let sources: Vec<_> = f
            .sources
            .iter()
            .map(|x| {
                (
                    x.source.id.as_str(),
                    x.committed_cents,
                    x.spent_cents,
                    x.remaining_cents,
                )
            })
            .collect();
        // An allocation from a source the packs do not name still shows up.
        assert_eq!(
            sources,
            [
                ("slim", 2_000, 30_000, Some(68_000)),
                ("own", 5_000, 0, None),
                ("extra", 1_000, 0, None)
            ]
        );
        assert_eq!(f.sources[2].source.name, "extra");
        assert_eq!(f.total_cents, 38_000);
        assert_eq!(f.participants_funded, 2);
        assert_eq!(v(f.cost_per_participant_cents), (19_000.0, Shown));
        let companies: Vec<_> = f
            .companies
            .iter()
            .map(|c| {
                (
                    c.organisation_name.as_str(),
                    figs([c.public_cents, c.total_cents, c.participants]),
                )
            })
            .collect();
        assert_eq!(
            companies[0],
            ("Alfa", [(33_000.0, Shown), (38_000.0, Shown), (2.0, Shown)])
        );
        assert_eq!(companies[1].1, [(0.0, Shown); 3]);
        assert_eq!(f.companies[0].organisation_id, id(A));
        assert_eq!(f.tally, Tally::default());

        let f = funding(&snapshot(), &anonymised());
        assert_eq!(v(f.cost_per_participant_cents), (0.0, SmallGroup));
        assert_eq!(
            figs([
                f.companies[0].public_cents,
                f.companies[0].total_cents,
                f.companies[0].participants
            ]),
            [(0.0, SmallGroup); 3]
        );
        assert_eq!(
            f.tally,
            Tally {
                small_group: 4,
                complementary: 0
            }
        );
        // Totals are not suppressed: they are about money, not people.
        assert_eq!(f.total_cents, 38_000);
    }

    #[test]
    fn the_report_adds_hours_per_company_and_month_and_sums_the_tallies() {
        let mut s = snapshot();
        let r = report(&s, "Twente", "LLO");
        assert_eq!(
            (
                r.region.as_str(),
                r.region_name.as_str(),
                r.programme.as_str()
            ),
            ("twente", "Twente", "LLO")
        );
        assert_eq!((r.sector.clone(), r.min_group_size), (None, 3));
        assert_eq!(r.overview, overview(&s, &anonymised()));
        assert_eq!(r.evaluation, evaluation(&s, &anonymised()));
        assert_eq!(r.funding, funding(&s, &anonymised()));
        let hours: Vec<_> = r
            .hours
            .iter()
            .map(|h| (h.organisation_name.as_str(), h.cell, v(h.participants)))
            .collect();
        assert_eq!(
            hours,
            [
                ("Alfa", SmallGroup, (0.0, SmallGroup)),
                ("Beta", SmallGroup, (0.0, SmallGroup)),
                ("Delta", Shown, (0.0, Shown)),
                ("Gamma", Shown, (3.0, Shown))
            ]
        );
        // Months: March has two active people, April one: both small.
        let months: Vec<_> = r
            .months
            .iter()
            .map(|m| {
                (
                    m.month.as_str(),
                    v(m.active_participants),
                    v(m.hours_attended),
                )
            })
            .collect();
        assert_eq!(
            months,
            [
                ("2026-03", (0.0, SmallGroup), (0.0, SmallGroup)),
                ("2026-04", (0.0, SmallGroup), (0.0, SmallGroup))
            ]
        );
        // 5 (overview) + 3 (evaluation) + 4 (funding) + 2 companies + 2 months.
        assert_eq!(
            r.tally,
            Tally {
                small_group: 16,
                complementary: 1
            }
        );

        // With a minimum group of one, every figure is shown.
        s.min_group_size = 1;
        s.sector = Some("metal".into());
        let r = report(&s, "Twente", "LLO");
        assert_eq!(r.sector.as_deref(), Some("metal"));
        assert_eq!(r.min_group_size, 1);
        let hours: Vec<_> = r
            .hours
            .iter()
            .map(|h| {
                (
                    h.organisation_name.as_str(),
                    figs([h.participants, h.hours_planned, h.hours_attended]),
                )
            })
            .collect();
        assert_eq!(
            hours[0],
            ("Alfa", [(2.0, Shown), (12.0, Shown), (9.0, Shown)])
        );
        assert_eq!(
            hours[1],
            ("Beta", [(1.0, Shown), (0.0, Shown), (2.0, Shown)])
        );
        let months: Vec<_> = r
            .months
            .iter()
            .map(|m| {
                (
                    m.month.as_str(),
                    v(m.active_participants),
                    v(m.hours_attended),
                )
            })
            .collect();
        assert_eq!(
            months,
            [
                ("2026-03", (2.0, Shown), (9.0, Shown)),
                ("2026-04", (1.0, Shown), (2.0, Shown))
            ]
        );
        assert_eq!(r.tally, Tally::default());
    }

    #[test]
    fn a_hidden_figure_carries_no_value_and_is_counted() {
        let mut t = Tally::default();
        assert_eq!(v(Fig::new(7.0, SmallGroup, &mut t)), (0.0, SmallGroup));
        assert_eq!(v(Fig::new(7.0, Shown, &mut t)), (7.0, Shown));
        assert_eq!(t.small_group, 1);
        assert_eq!(v(Fig::shown(2.5)), (2.5, Shown));
        assert_eq!(v(Fig::not_available()), (0.0, NotAvailable));
    }

    #[test]
    fn improved_and_declined_dimensions_are_counted_apart_from_unchanged_ones() {
        let dims = ["a", "b", "c", "d"];
        let (before, after) = ([2.0, 2.0, 3.0, 3.0], [3.0, 2.5, 3.0, 2.5]);
        let scores = |means: [f64; 4]| -> Vec<(&str, f64, i32)> {
            dims.iter().zip(means).map(|(d, m)| (*d, m, 5)).collect()
        };
        let s = Snapshot {
            min_group_size: 3,
            dimensions: dims
                .iter()
                .map(|d| Dimension {
                    id: (*d).into(),
                    name: d.to_uppercase(),
                })
                .collect(),
            organisations: vec![Organisation {
                id: id(A),
                name: "Alfa".into(),
                sector: "metal".into(),
                employee_count: 12,
            }],
            scans: vec![
                scan(A, Round::Baseline, 5, &scores(before)),
                scan(A, Round::FollowUp, 5, &scores(after)),
            ],
            ..Snapshot::default()
        };
        let e = evaluation(&s, &full());
        assert_eq!((e.dimensions_improved, e.dimensions_declined), (2, 1));
        // (1 + 0.5 + 0 − 0.5) / 4
        assert_eq!(v(e.mean_change), (0.25, Shown));
    }

    #[test]
    fn a_dimension_nobody_answered_has_a_mean_of_zero_not_nan() {
        let mut s = snapshot();
        for scan in &mut s.scans {
            for score in &mut scan.scores {
                score.respondents = 0;
            }
        }
        let e = evaluation(&s, &full());
        assert_eq!(v(e.dimensions[0].mean_baseline), (0.0, Shown));
        assert_eq!(v(e.dimensions[0].mean_follow_up), (0.0, Shown));
        assert_eq!(v(e.dimensions[0].baseline_respondents), (0.0, Shown));
    }

    #[test]
    fn the_reports_tally_adds_every_tables_complementary_cells() {
        // Groups of one are small: Beta's one funded and one enrolled person, April's one
        // active person; each takes the smallest shown row of its table with it.
        let mut s = snapshot();
        s.min_group_size = 2;
        s.allocations.push(allocation(43, 13, B, "slim", 500));
        let r = report(&s, "Twente", "LLO");
        assert_eq!(r.overview.tally, Tally::default());
        assert_eq!(r.evaluation.tally, Tally::default());
        assert_eq!(
            r.funding.tally,
            Tally {
                small_group: 3,
                complementary: 3
            }
        );
        let hours: Vec<_> = r.hours.iter().map(|h| h.cell).collect();
        assert_eq!(hours, [Complementary, SmallGroup, Shown, Shown]);
        let months: Vec<_> = r.months.iter().map(|m| v(m.active_participants)).collect();
        assert_eq!(months, [(0.0, Complementary), (0.0, SmallGroup)]);
        assert_eq!(
            r.tally,
            Tally {
                small_group: 5,
                complementary: 5
            }
        );
    }
}
