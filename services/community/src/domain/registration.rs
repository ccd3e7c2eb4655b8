//! A workshop registration's life cycle, checked here and nowhere else:
//!
//! ```text
//! requested ─┬─ Book ──────► booked ─┬─ Attend(fully)     ► attended_fully
//!            └─ WaitList ─► wait_listed │  Attend(partially) ► attended_partially
//!                 │   └─ Promote ─► booked └─ Attend(no-show) ► no_show
//!                 └─ Cancel ─► cancelled ◄─ Cancel ─ booked
//! ```
//!
//! Whether a request is booked or wait-listed is `admit`'s decision (room left, the
//! company's seats); whether a freed seat goes to the first one waiting is `promotes`.
use std::fmt;

use llo_chassis::Refused;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A registration being decided, inside the transaction that creates it.
    Requested,
    Booked,
    WaitListed,
    Cancelled,
    AttendedFully,
    AttendedPartially,
    NoShow,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Requested,
        Status::Booked,
        Status::WaitListed,
        Status::Cancelled,
        Status::AttendedFully,
        Status::AttendedPartially,
        Status::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::Booked => "booked",
            Status::WaitListed => "wait_listed",
            Status::Cancelled => "cancelled",
            Status::AttendedFully => "attended_fully",
            Status::AttendedPartially => "attended_partially",
            Status::NoShow => "no_show",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Holding a seat or a place in the queue.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Booked | Status::WaitListed)
    }

    /// Was there, fully or partly (feedback is for them).
    pub fn attended(self) -> bool {
        matches!(self, Status::AttendedFully | Status::AttendedPartially)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', "-"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    Fully,
    Partially,
    NoShow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Book,
    WaitList,
    /// A freed seat goes to a wait-listed registration.
    Promote,
    Cancel,
    Attend(Attendance),
}

/// The state a transition leads to, or why it may not happen (the message names the
/// current state).
pub fn apply(current: Status, transition: Transition) -> Result<Status, Refused> {
    use Status::*;
    use Transition::*;
    match (current, transition) {
        (Requested, Book) | (WaitListed, Promote) => Ok(Booked),
        (Requested, WaitList) => Ok(WaitListed),
        (Booked | WaitListed, Cancel) => Ok(Cancelled),
        (Booked, Attend(Attendance::Fully)) => Ok(AttendedFully),
        (Booked, Attend(Attendance::Partially)) => Ok(AttendedPartially),
        (Booked, Attend(Attendance::NoShow)) => Ok(NoShow),
        (_, transition) => Err(Refused::new(
            "ILLEGAL_TRANSITION",
            format!(
                "a {current} registration cannot be {}",
                match transition {
                    Book => "booked",
                    WaitList => "wait-listed",
                    Promote => "promoted from the wait list",
                    Cancel => "cancelled",
                    Attend(_) => "given an attendance (only a booked one can)",
                }
            ),
        )),
    }
}

/// What the workshop holds when a request arrives (counted under its row lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    pub capacity: i64,
    pub booked: i64,
    /// The limit per company, if any, and how many the requester's company holds.
    pub seats_per_company: Option<i64>,
    pub company_booked: i64,
    /// Someone waiting could take a seat now: a newcomer does not jump the queue.
    pub eligible_waiting: bool,
}

/// Book while there is room (and the company has seats left) and no one waits ahead,
/// otherwise wait-list: first come, first served.
pub fn admit(occupancy: Occupancy) -> Transition {
    let room = occupancy.booked < occupancy.capacity;
    let company_room = occupancy
        .seats_per_company
        .is_none_or(|limit| occupancy.company_booked < limit);
    if room && company_room && !occupancy.eligible_waiting {
        Transition::Book
    } else {
        Transition::WaitList
    }
}

/// May a freed seat still go to someone waiting? Not after the registration cut-off,
/// and not once the workshop started.
pub fn promotes(
    now: chrono::DateTime<chrono::Utc>,
    registration_closes_at: chrono::DateTime<chrono::Utc>,
    starts_at: chrono::DateTime<chrono::Utc>,
) -> bool {
    now < registration_closes_at && now < starts_at
}

/// The person a registration is about; an erased participant's registration keeps its
/// figures but takes no attendance or feedback any more.
pub fn participant(participant_id: Option<Uuid>) -> Result<Uuid, Refused> {
    participant_id.ok_or_else(|| Refused::new("PARTICIPANT_ERASED", "the participant was erased"))
}

/// Feedback is for those who attended, fully or partly.
pub fn may_give_feedback(status: Status) -> Result<(), Refused> {
    if status.attended() {
        Ok(())
    } else {
        Err(Refused::new(
            "NOT_ATTENDED",
            format!("feedback is for those who attended; this registration is {status}"),
        ))
    }
}

/// One live registration per participant and workshop; `existing` is the live one (its
/// id and status), if any.
pub fn not_registered_yet(existing: Option<(Uuid, Status)>) -> Result<(), Refused> {
    match existing {
        Some((id, status)) => Err(Refused::exists(
            "ALREADY_REGISTERED",
            format!("the participant is registered already (registration {id}, {status})"),
        )),
        None => Ok(()),
    }
}

/// Feedback once per registration.
pub fn no_feedback_yet(given: bool) -> Result<(), Refused> {
    if given {
        return Err(feedback_given());
    }
    Ok(())
}

