//! Reading request fields every service has: ids it issued (UUIDs).
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
    crate::detached::non_empty(value)
        .map(|v| parse_id(field, v))
        .transpose()
}
