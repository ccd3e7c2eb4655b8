//! Reading request fields: ids this suite issued, bounded text, e-mail addresses, KvK
//! numbers, euro cents, timestamps in a sane range, and the `Fields` collector that turns
//! a request into a command while naming every bad field at once.
use uuid::Uuid;

use crate::{ApiError, Violations};

/// An id this suite issued; the message is the field violation's description.
pub fn check_id(value: &str) -> Result<Uuid, String> {
    if value.is_empty() {
        return Err("is required".into());
    }
    value.parse().map_err(|_| "is not a valid id".to_owned())
}

/// A required id field; a malformed one is the caller's error, on that field.
pub fn parse_id(field: &str, value: &str) -> Result<Uuid, ApiError> {
    check_id(value).map_err(|description| ApiError::invalid(field, description))
}

/// An optional id field: empty means absent.
pub fn optional_id(field: &str, value: &str) -> Result<Option<Uuid>, ApiError> {
    non_empty(value).map(|v| parse_id(field, v)).transpose()
}

/// `Some` for a non-empty string: proto3 has no "absent" for strings.
pub fn non_empty(value: &str) -> Option<&str> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

/// The caller's idempotency key (AIP-155), scoped to the caller so that two callers
/// choosing the same id never see each other's results. At most 128 characters.
pub fn scoped_request_id(
    caller: &crate::auth::Caller,
    request_id: &str,
) -> Result<Option<String>, ApiError> {
    match non_empty(request_id) {
        None => Ok(None),
        Some(id) if id.chars().count() > 128 => Err(ApiError::invalid(
            "request_id",
            "must be at most 128 characters",
        )),
        Some(id) => Ok(Some(format!("{}\u{1f}{id}", caller.subject))),
    }
}

/// Collects every bad field of a request while it is parsed into a command, so that the
/// caller gets them all in one `BadRequest` (AIP-193), and bad input changes nothing.
///
/// ```ignore
/// let mut f = Fields::new();
/// let name = f.take("name", Text::<200>::required(&request.name));
/// let email = f.take("email", Email::parse(&request.email));
/// let (name, email) = f.finish((name, email))?;
/// ```
#[derive(Debug, Default)]
pub struct Fields(Violations);

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    /// One field's parsed value, or `None` with its violation recorded.
    pub fn take<T>(&mut self, field: impl Into<String>, parsed: Result<T, String>) -> Option<T> {
        parsed
            .map_err(|description| self.0.add(field, description))
            .ok()
    }

    /// A rule that relates fields, or a field without a value to keep.
    pub fn check(&mut self, field: impl Into<String>, check: Result<(), String>) {
        self.0.check(field, check);
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.add(field, description);
    }

    /// A repeated field of at most `max` items, each parsed by `item` with its path
    /// (`field[i]`); a list that is too long is refused before any item is read.
    pub fn list<R, T>(
        &mut self,
        field: &str,
        items: Vec<R>,
        max: usize,
        mut item: impl FnMut(&mut Fields, String, R) -> Option<T>,
    ) -> Option<Vec<T>> {
        if items.len() > max {
            self.add(field, format!("must have at most {max} items"));
            return None;
        }
        let parsed: Vec<Option<T>> = items
            .into_iter()
            .enumerate()
            .map(|(i, raw)| item(self, format!("{field}[{i}]"), raw))
            .collect();
        parsed.into_iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The parsed values when every field was good, else every violation at once.
    pub fn finish<T: Parsed>(self, values: T) -> Result<T::Value, ApiError> {
        self.0.into_result()?;
        values.all().ok_or_else(|| {
            // A parser returned nothing without saying why: our fault, not the caller's.
            ApiError::Unexpected(anyhow::anyhow!("a request field was dropped unreported"))
        })
    }
}

/// Values taken with [`Fields::take`]: an `Option` or a tuple of them.
pub trait Parsed {
    type Value;
    fn all(self) -> Option<Self::Value>;
}

impl<A> Parsed for Option<A> {
    type Value = A;
    fn all(self) -> Option<A> {
        self
    }
}

macro_rules! parsed_tuple {
    ($($name:ident),+) => {
        impl<$($name),+> Parsed for ($(Option<$name>,)+) {
            type Value = ($($name,)+);
            #[allow(non_snake_case)]
            fn all(self) -> Option<Self::Value> {
                let ($($name,)+) = self;
                Some(($($name?,)+))
            }
        }
    };
}

