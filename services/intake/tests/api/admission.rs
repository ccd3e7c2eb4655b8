//! Admission through the real server and broker: a writing call waits while a consumer
//! queue of the suite holds more than `admission.max_backlog` ready events, is refused
//! with UNAVAILABLE (and a RetryInfo) once it waited `admission.max_wait_ms`, changes
//! nothing then, and goes through as soon as the queue drains; reads never wait.
use std::time::{Duration, Instant};

use lapin::{
    Channel,
    options::{QueueBindOptions, QueueDeclareOptions, QueuePurgeOptions},
    types::FieldTable,
};
use llo_chassis::testing::{AMQP_URL, app::eventually};
use llo_proto::intake::v1 as pb;
use tonic_types::StatusExt as _;

use super::helpers::*;

const BOUND: u32 = 5;

/// Reporting's queue, bound to every event and read by no one: a consumer that stopped.
async fn stopped_consumer_queue(app: &TestApp) -> (lapin::Connection, Channel, String) {
    let name = format!("{}reporting.events", app.env.queue_prefix());
    let connection = llo_chassis::bus::connect(&AMQP_URL, "test-admission", 5)
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .queue_declare(name.as_str().into(), durable, FieldTable::default())
        .await
        .unwrap();
    channel
        .queue_bind(
            name.as_str().into(),
            app.env.exchange.as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    (connection, channel, name)
}

async fn ready(channel: &Channel, queue: &str) -> u32 {
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    channel
        .queue_declare(queue.into(), passive, FieldTable::default())
        .await
        .unwrap()
        .message_count()
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_wait_while_a_consumer_is_behind_and_are_refused_unchanged_after_the_longest_wait() {
    let app = TestApp::spawn_with(&[
        ("admission.max_backlog", BOUND.to_string()),
        ("admission.max_wait_ms", "1500".into()),
        ("admission.sample_ms", "50".into()),
    ])
    .await;
    let (_connection, channel, queue) = stopped_consumer_queue(&app).await;
    let mut coach = app.coach().await;
    let organisation = register(&mut coach, "61000001").await;
    for n in 0..BOUND as usize {
        enrol(&mut coach, &organisation.organisation_id, n).await;
    }
    // The relay published them: more than the bound wait in the queue.
    let (watched, name) = (&channel, queue.as_str());
    eventually(
        "the events in the stopped consumer's queue",
        || async move { (ready(watched, name).await > BOUND).then_some(()) },
    )
    .await;
    // A reading of the queues holds for two sample intervals (the bound's overshoot):
    // let the one taken before the queue filled expire.
    tokio::time::sleep(Duration::from_millis(150)).await;

    let started = Instant::now();
    let refused = coach
        .enrol_participant(participant_request(&organisation.organisation_id, 99))
        .await
        .expect_err("refused while the consumer is behind");
    let waited = started.elapsed();
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    assert!(refused.message().contains(&queue), "{}", refused.message());
    assert!(
        refused
            .get_details_retry_info()
            .and_then(|r| r.retry_delay)
            .is_some(),
        "a RetryInfo tells when to try again"
    );
    assert!(waited >= Duration::from_millis(1_400), "waited {waited:?}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM participants").await,
        BOUND as i64,
        "a refused call changes nothing"
    );

    // Reads and health checks do not wait.
    let started = Instant::now();
    let mut health = tonic_health::pb::health_client::HealthClient::new(app.channel().await);
    health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("health answers");
    coach
        .list_participants(pb::ListParticipantsRequest {
            organisation_id: organisation.organisation_id.clone(),
            ..Default::default()
        })
        .await
        .expect("a read answers");
    assert!(started.elapsed() < Duration::from_millis(500));

    // A write that waits goes through once the consumer caught up.
    let waiting = tokio::spawn({
        let mut coach = coach.clone();
        let request = participant_request(&organisation.organisation_id, 100);
        async move { coach.enrol_participant(request).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "admitted over the bound");
    channel
        .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
        .await
        .unwrap();
    waiting
        .await
        .unwrap()
        .expect("admitted once the queue drained");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM participants").await,
        BOUND as i64 + 1
    );
}
