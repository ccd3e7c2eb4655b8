//! What operators' dashboards receive: from the consumer its queue's lag, events
//! consumed by outcome, dead letters, and the messaging conventions' metrics; from the
//! relay the outbox backlog and the age of its oldest event; from the RPC layer
//! `rpc.server.call.duration` with the RPC conventions' attributes. A test binary of its
//! own, because the metric instruments bind to the meter provider installed first in the
//! process: its tests share one (`meter`) and read only the latest export (cumulative
//! totals), so they may run in one process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl as _};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use futures_util::future::BoxFuture;
use lapin::{BasicProperties, options::BasicPublishOptions, types::FieldTable};
use llo_chassis::{
    ServiceName,
    auth::{Authenticator, Gate, Role},
    bus::{
        self, EventHandler, HandleError, IncomingEvent, Topology, consumer::Consumer, relay::Relay,
    },
    db,
    rpc_layer::RpcLayer,
    server::Readiness,
    testing::{self, AMQP_URL, TcpProxy, TestEnv},
};
use opentelemetry_sdk::metrics::data::GaugeDataPoint;
use opentelemetry_sdk::metrics::{
    InMemoryMetricExporter, PeriodicReader, SdkMeterProvider,
    data::{AggregatedMetrics, MetricData, ResourceMetrics},
};
use tokio_util::sync::CancellationToken;

const TEST_MIGRATIONS: EmbeddedMigrations = embed_migrations!("tests/migrations");

/// Applies `test.ok.v1`; anything else is malformed.
struct Quiet;

impl EventHandler for Quiet {
    fn handle<'a>(
        &'a self,
        _conn: &'a mut AsyncPgConnection,
        event: &'a IncomingEvent,
    ) -> BoxFuture<'a, Result<(), HandleError>> {
        let outcome = if event.routing_key == "test.ok.v1" {
            Ok(())
        } else {
            Err(HandleError::Malformed("not for this test".into()))
        };
        Box::pin(async move { outcome })
    }

    fn routing_keys(&self) -> Vec<String> {
        vec!["test.#".to_owned()]
    }
}

async fn publish(exchange: &str, routing_key: &str) {
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let properties = BasicProperties::default()
        .with_message_id(uuid::Uuid::now_v7().to_string().into())
        .with_type(routing_key.into())
        .with_content_type(bus::CONTENT_TYPE.into())
        .with_headers(FieldTable::default());
    channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            b"",
            properties,
        )
        .await
        .unwrap()
        .await
        .unwrap();
    connection.close(200, "done".into()).await.unwrap();
}

/// The process's meter provider and its in-memory exporter, installed once.
fn meter() -> &'static (SdkMeterProvider, InMemoryMetricExporter) {
    static METER: OnceLock<(SdkMeterProvider, InMemoryMetricExporter)> = OnceLock::new();
    METER.get_or_init(|| {
        let exporter = InMemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        opentelemetry::global::set_meter_provider(provider.clone());
        (provider, exporter)
    })
}

/// Everything measured so far: the totals are cumulative, so one export holds them all.
fn latest() -> Vec<ResourceMetrics> {
    let (provider, exporter) = meter();
    exporter.reset();
    provider.force_flush().unwrap();
    let mut exports = exporter.get_finished_metrics().unwrap();
    // Another test's flush may have landed too; the last export is the newest.
    exports.pop().into_iter().collect()
}

/// Sum of the u64 counter `name`'s points whose attributes contain `(key, value)`.
fn counted(metrics: &[ResourceMetrics], name: &str, key: &str, value: &str) -> u64 {
    let mut total = 0;
    for resource in metrics {
        for scope in resource.scope_metrics() {
            for metric in scope.metrics().filter(|m| m.name() == name) {
                if let AggregatedMetrics::U64(MetricData::Sum(sum)) = metric.data() {
                    total += sum
                        .data_points()
                        .filter(|p| {
                            p.attributes()
                                .any(|a| a.key.as_str() == key && a.value.as_str() == value)
                        })
                        .map(|p| p.value())
                        .sum::<u64>();
                }
            }
        }
    }
    total
}

