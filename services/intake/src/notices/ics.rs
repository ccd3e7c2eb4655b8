//! iCalendar (RFC 5545) invitations: one VEVENT per workshop, its UID stable so that a
//! cancellation (METHOD:CANCEL) withdraws the invitation (METHOD:REQUEST) it answers.
use chrono::{DateTime, Utc};

/// Whether the invitation asks or withdraws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

pub struct Event<'a> {
    /// Stable per workshop and registration, e.g. `<registration id>@llo`.
    pub uid: &'a str,
    pub sequence: i32,
    pub summary: &'a str,
    pub location: &'a str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub organizer: &'a str,
    pub attendee: &'a str,
    pub stamp: DateTime<Utc>,
}

/// The calendar text: CRLF line endings, lines folded at 75 octets.
pub fn calendar(method: Method, event: &Event<'_>) -> String {
    let utc = |at: DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    let (method, status) = match method {
        Method::Request => ("REQUEST", "CONFIRMED"),
        Method::Cancel => ("CANCEL", "CANCELLED"),
    };
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//LLO//Notices//NL".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", text(event.uid)),
        format!("SEQUENCE:{}", event.sequence),
        format!("DTSTAMP:{}", utc(event.stamp)),
        format!("DTSTART:{}", utc(event.start)),
        format!("DTEND:{}", utc(event.end)),
        format!("SUMMARY:{}", text(event.summary)),
        format!("LOCATION:{}", text(event.location)),
        format!("STATUS:{status}"),
        format!("ORGANIZER:mailto:{}", event.organizer),
        format!("ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:{}", event.attendee),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.iter().map(|line| fold(line)).collect()
}

/// A TEXT value escaped (backslash, semicolon, comma, newline).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line folded at 75 octets (never inside a UTF-8 character), ended by CRLF.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets() {
        let at = DateTime::<Utc>::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let title = "Één workshop; met, een lange titel ".repeat(5);
        let ics = calendar(
            Method::Cancel,
            &Event {
                uid: "r1@llo",
                sequence: 2,
                summary: &title,
                location: "Doetinchem",
                start: at,
                end: at,
                organizer: "noreply@example.nl",
                attendee: "a@example.nl",
                stamp: at,
            },
        );
        assert!(ics.contains("METHOD:CANCEL\r\n"));
        assert!(ics.contains("UID:r1@llo\r\n"));
        assert!(ics.contains("\\; met\\, een"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
            assert!(!line.contains('\n'));
        }
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }
}
