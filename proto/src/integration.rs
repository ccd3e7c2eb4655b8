//! Integration events know their routing key: `<service>.<event>.v1`, written here once.
//! The outbox derives key and encoding from the message; a consumer subscribes by type.
use crate::events::v1 as events;

/// A protobuf message published on the suite's topic exchange. Every event carries the
/// region it belongs to and when it happened; those about one person name them.
pub trait IntegrationEvent: prost::Message + Default + Send + Sync + 'static {
    /// The routing key, which is also the AMQP `type` of the message.
    const ROUTING_KEY: &'static str;
    /// The region the event belongs to (the outbox row's region).
    fn region(&self) -> &str;
    /// The person the event is about, for events about one person.
    fn participant_id(&self) -> Option<&str>;
    /// When it happened, as its service recorded it.
    fn occur_time(&self) -> Option<&prost_types::Timestamp>;
}

/// An event body that did not decode as the type its routing key names, or a routing
/// key that is not the suite's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOrMalformed(pub String);

impl std::fmt::Display for UnknownOrMalformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnknownOrMalformed {}

macro_rules! participant {
    ($x:ident, person) => {
        Some($x.participant_id.as_str())
    };
    ($x:ident,) => {
        None
    };
}

macro_rules! integration_events {
    ($($event:ident => $key:literal $($person:ident)?,)*) => {
        $(impl IntegrationEvent for events::$event {
            const ROUTING_KEY: &'static str = $key;
            fn region(&self) -> &str {
                &self.region
            }
            fn participant_id(&self) -> Option<&str> {
                participant!(self, $($person)?)
            }
            fn occur_time(&self) -> Option<&prost_types::Timestamp> {
                self.occur_time.as_ref()
            }
        })*

        /// Every routing key of the suite, for topology checks and documentation.
        pub const ALL_ROUTING_KEYS: &[&str] = &[$($key),*];

        /// Any event of the suite, decoded once by its routing key.
        #[derive(Debug, Clone, PartialEq)]
        pub enum SuiteEvent {
            $($event(events::$event),)*
        }

        impl SuiteEvent {
            pub fn decode(routing_key: &str, payload: &[u8]) -> Result<SuiteEvent, UnknownOrMalformed> {
                use prost::Message as _;
                match routing_key {
                    $($key => events::$event::decode(payload)
                        .map(SuiteEvent::$event)
                        .map_err(|e| UnknownOrMalformed(format!("{} does not decode: {e}", $key))),)*
                    other => Err(UnknownOrMalformed(format!("{other} is not an event of the suite"))),
                }
            }

            pub fn routing_key(&self) -> &'static str {
                match self {
                    $(SuiteEvent::$event(_) => $key,)*
                }
            }

            pub fn region(&self) -> &str {
                match self {
                    $(SuiteEvent::$event(e) => e.region(),)*
                }
            }

            pub fn participant_id(&self) -> Option<&str> {
                match self {
                    $(SuiteEvent::$event(e) => e.participant_id(),)*
                }
            }

            pub fn occur_time(&self) -> Option<&prost_types::Timestamp> {
                match self {
                    $(SuiteEvent::$event(e) => e.occur_time(),)*
                }
            }
        }
    };
}

integration_events! {
    OrganisationRegistered => "intake.organisation_registered.v1",
    ParticipantEnrolled => "intake.participant_enrolled.v1" person,
    NeedsAssessmentCompleted => "intake.needs_assessment_completed.v1",
    LearningNeedsRecorded => "intake.learning_needs_recorded.v1" person,
    ParticipantErased => "intake.participant_erased.v1" person,
    TrajectoryProposed => "trajectories.trajectory_proposed.v1",
    TrajectoryStatusChanged => "trajectories.trajectory_status_changed.v1",
    CoachAssigned => "trajectories.coach_assigned.v1",
    InterventionPlanned => "trajectories.intervention_planned.v1",
    CoachingSessionHeld => "trajectories.coaching_session_held.v1",
    DevelopmentPlanCreated => "trajectories.development_plan_created.v1" person,
    LearningActivityPlanned => "trajectories.learning_activity_planned.v1" person,
    LearningActivityCompleted => "trajectories.learning_activity_completed.v1" person,
    FundingAllocated => "trajectories.funding_allocated.v1" person,
    SchoolEnrolmentChanged => "trajectories.school_enrolment_changed.v1" person,
    ProjectParticipantSet => "trajectories.project_participant_set.v1",
    ProjectCostApproved => "trajectories.project_cost_approved.v1",
    MemberJoined => "community.member_joined.v1",
    WorkshopScheduled => "community.workshop_scheduled.v1",
    WorkshopRegistrationChanged => "community.workshop_registration_changed.v1" person,
    WorkshopAttended => "community.workshop_attended.v1" person,
    WorkshopCancelled => "community.workshop_cancelled.v1",
    KnowledgeItemPublished => "community.knowledge_item_published.v1",
    WorkshopFeedbackSubmitted => "community.workshop_feedback_submitted.v1" person,
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

    #[test]
    fn an_event_decodes_once_and_knows_its_region_person_and_time() {
        use prost::Message as _;
        let event = events::WorkshopAttended {
            region: "achterhoek".into(),
            participant_id: "p-1".into(),
            occur_time: Some(prost_types::Timestamp {
                seconds: 1_600_000_000,
                nanos: 0,
            }),
            ..Default::default()
        };
        let key = events::WorkshopAttended::ROUTING_KEY;
        let decoded = SuiteEvent::decode(key, &event.encode_to_vec()).unwrap();
        assert_eq!(decoded, SuiteEvent::WorkshopAttended(event.clone()));
        assert_eq!(decoded.routing_key(), key);
        assert_eq!(decoded.region(), "achterhoek");
        assert_eq!(decoded.participant_id(), Some("p-1"));
        assert_eq!(decoded.occur_time().map(|t| t.seconds), Some(1_600_000_000));
        let workshop = events::WorkshopCancelled::default();
        assert_eq!(workshop.participant_id(), None);
    }

    #[test]
    fn an_unknown_key_or_a_malformed_body_is_named() {
        let error = SuiteEvent::decode("intake.nothing.v1", &[]).unwrap_err();
        assert_eq!(error.0, "intake.nothing.v1 is not an event of the suite");
        let key = events::OrganisationRegistered::ROUTING_KEY;
        let error = SuiteEvent::decode(key, &[0xff, 0xff]).unwrap_err();
        assert!(
            error
                .0
                .starts_with("intake.organisation_registered.v1 does not decode")
        );
    }
}
