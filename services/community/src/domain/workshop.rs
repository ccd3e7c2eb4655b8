//! What may happen to a workshop, given its state and the clock: cancelling it,
//! registering for it, recording attendance, and whether a freed seat is passed on.
use chrono::{DateTime, Utc};
use llo_chassis::Refused;

use super::{
    model::WorkshopStatus,
    registration::{Status, promotes},
};

/// The facts of a workshop its rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workshop {
    pub status: WorkshopStatus,
    pub starts_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    /// Recorded afterwards: its registrations and attendance are records of what
    /// happened, so the clock's cut-off and start do not apply to them.
    pub already_held: bool,
}

fn cancelled() -> Refused {
    Refused::new("WORKSHOP_CANCELLED", "the workshop was cancelled")
}

/// Only a scheduled workshop that has not started can be cancelled.
pub fn may_cancel(workshop: Workshop, now: DateTime<Utc>) -> Result<(), Refused> {
    if workshop.status == WorkshopStatus::Cancelled {
        return Err(Refused::new(
            "ILLEGAL_TRANSITION",
            "a cancelled workshop cannot be cancelled",
        ));
    }
    if now >= workshop.starts_at {
        return Err(Refused::new(
            "WORKSHOP_STARTED",
            "a workshop that started cannot be cancelled",
        ));
    }
    Ok(())
}

/// A registration needs a scheduled workshop, before its cut-off (unless it is the record
/// of one held already), in the participant's own region.
pub fn may_register(
    workshop: Workshop,
    now: DateTime<Utc>,
    same_region: bool,
) -> Result<(), Refused> {
    if workshop.status == WorkshopStatus::Cancelled {
        return Err(cancelled());
    }
    if now >= workshop.registration_closes_at && !workshop.already_held {
        return Err(Refused::new(
            "REGISTRATION_CLOSED",
            "registration for this workshop has closed",
        ));
    }
    if !same_region {
        return Err(Refused::new(
            "OTHER_REGION",
            "the participant's company is in another region than the workshop",
        ));
    }
    Ok(())
}

/// Attendance is recorded for a workshop that took place: not cancelled, and started.
pub fn may_record_attendance(workshop: Workshop, now: DateTime<Utc>) -> Result<(), Refused> {
    if workshop.status == WorkshopStatus::Cancelled {
        return Err(cancelled());
    }
    if now < workshop.starts_at {
        return Err(Refused::new(
            "WORKSHOP_NOT_STARTED",
            "attendance is recorded once the workshop has started",
        ));
    }
    Ok(())
}

/// Does cancelling a registration that was `from` pass its seat on to the first one
/// waiting? Only a booked seat of a scheduled workshop, before the cut-off and the start
/// (in a record of one held already, as it did then).
pub fn passes_seat_on(workshop: Workshop, from: Status, now: DateTime<Utc>) -> bool {
    from == Status::Booked
        && workshop.status == WorkshopStatus::Scheduled
        && (workshop.already_held
            || promotes(now, workshop.registration_closes_at, workshop.starts_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workshop(status: WorkshopStatus) -> (Workshop, DateTime<Utc>) {
        let now = Utc::now();
        let hour = chrono::Duration::hours(1);
        let workshop = Workshop {
            status,
            starts_at: now + hour * 2,
            registration_closes_at: now + hour,
            already_held: false,
        };
        (workshop, now)
    }

    fn reason<T: std::fmt::Debug>(result: Result<T, Refused>) -> &'static str {
        result.unwrap_err().reason
    }

    #[test]
    fn a_scheduled_workshop_is_cancelled_until_it_starts_and_only_once() {
        let (w, now) = workshop(WorkshopStatus::Scheduled);
        assert!(may_cancel(w, now).is_ok());
        assert!(may_cancel(w, w.starts_at - chrono::Duration::seconds(1)).is_ok());
        assert_eq!(reason(may_cancel(w, w.starts_at)), "WORKSHOP_STARTED");
        let (w, now) = workshop(WorkshopStatus::Cancelled);
        assert_eq!(reason(may_cancel(w, now)), "ILLEGAL_TRANSITION");
    }

    #[test]
    fn registration_is_open_until_the_cut_off_in_the_own_region_only() {
        let (w, now) = workshop(WorkshopStatus::Scheduled);
        assert!(may_register(w, now, true).is_ok());
        assert_eq!(
            reason(may_register(w, w.registration_closes_at, true)),
            "REGISTRATION_CLOSED"
        );
        assert_eq!(reason(may_register(w, now, false)), "OTHER_REGION");
        let (w, now) = workshop(WorkshopStatus::Cancelled);
        assert_eq!(reason(may_register(w, now, true)), "WORKSHOP_CANCELLED");
    }

    #[test]
    fn attendance_once_the_workshop_started_and_not_for_a_cancelled_one() {
        let (w, now) = workshop(WorkshopStatus::Scheduled);
        assert_eq!(
            reason(may_record_attendance(w, now)),
            "WORKSHOP_NOT_STARTED"
        );
        assert!(may_record_attendance(w, w.starts_at).is_ok());
        let (w, _) = workshop(WorkshopStatus::Cancelled);
        assert_eq!(
            reason(may_record_attendance(w, w.starts_at)),
            "WORKSHOP_CANCELLED"
        );
    }

    #[test]
    fn only_a_booked_seat_of_a_scheduled_workshop_is_passed_on_in_time() {
        let (w, now) = workshop(WorkshopStatus::Scheduled);
        assert!(passes_seat_on(w, Status::Booked, now));
        assert!(!passes_seat_on(w, Status::WaitListed, now));
        assert!(!passes_seat_on(w, Status::Booked, w.registration_closes_at));
        let (w, now) = workshop(WorkshopStatus::Cancelled);
        assert!(!passes_seat_on(w, Status::Booked, now));
    }

    #[test]
    fn a_workshop_recorded_as_held_takes_its_records_whatever_the_clock() {
        let now = Utc::now();
        let long_ago = now - chrono::Duration::days(600);
        let held = Workshop {
            status: WorkshopStatus::Scheduled,
            starts_at: long_ago,
            registration_closes_at: long_ago,
            already_held: true,
        };
        assert!(may_register(held, now, true).is_ok());
        assert!(may_record_attendance(held, now).is_ok());
        assert!(passes_seat_on(held, Status::Booked, now));
        assert!(!passes_seat_on(held, Status::WaitListed, now));
        assert_eq!(reason(may_register(held, now, false)), "OTHER_REGION");
        assert_eq!(reason(may_cancel(held, now)), "WORKSHOP_STARTED");
        let as_scheduled_ahead = Workshop {
            already_held: false,
            ..held
        };
        assert_eq!(
            reason(may_register(as_scheduled_ahead, now, true)),
            "REGISTRATION_CLOSED"
        );
        assert!(!passes_seat_on(as_scheduled_ahead, Status::Booked, now));
    }
}
