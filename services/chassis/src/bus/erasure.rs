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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erasure_reads_its_ids_and_refuses_ids_that_are_not_uuids() {
        let (participant, organisation) = (Uuid::now_v7(), Uuid::now_v7());
        let erased = ErasedParticipant::try_from(ParticipantErased {
            participant_id: participant.to_string(),
            organisation_id: organisation.to_string(),
            region: "twente".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            erased,
            ErasedParticipant {
                participant_id: participant,
                organisation_id: organisation,
                region: "twente".into(),
            }
        );
        let refused = ErasedParticipant::try_from(ParticipantErased {
            participant_id: participant.to_string(),
            organisation_id: "acme".into(),
            ..Default::default()
        });
        assert!(
            matches!(&refused, Err(HandleError::Malformed(m)) if m == "organisation_id \"acme\" is not a UUID"),
            "{refused:?}"
        );
        assert!(matches!(
            event_id("participant_id", ""),
            Err(HandleError::Malformed(_))
        ));
    }
}
