//! What each change asks for, in domain types: parsed once at the edge (`api::commands`),
//! so that everything behind it works on values already known to be good.
use chrono::{DateTime, Utc};
use llo_chassis::fields::{Cents, Email, Name, Prose, Text};
use uuid::Uuid;

use super::{lifecycle::Transition, plan::ActivityKind};

/// A coach's id as the identity provider issues it.
pub type CoachId = Text<128>;
/// A learning theme: the id of one of the sector pack's learning themes ("lassen"), or
/// `other`.
pub type Theme = Text<100>;
/// An intervention kind: the id of one of the trajectory's sector pack's kinds.
pub type KindId = Text<100>;
/// What a coaching session was about.
pub type Topic = Text<500>;
/// A link to a credential, an ESCO skill and the like.
pub type Link = Text<500>;

#[derive(Debug, Clone)]
pub struct AssignCoach {
    pub trajectory_id: Uuid,
    pub coach_id: CoachId,
}

/// Registers a coach or updates the entry (the subject is the key).
#[derive(Debug, Clone)]
pub struct RegisterCoach {
    pub coach_id: CoachId,
    pub name: Name,
    pub organisation_name: Name,
    pub email: Option<Email>,
    /// Regions of the deployment, each covered by the caller's token.
    pub regions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PlanIntervention {
    pub trajectory_id: Uuid,
    pub kind: KindId,
    pub title: Name,
    pub description: Prose,
    pub planned_hours: i32,
}

/// Start, complete or cancel; only a cancellation carries a reason (possibly empty).
#[derive(Debug, Clone)]
pub struct ChangeTrajectoryStatus {
    pub trajectory_id: Uuid,
    pub transition: Transition,
    pub reason: Option<Prose>,
}

#[derive(Debug, Clone)]
pub struct RecordCoachingSession {
    pub trajectory_id: Uuid,
    pub held_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub topic: Topic,
}

#[derive(Debug, Clone)]
pub struct AddLearningGoal {
    pub participant_id: Uuid,
    pub theme: Theme,
    pub description: Prose,
    /// ESCO skill URIs of the sector's skills list.
    pub skill_uris: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PlanLearningActivity {
    pub participant_id: Uuid,
    pub goal_id: Option<Uuid>,
    pub origin: ActivityOrigin,
}

/// A course from the catalogue, or an activity the planner describes in full.
#[derive(Debug, Clone)]
pub enum ActivityOrigin {
    Offering {
        offering_id: Uuid,
        kind: Option<ActivityKind>,
        theme: Option<Theme>,
        /// The school's run to enrol in; the next open one when `None`.
        run_id: Option<Text<200>>,
    },
    Own {
        kind: ActivityKind,
        title: Name,
        provider: Name,
        theme: Theme,
        planned_hours: i32,
        cost: Cents,
    },
}

#[derive(Debug, Clone)]
pub struct CompleteLearningActivity {
    pub activity_id: Uuid,
    pub actual_hours: i32,
    pub credential: Option<Credential>,
    /// When it was completed, recorded afterwards; now when `None`.
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Credential {
    pub name: Name,
    pub issuer: Name,
    /// Empty, or an http(s) link.
    pub url: Link,
}

#[derive(Debug, Clone)]
pub struct AllocateFunding {
    pub activity_id: Uuid,
    pub source: Text<100>,
    pub amount: Cents,
}

/// A course as a provider publishes it; start times sorted (the runs' starts when it
/// gives runs), runs sorted by start.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishOffering {
    pub region: Text<100>,
    pub provider: Text<100>,
    pub course_code: Text<100>,
    pub title: Text<300>,
    pub themes: Vec<Theme>,
    pub hours: i32,
    pub price: Cents,
    pub start_times: Vec<DateTime<Utc>>,
    pub esco_skill_uris: Vec<Link>,
    pub runs: Vec<CourseRun>,
    pub teaching_language: String,
    pub modes_of_delivery: Vec<String>,
}

/// One run of a course: its start, and its end and enrolment window when given.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CourseRun {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub enrol_from: Option<DateTime<Utc>>,
    pub enrol_until: Option<DateTime<Utc>>,
    /// The provider's own id of the run (OOAPI's offeringId); may be empty.
    pub external_id: String,
    /// The run's own price, when it has one; else the course's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_cents: Option<i64>,
}
