//! One error type for every RPC, and its one mapping to a gRPC status with
//! `google.rpc` details (BadRequest field violations, ErrorInfo reasons).
use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};

/// One bad field of a request, with the field's path (e.g. `answers[2].score`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

/// Collects field violations while a request is validated.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Records a violation when `check` returns an error message.
    pub fn check(&mut self, field: impl Into<String>, check: Result<(), String>) {
        if let Err(description) = check {
            self.add(field, description);
        }
    }

    /// Non-blank text of at most `max` characters.
    pub fn require_text(&mut self, field: impl Into<String>, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, "is required");
        } else if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldViolation> {
        self.0
    }

    /// `Ok(())` when nothing was violated, else `ApiError::InvalidArgument`.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::InvalidArgument(self.0))
        }
    }
}

/// Why a domain rule refuses a command: a stable reason code (the `ErrorInfo` reason an
/// integrator can switch on) and a message naming the state. Every service's domain
/// answers with this one type: FAILED_PRECONDITION, or ALREADY_EXISTS when what the
/// command would create exists already.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {message}")]
pub struct Refused {
    pub reason: &'static str,
    pub message: String,
    /// The command would create what exists already (ALREADY_EXISTS).
    pub exists: bool,
}

impl Refused {
    /// A precondition that does not hold.
    pub fn new(reason: &'static str, message: impl Into<String>) -> Refused {
        Refused {
            reason,
            message: message.into(),
            exists: false,
        }
    }

    /// What the command would create exists already.
    pub fn exists(reason: &'static str, message: impl Into<String>) -> Refused {
        Refused {
            exists: true,
            ..Refused::new(reason, message)
        }
    }
}

impl From<Refused> for ApiError {
    fn from(refused: Refused) -> Self {
        if refused.exists {
            ApiError::exists(refused.reason, refused.message)
        } else {
            ApiError::precondition(refused.reason, refused.message)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request has invalid fields")]
    InvalidArgument(Vec<FieldViolation>),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{message}")]
    AlreadyExists {
        message: String,
        reason: &'static str,
    },
    #[error("{message}")]
    FailedPrecondition {
        message: String,
        reason: &'static str,
    },
    #[error("{0}")]
    PermissionDenied(String),
    #[error("the request is not authenticated")]
    Unauthenticated,
    #[error("the service is not ready: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        ApiError::InvalidArgument(vec![FieldViolation {
            field: field.into(),
            description: description.into(),
        }])
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::NotFound(what.into())
    }

    pub fn precondition(reason: &'static str, message: impl Into<String>) -> Self {
        ApiError::FailedPrecondition {
            message: message.into(),
            reason,
        }
    }

    pub fn exists(reason: &'static str, message: impl Into<String>) -> Self {
        ApiError::AlreadyExists {
            message: message.into(),
            reason,
        }
    }

    pub fn denied(message: impl Into<String>) -> Self {
        ApiError::PermissionDenied(message.into())
    }

    /// This error with NOT_FOUND replaced (a hidden resource is named as the one asked
    /// for); any other failure, a database outage above all, keeps its own status.
    pub fn when_not_found(self, replacement: impl FnOnce() -> ApiError) -> ApiError {
        match self {
            ApiError::NotFound(_) => replacement(),
            other => other,
        }
    }

    /// A failed insert: a unique violation means a concurrent call with the same key
    /// won the race (the caller retries and gets its answer); anything else is
    /// what it is.
    pub fn from_insert(error: diesel::result::Error, concurrent: &str) -> ApiError {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::Unavailable(concurrent.to_owned())
            }
            other => other.into(),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        ApiError::Unexpected(anyhow::Error::new(error))
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(error: crate::db::PoolError) -> Self {
        ApiError::Unavailable(format!("database: {error}"))
    }
}

const DOMAIN: &str = "llo.suite";

impl From<ApiError> for tonic::Status {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::InvalidArgument(violations) => {
                let mut details = ErrorDetails::new();
                for v in &violations {
                    details.add_bad_request_violation(v.field.clone(), v.description.clone());
                }
                let summary = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.description))
                    .collect::<Vec<_>>()
                    .join("; ");
                tonic::Status::with_error_details(Code::InvalidArgument, summary, details)
            }
            ApiError::NotFound(what) => tonic::Status::not_found(format!("{what} not found")),
            ApiError::AlreadyExists { message, reason } => {
                with_reason(Code::AlreadyExists, message, reason)
            }
            ApiError::FailedPrecondition { message, reason } => {
                with_reason(Code::FailedPrecondition, message, reason)
            }
            ApiError::PermissionDenied(message) => tonic::Status::permission_denied(message),
            ApiError::Unauthenticated => tonic::Status::unauthenticated("authentication required"),
            ApiError::Unavailable(message) => {
                tracing::warn!(error = %message, "service unavailable");
                tonic::Status::unavailable("the service is temporarily unavailable; retry")
            }
            ApiError::Unexpected(error) => {
                // The detail goes to the log and trace, never to the caller.
                tracing::error!(error = ?error, "unexpected error");
                tonic::Status::internal("internal error")
            }
        }
    }
}

fn with_reason(code: Code, message: String, reason: &'static str) -> tonic::Status {
    let details = ErrorDetails::with_error_info(reason, DOMAIN, std::collections::HashMap::new());
    tonic::Status::with_error_details(code, message, details)
}
