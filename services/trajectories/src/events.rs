//! Trajectories' integration events: routing keys and builders. Ids only, besides a
//! coach's name and organisation (the coach registry's, not a participant's data).
use chrono::{DateTime, Utc};
use llo_proto::events::v1 as events;

use crate::{
    api::mapping::timestamp,
    store::{
        books::{BudgetLineRow, EntryRow, InvoiceRow, ParticipantRow},
        coaches::CoachRow,
        funding::AllocationRow,
        plans::{ActivityRow, PlanRow},
        trajectories::{InterventionRow, TrajectoryRow},
    },
};

fn now() -> Option<prost_types::Timestamp> {
    Some(timestamp(Utc::now()))
}

pub fn trajectory_proposed(
    t: &TrajectoryRow,
    interventions: &[InterventionRow],
) -> diesel::QueryResult<events::TrajectoryProposed> {
    Ok(events::TrajectoryProposed {
        trajectory_id: t.id.to_string(),
        organisation_id: t.organisation_id.to_string(),
        region: t.region.clone(),
        assessment_id: t.assessment_id.map(|a| a.to_string()).unwrap_or_default(),
        priority_dimension_ids: t.priority_dimensions()?,
        intervention_ids: interventions.iter().map(|i| i.id.to_string()).collect(),
        occur_time: now(),
    })
}

pub fn status_changed(t: &TrajectoryRow, from: &str) -> events::TrajectoryStatusChanged {
    events::TrajectoryStatusChanged {
        trajectory_id: t.id.to_string(),
        organisation_id: t.organisation_id.to_string(),
        region: t.region.clone(),
        from_status: from.to_owned(),
        to_status: t.status.clone(),
        occur_time: now(),
    }
}

/// The coach's name and organisation from the coach registry, so that intake can tell the
/// company's HR contact who their coach is.
pub fn coach_assigned(t: &TrajectoryRow, coach: Option<&CoachRow>) -> events::CoachAssigned {
    events::CoachAssigned {
        trajectory_id: t.id.to_string(),
        organisation_id: t.organisation_id.to_string(),
        region: t.region.clone(),
        coach_id: t.coach_id.clone().unwrap_or_default(),
        occur_time: now(),
        coach_name: coach.map(|c| c.name.clone()).unwrap_or_default(),
        coach_organisation_name: coach
            .map(|c| c.organisation_name.clone())
            .unwrap_or_default(),
    }
}

pub fn intervention_planned(t: &TrajectoryRow, i: &InterventionRow) -> events::InterventionPlanned {
    events::InterventionPlanned {
        intervention_id: i.id.to_string(),
        trajectory_id: t.id.to_string(),
        organisation_id: t.organisation_id.to_string(),
        region: t.region.clone(),
        kind: i.kind.clone(),
        dimension_id: i.dimension_id.clone().unwrap_or_default(),
        planned_hours: i.planned_hours,
        occur_time: now(),
    }
}

pub fn coaching_session_held(
    t: &TrajectoryRow,
    session_id: uuid::Uuid,
    minutes: i32,
    held: DateTime<Utc>,
) -> events::CoachingSessionHeld {
    events::CoachingSessionHeld {
        session_id: session_id.to_string(),
        trajectory_id: t.id.to_string(),
        organisation_id: t.organisation_id.to_string(),
        region: t.region.clone(),
        duration_minutes: minutes,
        held_time: Some(timestamp(held)),
        occur_time: now(),
    }
}

pub fn development_plan_created(plan: &PlanRow) -> events::DevelopmentPlanCreated {
    events::DevelopmentPlanCreated {
        plan_id: plan.id.to_string(),
        participant_id: plan.participant_id.to_string(),
        organisation_id: plan.organisation_id.to_string(),
        region: plan.region.clone(),
        occur_time: now(),
    }
}

pub fn activity_planned(plan: &PlanRow, a: &ActivityRow) -> events::LearningActivityPlanned {
    events::LearningActivityPlanned {
        activity_id: a.id.to_string(),
        participant_id: plan.participant_id.to_string(),
        organisation_id: plan.organisation_id.to_string(),
        region: plan.region.clone(),
        kind: a.kind.clone(),
        theme: a.theme.clone(),
        provider: a.provider.clone(),
        planned_hours: a.planned_hours,
        cost_cents: a.cost_cents,
        offering_id: a.offering_id.map(|o| o.to_string()).unwrap_or_default(),
        occur_time: now(),
    }
}

