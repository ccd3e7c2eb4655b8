//! The life cycle of a learning-culture scan, in one place: a round starts once per
//! organisation, a follow-up only after a completed baseline; an open scan takes
//! answers; completing needs at least one response and closes it for good.
use llo_chassis::Refused;

use super::model::{AssessmentStatus, Round};

/// The reason for a round that exists already (ALREADY_EXISTS).
pub const ALREADY_STARTED: &str = "ASSESSMENT_ALREADY_STARTED";

/// May a scan of `round` start, given the organisation's scan of that round (if any)
/// and the state of its baseline scan (if any)?
pub fn may_start(
    round: Round,
    same_round: Option<AssessmentStatus>,
    baseline: Option<AssessmentStatus>,
) -> Result<(), Refused> {
    if same_round.is_some() {
        return Err(Refused::exists(
            ALREADY_STARTED,
            format!("the {round} scan of this organisation exists"),
        ));
    }
    if round == Round::FollowUp && baseline != Some(AssessmentStatus::Completed) {
        return Err(Refused::new(
            "BASELINE_NOT_COMPLETED",
            "a follow-up scan needs a completed baseline scan",
        ));
    }
    Ok(())
}

/// May the scan take another response?
pub fn may_answer(status: AssessmentStatus) -> Result<(), Refused> {
    match status {
        AssessmentStatus::Open => Ok(()),
        AssessmentStatus::Completed => Err(Refused::new(
            "ASSESSMENT_CLOSED",
            "the scan is completed and takes no more answers",
        )),
    }
}

/// May the coach close the scan, with this many responses in?
pub fn may_complete(status: AssessmentStatus, responses: usize) -> Result<(), Refused> {
    if status == AssessmentStatus::Completed {
        return Err(Refused::new(
            "ASSESSMENT_CLOSED",
            "the scan is already completed",
        ));
    }
    if responses == 0 {
        return Err(Refused::new(
            "NO_RESPONSES",
            "a scan without responses cannot be completed",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssessmentStatus::{Completed, Open};

    fn reason<T>(result: Result<T, Refused>) -> Option<&'static str> {
        result.err().map(|r| r.reason)
    }

    #[test]
    fn a_round_starts_once_and_a_follow_up_only_after_a_completed_baseline() {
        assert_eq!(reason(may_start(Round::Baseline, None, None)), None);
        let again = may_start(Round::Baseline, Some(Open), Some(Open)).unwrap_err();
        assert_eq!((again.reason, again.exists), (ALREADY_STARTED, true));
        for baseline in [None, Some(Open)] {
            let refused = may_start(Round::FollowUp, None, baseline).unwrap_err();
            assert_eq!(
                (refused.reason, refused.exists),
                ("BASELINE_NOT_COMPLETED", false)
            );
        }
        assert_eq!(
            reason(may_start(Round::FollowUp, None, Some(Completed))),
            None
        );
        assert_eq!(
            reason(may_start(Round::FollowUp, Some(Completed), Some(Completed))),
            Some("ASSESSMENT_ALREADY_STARTED")
        );
    }

    #[test]
    fn only_an_open_scan_takes_answers() {
        assert_eq!(reason(may_answer(Open)), None);
        assert_eq!(reason(may_answer(Completed)), Some("ASSESSMENT_CLOSED"));
    }

    #[test]
    fn completing_needs_an_open_scan_with_responses() {
        assert_eq!(reason(may_complete(Open, 1)), None);
        assert_eq!(reason(may_complete(Open, 0)), Some("NO_RESPONSES"));
        assert_eq!(
            reason(may_complete(Completed, 3)),
            Some("ASSESSMENT_CLOSED")
        );
    }
}
