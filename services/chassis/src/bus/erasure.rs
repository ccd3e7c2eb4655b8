//! Erasure reaches every service: each consumer subscribes to `ParticipantErased`
//! and purges what it holds about the participant. This is the one place that reads
//! the event into ids.
use llo_proto::events::v1::ParticipantErased;
use uuid::Uuid;

use super::HandleError;

/// Who was erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasedParticipant {
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: String,
}

impl TryFrom<ParticipantErased> for ErasedParticipant {
    type Error = HandleError;

    /// An erasure with ids that are not UUIDs is malformed (dead-lettered).
    fn try_from(erased: ParticipantErased) -> Result<Self, HandleError> {
        Ok(ErasedParticipant {
            participant_id: event_id("participant_id", &erased.participant_id)?,
            organisation_id: event_id("organisation_id", &erased.organisation_id)?,
            region: erased.region,
        })
    }
}

/// An id field of an incoming event; one that is not a UUID makes the event malformed.
pub fn event_id(field: &str, value: &str) -> Result<Uuid, HandleError> {
    value
        .parse::<Uuid>()
        .map_err(|_| HandleError::Malformed(format!("{field} {value:?} is not a UUID")))
}
