//! Rows to protobuf, and protobuf enums to the words the store keeps.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use crate::{
    domain::{lifecycle::Status, proposal::INTERVENTION_KINDS},
    store::{
        offerings::OfferingRow,
        plans::{ActivityRow, GoalRow, PlanRow},
        trajectories::{InterventionRow, TrajectoryRow},
    },
};

pub const ACTIVITY_KINDS: [&str; 5] =
    ["course", "workshop", "coaching", "on_the_job", "e_learning"];

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

pub fn from_timestamp(at: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).ok()?)
}

/// A proto enum number (1-based) to its word; `None` for unspecified or unknown.
pub fn word(words: &[&'static str], value: i32) -> Option<&'static str> {
    usize::try_from(value)
        .ok()
        .and_then(|v| v.checked_sub(1))
        .and_then(|i| words.get(i))
        .copied()
}

pub fn number(words: &[&str], text: &str) -> i32 {
    words
        .iter()
        .position(|w| *w == text)
        .map_or(0, |i| i as i32 + 1)
}

pub fn status_to_proto(text: &str) -> pb::TrajectoryStatus {
    match Status::parse(text) {
        Some(Status::Proposed) => pb::TrajectoryStatus::Proposed,
        Some(Status::Active) => pb::TrajectoryStatus::Active,
        Some(Status::Completed) => pb::TrajectoryStatus::Completed,
        Some(Status::Cancelled) => pb::TrajectoryStatus::Cancelled,
        None => pb::TrajectoryStatus::Unspecified,
    }
}

pub fn status_from_proto(value: i32) -> Option<Status> {
    match pb::TrajectoryStatus::try_from(value).ok()? {
        pb::TrajectoryStatus::Proposed => Some(Status::Proposed),
        pb::TrajectoryStatus::Active => Some(Status::Active),
        pb::TrajectoryStatus::Completed => Some(Status::Completed),
        pb::TrajectoryStatus::Cancelled => Some(Status::Cancelled),
        pb::TrajectoryStatus::Unspecified => None,
    }
}

pub fn intervention(row: &InterventionRow) -> pb::Intervention {
    pb::Intervention {
        intervention_id: row.id.to_string(),
        kind: number(&INTERVENTION_KINDS, &row.kind),
        title: row.title.clone(),
        description: row.description.clone(),
        dimension_id: row.dimension_id.clone().unwrap_or_default(),
        planned_hours: row.planned_hours,
        create_time: Some(timestamp(row.created_at)),
    }
}

/// Coaching totals of a trajectory: (sessions, minutes).
pub type CoachingTotals = (i64, i64);

pub fn trajectory(
    row: &TrajectoryRow,
    interventions: &[InterventionRow],
    coaching: CoachingTotals,
) -> pb::Trajectory {
    pb::Trajectory {
        trajectory_id: row.id.to_string(),
        organisation_id: row.organisation_id.to_string(),
        region: row.region.clone(),
        sector: row.sector.clone(),
        status: status_to_proto(&row.status) as i32,
        assessment_id: row.assessment_id.map(|a| a.to_string()).unwrap_or_default(),
        priority_dimension_ids: row.priority_dimensions(),
        coach_id: row.coach_id.clone().unwrap_or_default(),
        interventions: interventions
            .iter()
            .filter(|i| i.trajectory_id == row.id)
            .map(intervention)
            .collect(),
        coaching_minutes: i32::try_from(coaching.1).unwrap_or(i32::MAX),
        coaching_session_count: i32::try_from(coaching.0).unwrap_or(i32::MAX),
        cancel_reason: row.cancel_reason.clone().unwrap_or_default(),
        create_time: Some(timestamp(row.created_at)),
        update_time: Some(timestamp(row.updated_at)),
    }
}

pub fn goal(row: &GoalRow) -> pb::LearningGoal {
    pb::LearningGoal {
        goal_id: row.id.to_string(),
        theme: row.theme.clone(),
        description: row.description.clone(),
        need_id: row.need_id.map(|n| n.to_string()).unwrap_or_default(),
        create_time: Some(timestamp(row.created_at)),
    }
}

pub fn activity(row: &ActivityRow, funded_cents: i64) -> pb::LearningActivity {
    pb::LearningActivity {
        activity_id: row.id.to_string(),
        goal_id: row.goal_id.map(|g| g.to_string()).unwrap_or_default(),
        kind: number(&ACTIVITY_KINDS, &row.kind),
        title: row.title.clone(),
        provider: row.provider.clone(),
        theme: row.theme.clone(),
        offering_id: row.offering_id.map(|o| o.to_string()).unwrap_or_default(),
        planned_hours: row.planned_hours,
        actual_hours: row.actual_hours.unwrap_or_default(),
        cost_cents: row.cost_cents,
        funded_cents,
        status: if row.status == "completed" {
            pb::ActivityStatus::Completed
        } else {
            pb::ActivityStatus::Planned
        } as i32,
        credential: row.credential_name.as_ref().map(|name| pb::Credential {
            name: name.clone(),
            issuer: row.credential_issuer.clone().unwrap_or_default(),
            url: row.credential_url.clone().unwrap_or_default(),
        }),
        create_time: Some(timestamp(row.created_at)),
        complete_time: row.completed_at.map(timestamp),
    }
}

pub fn plan(
    row: &PlanRow,
    goals: &[GoalRow],
    activities: &[ActivityRow],
    funded: &HashMap<Uuid, i64>,
) -> pb::DevelopmentPlan {
    pb::DevelopmentPlan {
        plan_id: row.id.to_string(),
        participant_id: row.participant_id.to_string(),
        organisation_id: row.organisation_id.to_string(),
        region: row.region.clone(),
        goals: goals.iter().map(goal).collect(),
        activities: activities
            .iter()
            .map(|a| activity(a, funded.get(&a.id).copied().unwrap_or(0)))
            .collect(),
        erased: row.erased_at.is_some(),
    }
}

pub fn offering(row: &OfferingRow) -> pb::CourseOffering {
    pb::CourseOffering {
        offering_id: row.id.to_string(),
        provider: row.provider.clone(),
        course_code: row.course_code.clone(),
        title: row.title.clone(),
        themes: row.themes(),
        hours: row.hours,
        price_cents: row.price_cents,
        start_times: row.start_times().into_iter().map(timestamp).collect(),
        esco_skill_uris: row.esco_skill_uris(),
        region: row.region.clone(),
        update_time: Some(timestamp(row.updated_at)),
    }
}