/// Whether the u64 gauge `name` has a point for `queue`.
fn gauged(metrics: &[ResourceMetrics], name: &str, queue: &str) -> bool {
    metrics.iter().any(|resource| {
        resource.scope_metrics().any(|scope| {
            scope.metrics().filter(|m| m.name() == name).any(|metric| {
                matches!(metric.data(), AggregatedMetrics::U64(MetricData::Gauge(gauge))
                    if gauge.data_points().any(|p| p
                        .attributes()
                        .any(|a| a.key.as_str() == "queue" && a.value.as_str() == queue)))
            })
        })
    })
}

/// How many measurements the f64 histogram `name` (unit s) holds, by destination and
/// `error.type`.
fn histogram_counts(
    metrics: &[ResourceMetrics],
    name: &str,
) -> std::collections::HashMap<(String, Option<String>), u64> {
    let mut counts = std::collections::HashMap::new();
    for resource in metrics {
        for scope in resource.scope_metrics() {
            for metric in scope.metrics().filter(|m| m.name() == name) {
                assert_eq!(metric.unit(), "s", "{name}");
                if let AggregatedMetrics::F64(MetricData::Histogram(histogram)) = metric.data() {
                    for point in histogram.data_points() {
                        let value = |key: &str| {
                            point
                                .attributes()
                                .find(|a| a.key.as_str() == key)
                                .map(|a| a.value.to_string())
                        };
                        let key = (
                            value("messaging.destination.name").unwrap_or_default(),
                            value("error.type"),
                        );
                        *counts.entry(key).or_default() += point.count();
                    }
                }
            }
        }
    }
    counts
}