/// The refusal of a second feedback (also when a concurrent one won the race).
pub fn feedback_given() -> Refused {
    Refused::exists(
        "FEEDBACK_ALREADY_GIVEN",
        "feedback on this workshop was given already for this registration",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn a_second_registration_or_feedback_exists_already() {
        assert!(not_registered_yet(None).is_ok());
        let again = not_registered_yet(Some((Uuid::nil(), Booked))).unwrap_err();
        assert_eq!((again.reason, again.exists), ("ALREADY_REGISTERED", true));
        assert!(again.message.contains("booked"), "{}", again.message);
        assert!(no_feedback_yet(false).is_ok());
        let twice = no_feedback_yet(true).unwrap_err();
        assert_eq!(
            (twice.reason, twice.exists),
            ("FEEDBACK_ALREADY_GIVEN", true)
        );
    }
    use Transition::*;

    #[test]
    fn every_status_reads_back_from_its_stored_text_and_says_what_it_holds() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("booked "), None);
        let open: Vec<Status> = Status::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [Booked, WaitListed]);
        let attended: Vec<Status> = Status::ALL.into_iter().filter(|s| s.attended()).collect();
        assert_eq!(attended, [AttendedFully, AttendedPartially]);
    }

    #[test]
    fn nothing_is_promoted_at_the_moment_the_workshop_starts() {
        let start = chrono::Utc::now();
        let later = start + chrono::Duration::hours(1);
        assert!(
            !promotes(start, later, start),
            "the start itself is too late"
        );
        assert!(promotes(start - chrono::Duration::seconds(1), later, start));
    }

    const ALL_TRANSITIONS: [Transition; 7] = [
        Book,
        WaitList,
        Promote,
        Cancel,
        Attend(Attendance::Fully),
        Attend(Attendance::Partially),
        Attend(Attendance::NoShow),
    ];

    #[test]
    fn the_legal_transitions_and_only_those() {
        let legal = [
            (Requested, Book, Booked),
            (Requested, WaitList, WaitListed),
            (WaitListed, Promote, Booked),
            (WaitListed, Cancel, Cancelled),
            (Booked, Cancel, Cancelled),
            (Booked, Attend(Attendance::Fully), AttendedFully),
            (Booked, Attend(Attendance::Partially), AttendedPartially),
            (Booked, Attend(Attendance::NoShow), NoShow),
        ];
        for from in Status::ALL {
            for transition in ALL_TRANSITIONS {
                let expected = legal
                    .iter()
                    .find(|(f, t, _)| *f == from && *t == transition)
                    .map(|(_, _, to)| *to);
                match (apply(from, transition), expected) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected),
                    (Err(refused), None) => {
                        assert_eq!(refused.reason, "ILLEGAL_TRANSITION");
                        assert!(
                            refused.message.contains(&from.to_string()),
                            "{} names {from}",
                            refused.message
                        );
                    }
                    (got, expected) => {
                        panic!("{from:?} + {transition:?}: got {got:?}, expected {expected:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn illegal_transitions_name_the_current_state() {
        assert_eq!(
            apply(Cancelled, Cancel).map_err(|r| r.message),
            Err("a cancelled registration cannot be cancelled".to_owned())
        );
        assert_eq!(
            apply(WaitListed, Attend(Attendance::Fully)).map_err(|r| r.message),
            Err(
                "a wait-listed registration cannot be given an attendance (only a booked one can)"
                    .to_owned()
            )
        );
        assert!(apply(AttendedFully, Cancel).is_err());
        assert!(apply(NoShow, Attend(Attendance::Fully)).is_err());
        assert!(apply(Booked, Promote).is_err());
    }

    #[test]
    fn feedback_from_those_who_attended_and_none_about_an_erased_participant() {
        assert!(may_give_feedback(AttendedFully).is_ok());
        assert!(may_give_feedback(AttendedPartially).is_ok());
        for status in [Requested, Booked, WaitListed, Cancelled, NoShow] {
            let refused = may_give_feedback(status).unwrap_err();
            assert_eq!(refused.reason, "NOT_ATTENDED");
            assert!(refused.message.contains(&status.to_string()), "{refused}");
        }
        let id = Uuid::now_v7();
        assert_eq!(participant(Some(id)), Ok(id));
        assert_eq!(participant(None).unwrap_err().reason, "PARTICIPANT_ERASED");
    }

    fn occupancy(booked: i64, company_booked: i64, waiting: bool) -> Occupancy {
        Occupancy {
            capacity: 10,
            booked,
            seats_per_company: Some(2),
            company_booked,
            eligible_waiting: waiting,
        }
    }

    #[test]
    fn admission_books_while_there_is_room_and_no_queue() {
        assert_eq!(admit(occupancy(0, 0, false)), Book);
        assert_eq!(admit(occupancy(9, 1, false)), Book);
        assert_eq!(admit(occupancy(10, 0, false)), WaitList);
        assert_eq!(admit(occupancy(3, 2, false)), WaitList, "company full");
        assert_eq!(admit(occupancy(3, 0, true)), WaitList, "no queue jumping");
        let unlimited = Occupancy {
            seats_per_company: None,
            company_booked: 9,
            ..occupancy(9, 9, false)
        };
        assert_eq!(admit(unlimited), Book);
    }

    #[test]
    fn no_promotion_after_the_cut_off_or_the_start() {
        let now = chrono::Utc::now();
        let hour = chrono::Duration::hours(1);
        assert!(promotes(now, now + hour, now + hour * 2));
        assert!(!promotes(now, now - hour, now + hour));
        assert!(!promotes(now, now, now + hour));
        assert!(!promotes(now, now + hour, now - hour));
    }
}
