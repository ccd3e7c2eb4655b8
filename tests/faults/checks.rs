//! After a fault: did every event reach every consumer exactly once? Read from the
//! services' own databases and compared by id — the events intake committed to its
//! outbox against each consumer's inbox, and the participants intake holds against
//! each consumer's effect (a development plan, a community participant, reporting's
//! read-model row and its copy of the event).
use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

use llo_chassis::{ServiceName, testing::TestEnv};
use llo_proto::{IntegrationEvent, events::v1 as events};
use tokio_postgres::NoTls;

pub const ENROLLED: &str = <events::ParticipantEnrolled as IntegrationEvent>::ROUTING_KEY;

pub const CONSUMERS: [ServiceName; 3] = [
    ServiceName::Trajectories,
    ServiceName::Community,
    ServiceName::Reporting,
];

async fn connect(env: &TestEnv, service: ServiceName) -> Option<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(&env.database_url(service), NoTls)
        .await
        .ok()?;
    tokio::spawn(connection);
    Some(client)
}

/// Every value of a one-column query, as text, with the row count (to see repeats).
async fn column(env: &TestEnv, service: ServiceName, sql: &str) -> (BTreeSet<String>, usize) {
    let client = connect(env, service).await.expect("database");
    let rows = client.query(sql, &[]).await.expect(sql);
    let values: BTreeSet<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
    (values, rows.len())
}

async fn consumed(env: &TestEnv, service: ServiceName) -> Option<i64> {
    let client = connect(env, service).await?;
    let row = client
        .query_one(
            "SELECT count(*) FROM inbox WHERE routing_key = $1",
            &[&ENROLLED],
        )
        .await
        .ok()?;
    Some(row.get(0))
}

/// Until every consumer's inbox holds `expected` enrolments (or the time is up: the
/// comparison afterwards names what is missing).
pub async fn wait_consumed(env: &TestEnv, expected: usize, within: Duration) {
    let started = Instant::now();
    let mut last_report = Instant::now();
    loop {
        let mut counts = Vec::new();
        for service in CONSUMERS {
            counts.push(consumed(env, service).await.unwrap_or(-1));
        }
        if counts.iter().all(|c| *c >= expected as i64) || started.elapsed() > within {
            eprintln!(
                "consumed {counts:?} of {expected} after {:.1} s",
                started.elapsed().as_secs_f64()
            );
            return;
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!("consuming: {counts:?} of {expected}");
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Exactly once, by id and by the witness of applications: `extra_events` /
/// `extra_participants` are events that reached the consumers without passing through
/// intake (a re-driven message of the poison test). Returns the redeliveries each
/// consumer's inbox dropped.
pub async fn assert_exactly_once(
    env: &TestEnv,
    sent: usize,
    extra_events: &[String],
    extra_participants: &[String],
) -> Vec<(ServiceName, i64)> {
    let (mut events, rows) = column(
        env,
        ServiceName::Intake,
        &format!("SELECT id::text FROM outbox WHERE routing_key = '{ENROLLED}'"),
    )
    .await;
    assert_eq!(events.len(), rows);
    let (mut participants, _) = column(
        env,
        ServiceName::Intake,
        "SELECT id::text FROM participants",
    )
    .await;
    assert_eq!(
        (events.len(), participants.len()),
        (sent, sent),
        "intake committed one event per employee"
    );
    events.extend(extra_events.iter().cloned());
    participants.extend(extra_participants.iter().cloned());

    let inbox = format!("SELECT event_id::text FROM inbox WHERE routing_key = '{ENROLLED}'");
    let effects = [
        (
            ServiceName::Trajectories,
            "SELECT participant_id::text FROM development_plans",
        ),
        (ServiceName::Community, "SELECT id::text FROM participants"),
        (
            ServiceName::Reporting,
            "SELECT id::text FROM rm_participants",
        ),
    ];
    for (service, effect) in effects {
        let name = service.as_str();
        let (applied, rows) = column(env, service, &inbox).await;
        assert_eq!(rows, applied.len(), "{name}: an event in its inbox twice");
        assert_same(name, "events applied", &events, &applied);
        let (done, rows) = column(env, service, effect).await;
        assert_eq!(rows, done.len(), "{name}: an effect twice");
        assert_same(name, "participants", &participants, &done);
    }
    let (copied, rows) = column(
        env,
        ServiceName::Reporting,
        &format!("SELECT event_id::text FROM events WHERE routing_key = '{ENROLLED}'"),
    )
    .await;
    assert_eq!(rows, copied.len());
    assert_same("reporting", "copies of events", &events, &copied);
    // The tables above cannot hold a double (unique keys, upserts): the witness can.
    crate::witness::assert_applied_once(env, events.len()).await
}

fn assert_same(service: &str, what: &str, expected: &BTreeSet<String>, got: &BTreeSet<String>) {
    let lost: Vec<_> = expected.difference(got).take(5).collect();
    let unexpected: Vec<_> = got.difference(expected).take(5).collect();
    assert!(
        lost.is_empty() && unexpected.is_empty(),
        "{service} {what}: {} expected, {} there; lost (first 5) {lost:?}, unexpected {unexpected:?}",
        expected.len(),
        got.len()
    );
}

/// The end of every fault test: the stream finished, every consumer caught up (within
/// 300 s), every event applied exactly once. Returns the redeliveries each consumer's
/// inbox dropped.
pub async fn after_the_stream(
    suite: &crate::harness::FaultSuite,
    stream: crate::stream::Running,
) -> Vec<(ServiceName, i64)> {
    let sent = stream.shape.events;
    stream.finish().await;
    wait_consumed(&suite.env, sent, Duration::from_secs(300)).await;
    assert_exactly_once(&suite.env, sent, &[], &[]).await
}