/// The last value of gauge `name` for the service `service` (u64 or f64), if any.
fn gauge_value(metrics: &[ResourceMetrics], name: &str, service: &str) -> Option<f64> {
    fn of<T: Copy>(
        points: &mut dyn Iterator<Item = &GaugeDataPoint<T>>,
        service: &str,
    ) -> Option<T> {
        points
            .filter(|p| {
                p.attributes()
                    .any(|a| a.key.as_str() == "service" && a.value.as_str() == service)
            })
            .map(|p| p.value())
            .last()
    }
    let mut found = None;
    for resource in metrics {
        for scope in resource.scope_metrics() {
            for metric in scope.metrics().filter(|m| m.name() == name) {
                match metric.data() {
                    AggregatedMetrics::U64(MetricData::Gauge(gauge)) => {
                        found = of(&mut gauge.data_points(), service)
                            .map(|v| v as f64)
                            .or(found);
                    }
                    AggregatedMetrics::F64(MetricData::Gauge(gauge)) => {
                        found = of(&mut gauge.data_points(), service).or(found);
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn the_consumer_reports_lag_outcomes_and_dead_letters() {
    meter();
    let env = TestEnv::new();
    let settings = env.settings(ServiceName::Reporting);
    let pool = db::connect(&settings.database, TEST_MIGRATIONS)
        .await
        .unwrap();
    let topology = Topology::for_service(&settings.amqp, "metricsvc", &["test.#".to_owned()]);
    let queue = topology.queue.clone().unwrap();
    env.track_queue(&queue.name);
    env.track_queue(&queue.dead_letter_queue);
    bus::declare_now(&AMQP_URL, &topology).await;
    for _ in 0..3 {
        publish(&env.exchange, "test.ok.v1").await;
    }
    publish(&env.exchange, "test.bad.v1").await;

    let shutdown = CancellationToken::new();
    let consumer = Consumer::from_settings(
        &settings,
        pool,
        topology,
        Arc::new(Quiet),
        "metricsvc",
        Readiness::default(),
    );
    tokio::spawn(consumer.run(shutdown.clone()));

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut lag_seen = false;
    loop {
        let metrics = latest();
        lag_seen |= gauged(&metrics, "llo.consumer.lag", &queue.name);
        let applied = counted(&metrics, "llo.events.consumed", "outcome", "applied");
        let dead = counted(
            &metrics,
            "llo.events.dead_lettered",
            "routing_key",
            "test.bad.v1",
        );
        if applied >= 3 && dead >= 1 && lag_seen {
            assert_eq!(applied, 3);
            assert_eq!(dead, 1);
            assert_eq!(
                counted(&metrics, "llo.events.consumed", "outcome", "dead_lettered"),
                1
            );
            // The messaging conventions' metrics, per RabbitMQ destination.
            let destination = |key: &str| format!("{}:{key}:{}", env.exchange, queue.name);
            let destination_name = "messaging.destination.name";
            let consumed = "messaging.client.consumed.messages";
            assert_eq!(
                counted(
                    &metrics,
                    consumed,
                    destination_name,
                    &destination("test.ok.v1")
                ),
                3
            );
            assert_eq!(
                counted(
                    &metrics,
                    consumed,
                    destination_name,
                    &destination("test.bad.v1")
                ),
                1
            );
            let processed = histogram_counts(&metrics, "messaging.process.duration");
            assert_eq!(
                processed.get(&(destination("test.ok.v1"), None)),
                Some(&3),
                "{processed:?}"
            );
            assert_eq!(
                processed.get(&(destination("test.bad.v1"), Some("dead_lettered".to_owned()))),
                Some(&1),
                "{processed:?}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "metrics never showed the lag, 3 applied and 1 dead letter"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
}

/// The relay's test event.
#[derive(Clone, PartialEq, prost::Message)]
struct Waiting {
    #[prost(int64, tag = "1")]
    seconds: i64,
}

impl llo_proto::IntegrationEvent for Waiting {
    const ROUTING_KEY: &'static str = "test.waiting.v1";
    fn region(&self) -> &str {
        "achterhoek"
    }
    fn participant_id(&self) -> Option<&str> {
        None
    }
    fn occur_time(&self) -> Option<&prost_types::Timestamp> {
        None
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_relay_reports_how_long_the_oldest_event_has_waited_until_it_leaves() {
    meter();
    let env = TestEnv::new();
    // The relay reaches the broker through a proxy that starts down.
    let proxy = TcpProxy::start_for(testing::amqp_port()).await;
    proxy.down();
    let settings = env.settings_with(ServiceName::Intake, &[("amqp.url", proxy.url())]);
    let pool = db::connect(&settings.database, TEST_MIGRATIONS)
        .await
        .unwrap();
    let topology = Topology::for_service(&settings.amqp, "agesvc", &["test.#".to_owned()]);
    let queue = topology.queue.clone().unwrap();
    env.track_queue(&queue.name);
    env.track_queue(&queue.dead_letter_queue);
    // A queue takes the event once the broker is reachable (declared directly).
    bus::declare_now(&AMQP_URL, &topology).await;

    // An event written two minutes ago that has not left yet.
    {
        let mut conn = pool.get().await.unwrap();
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            bus::record(conn, &Waiting { seconds: 1 }).await?;
            diesel::sql_query("UPDATE outbox SET created_at = now() - interval '2 minutes'")
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
        .unwrap();
    }

    let shutdown = CancellationToken::new();
    let relay = Relay::from_settings(
        &settings,
        pool.clone(),
        topology,
        "agesvc",
        Readiness::default(),
    );
    tokio::spawn(relay.run(shutdown.clone()));

    // The broker is out of reach: the relay still reports what waits, and since when.
    let waited = eventually("the gauges show the waiting event", || {
        let metrics = latest();
        let age = gauge_value(&metrics, "llo.outbox.oldest_age", "agesvc")?;
        let backlog = gauge_value(&metrics, "llo.outbox.backlog", "agesvc")?;
        (age > 0.0 && backlog == 1.0).then_some(age)
    })
    .await;
    assert!(
        (120.0..600.0).contains(&waited),
        "the age is the event's, in seconds: {waited}"
    );

    // The broker is back: the event leaves, and nothing waits any more.
    proxy.up();
    eventually("the gauges show an empty outbox", || {
        let metrics = latest();
        let age = gauge_value(&metrics, "llo.outbox.oldest_age", "agesvc")?;
        let backlog = gauge_value(&metrics, "llo.outbox.backlog", "agesvc")?;
        (age == 0.0 && backlog == 0.0).then_some(())
    })
    .await;
    let mut conn = pool.get().await.unwrap();
    assert_eq!(bus::outbox::backlog(&mut conn).await.unwrap(), 0);
    // Sent once, to `<exchange>:<routing key>` (messaging conventions, RabbitMQ).
    let sent = counted(
        &latest(),
        "messaging.client.sent.messages",
        "messaging.destination.name",
        &format!("{}:test.waiting.v1", env.exchange),
    );
    assert_eq!(sent, 1);
    let sending = histogram_counts(&latest(), "messaging.client.operation.duration");
    assert_eq!(
        sending.get(&(format!("{}:test.waiting.v1", env.exchange), None)),
        Some(&1),
        "{sending:?}"
    );
    shutdown.cancel();
}

/// Polls `check` every 100 ms until it gives `Some`, or fails after 30 s.
async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A service behind the RPC layer that answers every call with one gRPC status.
#[derive(Clone)]
struct Answers(i32);

impl tower::Service<http::Request<()>> for Answers {
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<()>) -> Self::Future {
        let response = http::Response::builder()
            .header("grpc-status", self.0.to_string())
            .body(tonic::body::Body::empty())
            .unwrap();
        std::future::ready(Ok(response))
    }
}

/// The attributes of the `rpc.server.call.duration` points, one map per point.
fn rpc_points(metrics: &[ResourceMetrics]) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut points = Vec::new();
    for resource in metrics {
        for scope in resource.scope_metrics() {
            for metric in scope
                .metrics()
                .filter(|m| m.name() == "rpc.server.call.duration")
            {
                assert_eq!(metric.unit(), "s");
                if let AggregatedMetrics::F64(MetricData::Histogram(histogram)) = metric.data() {
                    for point in histogram.data_points() {
                        points.push(
                            point
                                .attributes()
                                .map(|a| (a.key.to_string(), a.value.to_string()))
                                .collect(),
                        );
                    }
                }
            }
        }
    }
    points
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_calls_are_measured_with_the_rpc_conventions_attributes() {
    use tower::{Layer as _, Service as _};
    meter();
    let env = TestEnv::new();
    let settings = env.settings(ServiceName::Intake);
    const POLICY: llo_chassis::auth::AccessPolicy =
        &[("/llo.metrics.v1.MetricsService/Answer", &[Role::Coach])];
    let gate = || Gate {
        authenticator: Authenticator::from_settings(&settings.auth).unwrap(),
        policy: POLICY,
        reflection_public: false,
    };
    let bearer = format!("Bearer {}", env.token(Role::Coach, "achterhoek", None));
    let call = |status: i32, path: &'static str| {
        let mut service =
            RpcLayer::new(gate(), llo_chassis::admission::Admission::open()).layer(Answers(status));
        let request = http::Request::builder()
            .uri(path)
            .header("authorization", bearer.as_str())
            .body(())
            .unwrap();
        async move { service.call(request).await.unwrap() }
    };
    call(5, "/llo.metrics.v1.MetricsService/Answer").await;
    call(14, "/llo.metrics.v1.MetricsService/Answer").await;
    // A method the service does not serve: refused by the gate, and its made-up name
    // stays out of the metric.
    call(0, "/llo.metrics.v1.MetricsService/Invented42").await;

    let point = |pairs: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let expected = [
        point(&[
            ("rpc.system.name", "grpc"),
            ("rpc.method", "llo.metrics.v1.MetricsService/Answer"),
            ("rpc.response.status_code", "NOT_FOUND"),
        ]),
        point(&[
            ("rpc.system.name", "grpc"),
            ("rpc.method", "llo.metrics.v1.MetricsService/Answer"),
            ("rpc.response.status_code", "UNAVAILABLE"),
            ("error.type", "UNAVAILABLE"),
        ]),
        point(&[
            ("rpc.system.name", "grpc"),
            ("rpc.method", "_OTHER"),
            ("rpc.response.status_code", "PERMISSION_DENIED"),
        ]),
    ];
    let seen = rpc_points(&latest());
    for point in &expected {
        assert!(seen.contains(point), "{point:?} not among {seen:?}");
    }
    assert!(
        seen.iter()
            .all(|p| !p.values().any(|v| v.contains("Invented42"))),
        "{seen:?}"
    );
}
