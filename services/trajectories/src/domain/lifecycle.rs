//! The trajectory life cycle: proposed → active → completed, or cancelled from
//! proposed or active. A coach must be assigned before a trajectory starts;
//! interventions and coaches belong to an open trajectory, coaching to an active one.
use llo_chassis::Refused;

llo_chassis::text_enum! {
    pub enum Status {
        Proposed => "proposed",
        Active => "active",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

impl Status {
    /// Interventions and coaching belong to a trajectory that is still open.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Proposed | Status::Active)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Start,
    Complete,
    Cancel,
}

/// The state a transition leads to, or why it may not happen.
pub fn apply(
    current: Status,
    transition: Transition,
    coach_assigned: bool,
) -> Result<Status, Refused> {
    let illegal = |verb: &str| {
        Refused::new(
            "ILLEGAL_TRANSITION",
            format!("a {current} trajectory cannot be {verb}"),
        )
    };
    match (current, transition) {
        (Status::Proposed, Transition::Start) if !coach_assigned => Err(Refused::new(
            "COACH_REQUIRED",
            "assign a coach before the trajectory starts (it is proposed)",
        )),
        (Status::Proposed, Transition::Start) => Ok(Status::Active),
        (Status::Active, Transition::Complete) => Ok(Status::Completed),
        (Status::Proposed | Status::Active, Transition::Cancel) => Ok(Status::Cancelled),
        (_, Transition::Start) => Err(illegal("started")),
        (_, Transition::Complete) => Err(illegal("completed")),
        (_, Transition::Cancel) => Err(illegal("cancelled")),
    }
}

/// A coach is assigned to, and interventions planned on, a trajectory still open.
pub fn ensure_open(current: Status) -> Result<(), Refused> {
    if current.is_open() {
        Ok(())
    } else {
        Err(Refused::new(
            "TRAJECTORY_CLOSED",
            format!("the trajectory is {current}"),
        ))
    }
}

/// Coaching is logged on an active trajectory only: not before it starts, not after.
pub fn ensure_coaching_allowed(current: Status) -> Result<(), Refused> {
    if current == Status::Active {
        Ok(())
    } else {
        Err(Refused::new(
            "TRAJECTORY_NOT_ACTIVE",
            format!("coaching is logged on an active trajectory; this one is {current}"),
        ))
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

    #[test]
    fn only_an_open_trajectory_takes_coaches_and_interventions() {
        assert_eq!(ensure_open(Status::Proposed), Ok(()));
        assert_eq!(ensure_open(Status::Active), Ok(()));
        for closed in [Status::Completed, Status::Cancelled] {
            let refused = ensure_open(closed).unwrap_err();
            assert_eq!(refused.reason, "TRAJECTORY_CLOSED");
            assert_eq!(refused.message, format!("the trajectory is {closed}"));
        }
    }

    #[test]
    fn coaching_needs_an_active_trajectory() {
        assert_eq!(ensure_coaching_allowed(Status::Active), Ok(()));
        for other in [Status::Proposed, Status::Completed, Status::Cancelled] {
            let refused = ensure_coaching_allowed(other).unwrap_err();
            assert_eq!(refused.reason, "TRAJECTORY_NOT_ACTIVE");
            assert!(refused.message.ends_with(&format!("this one is {other}")));
        }
    }
}
