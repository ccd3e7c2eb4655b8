//! Erasure reaches every service: each consumer subscribes to `ParticipantErased`
//! and purges what it holds about the participant. This is the one place that knows
//! the event's routing key and how to read it.
use llo_proto::events::v1::ParticipantErased;
use uuid::Uuid;

use super::{HandleError, IncomingEvent};

pub const PARTICIPANT_ERASED: &str = "intake.participant_erased.v1";

/// Who was erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasedParticipant {
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: String,
}

/// `Some` when the event is an erasure; a malformed erasure is dead-lettered.
pub fn erased_participant(event: &IncomingEvent) -> Result<Option<ErasedParticipant>, HandleError> {
    if event.routing_key != PARTICIPANT_ERASED {
        return Ok(None);
    }
    let erased: ParticipantErased = event.decode()?;
    let id = |field: &str, value: &str| {
        value
            .parse::<Uuid>()
            .map_err(|_| HandleError::Malformed(format!("{field} {value:?} is not a UUID")))
    };
    Ok(Some(ErasedParticipant {
        participant_id: id("participant_id", &erased.participant_id)?,
        organisation_id: id("organisation_id", &erased.organisation_id)?,
        region: erased.region,
    }))
}
