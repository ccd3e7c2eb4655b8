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
    testing::{self, AMQP_URL, TcpProxy, TestEnv},
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
    /// When each attempt at each event began.
    attempts: Mutex<HashMap<uuid::Uuid, Vec<std::time::Instant>>>,
}

impl Recorder {
    fn attempts(&self, id: uuid::Uuid) -> u32 {
        self.attempt_times(id).len() as u32
    }

    fn attempt_times(&self, id: uuid::Uuid) -> Vec<std::time::Instant> {
        self.attempts
            .lock()
            .map(|a| a.get(&id).cloned().unwrap_or_default())
            .unwrap_or_default()
    }
}

/// The erasure every service consumes (the consumer then drops its dead letters about
/// the person).
const ERASED: &str = "intake.participant_erased.v1";

impl EventHandler for Recorder {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a IncomingEvent,
    ) -> BoxFuture<'a, Result<(), HandleError>> {
        Box::pin(async move {
            if let Ok(mut attempts) = self.attempts.lock() {
                attempts
                    .entry(event.id)
                    .or_default()
                    .push(std::time::Instant::now());
            }
            if event.routing_key == ERASED {
                return Ok(()); // what a service purges is its own business
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
        let bindings = ["test.#".to_owned(), ERASED.to_owned()];
        let topology = Topology::for_service(&settings.amqp, "testsvc", &bindings);
        let queue = topology.queue.clone().unwrap();
        env.track_queue(&queue.name);
        env.track_queue(&queue.dead_letter_queue);
        // As a service does when it is built: its queue exists before anything is sent.
        bus::declare_now(&AMQP_URL, &topology).await;
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
        self.start_consumer_with(failures, Readiness::default())
    }

    fn start_consumer_with(&self, failures: u32, readiness: Readiness) -> Arc<Recorder> {
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
            readiness,
        );
        tokio::spawn(consumer.run(self.shutdown.clone()));
        handler
    }

    async fn commit_event(&self, seconds: i64) {
        let mut conn = self.pool.get().await.unwrap();
        let event = Ping { seconds };
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            bus::record(conn, &event).await?;
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
        let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
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
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
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
    let proxy = TcpProxy::start_for(testing::amqp_port()).await;
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

/// Issue 19: a consumer whose broker connection falls silent (bytes held, the TCP
/// connection open, as after a broker restart behind a load balancer) must not wait on
/// it forever while saying it is fine.
#[tokio::test(flavor = "multi_thread")]
async fn a_consumer_whose_connection_stalls_is_not_ready_until_it_consumes_again() {
    let proxy = TcpProxy::start_for(testing::amqp_port()).await;
    let harness = Harness::with(
        Some(proxy.url()),
        None,
        &[
            ("amqp.heartbeat_seconds", "1".to_owned()),
            ("amqp.operation_timeout_ms", "1000".to_owned()),
            ("amqp.stall_timeout_ms", "2000".to_owned()),
        ],
    )
    .await;
    let readiness = Readiness::with_consumer();
    harness.start_consumer_with(0, readiness.clone());
    eventually("the consumer is ready", || async {
        readiness.consumer().then_some(())
    })
    .await;
    let before = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(before))
        .await;
    harness.wait_applied(before).await;

    proxy.stall();
    eventually("the consumer is no longer ready", || async {
        (!readiness.consumer()).then_some(())
    })
    .await;
    // Published past the proxy: it waits in the queue while the consumer cannot see it.
    let during = uuid::Uuid::now_v7();
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(during))
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !readiness.consumer(),
        "a consumer that cannot reach the broker stays not ready"
    );
    assert_eq!(harness.applied(during).await, 0);

    proxy.up();
    eventually("the consumer is ready again", || async {
        readiness.consumer().then_some(())
    })
    .await;
    harness.wait_applied(during).await;
    assert_eq!(harness.applied(during).await, 1, "applied once");
    assert_eq!(harness.applied(before).await, 1, "not applied again");
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

