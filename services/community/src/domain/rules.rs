//! Rules over several fields of workshops and attendance, with the clock or the
//! workshop's length at hand. Each check returns the message a caller sees in the field
//! violation.
use chrono::{DateTime, Utc};

use super::registration::Attendance;

pub const MAX_CAPACITY: i32 = 10_000;
pub const MAX_THEMES: usize = 10;
pub const MAX_QUERY: usize = 200;
/// The longest workshop (7 days), in minutes.
pub const MAX_WORKSHOP_MINUTES: i64 = 7 * 24 * 60;

/// The times of a workshop: start before end, at most 7 days long, the cut-off no later
/// than the start; one scheduled ahead starts in the future, one recorded afterwards
/// (`already_held`) has ended. Returns the violations as (field, message).
pub fn workshop_times(
    now: DateTime<Utc>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    cutoff: Option<DateTime<Utc>>,
    already_held: bool,
) -> Vec<(&'static str, String)> {
    let mut violations = Vec::new();
    if already_held && end > now {
        violations.push((
            "end_time",
            "must lie in the past for a workshop recorded as held".to_owned(),
        ));
    } else if !already_held && start <= now {
        violations.push(("start_time", "must be in the future".to_owned()));
    }
    if end <= start {
        violations.push(("end_time", "must be after start_time".to_owned()));
    } else if end - start > chrono::Duration::minutes(MAX_WORKSHOP_MINUTES) {
        violations.push(("end_time", "a workshop lasts at most 7 days".to_owned()));
    }
    if cutoff.is_some_and(|cutoff| cutoff > start) {
        violations.push((
            "registration_cutoff_time",
            "must not be after start_time".to_owned(),
        ));
    }
    violations
}

/// The minutes attended (quarter hours), given the workshop's length in minutes.
pub fn minutes_attended(
    attendance: Attendance,
    hours: f64,
    workshop_minutes: i64,
) -> Result<i32, String> {
    if !hours.is_finite() || hours < 0.0 {
        return Err("must be a non-negative number of hours".into());
    }
    let quarters = hours * 4.0;
    if (quarters - quarters.round()).abs() > 1e-9 {
        return Err("must be in quarter hours (e.g. 1.75)".into());
    }
    let minutes = (quarters.round() as i64) * 15;
    let minutes = match attendance {
        Attendance::NoShow if minutes != 0 => return Err("must be 0 for a no-show".into()),
        Attendance::NoShow => 0,
        Attendance::Fully if minutes == 0 => workshop_minutes,
        Attendance::Fully => minutes,
        Attendance::Partially if minutes == 0 => {
            return Err("must be more than 0 for a partial attendance".into());
        }
        Attendance::Partially if minutes >= workshop_minutes => {
            return Err("must be less than the workshop's length for a partial attendance".into());
        }
        Attendance::Partially => minutes,
    };
    if minutes > workshop_minutes {
        return Err(format!(
            "must not exceed the workshop's length ({} hours)",
            workshop_minutes as f64 / 60.0
        ));
    }
    i32::try_from(minutes).map_err(|_| "is too large".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attendance_hours() {
        assert_eq!(minutes_attended(Attendance::Fully, 0.0, 180), Ok(180));
        assert_eq!(minutes_attended(Attendance::Fully, 3.0, 180), Ok(180));
        assert_eq!(minutes_attended(Attendance::Partially, 1.5, 180), Ok(90));
        assert!(minutes_attended(Attendance::Partially, 0.0, 180).is_err());
        assert!(minutes_attended(Attendance::Partially, 3.0, 180).is_err());
        assert!(minutes_attended(Attendance::Partially, 1.1, 180).is_err());
        assert!(minutes_attended(Attendance::NoShow, 1.0, 180).is_err());
        assert_eq!(minutes_attended(Attendance::NoShow, 0.0, 180), Ok(0));
        assert!(minutes_attended(Attendance::Fully, 4.0, 180).is_err());
        assert!(minutes_attended(Attendance::Fully, f64::NAN, 180).is_err());
    }

    #[test]
    fn workshop_times_are_checked_together() {
        let now = Utc::now();
        let hour = chrono::Duration::hours(1);
        assert!(workshop_times(now, now + hour, now + hour * 3, None, false).is_empty());
        assert!(
            workshop_times(now, now + hour, now + hour * 3, Some(now + hour), false).is_empty()
        );
        let fields: Vec<_> = workshop_times(now, now - hour, now - hour * 2, Some(now), false)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            ["start_time", "end_time", "registration_cutoff_time"]
        );
        let week = chrono::Duration::minutes(MAX_WORKSHOP_MINUTES);
        assert!(workshop_times(now, now + hour, now + hour + week, None, false).is_empty());
        assert_eq!(
            workshop_times(now, now + hour, now + hour * 2 + week, None, false),
            [("end_time", "a workshop lasts at most 7 days".to_owned())]
        );
    }

    #[test]
    fn workshop_time_boundaries() {
        let now = Utc::now();
        let minute = chrono::Duration::minutes(1);
        let start = now + minute;
        let week = chrono::Duration::days(7);
        let fields = |start, end, cutoff| -> Vec<&'static str> {
            workshop_times(now, start, end, cutoff, false)
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        assert_eq!(fields(now, now + week, None), ["start_time"]);
        assert!(fields(start, start + week, Some(start)).is_empty());
        assert_eq!(fields(start, start, None), ["end_time"]);
        assert_eq!(
            workshop_times(now, start, start + week + minute, None, false),
            [("end_time", "a workshop lasts at most 7 days".to_owned())]
        );
        assert_eq!(
            fields(start, start + minute, Some(start + minute)),
            ["registration_cutoff_time"]
        );
    }

    #[test]
    fn attendance_hours_edges() {
        assert_eq!(minutes_attended(Attendance::Fully, 1.75, 180), Ok(105));
        assert_eq!(minutes_attended(Attendance::Partially, 0.25, 180), Ok(15));
        assert_eq!(minutes_attended(Attendance::Partially, 2.75, 180), Ok(165));
        assert!(minutes_attended(Attendance::Fully, -0.25, 180).is_err());
        assert!(minutes_attended(Attendance::Fully, f64::INFINITY, 180).is_err());
        assert_eq!(
            minutes_attended(Attendance::Fully, 4.0, 180),
            Err("must not exceed the workshop's length (3 hours)".into())
        );
        assert_eq!(
            minutes_attended(Attendance::Fully, 0.0, i64::from(i32::MAX) + 1),
            Err("is too large".into())
        );
    }

    #[test]
    fn a_workshop_recorded_as_held_has_ended_and_may_lie_years_back() {
        let now = Utc::now();
        let hour = chrono::Duration::hours(1);
        let years_back = now - chrono::Duration::days(700);
        assert!(workshop_times(now, years_back, years_back + hour * 2, None, true).is_empty());
        assert!(workshop_times(now, now - hour * 2, now, None, true).is_empty());
        // Still going, or ahead: not held yet.
        for (start, end) in [(now - hour, now + hour), (now + hour, now + hour * 2)] {
            let fields: Vec<_> = workshop_times(now, start, end, None, true)
                .into_iter()
                .map(|(f, _)| f)
                .collect();
            assert_eq!(fields, ["end_time"]);
        }
        // The other rules hold as they do ahead.
        assert_eq!(
            workshop_times(now, years_back, years_back, None, true)[0].0,
            "end_time"
        );
    }
}
