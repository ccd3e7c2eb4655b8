//! Field rules of workshops, attendance and feedback. Each check returns the message a
//! caller sees in the field violation.
use chrono::{DateTime, Utc};

use super::registration::Attendance;

pub const MAX_NAME: usize = 200;
pub const MAX_TEXT: usize = 2_000;
pub const MAX_BODY: usize = 100_000;
pub const MAX_URL: usize = 500;
pub const MAX_CAPACITY: i32 = 10_000;
pub const MAX_THEMES: usize = 10;
pub const MAX_QUERY: usize = 200;
/// The longest workshop (7 days), in minutes.
pub const MAX_WORKSHOP_MINUTES: i64 = 7 * 24 * 60;

/// Optional text of at most `max` characters.
pub fn optional_text(value: &str, max: usize) -> Result<(), String> {
    if value.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(())
    }
}

/// An online link: http(s), no spaces.
pub fn online_url(value: &str) -> Result<(), String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(());
    }
    if value.chars().count() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} characters"));
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !value.chars().any(char::is_whitespace) => Ok(()),
        _ => Err("must be an http(s) link".into()),
    }
}

/// The times of a workshop: start before end, in the future, the cut-off no later
/// than the start. Returns the violations as (field, message).
pub fn workshop_times(
    now: DateTime<Utc>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    cutoff: Option<DateTime<Utc>>,
) -> Vec<(&'static str, String)> {
    let mut violations = Vec::new();
    match start {
        None => violations.push(("start_time", "is required".to_owned())),
        Some(start) if start <= now => {
            violations.push(("start_time", "must be in the future".to_owned()))
        }
        Some(_) => {}
    }
    match (start, end) {
        (_, None) => violations.push(("end_time", "is required".to_owned())),
        (Some(start), Some(end)) if end <= start => {
            violations.push(("end_time", "must be after start_time".to_owned()))
        }
        (Some(start), Some(end))
            if end - start > chrono::Duration::minutes(MAX_WORKSHOP_MINUTES) =>
        {
            violations.push(("end_time", "a workshop lasts at most 7 days".to_owned()))
        }
        _ => {}
    }
    if let (Some(start), Some(cutoff)) = (start, cutoff)
        && cutoff > start
    {
        violations.push((
            "registration_cutoff_time",
            "must not be after start_time".to_owned(),
        ));
    }
    violations
}

pub fn capacity(capacity: i32) -> Result<(), String> {
    if (1..=MAX_CAPACITY).contains(&capacity) {
        Ok(())
    } else {
        Err(format!("must be between 1 and {MAX_CAPACITY}"))
    }
}

/// 0 is no limit; otherwise at least 1 and at most the capacity.
pub fn seats_per_company(seats: i32, capacity: i32) -> Result<(), String> {
    if seats == 0 || (1..=capacity.max(1)).contains(&seats) {
        Ok(())
    } else {
        Err("must be 0 (no limit) or between 1 and the capacity".into())
    }
}

pub fn rating(rating: i32) -> Result<(), String> {
    if (1..=5).contains(&rating) {
        Ok(())
    } else {
        Err("must be between 1 and 5".into())
    }
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
        assert!(workshop_times(now, Some(now + hour), Some(now + hour * 3), None).is_empty());
        let fields: Vec<_> = workshop_times(now, Some(now - hour), Some(now - hour * 2), Some(now))
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            ["start_time", "end_time", "registration_cutoff_time"]
        );
        assert_eq!(workshop_times(now, None, None, None).len(), 2);
    }

    #[test]
    fn links_and_seats() {
        assert!(online_url("https://meet.example.nl/abc").is_ok());
        assert!(online_url("").is_ok());
        assert!(online_url("ftp://x").is_err());
        assert!(seats_per_company(0, 10).is_ok());
        assert!(seats_per_company(11, 10).is_err());
        assert!(seats_per_company(-1, 10).is_err());
    }

    #[test]
    fn text_and_link_limits_are_exact() {
        assert!(optional_text("ééé", 3).is_ok());
        assert_eq!(
            optional_text("abcd", 3),
            Err("must be at most 3 characters".into())
        );
        let longest = format!("https://{}", "a".repeat(MAX_URL - 8));
        assert!(online_url(&longest).is_ok());
        assert!(online_url(&format!("{longest}a")).is_err());
        assert!(online_url(" http://x ").is_ok());
        assert!(online_url("https://").is_err());
        assert!(online_url("https://meet.nl/a b").is_err());
    }

    #[test]
    fn workshop_time_boundaries() {
        let now = Utc::now();
        let minute = chrono::Duration::minutes(1);
        let start = now + minute;
        let week = chrono::Duration::days(7);
        let fields = |start, end, cutoff| -> Vec<&'static str> {
            workshop_times(now, start, end, cutoff)
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        assert_eq!(fields(Some(now), Some(now + week), None), ["start_time"]);
        assert!(fields(Some(start), Some(start + week), Some(start)).is_empty());
        assert_eq!(fields(Some(start), Some(start), None), ["end_time"]);
        assert_eq!(
            workshop_times(now, Some(start), Some(start + week + minute), None),
            [("end_time", "a workshop lasts at most 7 days".to_owned())]
        );
        assert_eq!(
            fields(Some(start), Some(start + minute), Some(start + minute)),
            ["registration_cutoff_time"]
        );
        assert_eq!(fields(None, Some(start), Some(start)), ["start_time"]);
    }

    #[test]
    fn capacity_seats_and_ratings_are_bounded() {
        for ok in [1, MAX_CAPACITY] {
            assert!(capacity(ok).is_ok(), "{ok}");
        }
        for bad in [0, MAX_CAPACITY + 1] {
            assert!(capacity(bad).is_err(), "{bad}");
        }
        assert!(seats_per_company(1, 10).is_ok());
        assert!(seats_per_company(10, 10).is_ok());
        assert!(seats_per_company(1, 0).is_ok());
        assert!(seats_per_company(2, 0).is_err());
        for ok in [1, 5] {
            assert!(rating(ok).is_ok(), "{ok}");
        }
        for bad in [0, 6] {
            assert!(rating(bad).is_err(), "{bad}");
        }
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
}
