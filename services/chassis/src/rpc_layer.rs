//! A tower layer in front of every gRPC service: opens the server span (with the
//! caller's `traceparent` as parent, set before the span is entered), admits or
//! refuses the call through the auth gate, and records `rpc.server.call.duration`.
use std::{
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use futures_util::future::BoxFuture;
use opentelemetry::KeyValue;
use tracing::Instrument as _;

use crate::{auth::Gate, telemetry};

#[derive(Clone)]
pub struct RpcLayer {
    gate: Arc<Gate>,
}

impl RpcLayer {
    pub fn new(gate: Gate) -> Self {
        Self {
            gate: Arc::new(gate),
        }
    }
}

impl<S> tower::Layer<S> for RpcLayer {
    type Service = RpcService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcService {
            inner,
            gate: self.gate.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RpcService<S> {
    inner: S,
    gate: Arc<Gate>,
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
        let (rpc_service, rpc_method) = split_path(&path);
        let span = tracing::info_span!(
            "rpc",
            otel.name = %path.trim_start_matches('/'),
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.service = %rpc_service,
            rpc.method = %rpc_method,
            rpc.grpc.status_code = tracing::field::Empty,
            enduser.id = tracing::field::Empty,
        );
        telemetry::set_parent_from(&span, |key| {
            request.headers().get(key).and_then(|v| v.to_str().ok())
        });
        let started = Instant::now();
        let attributes = vec![
            KeyValue::new("rpc.system", "grpc"),
            KeyValue::new("rpc.service", rpc_service.to_owned()),
            KeyValue::new("rpc.method", rpc_method.to_owned()),
        ];
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
                record(&span, started, attributes, status.code() as i32);
                return Box::pin(async move { Ok(status.into_http()) });
            }
        }
        Box::pin(
            async move {
                let response = inner.call(request).await?;
                // Errors are "trailers-only" responses with grpc-status in the headers;
                // a streamed success reports its status in the trailers: count it as OK.
                let code = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                    .unwrap_or(0);
                record(&tracing::Span::current(), started, attributes, code);
                Ok(response)
            }
            .instrument(span),
        )
    }
}

fn record(span: &tracing::Span, started: Instant, mut attributes: Vec<KeyValue>, code: i32) {
    span.record("rpc.grpc.status_code", code);
    attributes.push(KeyValue::new("rpc.grpc.status_code", i64::from(code)));
    telemetry::metrics()
        .rpc_duration
        .record(started.elapsed().as_secs_f64(), &attributes);
}

fn split_path(path: &str) -> (&str, &str) {
    let trimmed = path.trim_start_matches('/');
    trimmed.split_once('/').unwrap_or((trimmed, ""))
}
