//! One-glance figures of the programme: companies, people, activities, hours, the community.
use std::collections::BTreeMap;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Rule, Tally},
};

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

pub(super) fn attended(r: &Registration) -> bool {
    matches!(
        r.attendance,
        Some(Attendance::Fully | Attendance::Partially)
    )
}

pub(super) fn counts_as_registration(r: &Registration) -> bool {
    r.attendance.is_some() || r.status.is_some_and(RegistrationStatus::held_a_seat)
}

/// The overview of a view; a sector's is held against the region and its siblings.
pub fn overview(s: &Snapshot, rule: &Rule) -> Overview {
    let mut added = Tally::default();
    let mut o = siblings::held(s, rule, overview_of, &mut added);
    o.tally.small_group += added.small_group;
    o.tally.complementary += added.complementary;
    o
}

fn overview_of(s: &Snapshot, rule: &Rule) -> Overview {
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
