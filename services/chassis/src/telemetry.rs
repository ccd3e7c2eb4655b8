//! Logs through `tracing` (pretty or JSON), traces and metrics through OpenTelemetry.
//! Spans always get W3C trace ids, so trace context flows through gRPC and AMQP even
//! when nothing is exported; OTLP export starts when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//!
//! Span and metric names and attributes follow one version of the OpenTelemetry semantic
//! conventions, [`SEMCONV_VERSION`] (RPC for the gRPC server, messaging with its RabbitMQ
//! part for the relay and the consumer); the `llo.*` metrics are the suite's own.
//! docs/operations.md ("Telemetry: names and semantic conventions") lists all of them.
use std::{collections::HashMap, sync::OnceLock};

use opentelemetry::{
    InstrumentationScope, KeyValue, global,
    metrics::{Counter, Gauge, Histogram, Meter},
    propagation::Injector,
    trace::{TraceContextExt as _, TracerProvider as _},
};
use opentelemetry_sdk::{
    Resource, metrics::SdkMeterProvider, propagation::TraceContextPropagator,
    trace::SdkTracerProvider,
};
pub use opentelemetry_semantic_conventions as semconv;
use opentelemetry_semantic_conventions::{SCHEMA_URL, metric as semconv_metric};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{
    EnvFilter, Layer as _, filter::LevelFilter, layer::SubscriberExt, util::SubscriberInitExt,
};

use crate::settings::{LogFormat, TelemetrySettings};

/// The version of the OpenTelemetry semantic conventions the suite's telemetry follows:
/// the one `opentelemetry-semantic-conventions` 0.33 (the release beside the
/// `opentelemetry` 0.33 crates the suite uses) is generated from. Its schema URL is the
/// instrumentation scope's, on every span and metric.
pub const SEMCONV_VERSION: &str = "1.42.0";

/// The instrumentation scope of every span and metric: `llo`, with the schema URL of
/// [`SEMCONV_VERSION`].
fn scope() -> InstrumentationScope {
    InstrumentationScope::builder("llo")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_schema_url(SCHEMA_URL)
        .build()
}

/// Flushes traces and metrics when dropped (at shutdown).
pub struct TelemetryGuard {
    tracer_provider: SdkTracerProvider,
    meter_provider: Option<SdkMeterProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(error) = self.tracer_provider.shutdown() {
            eprintln!("telemetry: flushing traces failed: {error}");
        }
        if let Some(meter_provider) = &self.meter_provider
            && let Err(error) = meter_provider.shutdown()
        {
            eprintln!("telemetry: flushing metrics failed: {error}");
        }
    }
}

static INSTALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl TelemetryGuard {
    /// Exports what is buffered now (tests; shutdown does it anyway).
    pub fn flush(&self) {
        let _ = self.tracer_provider.force_flush();
    }
}

/// Installs the global subscriber, tracer and meter. Call once, inside the Tokio runtime.
/// Exports over OTLP/gRPC when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
pub fn init(service_name: &str, settings: &TelemetrySettings) -> anyhow::Result<TelemetryGuard> {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty());
    init_with_endpoint(service_name, settings, endpoint)
}

/// As `init`, exporting to `endpoint` (an OTLP/gRPC collector) when one is given.
pub fn init_with_endpoint(
    service_name: &str,
    settings: &TelemetrySettings,
    endpoint: Option<String>,
) -> anyhow::Result<TelemetryGuard> {
    use opentelemetry_otlp::WithExportConfig as _;
    INSTALLED.store(true, std::sync::atomic::Ordering::SeqCst);
    global::set_text_map_propagator(TraceContextPropagator::new());
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .build();

    let mut tracer_builder = SdkTracerProvider::builder().with_resource(resource.clone());
    let mut meter_provider = None;
    if let Some(endpoint) = endpoint {
        let span_exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .build()?;
        tracer_builder = tracer_builder.with_batch_exporter(span_exporter);
        let metric_exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()?;
        let provider = SdkMeterProvider::builder()
            .with_periodic_exporter(metric_exporter)
            .with_resource(resource)
            .build();
        global::set_meter_provider(provider.clone());
        meter_provider = Some(provider);
    }
    let tracer_provider = tracer_builder.build();
    global::set_tracer_provider(tracer_provider.clone());
    let otel_layer =
        tracing_opentelemetry::layer().with_tracer(tracer_provider.tracer_with_scope(scope()));

    // The log filter applies to the log output only: spans must exist for trace
    // context to flow even when logging is quiet.
    let filter =
        EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&settings.log_filter))?;
    let registry = tracing_subscriber::registry().with(otel_layer.with_filter(LevelFilter::INFO));
    let installed = match settings.log_format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_filter(filter),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .compact()
                    .with_filter(filter),
            )
            .try_init(),
    };
    if let Err(error) = installed {
        // Already installed (tests, or several services in one process): keep the first.
        tracing::debug!(%error, "telemetry already initialised");
    }
    Ok(TelemetryGuard {
        tracer_provider,
        meter_provider,
    })
}

