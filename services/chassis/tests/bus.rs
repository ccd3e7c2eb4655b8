//! The event pipeline against the real local PostgreSQL and RabbitMQ: outbox relay
//! through a broker outage, inbox deduplication, retries, dead letters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
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
        self, EventHandler, HandleError, IncomingEvent, Topology, consumer::Consumer, relay::Relay,
    },
    db,
    server::Readiness,
    testing::{AMQP_URL, TcpProxy, TestEnv},
};
use tokio_util::sync::CancellationToken;

const TEST_MIGRATIONS: EmbeddedMigrations = embed_migrations!("tests/migrations");

diesel::table! {
    applied (id) {
        id -> Int8,
        event_id -> Uuid,
        routing_key -> Text,
    }
}

/// Applies `test.*` events by recording them (a row per application: nothing but the
/// inbox keeps a second copy out); counts every attempt; fails as told.
#[derive(Default)]
struct Recorder {
    failures_left: AtomicU32,
    attempts: Mutex<HashMap<uuid::Uuid, u32>>,
}

impl Recorder {
    fn attempts(&self, id: uuid::Uuid) -> u32 {
        self.attempts
            .lock()
            .map(|a| a.get(&id).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

impl EventHandler for Recorder {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a IncomingEvent,
    ) -> BoxFuture<'a, Result<(), HandleError>> {
        Box::pin(async move {
            if let Ok(mut attempts) = self.attempts.lock() {
                *attempts.entry(event.id).or_default() += 1;
            }
            if event.routing_key == "test.poison.v1" {
                return Err(HandleError::Retry(anyhow::anyhow!(
                    "this event always fails"
                )));
            }
            if AtomicU32::load(&self.failures_left, Ordering::SeqCst) > 0 {
                self.failures_left.fetch_sub(1, Ordering::SeqCst);
                return Err(HandleError::Retry(anyhow::anyhow!("a passing failure")));
            }
            let _: Ping = event.decode()?;
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

    fn routing_keys(&self) -> Vec<String> {
        vec!["test.#".to_owned()]
    }
}

/// The test's integration event.
#[derive(Clone, PartialEq, prost::Message)]
struct Ping {
    #[prost(int64, tag = "1")]
    seconds: i64,
}

impl llo_proto::IntegrationEvent for Ping {
    const ROUTING_KEY: &'static str = "test.ping.v1";
}

/// Polls `check` until it gives `Some`, or fails the test after 20 s (generous for a
/// loaded 2-core machine; a passing run returns as soon as the condition holds).
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
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
        Self::with(amqp_url, None, &[]).await
    }

    /// `database_port`: reach PostgreSQL through a proxy on this port.
    async fn with(
        amqp_url: Option<String>,
        database_port: Option<u16>,
        settings: &[(&str, String)],
    ) -> Harness {
        let env = TestEnv::new();
        let mut extra = settings.to_vec();
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
        let topology = Topology::for_service(&settings.amqp, "testsvc", &["test.#".to_owned()]);
        let queue = topology.queue.clone().unwrap();
        env.track_queue(&queue.name);
        env.track_queue(&queue.dead_letter_queue);
        // As a service does when it is built: its queue exists before anything is sent.
        bus::declare_now(AMQP_URL, &topology).await;
        Harness {
            env,
            settings,
            pool,
            topology,
            shutdown: CancellationToken::new(),
        }
    }

    /// Starts a relay; cancel the returned token and await the handle to stop it.
    fn start_relay(&self) -> (CancellationToken, tokio::task::JoinHandle<()>) {
        let relay = Relay::from_settings(
            &self.settings,
            self.pool.clone(),
            self.topology.clone(),
            "testsvc",
            Readiness::default(),
        );
        let stop = self.shutdown.child_token();
        (stop.clone(), tokio::spawn(relay.run(stop)))
    }

    fn start_consumer(&self, failures: u32) -> Arc<Recorder> {
        let handler = Arc::new(Recorder {
            failures_left: AtomicU32::new(failures),
            ..Default::default()
        });
        let consumer = Consumer::from_settings(
            &self.settings,
            self.pool.clone(),
            self.topology.clone(),
            handler.clone(),
            "testsvc",
            Readiness::default(),
        );
        tokio::spawn(consumer.run(self.shutdown.clone()));
        handler
    }

    async fn commit_event(&self, seconds: i64) {
        let mut conn = self.pool.get().await.unwrap();
        let event = Ping { seconds };
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            bus::record(conn, "achterhoek", &event).await?;
            Ok(())
        })
        .await
        .unwrap();
    }