parsed_tuple!(A);
parsed_tuple!(A, B);
parsed_tuple!(A, B, C);
parsed_tuple!(A, B, C, D);
parsed_tuple!(A, B, C, D, E);
parsed_tuple!(A, B, C, D, E, F);
parsed_tuple!(A, B, C, D, E, F, G);
parsed_tuple!(A, B, C, D, E, F, G, H);
parsed_tuple!(A, B, C, D, E, F, G, H, I);
parsed_tuple!(A, B, C, D, E, F, G, H, I, J);
parsed_tuple!(A, B, C, D, E, F, G, H, I, J, K);
parsed_tuple!(A, B, C, D, E, F, G, H, I, J, K, L);

/// Trimmed text of at most `MAX` characters, without NUL (PostgreSQL text cannot hold
/// it) or other control characters than line breaks and tabs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    /// Non-blank text.
    pub fn required(value: &str) -> Result<Self, String> {
        let text = Self::optional(value)?;
        if text.0.is_empty() {
            return Err("is required".into());
        }
        Ok(text)
    }

    /// Text that may be empty (proto3 has no absent string).
    pub fn optional(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.chars().count() > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err("must not contain control characters".into());
        }
        Ok(Text(value.to_owned()))
    }

    /// `None` for empty text.
    pub fn non_empty(self) -> Option<Self> {
        (!self.0.is_empty()).then_some(self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> std::ops::Deref for Text<MAX> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> std::fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A name, title or other one-line label.
pub type Name = Text<200>;
/// A description, reason or other free text.
pub type Prose = Text<2_000>;

/// An e-mail address (the practical subset of RFC 5321 that mail systems accept),
/// trimmed and lower-cased so that one address is one person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Email, String> {
        let value = value.trim();
        let invalid = || Err("is not a valid e-mail address".to_owned());
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid();
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return invalid();
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
        if local_ok && domain_ok {
            Ok(Email(value.to_lowercase()))
        } else {
            invalid()
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Chamber of Commerce (KvK) number: exactly 8 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KvkNumber(String);

impl KvkNumber {
    pub fn parse(value: &str) -> Result<KvkNumber, String> {
        let value = value.trim();
        if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(KvkNumber(value.to_owned()))
        } else {
            Err("must be exactly 8 digits".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An amount in euro cents: never negative, at most ten million euros (no programme
/// of this kind comes near; a larger figure is a typo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cents(i64);

impl Cents {
    pub const MAX: i64 = 1_000_000_000;

    pub fn parse(value: i64) -> Result<Cents, String> {
        if !(0..=Self::MAX).contains(&value) {
            return Err(format!(
                "must be from 0 to {} cents (10 million euros)",
                Self::MAX
            ));
        }
        Ok(Cents(value))
    }

    /// More than nothing.
    pub fn positive(value: i64) -> Result<Cents, String> {
        match Cents::parse(value)? {
            Cents(0) => Err("must be more than 0".into()),
            cents => Ok(cents),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A whole number within a range, e.g. hours or minutes, with the range in the message.
pub fn bounded(value: i32, range: std::ops::RangeInclusive<i32>) -> Result<i32, String> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be from {} to {}", range.start(), range.end()))
    }
}

/// The instants the suite accepts: 2000 up to 2100. Anything outside is a typo or an
/// attack, and a stored year 10000 would break every query over it.
pub const EARLIEST: &str = "2000-01-01T00:00:00Z";
pub const LATEST: &str = "2100-01-01T00:00:00Z";
/// The same bounds in Unix seconds, compared on every timestamp read.
const EARLIEST_SECONDS: i64 = 946_684_800;
const LATEST_SECONDS: i64 = 4_102_444_800;

/// A timestamp field (required), within [`EARLIEST`, `LATEST`).
pub fn instant(
    value: Option<&prost_types::Timestamp>,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let value = value.ok_or_else(|| "is required".to_owned())?;
    let nanos = u32::try_from(value.nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .ok_or_else(|| "is not a valid timestamp".to_owned())?;
    if !(EARLIEST_SECONDS..LATEST_SECONDS).contains(&value.seconds) {
        return Err("must lie between the years 2000 and 2100".into());
    }
    chrono::DateTime::from_timestamp(value.seconds, nanos)
        .ok_or_else(|| "is not a valid timestamp".to_owned())
}

/// An optional timestamp field: absent is `None`, present must be valid.
pub fn optional_instant(
    value: Option<&prost_types::Timestamp>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    value.map(|v| instant(Some(v))).transpose()
}

/// How far ahead of this service's clock a caller's clock may run.
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// When something happened, recorded afterwards: optional (`None`: now), valid, and
/// not in the future. The programme's calendar is checked where the region is known.
pub fn occurred(
    value: Option<&prost_types::Timestamp>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    let at = optional_instant(value)?;
    if at.is_some_and(|at| at > chrono::Utc::now() + CLOCK_SKEW) {
        return Err("lies in the future".into());
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timestamp(rfc3339: &str) -> prost_types::Timestamp {
        let at: chrono::DateTime<chrono::Utc> = rfc3339.parse().unwrap();
        prost_types::Timestamp {
            seconds: at.timestamp(),
            nanos: 0,
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once_and_good_ones_are_kept() {
        let mut f = Fields::new();
        let name = f.take("name", Name::required("  Lensink  "));
        let email = f.take("email", Email::parse("nope"));
        let kvk = f.take("kvk_number", KvkNumber::parse("123"));
        let Err(ApiError::InvalidArgument(violations)) = f.finish((name.clone(), email, kvk))
        else {
            panic!("expected INVALID_ARGUMENT");
        };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["email", "kvk_number"]);
        assert_eq!(name.unwrap().as_str(), "Lensink");

        let mut f = Fields::new();
        let email = f.take("email", Email::parse(" Jan@Lensink.NL "));
        let kvk = f.take("kvk_number", KvkNumber::parse("12345678"));
        let (email, kvk) = f.finish((email, kvk)).unwrap();
        assert_eq!(email.as_str(), "jan@lensink.nl");
        assert_eq!(kvk.as_str(), "12345678");
    }

    #[test]
    fn a_value_dropped_without_a_violation_is_our_fault() {
        let f = Fields::new();
        assert!(matches!(f.finish(None::<u8>), Err(ApiError::Unexpected(_))));
    }

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(Text::<5>::required(" abcde ").unwrap().as_str(), "abcde");
        assert_eq!(
            Text::<5>::required("abcdef").unwrap_err(),
            "must be at most 5 characters"
        );
        // Characters, not bytes: five accented letters fit five.
        assert!(Text::<5>::required("éééée").is_ok());
        assert_eq!(Text::<5>::required("  ").unwrap_err(), "is required");
        assert_eq!(Text::<5>::optional("  ").unwrap().as_str(), "");
        assert!(Text::<5>::optional("").unwrap().non_empty().is_none());
        assert!(Text::<9>::required("a\0b").is_err());
        assert!(Text::<9>::required("a\u{1b}b").is_err());
        assert!(Text::<9>::required("a\nb\tc").is_ok());
    }

    #[test]
    fn lists_are_bounded_and_items_named_by_index() {
        let mut f = Fields::new();
        let items = f.list("themes", vec!["a", "", "c"], 5, |f, path, raw| {
            f.take(path, Name::required(raw))
        });
        assert!(items.is_none());
        let Err(ApiError::InvalidArgument(v)) = f.finish(items) else {
            panic!()
        };
        assert_eq!(v[0].field, "themes[1]");

        let mut f = Fields::new();
        let items = f.list("themes", vec!["a"; 6], 5, |f, path, raw| {
            f.take(path, Name::required(raw))
        });
        let Err(ApiError::InvalidArgument(v)) = f.finish(items) else {
            panic!()
        };
        assert_eq!(
            (v[0].field.as_str(), v[0].description.as_str()),
            ("themes", "must have at most 5 items")
        );
        let mut f = Fields::new();
        let items = f.list("themes", vec!["a"; 5], 5, |f, path, raw| {
            f.take(path, Name::required(raw))
        });
        assert_eq!(f.finish(items).unwrap().len(), 5);
    }

    #[test]
    fn cents_are_never_negative_nor_absurd() {
        assert_eq!(Cents::parse(0).unwrap().get(), 0);
        assert_eq!(Cents::parse(Cents::MAX).unwrap().get(), Cents::MAX);
        assert!(Cents::parse(-1).is_err());
        assert!(Cents::parse(Cents::MAX + 1).is_err());
        assert!(Cents::positive(0).is_err());
        assert_eq!(Cents::positive(1).unwrap().get(), 1);
    }

    #[test]
    fn bounded_numbers_name_their_range() {
        assert_eq!(bounded(1, 1..=600), Ok(1));
        assert_eq!(bounded(600, 1..=600), Ok(600));
        assert_eq!(bounded(0, 1..=600).unwrap_err(), "must be from 1 to 600");
        assert!(bounded(601, 1..=600).is_err());
    }

    #[test]
    fn the_bounds_in_seconds_are_the_bounds_in_words() {
        let seconds = |text: &str| {
            text.parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
                .timestamp()
        };
        assert_eq!(seconds(EARLIEST), EARLIEST_SECONDS);
        assert_eq!(seconds(LATEST), LATEST_SECONDS);
    }

    #[test]
    fn instants_lie_between_2000_and_2100() {
        assert!(instant(None).is_err());
        assert!(instant(Some(&timestamp("2000-01-01T00:00:00Z"))).is_ok());
        assert!(instant(Some(&timestamp("2099-12-31T23:59:59Z"))).is_ok());
        assert!(instant(Some(&timestamp("1999-12-31T23:59:59Z"))).is_err());
        assert!(instant(Some(&timestamp("2100-01-01T00:00:00Z"))).is_err());
        let year_10000 = prost_types::Timestamp {
            seconds: 253_402_300_800,
            nanos: 0,
        };
        assert!(instant(Some(&year_10000)).is_err());
        let bad_nanos = prost_types::Timestamp {
            seconds: 1_800_000_000,
            nanos: -1,
        };
        assert!(instant(Some(&bad_nanos)).is_err());
        assert_eq!(optional_instant(None), Ok(None));
    }

    #[test]
    fn what_happened_afterwards_happened_in_the_past() {
        assert_eq!(occurred(None), Ok(None));
        let past = timestamp("2021-06-15T10:00:00Z");
        assert_eq!(
            occurred(Some(&past)).unwrap().map(|t| t.to_rfc3339()),
            Some("2021-06-15T10:00:00+00:00".into())
        );
        let soon = chrono::Utc::now() + chrono::TimeDelta::minutes(1);
        let soon = timestamp(&soon.to_rfc3339());
        assert!(occurred(Some(&soon)).is_ok(), "a clock a minute ahead");
        let tomorrow = chrono::Utc::now() + chrono::TimeDelta::days(1);
        assert_eq!(
            occurred(Some(&timestamp(&tomorrow.to_rfc3339()))),
            Err("lies in the future".into())
        );
        assert!(occurred(Some(&timestamp("1999-01-01T00:00:00Z"))).is_err());
    }

    #[test]
    fn kvk_numbers_are_eight_digits() {
        assert!(KvkNumber::parse("12345678").is_ok());
        for bad in ["1234567", "123456789", "1234567a", "", "12 34567"] {
            assert!(KvkNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_syntax() {
        for good in [
            "jan.jansen@lensink.nl",
            "a+b@sub.example.com",
            "ö@bücher.de",
        ] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "jan",
            "jan@",
            "@lensink.nl",
            "jan@lensink",
            "jan jansen@x.nl",
            "jan..j@x.nl",
            ".jan@x.nl",
            "jan.@x.nl",
            "jan@-x.nl",
            "jan@x-.nl",
            "jan@x..nl",
            "jan@x.1",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let long_local = format!("{}@x.nl", "a".repeat(65));
        assert!(Email::parse(&long_local).is_err());
    }

    #[test]
    fn email_limits_are_exact() {
        let local = "a".repeat(64);
        let label = "b".repeat(63);
        // 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 characters: the longest address.
        let longest = format!("{local}@{label}.{label}.{}", "c".repeat(61));
        assert_eq!(longest.len(), 254);
        assert!(Email::parse(&longest).is_ok());
        let too_long = format!("{local}@{label}.{label}.{}", "c".repeat(62));
        assert!(Email::parse(&too_long).is_err());
        assert!(Email::parse(&format!("{local}@x.nl")).is_ok());
        assert!(Email::parse(&format!("a{local}@x.nl")).is_err());
        assert!(Email::parse(&format!("jan@{label}.nl")).is_ok());
        assert!(Email::parse(&format!("jan@b{label}.nl")).is_err());
        for good in ["jan@my-company.nl", "jan@x.nl", "o'neil_{x}@a.b.nl"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "ja(n@x.nl",
            "jan@x_y.nl",
            "jan@x.n",
            "jan@.nl",
            "jan@x.nl\u{7}",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