/// For tests: installs telemetry once per process, quietly (unless a test installed its own).
pub fn init_for_tests() {
    static GUARD: OnceLock<Option<TelemetryGuard>> = OnceLock::new();
    if INSTALLED.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    GUARD.get_or_init(|| {
        let settings = TelemetrySettings {
            log_format: LogFormat::Pretty,
            log_filter: "warn".into(),
        };
        init("llo-test", &settings).ok()
    });
}

/// Bucket boundaries in seconds for `rpc.server.call.duration`,
/// `messaging.client.operation.duration` and `messaging.process.duration`, as the
/// semantic conventions advise for all three. The SDK's
/// defaults (0, 5, 10 … 10000) are meant for milliseconds: every call under five seconds
/// would land in one bucket and a p95 could not be read.
pub const RPC_DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The suite's instruments: those the semantic conventions define under their names
/// (`rpc.*`, `messaging.*`), and the suite's own (`llo.*`).
pub struct Metrics {
    /// `rpc.server.call.duration`: every gRPC call served.
    pub rpc_duration: Histogram<f64>,
    /// `messaging.client.sent.messages`: every event the relay published, confirmed or not.
    pub messages_sent: Counter<u64>,
    /// `messaging.client.operation.duration`: each publish, until the broker answered.
    pub send_duration: Histogram<f64>,
    /// `messaging.client.consumed.messages`: every delivery the consumer took.
    pub messages_consumed: Counter<u64>,
    /// `messaging.process.duration`: from a delivery's arrival to its acknowledgement.
    pub process_duration: Histogram<f64>,
    pub events_published: Counter<u64>,
    pub events_consumed: Counter<u64>,
    pub events_dead_lettered: Counter<u64>,
    pub outbox_backlog: Gauge<u64>,
    pub outbox_oldest_age: Gauge<f64>,
    pub consumer_lag: Gauge<u64>,
    pub consumer_restarts: Counter<u64>,
    /// `llo.notices`: e-mail notices (intake), by `outcome`: `sent`, `retried`, `failed`.
    pub notices: Counter<u64>,
    /// `llo.admission.wait`: how long a writing call waited for the consumers, by
    /// `outcome` (`admitted`, `refused`); calls that did not wait are not recorded.
    pub admission_wait: Histogram<f64>,
    /// `llo.admission.backlog`: the deepest consumer queue as admission last read it.
    pub admission_backlog: Gauge<u64>,
}

pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let meter: Meter = global::meter_with_scope(scope());
        Metrics {
            rpc_duration: meter
                .f64_histogram(semconv_metric::RPC_SERVER_CALL_DURATION)
                .with_unit("s")
                .with_description("Measures the duration of an incoming Remote Procedure Call (RPC)")
                .with_boundaries(RPC_DURATION_BUCKETS.to_vec())
                .build(),
            messages_sent: meter
                .u64_counter(semconv_metric::MESSAGING_CLIENT_SENT_MESSAGES)
                .with_unit("{message}")
                .with_description("Number of messages producer attempted to send to the broker")
                .build(),
            send_duration: meter
                .f64_histogram(semconv_metric::MESSAGING_CLIENT_OPERATION_DURATION)
                .with_unit("s")
                .with_description(
                    "Duration of messaging operation initiated by a producer or consumer client",
                )
                .with_boundaries(RPC_DURATION_BUCKETS.to_vec())
                .build(),
            messages_consumed: meter
                .u64_counter(semconv_metric::MESSAGING_CLIENT_CONSUMED_MESSAGES)
                .with_unit("{message}")
                .with_description("Number of messages that were delivered to the application")
                .build(),
            process_duration: meter
                .f64_histogram(semconv_metric::MESSAGING_PROCESS_DURATION)
                .with_unit("s")
                .with_description("Duration of processing operation")
                .with_boundaries(RPC_DURATION_BUCKETS.to_vec())
                .build(),
            events_published: meter
                .u64_counter("llo.events.published")
                .with_description("Integration events confirmed by the broker")
                .build(),
            events_consumed: meter
                .u64_counter("llo.events.consumed")
                .with_description("Integration events consumed, by outcome")
                .build(),
            events_dead_lettered: meter
                .u64_counter("llo.events.dead_lettered")
                .with_description("Integration events sent to the dead-letter queue")
                .build(),
            outbox_backlog: meter
                .u64_gauge("llo.outbox.backlog")
                .with_description("Outbox rows not yet confirmed by the broker")
                .build(),
            outbox_oldest_age: meter
                .f64_gauge("llo.outbox.oldest_age")
                .with_unit("s")
                .with_description(
                    "Age of the oldest outbox row not yet confirmed by the broker (0 when none waits)",
                )
                .build(),
            consumer_lag: meter
                .u64_gauge("llo.consumer.lag")
                .with_description("Messages ready in the service's queue")
                .build(),
            consumer_restarts: meter
                .u64_counter("llo.consumer.restarts")
                .with_description(
                    "Consumer connections given up and reopened, by reason \
                     (stalled, connection_lost, broker_timeout, stream_failed)",
                )
                .build(),
            notices: meter
                .u64_counter("llo.notices")
                .with_unit("{notice}")
                .with_description("E-mail notices by outcome: sent, retried (not sent, tried again), failed (given up)")
                .build(),
            admission_wait: meter
                .f64_histogram("llo.admission.wait")
                .with_unit("s")
                .with_description("How long a writing call waited for the suite's consumers, by outcome")
                .with_boundaries(RPC_DURATION_BUCKETS.to_vec())
                .build(),
            admission_backlog: meter
                .u64_gauge("llo.admission.backlog")
                .with_unit("{event}")
                .with_description("Ready events in the deepest consumer queue, as admission last read it")
                .build(),
        }
    })
}

/// The current span's W3C trace context as headers (`traceparent`, `tracestate`).
pub fn current_trace_headers() -> HashMap<String, String> {
    let context = tracing::Span::current().context();
    let mut headers = HashMap::new();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut MapInjector(&mut headers))
    });
    headers
}

/// The W3C trace context in `headers`, if they carry one.
fn extract_from<'a>(headers: impl Fn(&str) -> Option<&'a str>) -> Option<opentelemetry::Context> {
    let carrier: HashMap<String, String> = ["traceparent", "tracestate"]
        .into_iter()
        .filter_map(|key| headers(key).map(|value| (key.to_owned(), value.to_owned())))
        .collect();
    (!carrier.is_empty())
        .then(|| global::get_text_map_propagator(|propagator| propagator.extract(&carrier)))
}

/// Makes `span` a child of the trace in `headers`. Call before the span is entered.
pub fn set_parent_from<'a>(span: &tracing::Span, headers: impl Fn(&str) -> Option<&'a str>) {
    if let Some(parent) = extract_from(headers) {
        // A span that was already entered keeps its parent; ours are fresh, so this holds.
        let _ = span.set_parent(parent);
    }
}

/// Links `span` to the trace context in `headers` (a message's creation context), the
/// link naming the message id when there is one.
pub fn add_link_from<'a>(
    span: &tracing::Span,
    message_id: Option<String>,
    headers: impl Fn(&str) -> Option<&'a str>,
) {
    let Some(context) = extract_from(headers) else {
        return;
    };
    let attributes = message_id
        .map(|id| vec![KeyValue::new(semconv::attribute::MESSAGING_MESSAGE_ID, id)])
        .unwrap_or_default();
    span.add_link_with_attributes(context.span().span_context().clone(), attributes);
}

struct MapInjector<'a>(&'a mut HashMap<String, String>);

impl Injector for MapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

/// gRPC client interceptor that sends the current trace context (and a bearer token).
#[derive(Clone, Default)]
pub struct ClientContext {
    pub bearer_token: Option<String>,
}

impl tonic::service::Interceptor for ClientContext {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        for (key, value) in current_trace_headers() {
            if let (Ok(key), Ok(value)) = (
                tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
                tonic::metadata::MetadataValue::try_from(value.as_str()),
            ) {
                request.metadata_mut().insert(key, value);
            }
        }
        if let Some(token) = &self.bearer_token
            && let Ok(value) = tonic::metadata::MetadataValue::try_from(format!("Bearer {token}"))
        {
            request.metadata_mut().insert("authorization", value);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_telemetry_follows_the_semantic_conventions_it_names() {
        assert_eq!(
            SCHEMA_URL,
            format!("https://opentelemetry.io/schemas/{SEMCONV_VERSION}")
        );
        assert_eq!(scope().schema_url(), Some(SCHEMA_URL));
    }
}