/// Issue 22, finding 12: with `amqp.publisher_users`, an event is taken only from
/// the broker user of the service that owns its routing key (or the operators'); the
/// broker itself vouches for `user_id`.
#[tokio::test(flavor = "multi_thread")]
async fn an_event_from_a_publisher_other_than_its_owner_is_dead_lettered() {
    let mut harness = Harness::new(None).await;
    harness.settings.amqp.publisher_users = "test=llo-test,intake=llo-intake".into();
    let recorder = harness.start_consumer(0);
    let (anonymous, as_guest) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    harness
        .publish_raw("test.ping.v1", &ping(), event_properties(anonymous))
        .await;
    let guest = event_properties(as_guest).with_user_id("guest".into());
    harness.publish_raw("test.ping.v1", &ping(), guest).await;
    let letters = harness.wait_dead_letters(2).await;
    let reasons: Vec<&str> = letters.iter().map(|(r, _)| r.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("carries no user_id")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("published by broker user \"guest\", not test's \"llo-test\"")),
        "{reasons:?}"
    );
    assert_eq!(recorder.attempts(as_guest), 0, "the handler never saw it");
    assert_eq!(harness.applied_total().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_and_the_operators_may_publish() {
    let mut harness = Harness::new(None).await;
    harness.settings.amqp.publisher_users = "test=llo-test".into();
    harness.settings.amqp.operator_user = "guest".into();
    harness.start_consumer(0);
    let redriven = uuid::Uuid::now_v7();
    let properties = event_properties(redriven).with_user_id("guest".into());
    harness
        .publish_raw("test.ping.v1", &ping(), properties)
        .await;
    harness.wait_applied(redriven).await;
    assert!(harness.dead_letters().await.is_empty());
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
        let seen = bus::dead_letters::inspect(&AMQP_URL, &harness.topology, 10)
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
    let again = bus::dead_letters::inspect(&AMQP_URL, &harness.topology, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(recorder.attempts(poison), 5);

    // Re-driving moves it back into the service's queue, where it is handled again
    // (and, still failing, dead-lettered again).
    let moved = bus::dead_letters::redrive(&AMQP_URL, &harness.topology, 10)
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
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
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
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
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
    let moved = bus::dead_letters::redrive_unrouted(&AMQP_URL, &harness.topology, 10)
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
    let proxy = TcpProxy::start_for(testing::amqp_port()).await;
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
    let attempts: i32 = {
        let mut conn = harness.pool.get().await.unwrap();
        bus::outbox::outbox::table
            .filter(bus::outbox::outbox::published_at.is_null())
            .select(bus::outbox::outbox::attempts)
            .first(&mut conn)
            .await
            .unwrap()
    };
    assert!(attempts >= 1, "the failed attempt is counted: {attempts}");

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

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_whose_database_is_away_keeps_its_broker_connection() {
    let broker = TcpProxy::start_for(testing::amqp_port()).await;
    let database = TcpProxy::start_for(5432).await;
    let harness = Harness::with(Some(broker.url()), Some(database.port), &[]).await;
    let mut probe = harness.env.probe("test.#").await;
    harness.start_relay();
    harness.commit_event(1).await;
    assert!(probe.next(Duration::from_secs(10)).await.is_some());
    harness.wait_backlog_empty().await;
    assert_eq!(broker.accepted(), 1, "one connection to the broker");

    // The database away for longer than a pool checkout may wait (1 s here): the relay
    // cannot read its outbox, which is not the broker's fault.
    database.down();
    tokio::time::sleep(Duration::from_secs(4)).await;
    database.up();
    harness.commit_event(2).await;
    assert!(
        probe.next(Duration::from_secs(15)).await.is_some(),
        "published once the database is back"
    );
    assert_eq!(
        broker.accepted(),
        1,
        "the broker connection was kept through the database outage"
    );
}

/// A relay of this harness's outbox with its own settings and readiness.
fn relay_with(harness: &Harness, settings: &llo_chassis::Settings, readiness: Readiness) -> Relay {
    Relay::from_settings(
        settings,
        harness.pool.clone(),
        harness.topology.clone(),
        "testsvc",
        readiness,
    )
}

fn header(delivery: &lapin::message::Delivery, key: &str) -> Option<String> {
    let headers = delivery.properties.headers().as_ref()?;
    match headers.inner().get(key)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

/// An outbox row's id, trace context and time.
type OutboxTrace = (
    uuid::Uuid,
    Option<String>,
    Option<String>,
    chrono::DateTime<chrono::Utc>,
);

/// The trace id of a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`).
fn trace_id(traceparent: &str) -> String {
    traceparent.split('-').nth(1).unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_relay_publishes_each_row_with_its_id_type_region_time_and_trace() {
    use tracing::Instrument as _;
    let harness = Harness::new(None).await;
    let mut probe = harness.env.probe("test.#").await;
    // Recorded inside a request's span: the row keeps the trace context.
    harness
        .commit_event(7)
        .instrument(tracing::info_span!("request"))
        .await;
    // A row as another replica could have written it, with a vendor's trace state.
    let (given_trace, given_id) = ("4bf92f3577b34da6a3ce929d0e0e4736", uuid::Uuid::now_v7());
    {
        use bus::outbox::outbox;
        let mut conn = harness.pool.get().await.unwrap();
        diesel::insert_into(outbox::table)
            .values((
                outbox::id.eq(given_id),
                outbox::routing_key.eq("test.ping.v1"),
                outbox::payload.eq(ping()),
                outbox::region.eq("twente"),
                outbox::traceparent.eq(format!("00-{given_trace}-00f067aa0ba902b7-01")),
                outbox::tracestate.eq("llo=1"),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let rows: Vec<OutboxTrace> = {
        use bus::outbox::outbox;
        let mut conn = harness.pool.get().await.unwrap();
        outbox::table
            .select((
                outbox::id,
                outbox::traceparent,
                outbox::tracestate,
                outbox::created_at,
            ))
            .order(outbox::seq)
            .load(&mut conn)
            .await
            .unwrap()
    };
    let (recorded_id, recorded_parent, recorded_state, recorded_at) = rows[0].clone();
    let recorded_parent = recorded_parent.expect("the request's trace is stored with the event");
    assert_eq!(recorded_state, None, "an empty trace state is not stored");

    harness.start_relay();
    let first = probe
        .next(Duration::from_secs(10))
        .await
        .expect("published");
    let second = probe
        .next(Duration::from_secs(10))
        .await
        .expect("published");
    let p = &first.properties;
    assert_eq!(
        p.message_id().as_ref().map(|m| m.to_string()),
        Some(recorded_id.to_string())
    );
    assert_eq!(
        p.kind().as_ref().map(|k| k.to_string()).as_deref(),
        Some("test.ping.v1")
    );
    assert_eq!(
        p.app_id().as_ref().map(|a| a.to_string()).as_deref(),
        Some("testsvc")
    );
    assert_eq!(
        p.user_id().as_ref().map(|u| u.to_string()).as_deref(),
        Some("guest"),
        "the broker user it published as, which the broker checks"
    );
    assert_eq!(
        p.content_type().as_ref().map(|c| c.to_string()).as_deref(),
        Some(bus::CONTENT_TYPE)
    );
    assert_eq!(*p.delivery_mode(), Some(2), "persistent");
    assert_eq!(*p.timestamp(), Some(recorded_at.timestamp() as u64));
    assert_eq!(
        header(&first, bus::REGION_HEADER).as_deref(),
        Some("achterhoek")
    );
    let published_parent = header(&first, "traceparent").expect("a traceparent header");
    assert_eq!(trace_id(&published_parent), trace_id(&recorded_parent));

    assert_eq!(
        second
            .properties
            .message_id()
            .as_ref()
            .map(|m| m.to_string()),
        Some(given_id.to_string())
    );
    assert_eq!(
        header(&second, bus::REGION_HEADER).as_deref(),
        Some("twente")
    );
    let published_parent = header(&second, "traceparent").expect("a traceparent header");
    assert_eq!(trace_id(&published_parent), given_trace);
    assert_eq!(header(&second, "tracestate").as_deref(), Some("llo=1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_with_a_long_poll_drains_full_batches_at_once_and_wakes_on_each_commit_only() {
    // Polling once a minute: only the batch loop and NOTIFY can make the test pass.
    let harness = Harness::with(
        None,
        None,
        &[
            ("amqp.relay_poll_interval_ms", "60000".to_owned()),
            ("amqp.relay_batch_size", "1".to_owned()),
        ],
    )
    .await;
    {
        let mut conn = harness.pool.get().await.unwrap();
        let events: Vec<bus::OutboxEvent> = (0..3)
            .map(|seconds| bus::OutboxEvent::of(&Ping { seconds }))
            .collect();
        let ids = bus::record_all(&mut conn, &events).await.unwrap();
        assert_eq!(ids.len(), 3);
        assert!(bus::record_all(&mut conn, &[]).await.unwrap().is_empty());
    }
    let readiness = Readiness::default();
    let stop = harness.shutdown.child_token();
    tokio::spawn(relay_with(&harness, &harness.settings, readiness.clone()).run(stop));
    // Three rows, batches of one: each full batch is followed at once by the next.
    harness.wait_backlog_empty().await;
    assert!(readiness.broker(), "the relay reports the broker reachable");
    // A commit wakes the relay through NOTIFY. (Its LISTEN connection may not be up at
    // the first commit; a later one finds it.)
    eventually("a commit wakes the relay", || async {
        harness.commit_event(9).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        while tokio::time::Instant::now() < deadline {
            if harness.backlog().await == 0 {
                return Some(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    })
    .await;
    // Idle, the relay waits for NOTIFY or the poll; one whose wake-up channel closed
    // would spin, committing a transaction every round. (Negative window: nothing else
    // shows the waiting. A late NOTIFY may still cost a round or two; a spin costs
    // hundreds.)
    let commits = || async {
        let mut conn = harness.pool.get().await.unwrap();
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())",
        ))
        .get_result::<i64>(&mut conn)
        .await
        .unwrap()
    };
    let before = commits().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let spent = commits().await - before;
    assert!(
        spent < 50,
        "an idle relay committed {spent} transactions in 3 s"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_relay_keeps_its_connection_and_prunes_only_every_ten_minutes() {
    // Zero retention: a relay that pruned on every round would delete each published
    // row at once.
    let harness = Harness::with(
        None,
        None,
        &[("amqp.outbox_retention_hours", "0".to_owned())],
    )
    .await;
    let readiness = Readiness::default();
    let stop = harness.shutdown.child_token();
    tokio::spawn(relay_with(&harness, &harness.settings, readiness.clone()).run(stop));
    harness.commit_event(1).await;
    harness.wait_backlog_empty().await;
    harness.commit_event(2).await;
    harness.wait_backlog_empty().await;
    let mut conn = harness.pool.get().await.unwrap();
    let rows: i64 = bus::outbox::outbox::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows, 2, "published rows stay until the next prune");
    // Negative window (nothing else shows a reconnect): over a dozen polls of 200 ms the
    // relay stays connected; one that reconnected after every round would be seen down.
    let deadline = tokio::time::Instant::now() + Duration::from_millis(2500);
    while tokio::time::Instant::now() < deadline {
        assert!(
            readiness.broker(),
            "the relay dropped its connection while idle"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Issue 22, finding 12: an erasure drops the service's dead letters about the person
/// (their learning-need texts among them), and keeps every other letter, in order.
#[tokio::test(flavor = "multi_thread")]
async fn an_erasure_drops_the_dead_letters_about_the_person_only() {
    use llo_proto::{IntegrationEvent as _, events::v1 as events};
    let harness = Harness::new(None).await;
    let queue = harness.topology.queue.clone().unwrap();
    let (erased, other) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let needs = |participant: &str| events::LearningNeedsRecorded {
        participant_id: participant.to_owned(),
        region: "achterhoek".into(),
        ..Default::default()
    };
    let letters: Vec<(&str, Vec<u8>)> = vec![
        (
            events::LearningNeedsRecorded::ROUTING_KEY,
            prost::Message::encode_to_vec(&needs(&erased)),
        ),
        (
            events::LearningNeedsRecorded::ROUTING_KEY,
            prost::Message::encode_to_vec(&needs(&other)),
        ),
        ("test.ping.v1", ping()),
        (
            events::LearningNeedsRecorded::ROUTING_KEY,
            prost::Message::encode_to_vec(&needs(&erased)),
        ),
    ];
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(lapin::options::ConfirmSelectOptions::default())
        .await
        .unwrap();
    for (n, (routing_key, body)) in letters.iter().enumerate() {
        let mut headers = FieldTable::default();
        headers.insert(
            bus::ORIGINAL_ROUTING_KEY_HEADER.into(),
            AMQPValue::LongString((*routing_key).into()),
        );
        let properties = BasicProperties::default()
            .with_message_id(format!("letter-{n}").into())
            .with_headers(headers);
        bus::publish_confirmed(
            Duration::from_secs(10),
            &channel,
            &harness.topology.dead_letter_exchange,
            &queue.dead_letter_routing_key,
            body,
            properties,
        )
        .await
        .unwrap();
    }
    connection.close(200, "done".into()).await.unwrap();
    eventually("the dead letters are queued", || async {
        (queue_depth(&queue.dead_letter_queue).await.0 == 4).then_some(())
    })
    .await;

    // The consumer applies the erasure, then looks through its dead letters.
    harness.start_consumer(0);
    let erasure = llo_proto::events::v1::ParticipantErased {
        participant_id: erased.clone(),
        region: "achterhoek".into(),
        ..Default::default()
    };
    let properties = event_properties(uuid::Uuid::now_v7()).with_type(ERASED.into());
    harness
        .publish_raw(ERASED, &prost::Message::encode_to_vec(&erasure), properties)
        .await;
    eventually("the dead letters about the person are dropped", || async {
        (queue_depth(&queue.dead_letter_queue).await.0 == 2).then_some(())
    })
    .await;
    let left: Vec<String> = take_all(&queue.dead_letter_queue)
        .await
        .iter()
        .map(|d| d.properties.message_id().as_ref().unwrap().to_string())
        .collect();
    assert_eq!(left, ["letter-1", "letter-2"], "the others stay, in order");
}

/// Publishes to the dead-letter exchange as the consumer does. (Headers are long
/// strings: RabbitMQ reads the AMQP short-string field type `s` as a 16-bit integer and
/// closes the connection on one, so no header can arrive as a short string.)
async fn plant_dead_letters(harness: &Harness, count: usize) {
    use lapin::options::ConfirmSelectOptions;
    let queue = harness.topology.queue.clone().unwrap();
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    for n in 0..count {
        let mut headers = FieldTable::default();
        headers.insert(
            bus::DEAD_LETTER_REASON_HEADER.into(),
            AMQPValue::LongString(format!("reason {n}").into()),
        );
        headers.insert(
            bus::ORIGINAL_ROUTING_KEY_HEADER.into(),
            AMQPValue::LongString("test.ping.v1".into()),
        );
        headers.insert(
            bus::REGION_HEADER.into(),
            AMQPValue::LongString("achterhoek".into()),
        );
        let properties = BasicProperties::default()
            .with_message_id(format!("letter-{n}").into())
            .with_headers(headers);
        bus::publish_confirmed(
            Duration::from_secs(10),
            &channel,
            &harness.topology.dead_letter_exchange,
            &queue.dead_letter_routing_key,
            &vec![7; n + 1],
            properties,
        )
        .await
        .unwrap();
    }
    connection.close(200, "done".into()).await.unwrap();
    eventually("the dead letters are queued", || async {
        (queue_depth(&queue.dead_letter_queue).await.0 as usize == count).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn inspecting_and_redriving_dead_letters_take_at_most_their_limit() {
    let harness = Harness::new(None).await;
    let queue = harness.topology.queue.clone().unwrap();
    plant_dead_letters(&harness, 3).await;

    let seen = bus::dead_letters::inspect(&AMQP_URL, &harness.topology, 2)
        .await
        .unwrap();
    assert_eq!(seen.len(), 2);
    let mut seen = bus::dead_letters::inspect(&AMQP_URL, &harness.topology, 10)
        .await
        .unwrap();
    seen.sort_by_key(|d| d.message_id.clone());
    let seen: Vec<_> = seen
        .into_iter()
        .map(|d| (d.message_id, d.routing_key, d.reason, d.size))
        .collect();
    let expected: Vec<_> = (0..3)
        .map(|n| {
            (
                Some(format!("letter-{n}")),
                Some("test.ping.v1".to_owned()),
                Some(format!("reason {n}")),
                n + 1,
            )
        })
        .collect();
    assert_eq!(seen, expected);

    let moved = bus::dead_letters::redrive(&AMQP_URL, &harness.topology, 2)
        .await
        .unwrap();
    assert_eq!(moved, 2);
    eventually("two are back in the service's queue", || async {
        (queue_depth(&queue.name).await.0 == 2).then_some(())
    })
    .await;
    assert_eq!(queue_depth(&queue.dead_letter_queue).await.0, 1);
    let back = take_all(&queue.name).await;
    for delivery in &back {
        assert_eq!(header(delivery, bus::DEAD_LETTER_REASON_HEADER), None);
        assert_eq!(header(delivery, bus::ORIGINAL_ROUTING_KEY_HEADER), None);
        assert_eq!(
            header(delivery, bus::REGION_HEADER).as_deref(),
            Some("achterhoek")
        );
    }
    let moved = bus::dead_letters::redrive(&AMQP_URL, &harness.topology, 10)
        .await
        .unwrap();
    assert_eq!(moved, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn redriving_unrouted_events_moves_each_at_most_once_and_keeps_what_is_still_unrouted() {
    let harness = Harness::new(None).await;
    for _ in 0..2 {
        harness
            .publish_raw(
                "nobody.wants.v1",
                &ping(),
                event_properties(uuid::Uuid::now_v7()),
            )
            .await;
    }
    let unrouted = harness.topology.unrouted_queue.clone();
    eventually("both reach the unrouted queue", || async {
        (queue_depth(&unrouted).await.0 == 2).then_some(())
    })
    .await;
    let moved = bus::dead_letters::redrive_unrouted(&AMQP_URL, &harness.topology, 1)
        .await
        .unwrap();
    assert_eq!(moved, 1);
    // Still wanted by nobody: each comes back once, and is not taken a second time.
    let moved = bus::dead_letters::redrive_unrouted(&AMQP_URL, &harness.topology, 10)
        .await
        .unwrap();
    assert_eq!(moved, 2);
    eventually("both are back in the unrouted queue", || async {
        (queue_depth(&unrouted).await.0 == 2).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_that_consumes_nothing_has_no_dead_letters_to_handle() {
    let harness = Harness::new(None).await;
    let publisher = Topology::for_service(&harness.settings.amqp, "publisher", &[]);
    assert!(publisher.queue.is_none());
    assert_eq!(publisher.exchange, harness.topology.exchange);
    let error = bus::dead_letters::inspect(&AMQP_URL, &publisher, 10)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("consumes no events"), "{error}");
    assert!(
        bus::dead_letters::redrive(&AMQP_URL, &publisher, 10)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_topology_is_durable_and_declared_before_anything_is_sent() {
    use lapin::{
        ExchangeKind,
        options::{ExchangeDeclareOptions, QueueDeclareOptions},
    };
    let harness = Harness::new(None).await;
    let queue = harness.topology.queue.clone().unwrap();
    assert_eq!(queue.bindings, ["test.#", ERASED]);
    assert!(queue.name.ends_with("testsvc.events"), "{}", queue.name);
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    // Declaring again as durable fails (and closes the channel) if what exists differs.
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    let mut alternate = FieldTable::default();
    alternate.insert(
        "alternate-exchange".into(),
        AMQPValue::LongString(harness.topology.unrouted_exchange.as_str().into()),
    );
    channel
        .exchange_declare(
            harness.topology.exchange.as_str().into(),
            ExchangeKind::Topic,
            durable,
            alternate,
        )
        .await
        .unwrap();
    channel
        .exchange_declare(
            harness.topology.dead_letter_exchange.as_str().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .exchange_declare(
            harness.topology.unrouted_exchange.as_str().into(),
            ExchangeKind::Fanout,
            durable,
            FieldTable::default(),
        )
        .await
        .unwrap();
    for name in [
        &queue.name,
        &queue.dead_letter_queue,
        &harness.topology.unrouted_queue,
    ] {
        let state = channel
            .queue_declare(
                name.as_str().into(),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await;
        assert!(state.is_ok(), "{name} is declared");
    }
    connection.close(200, "done".into()).await.unwrap();
    // An unreachable broker is only logged, after one attempt.
    tokio::time::timeout(
        Duration::from_secs(10),
        bus::declare_now("amqp://guest:guest@127.0.0.1:1/%2f", &harness.topology),
    )
    .await
    .expect("declare_now gives up on an unreachable broker");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publish_the_broker_returns_or_refuses_is_an_error() {
    use lapin::options::{ConfirmSelectOptions, QueueDeclareOptions};
    let _env = TestEnv::new();
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    // No queue by that name: `mandatory` brings the message back.
    let nowhere = format!("test.nowhere.{}", uuid::Uuid::new_v4().simple());
    let error = bus::publish_confirmed(
        Duration::from_secs(10),
        &channel,
        "",
        &nowhere,
        b"x",
        BasicProperties::default(),
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("returned by the broker"),
        "{error}"
    );
    // A full queue that rejects publishes: the broker nacks.
    let full = format!("test.full.{}", uuid::Uuid::new_v4().simple());
    let mut arguments = FieldTable::default();
    arguments.insert("x-max-length".into(), AMQPValue::LongLongInt(0));
    arguments.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    channel
        .queue_declare(
            full.as_str().into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            },
            arguments,
        )
        .await
        .unwrap();
    let error = bus::publish_confirmed(
        Duration::from_secs(10),
        &channel,
        "",
        &full,
        b"x",
        BasicProperties::default(),
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("negatively acknowledged"),
        "{error}"
    );
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn connecting_gives_up_after_its_attempts_and_retries_until_then() {
    // A listener that hangs up on every connection: two attempts, one back-off of 200 ms
    // between them. (A port merely left closed may be taken by another test's listener
    // meanwhile, or a connect to it may meet itself, and then an attempt hangs.)
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refusing = listener.local_addr().unwrap().port();
    let hung_up = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let hangs_up = tokio::spawn({
        let hung_up = hung_up.clone();
        async move {
            while let Ok((connection, _)) = listener.accept().await {
                // Counted before the hang-up, which is what ends the attempt.
                hung_up.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(connection);
            }
        }
    });
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        bus::connect(
            &format!("amqp://guest:guest@127.0.0.1:{refusing}/%2f"),
            "t",
            2,
        ),
    )
    .await
    .expect("gives up after two attempts");
    let error = outcome.expect_err("no broker there");
    assert!(
        error.to_string().contains("cannot connect to the broker"),
        "{error}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "retried once"
    );
    assert_eq!(
        std::sync::atomic::AtomicU32::load(&hung_up, std::sync::atomic::Ordering::SeqCst),
        2,
        "two attempts, no more"
    );
    hangs_up.abort();

    // A listener that drops the first connection and forwards the rest to the broker:
    // a second attempt (or endless ones, with 0) gets through.
    for attempts in [2, 0] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (refused_tx, refused_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (first, _) = listener.accept().await.unwrap();
            drop(first);
            let _ = refused_tx.send(());
            while let Ok((mut inbound, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut outbound =
                        tokio::net::TcpStream::connect(("127.0.0.1", testing::amqp_port()))
                            .await
                            .unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
            }
        });
        let connection = tokio::time::timeout(
            Duration::from_secs(10),
            bus::connect(
                &format!("amqp://guest:guest@127.0.0.1:{port}/%2f"),
                "t",
                attempts,
            ),
        )
        .await
        .expect("connects in time")
        .unwrap_or_else(|e| panic!("attempts {attempts}: {e}"));
        refused_rx.await.expect("the first attempt was refused");
        connection.close(200, "done".into()).await.unwrap();
    }
}

/// A reaction state: what `Ping`s it saw.
#[derive(Default)]
struct Seen(Mutex<Vec<i64>>);

fn on_ping<'a>(
    seen: &'a Arc<Seen>,
    _conn: &'a mut AsyncPgConnection,
    ping: Ping,
) -> BoxFuture<'a, Result<(), HandleError>> {
    Box::pin(async move {
        seen.0.lock().unwrap().push(ping.seconds);
        Ok(())
    })
}

/// Another event type, to see the routes kept apart.
#[derive(Clone, PartialEq, prost::Message)]
struct Pong {
    #[prost(string, tag = "1")]
    text: String,
}

impl llo_proto::IntegrationEvent for Pong {
    const ROUTING_KEY: &'static str = "test.pong.v1";
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

fn on_pong<'a>(
    seen: &'a Arc<Seen>,
    _conn: &'a mut AsyncPgConnection,
    _pong: Pong,
) -> BoxFuture<'a, Result<(), HandleError>> {
    Box::pin(async move {
        seen.0.lock().unwrap().push(-1);
        Ok(())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_route_each_event_type_to_its_reaction() {
    let harness = Harness::new(None).await;
    let seen = Arc::new(Seen::default());
    let subscriptions = bus::Subscriptions::new(seen.clone())
        .on::<Pong>(on_pong)
        .on::<Ping>(on_ping);
    assert_eq!(
        subscriptions.routing_keys(),
        ["test.ping.v1", "test.pong.v1"]
    );
    let handler: &dyn EventHandler = &subscriptions;
    assert_eq!(handler.routing_keys(), ["test.ping.v1", "test.pong.v1"]);

    let mut conn = harness.pool.get().await.unwrap();
    let event = |routing_key: &str, payload: Vec<u8>| IncomingEvent {
        id: uuid::Uuid::now_v7(),
        routing_key: routing_key.to_owned(),
        region: None,
        payload,
    };
    let ping = prost::Message::encode_to_vec(&Ping { seconds: 42 });
    handler
        .handle(&mut conn, &event("test.ping.v1", ping.clone()))
        .await
        .unwrap();
    // Nobody reacts to this one: it is acked as done.
    handler
        .handle(&mut conn, &event("test.other.v1", ping))
        .await
        .unwrap();
    let refused = handler
        .handle(&mut conn, &event("test.ping.v1", vec![0xff, 0xff]))
        .await;
    assert!(
        matches!(&refused, Err(HandleError::Malformed(m)) if m.contains("does not decode")),
        "{refused:?}"
    );
    assert_eq!(*seen.0.lock().unwrap(), [42]);
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

/// Events waiting together are applied together: one transaction per batch of up to
/// `amqp.prefetch`, each still exactly once; the one whose handler fails is set aside
/// (the rest of its batch commits without it), then retried alone up to
/// `amqp.max_attempts` in all and dead-lettered.
#[tokio::test(flavor = "multi_thread")]
async fn events_waiting_together_are_applied_in_one_transaction_each_exactly_once() {
    // A back-off far longer than applying a batch, so the wait before a retry shows.
    let harness = Harness::with(
        None,
        None,
        &[
            ("amqp.prefetch", "50".to_owned()),
            ("amqp.retry_base_delay_ms", "250".to_owned()),
        ],
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..150 {
        if n == 70 {
            let poison = uuid::Uuid::now_v7();
            harness
                .publish_raw(
                    "test.poison.v1",
                    &ping(),
                    event_properties(poison).with_type("test.poison.v1".into()),
                )
                .await;
            ids.push(poison);
        }
        let id = uuid::Uuid::now_v7();
        harness
            .publish_raw("test.ping.v1", &ping(), event_properties(id))
            .await;
        ids.push(id);
    }
    let recorder = harness.start_consumer(0);
    eventually("every good event is applied", || async {
        (harness.applied_total().await == 150).then_some(())
    })
    .await;
    let letters = harness.wait_dead_letters(1).await;
    assert!(
        letters[0].0.contains("gave up after 5 attempts"),
        "{letters:?}"
    );
    let poison = ids[70];
    assert_eq!(
        recorder.attempts(poison),
        5,
        "the batch's attempt counts as the first"
    );
    // Tried alone after its batch, it waits the back-off first, then doubled each time:
    // the batch's failure is a failed attempt like any.
    let base = Duration::from_millis(harness.settings.amqp.retry_base_delay_ms);
    assert!(base > Duration::ZERO);
    let times = recorder.attempt_times(poison);
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (gap, times_base) in gaps.iter().zip([1, 2, 4, 8]) {
        assert!(
            *gap >= base * times_base,
            "waits before the retries of base {base:?}: {gaps:?}"
        );
    }
    for id in ids.iter().filter(|id| **id != poison) {
        assert_eq!(harness.applied(*id).await, 1, "{id}");
        // Those of the poison's batch went again, in a transaction without it.
        assert!(recorder.attempts(*id) <= 2, "{id}");
    }
    let mut conn = harness.pool.get().await.unwrap();
    let transactions: i64 = applied::table
        .select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "count(DISTINCT xid)",
        ))
        .get_result(&mut conn)
        .await
        .unwrap();
    assert!(
        transactions <= 10,
        "150 events waiting in batches of at most 50: {transactions} transactions"
    );
}

/// Declares `queue` as an older version of the suite did: its delivery limit as a queue
/// argument (which RabbitMQ never lets a re-declaration change).
async fn declare_as_before(queue: &str, dead_letter_exchange: &str, dead_letter_key: &str) {
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
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
        let seen = bus::dead_letters::inspect(&AMQP_URL, &harness.topology, 10)
            .await
            .unwrap();
        (!seen.is_empty()).then_some(())
    })
    .await;
    // More looks than RabbitMQ 4's default limit of 20 allows deliveries.
    for look in 0..25 {
        let seen = bus::dead_letters::inspect(&AMQP_URL, &harness.topology, 10)
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
    let output = testing::rabbitmqctl()
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