    /// How many times the event with this id was applied.
    async fn applied(&self, id: uuid::Uuid) -> i64 {
        let mut conn = self.pool.get().await.unwrap();
        applied::table
            .filter(applied::event_id.eq(id))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap()
    }

    async fn applied_total(&self) -> i64 {
        let mut conn = self.pool.get().await.unwrap();
        applied::table.count().get_result(&mut conn).await.unwrap()
    }

    async fn wait_applied(&self, id: uuid::Uuid) {
        eventually("the event is applied", || async {
            (self.applied(id).await > 0).then_some(())
        })
        .await;
    }

    async fn backlog(&self) -> i64 {
        let mut conn = self.pool.get().await.unwrap();
        bus::outbox::backlog(&mut conn).await.unwrap()
    }

    async fn wait_backlog_empty(&self) {
        eventually("the outbox is empty", || async {
            (self.backlog().await == 0).then_some(())
        })
        .await;
    }

    /// Publishes raw, as a misbehaving producer could.
    async fn publish_raw(&self, routing_key: &str, payload: &[u8], properties: BasicProperties) {
        let connection = lapin::Connection::connect(AMQP_URL, Default::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
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
        let queue = self
            .topology
            .queue
            .as_ref()
            .unwrap()
            .dead_letter_queue
            .clone();
        take_all(&queue)
            .await
            .into_iter()
            .map(|delivery| {
                let headers = delivery.properties.headers().clone().unwrap_or_default();
                let text = |key: &str| match headers.inner().get(key) {
                    Some(AMQPValue::LongString(s)) => s.to_string(),
                    _ => String::new(),
                };
                (
                    text(bus::DEAD_LETTER_REASON_HEADER),
                    text(bus::ORIGINAL_ROUTING_KEY_HEADER),
                )
            })
            .collect()
    }

    /// Waits until `n` dead letters arrived, and takes them.
    async fn wait_dead_letters(&self, n: usize) -> Vec<(String, String)> {
        let letters = Mutex::new(Vec::new());
        eventually("the dead letters arrive", || async {
            let arrived = self.dead_letters().await;
            let mut letters = letters.lock().unwrap();
            letters.extend(arrived);
            (letters.len() >= n).then_some(())
        })
        .await;
        let mut letters = letters.into_inner().unwrap();
        letters.sort();
        letters
    }
}

/// Takes (acks) every message waiting in `queue`.
async fn take_all(queue: &str) -> Vec<lapin::message::Delivery> {
    let connection = lapin::Connection::connect(AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut taken = Vec::new();
    while let Some(message) = channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
    {
        taken.push(message.delivery);
    }
    let _ = connection.close(200, "done".into()).await;
    taken
}

fn event_properties(id: uuid::Uuid) -> BasicProperties {
    BasicProperties::default()
        .with_message_id(id.to_string().into())
        .with_type("test.ping.v1".into())
        .with_content_type(bus::CONTENT_TYPE.into())
        .with_headers(FieldTable::default())
}

fn ping() -> Vec<u8> {
    prost::Message::encode_to_vec(&Ping { seconds: 1 })
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
    // Negative window: nothing else can show that a publish did not happen.
    assert!(
        probe.next(Duration::from_secs(2)).await.is_none(),
        "nothing can leave while the broker is away"
    );
    assert_eq!(harness.backlog().await, 1, "the event waits in the outbox");

    proxy.up();
    let delivery = probe
        .next(Duration::from_secs(15))
        .await
        .expect("published once the broker is back");
    let event: Ping = prost::Message::decode(delivery.data.as_slice()).unwrap();
    assert_eq!(event.seconds, 2);
    harness.wait_backlog_empty().await;
    assert!(
        probe.next(Duration::from_secs(2)).await.is_none(),
        "and published once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_event_delivered_twice_is_applied_once() {
    let harness = Harness::new(None).await;
    let recorder = harness.start_consumer(0);
    let twice = uuid::Uuid::now_v7();
    let after = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(twice))
        .await;
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(twice))
        .await;
    // One consumer takes the queue in order: once `after` is applied, both copies
    // before it have been processed.
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(after))
        .await;
    harness.wait_applied(after).await;
    assert_eq!(harness.applied(twice).await, 1, "applied once");
    assert_eq!(
        recorder.attempts(twice),
        1,
        "the handler never saw the copy"
    );
    assert_eq!(harness.applied_total().await, 2);
    assert!(
        harness.dead_letters().await.is_empty(),
        "a duplicate is acked, not dead-lettered"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_message_lands_in_the_dead_letter_queue_at_once_with_its_reason() {
    let harness = Harness::new(None).await;
    let recorder = harness.start_consumer(0);
    // No message id.
    harness
        .publish_raw(
            "test.ping.v1",
            &ping(),
            BasicProperties::default().with_content_type(bus::CONTENT_TYPE.into()),
        )
        .await;
    // A body that is not protobuf.
    let undecodable = uuid::Uuid::now_v7();
    harness
        .publish_raw(
            "test.ping.v1",
            &[0xff, 0xff, 0xff],
            event_properties(undecodable),
        )
        .await;
    let letters = harness.wait_dead_letters(2).await;
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert!(
        letters
            .iter()
            .any(|(reason, _)| reason.contains("message_id is missing")),
        "{letters:?}"
    );
    assert!(
        letters.iter().any(
            |(reason, key)| reason.starts_with("test.ping.v1 does not decode")
                && key == "test.ping.v1"
        ),
        "{letters:?}"
    );
    assert_eq!(
        recorder.attempts(undecodable),
        1,
        "a malformed event is not retried"
    );
    assert_eq!(harness.applied_total().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_handler_is_retried_and_then_dead_lettered() {
    let harness = Harness::new(None).await;
    let recorder = harness.start_consumer(2);
    // Fails twice, then works: applied once, on the third attempt.
    let flaky = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(flaky))
        .await;
    harness.wait_applied(flaky).await;
    assert_eq!(harness.applied(flaky).await, 1);
    assert_eq!(recorder.attempts(flaky), 3);
    // Always fails: dead-lettered after the last attempt, with the error.
    let poison = uuid::Uuid::now_v7();
    harness
        .publish_raw(
            "test.poison.v1",
            &ping(),
            event_properties(poison).with_type("test.poison.v1".into()),
        )
        .await;
    let letters = harness.wait_dead_letters(1).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert!(
        letters[0].0.contains("gave up after 5 attempts") && letters[0].0.contains("always fails"),
        "{letters:?}"
    );
    assert_eq!(recorder.attempts(poison), 5, "amqp.max_attempts");
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_letters_survive_inspection_and_can_be_redriven() {
    let harness = Harness::new(None).await;
    let recorder = harness.start_consumer(0);
    let poison = uuid::Uuid::now_v7();
    harness
        .publish_raw(
            "test.poison.v1",
            &ping(),
            event_properties(poison).with_type("test.poison.v1".into()),
        )
        .await;
    let seen = eventually("the poison is dead-lettered", || async {
        let seen = bus::dead_letters::inspect(AMQP_URL, &harness.topology, 10)
            .await
            .unwrap();
        (!seen.is_empty()).then_some(seen)
    })
    .await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].routing_key.as_deref(), Some("test.poison.v1"));
    assert_eq!(seen[0].message_id, Some(poison.to_string()));
    assert!(
        seen[0]
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("always fails")
    );
    // Looking again finds it again: inspecting takes nothing away.
    let again = bus::dead_letters::inspect(AMQP_URL, &harness.topology, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(recorder.attempts(poison), 5);

    // Re-driving moves it back into the service's queue, where it is handled again
    // (and, still failing, dead-lettered again).
    let moved = bus::dead_letters::redrive(AMQP_URL, &harness.topology, 10)
        .await
        .unwrap();
    assert_eq!(moved, 1);
    eventually("the re-driven event is handled again", || async {
        (recorder.attempts(poison) == 10).then_some(())
    })
    .await;
    let letters = harness.wait_dead_letters(1).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_letter_with_no_queue_to_take_it_is_kept_not_dropped() {
    let harness = Harness::new(None).await;
    let queue = harness.topology.queue.clone().unwrap();
    let recorder = harness.start_consumer(0);
    eventually("the consumer is attached", || async {
        let (_, consumers) = queue_depth(&queue.name).await;
        (consumers > 0).then_some(())
    })
    .await;
    // Take the dead-letter queue's binding away, as an operator mistake or a
    // half-applied definitions file would.
    let connection = lapin::Connection::connect(AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .queue_unbind(
            queue.dead_letter_queue.as_str().into(),
            harness.topology.dead_letter_exchange.as_str().into(),
            queue.dead_letter_routing_key.as_str().into(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    connection.close(200, "done".into()).await.unwrap();

    let poison = uuid::Uuid::now_v7();
    harness
        .publish_raw(
            "test.poison.v1",
            &ping(),
            event_properties(poison).with_type("test.poison.v1".into()),
        )
        .await;
    // The broker returns the unroutable dead letter; the consumer keeps the original
    // (unacked), reconnects, declares the topology again (restoring the binding) and,
    // when the event fails again, dead-letters it for real.
    let letters = harness.wait_dead_letters(1).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert!(
        recorder.attempts(poison) >= 10,
        "handled again after the lost dead letter: {} attempts",
        recorder.attempts(poison)
    );
}

/// (messages ready, consumers) of a queue.
async fn queue_depth(queue: &str) -> (u32, u32) {
    let connection = lapin::Connection::connect(AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let state = channel
        .queue_declare(
            queue.into(),
            lapin::options::QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let _ = connection.close(200, "done".into()).await;
    (state.message_count(), state.consumer_count())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_no_queue_wants_is_kept_and_redriven_once_a_queue_binds() {
    let harness = Harness::new(None).await;
    let id = uuid::Uuid::now_v7();
    harness
        .publish_raw("later.subscribed.v1", &ping(), event_properties(id))
        .await;
    // Not routed by the topic exchange: the alternate exchange keeps it.
    eventually("the event reaches the unrouted queue", || async {
        (queue_depth(&harness.topology.unrouted_queue).await.0 == 1).then_some(())
    })
    .await;

    // A subscriber appears; re-driving delivers the event with its routing key and id.
    let mut probe = harness.env.probe("later.#").await;
    let moved = bus::dead_letters::redrive_unrouted(AMQP_URL, &harness.topology, 10)
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let delivery = probe
        .next(Duration::from_secs(10))
        .await
        .expect("the late subscriber receives it");
    assert_eq!(delivery.routing_key.as_str(), "later.subscribed.v1");
    assert_eq!(
        delivery
            .properties
            .message_id()
            .as_ref()
            .map(|m| m.to_string()),
        Some(id.to_string())
    );
    assert_eq!(queue_depth(&harness.topology.unrouted_queue).await.0, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broker_that_stops_confirming_is_given_up_on_and_the_event_still_leaves() {
    let proxy = TcpProxy::start_for(5672).await;
    let harness = Harness::with(
        Some(proxy.url()),
        None,
        &[("amqp.confirm_timeout_ms", "1000".to_owned())],
    )
    .await;
    let mut probe = harness.env.probe("test.#").await;
    harness.start_relay();
    harness.commit_event(1).await;
    assert!(probe.next(Duration::from_secs(10)).await.is_some());
    harness.wait_backlog_empty().await;

    // The broker falls silent: connections stay open, nothing is confirmed.
    proxy.stall();
    harness.commit_event(2).await;
    let error = eventually("the relay records the missing confirm", || async {
        let mut conn = harness.pool.get().await.unwrap();
        let error: Option<String> = bus::outbox::outbox::table
            .filter(bus::outbox::outbox::published_at.is_null())
            .select(bus::outbox::outbox::last_error)
            .first(&mut conn)
            .await
            .optional()
            .unwrap()
            .flatten();
        error
    })
    .await;
    assert!(error.contains("no confirms within 1s"), "{error}");
    assert_eq!(harness.backlog().await, 1, "not marked published");

    // The broker speaks again: the relay's new connection publishes the event.
    proxy.down();
    proxy.up();
    let delivery = probe
        .next(Duration::from_secs(20))
        .await
        .expect("published after the stall");
    let event: Ping = prost::Message::decode(delivery.data.as_slice()).unwrap();
    assert_eq!(event.seconds, 2);
    harness.wait_backlog_empty().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_published_outbox_rows_older_than_the_retention_are_pruned() {
    let harness = Harness::new(None).await;
    let (stop, relay) = harness.start_relay();
    harness.commit_event(1).await;
    harness.wait_backlog_empty().await;
    stop.cancel();
    relay.await.unwrap();
    // Committed while no relay runs: unpublished.
    harness.commit_event(2).await;
    let rows = || async {
        let mut conn = harness.pool.get().await.unwrap();
        bus::outbox::outbox::table
            .select(bus::outbox::outbox::published_at.is_null())
            .order(bus::outbox::outbox::seq)
            .load::<bool>(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(rows().await, [false, true]);

    let prune_with = |hours: u64| {
        let mut settings = harness.settings.clone();
        settings.amqp.outbox_retention_hours = hours;
        Relay::from_settings(
            &settings,
            harness.pool.clone(),
            harness.topology.clone(),
            "testsvc",
            Readiness::default(),
        )
    };
    prune_with(168).prune().await;
    assert_eq!(
        rows().await,
        [false, true],
        "younger than the retention: kept"
    );
    prune_with(0).prune().await;
    assert_eq!(
        rows().await,
        [true],
        "the published row is gone, the unpublished one stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_holds_events_instead_of_dead_lettering_them() {
    let database = TcpProxy::start_for(5432).await;
    let harness = Harness::with(None, Some(database.port), &[]).await;
    harness.start_consumer(0);
    let before = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(before))
        .await;
    harness.wait_applied(before).await;

    database.down();
    let during = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(during))
        .await;
    // Negative window, longer than every retry of a failing handler together.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        harness.dead_letters().await.is_empty(),
        "an outage is not the event's fault"
    );

    database.up();
    harness.wait_applied(during).await;
    assert_eq!(harness.applied_total().await, 2);
}

/// The consumer counts deliveries itself (from the broker's `x-delivery-count`): an
/// event the process already failed to finish `amqp.delivery_limit` times is
/// dead-lettered without being tried again; one short of it is handled.
#[tokio::test(flavor = "multi_thread")]
async fn an_event_delivered_too_often_is_dead_lettered_instead_of_tried_again() {
    let harness = Harness::new(None).await;
    let recorder = harness.start_consumer(0);
    let delivered = |times: i64, id: uuid::Uuid| {
        let mut headers = FieldTable::default();
        headers.insert("x-delivery-count".into(), AMQPValue::LongLongInt(times));
        event_properties(id).with_headers(headers)
    };
    let worn_out = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), delivered(5, worn_out))
        .await;
    let one_short = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), delivered(4, one_short))
        .await;
    harness.wait_applied(one_short).await;
    let letters = harness.wait_dead_letters(1).await;
    assert!(
        letters[0]
            .0
            .contains("delivered 6 times without being finished"),
        "{letters:?}"
    );
    assert_eq!(recorder.attempts(worn_out), 0);
    assert_eq!(harness.applied(worn_out).await, 0);
}

/// Declares `queue` as an older version of the suite did: its delivery limit as a queue
/// argument (which RabbitMQ never lets a re-declaration change).
async fn declare_as_before(queue: &str, dead_letter_exchange: &str, dead_letter_key: &str) {
    let connection = lapin::Connection::connect(AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let _ = channel
        .queue_delete(queue.into(), Default::default())
        .await
        .unwrap();
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    arguments.insert("x-delivery-limit".into(), AMQPValue::LongLongInt(5));
    arguments.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(dead_letter_exchange.into()),
    );
    arguments.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(dead_letter_key.into()),
    );
    channel
        .queue_declare(
            queue.into(),
            lapin::options::QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            arguments,
        )
        .await
        .unwrap();
    let _ = channel.close(200, "done".into()).await;
    let _ = connection.close(200, "done".into()).await;
}

/// A restart with other settings, or onto a queue declared with other arguments, keeps
/// the events flowing: the declaration uses the existing queue (with a warning) instead
/// of failing for good, and `amqp.delivery_limit` is the consumer's to enforce.
#[tokio::test(flavor = "multi_thread")]
async fn a_restart_onto_a_queue_with_other_arguments_keeps_publishing_and_consuming() {
    let harness = Harness::with(None, None, &[("amqp.delivery_limit", "3".to_owned())]).await;
    let queue = harness.topology.queue.clone().unwrap();
    declare_as_before(
        &queue.name,
        &harness.topology.dead_letter_exchange,
        &queue.dead_letter_routing_key,
    )
    .await;
    let (stop_relay, relay) = harness.start_relay();
    let _recorder = harness.start_consumer(0);
    harness.commit_event(7).await;
    harness.wait_backlog_empty().await;
    eventually("the event is applied", || async {
        (harness.applied_total().await == 1).then_some(())
    })
    .await;
    stop_relay.cancel();
    relay.await.unwrap();
}

/// The queues people inspect have a delivery budget no inspection exhausts (RabbitMQ 4
/// would otherwise drop a dead letter after 20 looks); the consumer queue carries only
/// the fixed backstop, never a setting.
#[tokio::test(flavor = "multi_thread")]
async fn inspected_queues_outlast_any_number_of_inspections() {
    let harness = Harness::new(None).await;
    let _recorder = harness.start_consumer(0);
    let poison = uuid::Uuid::now_v7();
    harness
        .publish_raw(
            "test.poison.v1",
            &ping(),
            event_properties(poison).with_type("test.poison.v1".into()),
        )
        .await;
    eventually("the poison is dead-lettered", || async {
        let seen = bus::dead_letters::inspect(AMQP_URL, &harness.topology, 10)
            .await
            .unwrap();
        (!seen.is_empty()).then_some(())
    })
    .await;
    // More looks than RabbitMQ 4's default limit of 20 allows deliveries.
    for look in 0..25 {
        let seen = bus::dead_letters::inspect(AMQP_URL, &harness.topology, 10)
            .await
            .unwrap();
        assert_eq!(seen.len(), 1, "look {look}");
    }
    let queue = harness.topology.queue.clone().unwrap();
    let limits = delivery_limits();
    assert_eq!(
        limits.get(&queue.dead_letter_queue),
        Some(&Some(bus::topology::INSPECTED_DELIVERY_LIMIT)),
        "{limits:?}"
    );
    assert_eq!(
        limits.get(&harness.topology.unrouted_queue),
        Some(&Some(bus::topology::INSPECTED_DELIVERY_LIMIT))
    );
    assert_eq!(
        limits.get(&queue.name),
        Some(&Some(bus::topology::BROKER_DELIVERY_LIMIT))
    );
}

/// Each queue's `x-delivery-limit` argument, as the broker reports it.
fn delivery_limits() -> HashMap<String, Option<i64>> {
    let output = std::process::Command::new("rabbitmqctl")
        .args([
            "list_queues",
            "name",
            "arguments",
            "--formatter",
            "json",
            "-q",
        ])
        .output()
        .expect("rabbitmqctl");
    let queues: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("rabbitmqctl's JSON");
    queues
        .iter()
        .map(|q| {
            // Arguments come as [name, type, value] triples.
            let limit = q["arguments"].as_array().and_then(|arguments| {
                arguments
                    .iter()
                    .find(|a| a[0] == "x-delivery-limit")
                    .and_then(|a| a[2].as_i64())
            });
            (q["name"].as_str().unwrap_or_default().to_owned(), limit)
        })
        .collect()
}
