//! The trajectory life cycle: proposed → active → completed, or cancelled from
//! proposed or active. A coach must be assigned before a trajectory starts.
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Proposed,
    Active,
    Completed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Active => "active",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Proposed,
            Status::Active,
            Status::Completed,
            Status::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Interventions and coaching belong to a trajectory that is still open.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Proposed | Status::Active)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Start,
    Complete,
    Cancel,
}

/// Why a transition is refused; the message names the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: &'static str,
    pub message: String,
}

/// The state a transition leads to, or why it may not happen.
pub fn apply(
    current: Status,
    transition: Transition,
    coach_assigned: bool,
) -> Result<Status, Refused> {
    let illegal = |verb: &str| Refused {
        reason: "ILLEGAL_TRANSITION",
        message: format!("a {current} trajectory cannot be {verb}"),
    };
    match (current, transition) {
        (Status::Proposed, Transition::Start) if !coach_assigned => Err(Refused {
            reason: "COACH_REQUIRED",
            message: "assign a coach before the trajectory starts (it is proposed)".into(),
        }),
        (Status::Proposed, Transition::Start) => Ok(Status::Active),
        (Status::Active, Transition::Complete) => Ok(Status::Completed),
        (Status::Proposed | Status::Active, Transition::Cancel) => Ok(Status::Cancelled),
        (_, Transition::Start) => Err(illegal("started")),
        (_, Transition::Complete) => Err(illegal("completed")),
        (_, Transition::Cancel) => Err(illegal("cancelled")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_and_only_proposed_and_active_are_open() {
        let all = [
            Status::Proposed,
            Status::Active,
            Status::Completed,
            Status::Cancelled,
        ];
        for status in all {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("Active"), None);
        let open: Vec<Status> = all.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [Status::Proposed, Status::Active]);
    }

    #[test]
    fn the_happy_path() {
        assert_eq!(
            apply(Status::Proposed, Transition::Start, true),
            Ok(Status::Active)
        );
        assert_eq!(
            apply(Status::Active, Transition::Complete, true),
            Ok(Status::Completed)
        );
    }

    #[test]
    fn no_start_without_a_coach() {
        assert_eq!(
            apply(Status::Proposed, Transition::Start, false)
                .unwrap_err()
                .reason,
            "COACH_REQUIRED"
        );
    }

    #[test]
    fn illegal_transitions_name_the_current_state() {
        let refused = apply(Status::Proposed, Transition::Complete, true).unwrap_err();
        assert_eq!(refused.message, "a proposed trajectory cannot be completed");
        assert!(apply(Status::Completed, Transition::Cancel, true).is_err());
        assert!(apply(Status::Cancelled, Transition::Start, true).is_err());
        assert_eq!(
            apply(Status::Active, Transition::Cancel, true),
            Ok(Status::Cancelled)
        );
    }
}
