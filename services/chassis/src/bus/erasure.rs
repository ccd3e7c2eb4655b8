//! Erasure reaches every service: each consumer subscribes to `ParticipantErased`
//! and purges what it holds about the participant. This is the one place that knows
//! the event's routing key and how to read it.
use llo_proto::events::v1::ParticipantErased;
use uuid::Uuid;

use super::{HandleError, IncomingEvent};

pub const PARTICIPANT_ERASED: &str = "intake.participant_erased.v1";

/// Who was erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErasedParticipant {
    pub participant_id: Uuid,
    pub organisation_id: Option<Uuid>,
}

/// `Some` when the event is an erasure; a malformed erasure is dead-lettered.
pub fn erased_participant(event: &IncomingEvent) -> Result<Option<ErasedParticipant>, HandleError> {
    if event.routing_key != PARTICIPANT_ERASED {
        return Ok(None);
    }
    let erased: ParticipantErased = event.decode()?;
    let participant_id = erased.participant_id.parse().map_err(|_| {
        HandleError::Malformed(format!(
            "participant_id {:?} is not a UUID",
            erased.participant_id
        ))
    })?;
    Ok(Some(ErasedParticipant {
        participant_id,
        organisation_id: erased.organisation_id.parse().ok(),
    }))
}
