//! The shape of a unary call: the caller the gate admitted, the message, and the
//! handler's work run on its own task, so that a client hanging up mid-call cannot
//! cancel it halfway through a database transaction.
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

/// A unary gRPC method: the caller the gate admitted, the message, and the handler
/// `async fn(&Context, &Caller, Request) -> Result<Response, ApiError>` run to its end.
#[macro_export]
macro_rules! unary_call {
    ($ctx:expr, $request:ident, $handler:path) => {{
        let caller = $crate::auth::caller(&$request)?.clone();
        let ctx = $ctx.clone();
        let message = $request.into_inner();
        $crate::call::run_to_end(async move { $handler(&ctx, &caller, message).await })
            .await
            .map(::tonic::Response::new)
    }};
}
