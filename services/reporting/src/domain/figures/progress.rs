//! One company's progress through the programme.
use uuid::Uuid;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Rule, Tally},
};

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
    let part = Plans::of(&plans.participation, id);
    let fund = Plans::of(&plans.funding, id);
    // Figures about some of the company's people follow their own plans as well.
    let referred = part.and(Plans::of(&plans.referrals, id));
    let planning = part.and(Plans::of(&plans.planning, id));
    let completion = part.and(Plans::of(&plans.completion, id));
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
        uwv_referrals: Fig::new(n(uwv), referred, &mut t),
        development_plans: Fig::new(
            n(s.plans.iter().filter(|p| mine(&p.organisation_id)).count()),
            part.and(Plans::of(&plans.development, id)),
            &mut t,
        ),
        activities_planned: Fig::new(
            n(activities.iter().filter(|a| a.planned).count()),
            planning,
            &mut t,
        ),
        activities_completed: Fig::new(n(completed.len()), completion, &mut t),
        credentials: Fig::new(
            n(completed.iter().filter(|a| a.credential).count()),
            completion,
            &mut t,
        ),
        hours_planned: Fig::new(
            activities
                .iter()
                .filter(|a| a.planned)
                .map(|a| f64::from(a.planned_hours))
                .sum(),
            planning,
            &mut t,
        ),
        hours_attended: Fig::new(
            completed.iter().map(|a| f64::from(a.actual_hours)).sum(),
            completion,
            &mut t,
        ),
        coaching_sessions: sessions.len() as u32,
        coaching_hours: round2(sessions.iter().map(|c| f64::from(c.minutes)).sum::<f64>() / 60.0),
        funding,
        tally: t,
    }
}
