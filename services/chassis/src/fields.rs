//! Reading request fields every service has: ids it issued (UUIDs), optional text,
//! request ids.
use uuid::Uuid;

use crate::ApiError;

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
