//! Rows to protobuf, and protobuf enums to domain enums and back. A stored word the
//! code does not know is a fault to log, never a silent default.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use llo_chassis::ApiError;
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use crate::{
    domain::{
        enrolment::EnrolmentState,
        lifecycle::Status,
        plan::{ActivityKind, ActivityStatus},
    },
    store::{
        coaches::CoachRow,
        enrolments::EnrolmentRow,
        offerings::OfferingRow,
        plans::{ActivityRow, GoalRow, PlanRow},
        trajectories::{InterventionRow, TrajectoryRow},
    },
};

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

/// A word read back from the store, parsed; an unknown one is our fault, reported.
pub fn stored<T>(
    what: &str,
    text: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, ApiError> {
    parse(text)
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("stored {what} {text:?} is unknown")))
}

/// The deprecated `InterventionKind` enum: its five kinds and their ids in the packs.
/// Kinds are pack data now (`kind_id`); the enum stays for the clients that use it.
const LEGACY_KINDS: [(pb::InterventionKind, &str); 5] = [
    (
        pb::InterventionKind::CoachingDirectors,
        "coaching_directors",
    ),
    (
        pb::InterventionKind::CoachingSupervisors,
        "coaching_supervisors",
    ),
    (pb::InterventionKind::TeamWorkshop, "team_workshop"),
    (pb::InterventionKind::Training, "training"),
    (pb::InterventionKind::HrInstrument, "hr_instrument"),
];

/// The kind id a value of the deprecated enum stands for; `None` for unspecified or a
/// number this build does not know.
pub fn legacy_kind_id(value: i32) -> Option<&'static str> {
    LEGACY_KINDS
        .iter()
        .find(|(kind, _)| *kind as i32 == value)
        .map(|(_, id)| *id)
}

/// The deprecated enum's value of a kind id: UNSPECIFIED for a kind a pack added.
fn legacy_kind(id: &str) -> pb::InterventionKind {
    LEGACY_KINDS
        .iter()
        .find(|(_, legacy)| *legacy == id)
        .map_or(pb::InterventionKind::Unspecified, |(kind, _)| *kind)
}

/// `None` for unspecified (or a number this build does not know).
pub fn activity_kind(value: i32) -> Option<ActivityKind> {
    use pb::ActivityKind as P;
    match P::try_from(value).ok()? {
        P::Course => Some(ActivityKind::Course),
        P::Workshop => Some(ActivityKind::Workshop),
        P::Coaching => Some(ActivityKind::Coaching),
        P::OnTheJob => Some(ActivityKind::OnTheJob),
        P::ELearning => Some(ActivityKind::ELearning),
        P::Unspecified => None,
    }
}

fn activity_kind_to_proto(kind: ActivityKind) -> pb::ActivityKind {
    match kind {
        ActivityKind::Course => pb::ActivityKind::Course,
        ActivityKind::Workshop => pb::ActivityKind::Workshop,
        ActivityKind::Coaching => pb::ActivityKind::Coaching,
        ActivityKind::OnTheJob => pb::ActivityKind::OnTheJob,
        ActivityKind::ELearning => pb::ActivityKind::ELearning,
    }
}

