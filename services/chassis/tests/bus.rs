//! The event pipeline against the real local PostgreSQL and RabbitMQ: outbox relay
//! through a broker outage, inbox deduplication, retries, dead letters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use futures_util::future::BoxFuture;
use lapin::{
    BasicProperties,
    options::{BasicGetOptions, BasicPublishOptions},
    types::{AMQPValue, FieldTable},
};
use llo_chassis::{
    ServiceName,
    bus::{
        self, EventHandler, HandleError, IncomingEvent, OutboxEvent, Topology, consumer::Consumer,
        relay::Relay,
    },
    db,
    server::Readiness,
    testing::{AMQP_URL, TcpProxy, TestEnv},
};
use tokio_util::sync::CancellationToken;

const TEST_MIGRATIONS: EmbeddedMigrations = embed_migrations!("tests/migrations");

diesel::table! {
    applied (event_id) {
        event_id -> Uuid,
        routing_key -> Text,
    }
}

/// Applies `test.*` events by recording them; fails as told.
struct Recorder {
    failures_left: AtomicU32,
}

impl EventHandler for Recorder {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a IncomingEvent,
    ) -> BoxFuture<'a, Result<(), HandleError>> {
        Box::pin(async move {
            if event.routing_key == "test.poison.v1" {
                return Err(HandleError::Retry(anyhow::anyhow!(
                    "this event always fails"
                )));
            }
            if AtomicU32::load(&self.failures_left, Ordering::SeqCst) > 0 {
                self.failures_left.fetch_sub(1, Ordering::SeqCst);
                return Err(HandleError::Retry(anyhow::anyhow!("a passing failure")));
            }
            let _: prost_types::Timestamp = event.decode()?;
            diesel::insert_into(applied::table)
                .values((
                    applied::event_id.eq(event.id),
                    applied::routing_key.eq(&event.routing_key),
                ))
                .execute(conn)
                .await?;
            Ok(())
        })
    }
}

