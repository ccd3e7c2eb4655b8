//! What operators' dashboards receive from the consumer: its queue's lag, events
//! consumed by outcome, dead letters. A test binary of its own, because the metric
//! instruments bind to the meter provider installed first in the process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{sync::Arc, time::Duration};

use diesel_async::AsyncPgConnection;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use futures_util::future::BoxFuture;
use lapin::{BasicProperties, options::BasicPublishOptions, types::FieldTable};
use llo_chassis::{
    ServiceName,
    bus::{self, EventHandler, HandleError, IncomingEvent, Topology, consumer::Consumer},
    db,
    server::Readiness,
    testing::{AMQP_URL, TestEnv},
};
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
    let connection = lapin::Connection::connect(AMQP_URL, Default::default())
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

#[tokio::test(flavor = "multi_thread")]
async fn the_consumer_reports_lag_outcomes_and_dead_letters() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());

    let env = TestEnv::new();
    let settings = env.settings(ServiceName::Reporting);
    let pool = db::connect(&settings.database, TEST_MIGRATIONS)
        .await
        .unwrap();
    let topology = Topology::for_service(&settings.amqp, "metricsvc", &["test.#".to_owned()]);
    let queue = topology.queue.clone().unwrap();
    env.track_queue(&queue.name);
    env.track_queue(&queue.dead_letter_queue);
    bus::declare_now(AMQP_URL, &topology).await;
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
        // Cumulative totals: only the latest export counts, so forget the earlier ones.
        exporter.reset();
        provider.force_flush().unwrap();
        let metrics = exporter.get_finished_metrics().unwrap();
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