pub fn status_to_proto(status: Status) -> pb::TrajectoryStatus {
    match status {
        Status::Proposed => pb::TrajectoryStatus::Proposed,
        Status::Active => pb::TrajectoryStatus::Active,
        Status::Completed => pb::TrajectoryStatus::Completed,
        Status::Cancelled => pb::TrajectoryStatus::Cancelled,
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

/// The stored status of a trajectory.
pub fn trajectory_status(row: &TrajectoryRow) -> Result<Status, ApiError> {
    stored("trajectory status", &row.status, Status::parse)
}

/// The stored status of a learning activity.
pub fn activity_status(row: &ActivityRow) -> Result<ActivityStatus, ApiError> {
    stored("activity status", &row.status, ActivityStatus::parse)
}

/// An intervention; its kind as stored, the id of a kind of the sector pack (a pack may
/// drop a kind later: what was planned keeps it).
pub fn intervention(row: &InterventionRow) -> pb::Intervention {
    pb::Intervention {
        intervention_id: row.id.to_string(),
        kind: legacy_kind(&row.kind) as i32,
        kind_id: row.kind.clone(),
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
) -> Result<pb::Trajectory, ApiError> {
    Ok(pb::Trajectory {
        trajectory_id: row.id.to_string(),
        organisation_id: row.organisation_id.to_string(),
        region: row.region.clone(),
        sector: row.sector.clone(),
        status: status_to_proto(trajectory_status(row)?) as i32,
        assessment_id: row.assessment_id.map(|a| a.to_string()).unwrap_or_default(),
        priority_dimension_ids: row.priority_dimensions()?,
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
    })
}

pub fn goal(row: &GoalRow) -> pb::LearningGoal {
    pb::LearningGoal {
        goal_id: row.id.to_string(),
        theme: row.theme.clone(),
        description: row.description.clone(),
        need_id: row.need_id.map(|n| n.to_string()).unwrap_or_default(),
        create_time: Some(timestamp(row.created_at)),
        skill_uris: row.skill_uris.clone(),
    }
}

pub fn activity(row: &ActivityRow, funded_cents: i64) -> Result<pb::LearningActivity, ApiError> {
    let kind = stored("activity kind", &row.kind, ActivityKind::parse)?;
    Ok(pb::LearningActivity {
        activity_id: row.id.to_string(),
        goal_id: row.goal_id.map(|g| g.to_string()).unwrap_or_default(),
        kind: activity_kind_to_proto(kind) as i32,
        title: row.title.clone(),
        provider: row.provider.clone(),
        theme: row.theme.clone(),
        offering_id: row.offering_id.map(|o| o.to_string()).unwrap_or_default(),
        planned_hours: row.planned_hours,
        actual_hours: row.actual_hours.unwrap_or_default(),
        cost_cents: row.cost_cents,
        funded_cents,
        status: match activity_status(row)? {
            ActivityStatus::Planned => pb::ActivityStatus::Planned,
            ActivityStatus::Completed => pb::ActivityStatus::Completed,
        } as i32,
        credential: row.credential_name.as_ref().map(|name| pb::Credential {
            name: name.clone(),
            issuer: row.credential_issuer.clone().unwrap_or_default(),
            url: row.credential_url.clone().unwrap_or_default(),
        }),
        create_time: Some(timestamp(row.created_at)),
        complete_time: row.completed_at.map(timestamp),
        school_enrolment: None,
    })
}

/// An activity with the place asked of its school, when one was.
pub fn activity_enrolled(
    row: &ActivityRow,
    funded_cents: i64,
    enrolment: Option<&EnrolmentRow>,
) -> Result<pb::LearningActivity, ApiError> {
    Ok(pb::LearningActivity {
        school_enrolment: enrolment.map(school_enrolment).transpose()?,
        ..activity(row, funded_cents)?
    })
}

pub fn school_enrolment(row: &EnrolmentRow) -> Result<pb::SchoolEnrolment, ApiError> {
    let state = match stored("enrolment state", &row.state, EnrolmentState::parse)? {
        EnrolmentState::Requested => pb::SchoolEnrolmentState::Requested,
        EnrolmentState::Pending => pb::SchoolEnrolmentState::Pending,
        EnrolmentState::Associated => pb::SchoolEnrolmentState::Associated,
        EnrolmentState::Queued => pb::SchoolEnrolmentState::Queued,
        EnrolmentState::Denied => pb::SchoolEnrolmentState::Denied,
        EnrolmentState::Canceled => pb::SchoolEnrolmentState::Canceled,
        EnrolmentState::Completed => pb::SchoolEnrolmentState::Completed,
    };
    Ok(pb::SchoolEnrolment {
        provider: row.provider.clone(),
        run_id: row.run_id.clone(),
        state: state as i32,
        association_id: row.association_id.clone().unwrap_or_default(),
        pass: row.pass.clone(),
        score: row.score.clone(),
        last_error: row.last_error.clone(),
        update_time: Some(timestamp(row.update_time)),
    })
}

pub fn plan(
    row: &PlanRow,
    goals: &[GoalRow],
    activities: &[ActivityRow],
    funded: &HashMap<Uuid, i64>,
    enrolments: &HashMap<Uuid, EnrolmentRow>,
) -> Result<pb::DevelopmentPlan, ApiError> {
    Ok(pb::DevelopmentPlan {
        plan_id: row.id.to_string(),
        participant_id: row.participant_id.to_string(),
        organisation_id: row.organisation_id.to_string(),
        region: row.region.clone(),
        goals: goals.iter().map(goal).collect(),
        activities: activities
            .iter()
            .map(|a| {
                let funded = funded.get(&a.id).copied().unwrap_or(0);
                activity_enrolled(a, funded, enrolments.get(&a.id))
            })
            .collect::<Result<_, _>>()?,
        erased: row.erased_at.is_some(),
    })
}

pub fn offering(row: &OfferingRow) -> Result<pb::CourseOffering, ApiError> {
    Ok(pb::CourseOffering {
        offering_id: row.id.to_string(),
        provider: row.provider.clone(),
        course_code: row.course_code.clone(),
        title: row.title.clone(),
        themes: row.themes()?,
        hours: row.hours,
        price_cents: row.price_cents,
        start_times: row.start_times.iter().copied().map(timestamp).collect(),
        esco_skill_uris: row.esco_skill_uris()?,
        region: row.region.clone(),
        update_time: Some(timestamp(row.updated_at)),
        runs: row
            .runs()?
            .into_iter()
            .map(|r| pb::CourseRun {
                start_time: Some(timestamp(r.start)),
                end_time: r.end.map(timestamp),
                enrol_start_time: r.enrol_from.map(timestamp),
                enrol_end_time: r.enrol_until.map(timestamp),
                external_id: r.external_id,
                price_cents: r.price_cents,
            })
            .collect(),
        teaching_language: row.teaching_language.clone(),
        modes_of_delivery: row.modes_of_delivery()?,
    })
}

/// A registered coach with (up to `max_ids` of) their open trajectories.
pub fn coach(row: &CoachRow, open_trajectory_ids: &[&Uuid], max_ids: usize) -> pb::Coach {
    pb::Coach {
        coach_id: row.subject.clone(),
        name: row.name.clone(),
        organisation_name: row.organisation_name.clone(),
        email: row.email.clone().unwrap_or_default(),
        regions: row.regions.clone(),
        open_trajectory_count: i32::try_from(open_trajectory_ids.len()).unwrap_or(i32::MAX),
        open_trajectory_ids: open_trajectory_ids
            .iter()
            .take(max_ids)
            .map(ToString::to_string)
            .collect(),
        registered_at: Some(timestamp(row.registered_at)),
    }
}
