//! Integration events know their routing key: `<service>.<event>.v1`, written here once.
//! The outbox derives key and encoding from the message; a consumer subscribes by type.
use crate::events::v1 as events;

/// A protobuf message published on the suite's topic exchange.
pub trait IntegrationEvent: prost::Message + Default + Send + Sync + 'static {
    /// The routing key, which is also the AMQP `type` of the message.
    const ROUTING_KEY: &'static str;
}

macro_rules! integration_events {
    ($($event:ident => $key:literal,)*) => {
        $(impl IntegrationEvent for events::$event {
            const ROUTING_KEY: &'static str = $key;
        })*
        /// Every routing key of the suite, for topology checks and documentation.
        pub const ALL_ROUTING_KEYS: &[&str] = &[$($key),*];
    };
}

integration_events! {
    OrganisationRegistered => "intake.organisation_registered.v1",
    ParticipantEnrolled => "intake.participant_enrolled.v1",
    NeedsAssessmentCompleted => "intake.needs_assessment_completed.v1",
    LearningNeedsRecorded => "intake.learning_needs_recorded.v1",
    ParticipantErased => "intake.participant_erased.v1",
    TrajectoryProposed => "trajectories.trajectory_proposed.v1",
    TrajectoryStatusChanged => "trajectories.trajectory_status_changed.v1",
    CoachAssigned => "trajectories.coach_assigned.v1",
    InterventionPlanned => "trajectories.intervention_planned.v1",
    CoachingSessionHeld => "trajectories.coaching_session_held.v1",
    DevelopmentPlanCreated => "trajectories.development_plan_created.v1",
    LearningActivityPlanned => "trajectories.learning_activity_planned.v1",
    LearningActivityCompleted => "trajectories.learning_activity_completed.v1",
    FundingAllocated => "trajectories.funding_allocated.v1",
    MemberJoined => "community.member_joined.v1",
    WorkshopScheduled => "community.workshop_scheduled.v1",
    WorkshopRegistrationChanged => "community.workshop_registration_changed.v1",
    WorkshopAttended => "community.workshop_attended.v1",
    WorkshopCancelled => "community.workshop_cancelled.v1",
    KnowledgeItemPublished => "community.knowledge_item_published.v1",
    WorkshopFeedbackSubmitted => "community.workshop_feedback_submitted.v1",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_routing_key_names_its_service_and_version_once() {
        let mut seen = std::collections::HashSet::new();
        for key in ALL_ROUTING_KEYS {
            let parts: Vec<&str> = key.split('.').collect();
            assert_eq!(parts.len(), 3, "{key}");
            assert!(["intake", "trajectories", "community", "reporting"].contains(&parts[0]));
            assert_eq!(parts[2], "v1", "{key}");
            assert!(seen.insert(*key), "{key} twice");
        }
    }
}
