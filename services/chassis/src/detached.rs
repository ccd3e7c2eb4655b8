//! Runs a handler's work on its own task, so that a client hanging up mid-call
//! cannot cancel it halfway through a database transaction.
use std::future::Future;

use crate::ApiError;

pub async fn run_to_end<T, F>(work: F) -> Result<T, tonic::Status>
where
    F: Future<Output = Result<T, ApiError>> + Send + 'static,
    T: Send + 'static,
{
    // Keep the caller's span, so the work (and the events it records) stays in its trace.
    match tokio::spawn(tracing::Instrument::in_current_span(work)).await {
        Ok(result) => result.map_err(tonic::Status::from),
        Err(join_error) => {
            Err(ApiError::Unexpected(anyhow::anyhow!("handler task failed: {join_error}")).into())
        }
    }
}

/// `Some` for a non-empty string: proto3 has no "absent" for strings.
pub fn non_empty(value: &str) -> Option<&str> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

/// A unary gRPC method: the caller the gate admitted, the message, and the handler
/// `async fn(&Context, &Caller, Request) -> Result<Response, ApiError>` run to its end.
#[macro_export]
macro_rules! unary_call {
    ($ctx:expr, $request:ident, $handler:path) => {{
        let caller = $crate::auth::caller(&$request)?.clone();
        let ctx = $ctx.clone();
        let message = $request.into_inner();
        $crate::detached::run_to_end(async move { $handler(&ctx, &caller, message).await })
            .await
            .map(::tonic::Response::new)
    }};
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

/// The answer when a request id comes back with a different request.
pub fn request_id_reused() -> ApiError {
    ApiError::exists(
        "REQUEST_ID_REUSED",
        "this request_id was used for a different request",
    )
}