struct Harness {
    env: TestEnv,
    settings: llo_chassis::Settings,
    pool: db::PgPool,
    topology: Topology,
    shutdown: CancellationToken,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl Harness {
    async fn new(amqp_url: Option<String>) -> Harness {
        Self::with(amqp_url, None).await
    }

    /// `database_port`: reach PostgreSQL through a proxy on this port.
    async fn with(amqp_url: Option<String>, database_port: Option<u16>) -> Harness {
        let env = TestEnv::new();
        let mut extra = Vec::new();
        if let Some(url) = amqp_url {
            extra.push(("amqp.url", url));
        }
        if let Some(port) = database_port {
            let direct = env.database_url(ServiceName::Reporting);
            extra.push((
                "database.url",
                direct.replace(":5432/", &format!(":{port}/")),
            ));
            extra.push(("database.acquire_timeout_ms", "1000".to_owned()));
        }
        let settings = env.settings_with(ServiceName::Reporting, &extra);
        let pool = db::connect(&settings.database, TEST_MIGRATIONS)
            .await
            .unwrap();
        let topology = Topology::for_service(&settings.amqp, "testsvc", &["test.#"]);
        let queue = topology.queue.clone().unwrap();
        env.track_queue(&queue.name);
        env.track_queue(&queue.dead_letter_queue);
        Harness {
            env,
            settings,
            pool,
            topology,
            shutdown: CancellationToken::new(),
        }
    }

    fn start_relay(&self) {
        let relay = Relay::from_settings(
            &self.settings,
            self.pool.clone(),
            self.topology.clone(),
            "testsvc",
            Readiness::default(),
        );
        tokio::spawn(relay.run(self.shutdown.clone()));
    }

    fn start_consumer(&self, failures: u32) {
        let handler = Arc::new(Recorder {
            failures_left: AtomicU32::new(failures),
        });
        let consumer = Consumer::from_settings(
            &self.settings,
            self.pool.clone(),
            self.topology.clone(),
            handler,
            "testsvc",
            Readiness::default(),
        );
        tokio::spawn(consumer.run(self.shutdown.clone()));
    }

    async fn commit_event(&self, seconds: i64) {
        let mut conn = self.pool.get().await.unwrap();
        let event = prost_types::Timestamp { seconds, nanos: 0 };
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            bus::enqueue(
                conn,
                &[OutboxEvent::new("test.ping.v1", "achterhoek", &event)],
            )
            .await?;
            Ok(())
        })
        .await
        .unwrap();
    }

    async fn applied(&self) -> i64 {
        let mut conn = self.pool.get().await.unwrap();
        applied::table.count().get_result(&mut conn).await.unwrap()
    }

    async fn wait_backlog_empty(&self) {
        for _ in 0..100 {
            let mut conn = self.pool.get().await.unwrap();
            if bus::outbox::backlog(&mut conn).await.unwrap() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the outbox never emptied");
    }

    /// Waits until `applied` reaches `n` (or gives up after 10 s).
    async fn wait_applied(&self, n: i64) {
        for _ in 0..100 {
            if self.applied().await >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Publishes raw, as a misbehaving producer could.
    async fn publish_raw(&self, routing_key: &str, payload: &[u8], properties: BasicProperties) {
        let connection = lapin::Connection::connect(AMQP_URL, Default::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        self.topology.declare(&channel).await.unwrap();
        channel
            .basic_publish(
                self.topology.exchange.as_str().into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                payload,
                properties,
            )
            .await
            .unwrap();
        connection.close(200, "done".into()).await.unwrap();
    }

    /// Takes everything from the dead-letter queue: (reason, original routing key).
    async fn dead_letters(&self) -> Vec<(String, String)> {
        let connection = lapin::Connection::connect(AMQP_URL, Default::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        let queue = self
            .topology
            .queue
            .as_ref()
            .unwrap()
            .dead_letter_queue
            .clone();
        let mut letters = Vec::new();
        while let Some(message) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
        {
            let headers = message
                .delivery
                .properties
                .headers()
                .clone()
                .unwrap_or_default();
            let text = |key: &str| match headers.inner().get(key) {
                Some(AMQPValue::LongString(s)) => s.to_string(),
                _ => String::new(),
            };
            letters.push((
                text(bus::DEAD_LETTER_REASON_HEADER),
                text(bus::ORIGINAL_ROUTING_KEY_HEADER),
            ));
        }
        letters
    }
}

fn event_properties(id: uuid::Uuid) -> BasicProperties {
    BasicProperties::default()
        .with_message_id(id.to_string().into())
        .with_type("test.ping.v1".into())
        .with_content_type(bus::CONTENT_TYPE.into())
        .with_headers(FieldTable::default())
}

fn ping() -> Vec<u8> {
    prost::Message::encode_to_vec(&prost_types::Timestamp {
        seconds: 1,
        nanos: 0,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commit_made_while_the_broker_is_down_is_published_once_it_is_back() {
    let proxy = TcpProxy::start_for(5672).await;
    let harness = Harness::new(Some(proxy.url())).await;
    let mut probe = harness.env.probe("test.#").await;
    harness.start_relay();

    harness.commit_event(1).await;
    assert!(
        probe.next(Duration::from_secs(10)).await.is_some(),
        "published while the broker is up"
    );
    // Wait until the relay recorded the broker's confirm, so the outage below starts
    // with an empty outbox. (A confirm cut off by an outage means a re-publish with the
    // same message id, which consumers drop: at-least-once by design.)
    harness.wait_backlog_empty().await;

    proxy.down();
    harness.commit_event(2).await;
    assert!(
        probe.next(Duration::from_secs(2)).await.is_none(),
        "nothing can leave while the broker is away"
    );

    proxy.up();
    let delivery = probe
        .next(Duration::from_secs(15))
        .await
        .expect("published once the broker is back");
    let event: prost_types::Timestamp = prost::Message::decode(delivery.data.as_slice()).unwrap();
    assert_eq!(event.seconds, 2);
    assert!(
        probe.next(Duration::from_secs(2)).await.is_none(),
        "and published once"
    );

    let mut conn = harness.pool.get().await.unwrap();
    let backlog = bus::outbox::backlog(&mut conn).await.unwrap();
    assert_eq!(backlog, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_event_delivered_twice_is_applied_once() {
    let harness = Harness::new(None).await;
    harness.start_consumer(0);
    // Let the consumer declare and bind its queue first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let id = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(id))
        .await;
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(id))
        .await;
    harness.wait_applied(1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(harness.applied().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_message_lands_in_the_dead_letter_queue_with_its_reason() {
    let harness = Harness::new(None).await;
    harness.start_consumer(0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // No message id, and a body that is not protobuf.
    harness
        .publish_raw(
            "test.ping.v1",
            &ping(),
            BasicProperties::default().with_content_type(bus::CONTENT_TYPE.into()),
        )
        .await;
    harness
        .publish_raw(
            "test.ping.v1",
            &[0xff, 0xff, 0xff],
            event_properties(uuid::Uuid::now_v7()),
        )
        .await;
    let mut letters = Vec::new();
    for _ in 0..50 {
        letters.extend(harness.dead_letters().await);
        if letters.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    letters.sort();
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert!(
        letters
            .iter()
            .any(|(reason, _)| reason.contains("message_id is missing")),
        "{letters:?}"
    );
    assert!(
        letters
            .iter()
            .any(|(reason, key)| reason.contains("does not decode") && key == "test.ping.v1"),
        "{letters:?}"
    );
    assert_eq!(harness.applied().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_handler_is_retried_and_then_dead_lettered() {
    let harness = Harness::new(None).await;
    harness.start_consumer(2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Fails twice, then works: applied once.
    harness
        .publish_raw(
            "test.ping.v1",
            &ping(),
            event_properties(uuid::Uuid::now_v7()),
        )
        .await;
    harness.wait_applied(1).await;
    assert_eq!(harness.applied().await, 1);
    // Always fails: dead-lettered after the last attempt, with the error.
    let mut poison = event_properties(uuid::Uuid::now_v7());
    poison = poison.with_type("test.poison.v1".into());
    harness.publish_raw("test.poison.v1", &ping(), poison).await;
    let mut letters = Vec::new();
    for _ in 0..50 {
        letters.extend(harness.dead_letters().await);
        if !letters.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert!(
        letters[0].0.contains("gave up after 5 attempts") && letters[0].0.contains("always fails"),
        "{letters:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_letters_can_be_inspected_and_redriven() {
    let harness = Harness::new(None).await;
    harness.start_consumer(0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut poison = event_properties(uuid::Uuid::now_v7());
    poison = poison.with_type("test.poison.v1".into());
    harness.publish_raw("test.poison.v1", &ping(), poison).await;
    let mut seen = Vec::new();
    for _ in 0..50 {
        seen = bus::dead_letters::inspect(AMQP_URL, &harness.topology, 10)
            .await
            .unwrap();
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].routing_key.as_deref(), Some("test.poison.v1"));
    // Inspecting leaves it there; re-driving moves it back (where it fails again).
    let moved = bus::dead_letters::redrive(AMQP_URL, &harness.topology, 10)
        .await
        .unwrap();
    assert_eq!(moved, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn published_outbox_rows_are_pruned_after_the_retention() {
    let harness = Harness::new(None).await;
    harness.start_relay();
    harness.commit_event(1).await;
    harness.wait_backlog_empty().await;
    let mut settings = harness.settings.clone();
    settings.amqp.outbox_retention_hours = 0;
    let relay = Relay::from_settings(
        &settings,
        harness.pool.clone(),
        harness.topology.clone(),
        "testsvc",
        Readiness::default(),
    );
    relay.prune().await;
    let mut conn = harness.pool.get().await.unwrap();
    let left: i64 = bus::outbox::outbox::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_holds_events_instead_of_dead_lettering_them() {
    let database = TcpProxy::start_for(5432).await;
    let harness = Harness::with(None, Some(database.port)).await;
    harness.start_consumer(0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    harness
        .publish_raw(
            "test.ping.v1",
            &ping(),
            event_properties(uuid::Uuid::now_v7()),
        )
        .await;
    harness.wait_applied(1).await;

    database.down();
    harness
        .publish_raw(
            "test.ping.v1",
            &ping(),
            event_properties(uuid::Uuid::now_v7()),
        )
        .await;
    // Longer than every retry of a failing handler together.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        harness.dead_letters().await.is_empty(),
        "an outage is not the event's fault"
    );

    database.up();
    harness.wait_applied(2).await;
    assert_eq!(harness.applied().await, 2);
}
