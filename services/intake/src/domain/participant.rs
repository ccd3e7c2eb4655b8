//! Rules about a participant that are not about one field alone.
use llo_chassis::{Refused, fields::Name};

use super::model::ParticipantSource;

/// Where a participant comes from decides whether a UWV reference belongs: a UWV
/// referral needs one, a company's own employee has none. `None` source means the
/// company itself.
pub fn origin(
    source: Option<ParticipantSource>,
    uwv_reference: &str,
) -> Result<(ParticipantSource, Option<Name>), String> {
    let source = source.unwrap_or(ParticipantSource::Company);
    let reference = Name::optional(uwv_reference)?.non_empty();
    match (source, reference) {
        (ParticipantSource::UwvReferral, None) => Err("is required for a UWV referral".into()),
        (ParticipantSource::Company, Some(_)) => Err("is only for UWV referrals".into()),
        (source, reference) => Ok((source, reference)),
    }
}

/// An erased participant takes no new personal data.
pub fn may_record_about(erased: bool) -> Result<(), Refused> {
    if erased {
        return Err(Refused::new(
            "PARTICIPANT_ERASED",
            "the participant was erased",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uwv_referral_needs_its_reference_and_only_it_has_one() {
        assert_eq!(
            origin(None, "").unwrap(),
            (ParticipantSource::Company, None)
        );
        assert_eq!(
            origin(Some(ParticipantSource::Company), " ").unwrap(),
            (ParticipantSource::Company, None)
        );
        let (source, reference) = origin(Some(ParticipantSource::UwvReferral), " UWV-1 ").unwrap();
        assert_eq!(source, ParticipantSource::UwvReferral);
        assert_eq!(reference.unwrap().as_str(), "UWV-1");
        assert_eq!(
            origin(Some(ParticipantSource::UwvReferral), "").unwrap_err(),
            "is required for a UWV referral"
        );
        assert_eq!(
            origin(None, "UWV-1").unwrap_err(),
            "is only for UWV referrals"
        );
        assert!(origin(Some(ParticipantSource::UwvReferral), &"x".repeat(201)).is_err());
    }

    #[test]
    fn an_erased_participant_takes_nothing_new() {
        assert!(may_record_about(false).is_ok());
        assert_eq!(
            may_record_about(true).unwrap_err().reason,
            "PARTICIPANT_ERASED"
        );
    }
}