pub fn activity_completed(plan: &PlanRow, a: &ActivityRow) -> events::LearningActivityCompleted {
    events::LearningActivityCompleted {
        activity_id: a.id.to_string(),
        participant_id: plan.participant_id.to_string(),
        organisation_id: plan.organisation_id.to_string(),
        region: plan.region.clone(),
        actual_hours: a.actual_hours.unwrap_or_default(),
        credential_awarded: a.credential_name.is_some(),
        kind: a.kind.clone(),
        theme: a.theme.clone(),
        occur_time: a.completed_at.map(timestamp).or_else(now),
        credential_name: a.credential_name.clone().unwrap_or_default(),
        credential_issuer: a.credential_issuer.clone().unwrap_or_default(),
        credential_url: a.credential_url.clone().unwrap_or_default(),
        title: a.title.clone(),
        provider: a.provider.clone(),
        // The caller adds the offering's skills (`esco_skill_uris`) when it took one.
        esco_skill_uris: Vec::new(),
    }
}

pub fn funding_allocated(a: &AllocationRow) -> events::FundingAllocated {
    events::FundingAllocated {
        allocation_id: a.id.to_string(),
        activity_id: a.activity_id.to_string(),
        participant_id: a.participant_id.to_string(),
        organisation_id: a.organisation_id.to_string(),
        region: a.region.clone(),
        source: a.source.clone(),
        amount_cents: a.amount_cents,
        occur_time: now(),
    }
}

pub fn project_participant_set(
    p: &ParticipantRow,
    lines: &[BudgetLineRow],
) -> events::ProjectParticipantSet {
    events::ProjectParticipantSet {
        region: p.region.clone(),
        participant: p.key.clone(),
        organisation_id: p.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
        sme: p.sme,
        budget: lines
            .iter()
            .map(|l| events::WorkPackageBudget {
                work_package: l.work_package.clone(),
                planned_cents: l.line().planned_cost_cents(p.hourly_rate_cents),
            })
            .collect(),
        occur_time: Some(timestamp(p.updated_at)),
    }
}

/// Approved hours (or an approved reversal, negative) at the rate they were recorded at.
pub fn hours_approved(e: &EntryRow, participant: &str) -> events::ProjectCostApproved {
    events::ProjectCostApproved {
        cost_id: e.id.to_string(),
        region: e.region.clone(),
        participant: participant.to_owned(),
        work_package: e.work_package.clone(),
        cost_type: llo_chassis::packs::CostType::OwnStaffHours
            .as_str()
            .to_owned(),
        minutes: i64::from(e.minutes),
        hourly_rate_cents: e.rate_cents,
        invoiced_cents: 0,
        cost_date: e.day.to_string(),
        occur_time: now(),
    }
}

/// An approved invoice (or credit note, negative), VAT included as the grant pays it.
pub fn invoice_approved(i: &InvoiceRow, participant: &str) -> events::ProjectCostApproved {
    events::ProjectCostApproved {
        cost_id: i.id.to_string(),
        region: i.region.clone(),
        participant: participant.to_owned(),
        work_package: i.work_package.clone(),
        cost_type: i.cost_type.clone(),
        minutes: 0,
        hourly_rate_cents: 0,
        invoiced_cents: i.incl_vat_cents,
        cost_date: i.day.to_string(),
        occur_time: now(),
    }
}

pub fn school_enrolment_changed(
    plan: &PlanRow,
    e: &crate::store::enrolments::EnrolmentRow,
    to_state: &str,
) -> events::SchoolEnrolmentChanged {
    events::SchoolEnrolmentChanged {
        activity_id: e.activity_id.to_string(),
        participant_id: plan.participant_id.to_string(),
        organisation_id: plan.organisation_id.to_string(),
        region: plan.region.clone(),
        provider: e.provider.clone(),
        from_state: e.state.clone(),
        to_state: to_state.to_owned(),
        occur_time: now(),
    }
}
