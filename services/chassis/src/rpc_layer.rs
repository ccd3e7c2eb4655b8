//! A tower layer in front of every gRPC service: opens the server span (with the
//! caller's `traceparent` as parent, set before the span is entered), admits or
//! refuses the call through the auth gate, and records `rpc.server.call.duration` —
//! named and attributed as the semantic conventions ([`telemetry::SEMCONV_VERSION`]) say
//! for a gRPC server.
use std::{
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use futures_util::future::BoxFuture;
use opentelemetry::KeyValue;
use tracing::Instrument as _;

use crate::{
    admission::Admission,
    auth::Gate,
    telemetry::{self, semconv},
};

#[derive(Clone)]
pub struct RpcLayer {
    gate: Arc<Gate>,
    admission: Admission,
}

impl RpcLayer {
    pub fn new(gate: Gate, admission: Admission) -> Self {
        Self {
            gate: Arc::new(gate),
            admission,
        }
    }
}

impl<S> tower::Layer<S> for RpcLayer {
    type Service = RpcService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcService {
            inner,
            gate: self.gate.clone(),
            admission: self.admission.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RpcService<S> {
    inner: S,
    gate: Arc<Gate>,
    admission: Admission,
}

impl<S, B> tower::Service<http::Request<B>> for RpcService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone is not ready; the ready one serves this call (tower's rule).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let path = request.uri().path().to_owned();
        // The fully-qualified method, e.g. `llo.intake.v1.IntakeService/RegisterOrganisation`;
        // a method the service does not serve is `_OTHER` (its name, which a caller
        // chooses freely, stays out of the metric's attributes).
        let method = if self.gate.recognises(&path) {
            path.trim_start_matches('/').to_owned()
        } else {
            OTHER.to_owned()
        };
        let span = tracing::info_span!(
            "rpc",
            otel.name = %if method == OTHER { "grpc" } else { method.as_str() },
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            rpc.system.name = "grpc",
            rpc.method = %method,
            rpc.method_original = tracing::field::Empty,
            rpc.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
            enduser.id = tracing::field::Empty,
        );
        if method == OTHER {
            span.record("rpc.method_original", path.trim_start_matches('/'));
        }
        telemetry::set_parent_from(&span, |key| {
            request.headers().get(key).and_then(|v| v.to_str().ok())
        });
        let started = Instant::now();
        let authorization = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        match self.gate.admit(&path, authorization) {
            Ok(Some(caller)) => {
                span.record("enduser.id", caller.subject.as_str());
                request.extensions_mut().insert(caller);
            }
            Ok(None) => {}
            Err(refusal) => {
                let status: tonic::Status = refusal.into();
                record(&span, started, method, Some(status.code() as i32));
                return Box::pin(async move { Ok(status.into_http()) });
            }
        }
        // A writing call of this service waits while the consumers are behind; reads,
        // health and reflection never do.
        let admission = (self.gate.serves(&path) && !Admission::only_reads(&path))
            .then(|| self.admission.clone());
        Box::pin(
            async move {
                if let Some(admission) = admission
                    && let Err(refused) = admission.admit().await
                {
                    let status = tonic::Status::from(refused);
                    record(
                        &tracing::Span::current(),
                        started,
                        method,
                        Some(status.code() as i32),
                    );
                    return Ok(status.into_http());
                }
                let response = match inner.call(request).await {
                    Ok(response) => response,
                    Err(error) => {
                        // No status reached the caller: the error is the transport's.
                        record(&tracing::Span::current(), started, method, None);
                        return Err(error);
                    }
                };
                // Errors are "trailers-only" responses with grpc-status in the headers;
                // a streamed success reports its status in the trailers: count it as OK.
                let code = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                    .unwrap_or(0);
                record(&tracing::Span::current(), started, method, Some(code));
                Ok(response)
            }
            .instrument(span),
        )
    }
}

/// `rpc.method` of a method the service does not serve.
const OTHER: &str = "_OTHER";

/// Ends the call's telemetry: `rpc.response.status_code` (the status code's name, e.g.
/// `OK`, `NOT_FOUND`) on the span and `rpc.server.call.duration`, and `error.type` where
/// the semantic conventions count the code as the server's error.
fn record(span: &tracing::Span, started: Instant, method: String, code: Option<i32>) {
    let status = code.map(status_code_name);
    let error = match (code, status) {
        (Some(code), Some(name)) if is_server_error(code) => Some(name),
        (Some(_), _) => None,
        (None, _) => Some(OTHER),
    };
    let mut attributes = vec![
        KeyValue::new(semconv::attribute::RPC_SYSTEM_NAME, "grpc"),
        KeyValue::new(semconv::attribute::RPC_METHOD, method),
    ];
    if let Some(status) = status {
        span.record("rpc.response.status_code", status);
        attributes.push(KeyValue::new(
            semconv::attribute::RPC_RESPONSE_STATUS_CODE,
            status,
        ));
    }
    if let Some(error) = error {
        span.record("error.type", error);
        span.record("otel.status_code", "ERROR");
        attributes.push(KeyValue::new(semconv::attribute::ERROR_TYPE, error));
    }
    telemetry::metrics()
        .rpc_duration
        .record(started.elapsed().as_secs_f64(), &attributes);
}

/// The codes a gRPC server's span and metric count as errors (semantic conventions,
/// gRPC): UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
/// The others (a caller's bad request, a refusal) are answers, not failures.
pub fn is_server_error(code: i32) -> bool {
    matches!(code, 2 | 4 | 12 | 13 | 14 | 15)
}

/// The name of a gRPC status code, as `rpc.response.status_code` carries it.
pub fn status_code_name(code: i32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        // Not a gRPC code: the response is malformed; UNKNOWN is what a client makes of it.
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_named_as_grpc_names_them() {
        let names: Vec<&str> = (0..=16).map(status_code_name).collect();
        assert_eq!(
            names,
            [
                "OK",
                "CANCELLED",
                "UNKNOWN",
                "INVALID_ARGUMENT",
                "DEADLINE_EXCEEDED",
                "NOT_FOUND",
                "ALREADY_EXISTS",
                "PERMISSION_DENIED",
                "RESOURCE_EXHAUSTED",
                "FAILED_PRECONDITION",
                "ABORTED",
                "OUT_OF_RANGE",
                "UNIMPLEMENTED",
                "INTERNAL",
                "UNAVAILABLE",
                "DATA_LOSS",
                "UNAUTHENTICATED"
            ]
        );
        for code in 0..=16 {
            // tonic agrees on the numbers.
            assert_eq!(tonic::Code::from_i32(code) as i32, code);
        }
        assert_eq!(status_code_name(42), "UNKNOWN");
        let errors: Vec<&str> = (0..=16)
            .filter(|c| is_server_error(*c))
            .map(status_code_name)
            .collect();
        assert_eq!(
            errors,
            [
                "UNKNOWN",
                "DEADLINE_EXCEEDED",
                "UNIMPLEMENTED",
                "INTERNAL",
                "UNAVAILABLE",
                "DATA_LOSS"
            ]
        );
    }
}
