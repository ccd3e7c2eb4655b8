//! (b) A consuming service is killed (SIGKILL) mid-stream and started again — at the
//! worst moment: a batch committed, its acknowledgements not yet at the broker (held by
//! a proxy), so the broker gives the restarted process events it already applied.
use std::time::Duration;

use llo_chassis::ServiceName;

use crate::{
    checks,
    harness::{FaultSuite, Setup},
    health::State,
    shared::LeaveRunning,
    stream,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_consumer_killed_mid_stream_loses_and_doubles_nothing() {
    let setup = Setup {
        broker_proxy_for: Some(ServiceName::Trajectories),
        ..Setup::default()
    };
    let mut suite = FaultSuite::start_with("consumer_killed", setup).await;
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    stream.reached_part(3).await;
    // The worst moment, made certain: trajectories' handler waits on a lock with a batch
    // in hand; its connections are stalled; then the lock goes, the batch commits and
    // its acks wait in the proxy.
    let lock = hold_development_plans(&suite).await;
    suite.broker_proxy().stall();
    let before = inbox_count(&suite).await;
    lock.batch_execute("COMMIT").await.unwrap();
    // Kill only once the held batch has committed (a fixed wait was too short once on a
    // loaded machine: the kill came first and nothing applied was given again).
    batch_committed_after(&suite, before).await;
    eprintln!("killing trajectories at 1/3 of the stream, its acks held");
    // The held acks go with the dead process's connections.
    suite.kill_and_restart(ServiceName::Trajectories).await;
    crate::broker_stops::recovered(&suite, "the fault").await;
    let dropped = checks::after_the_stream(&suite, stream).await;
    let trajectories = dropped
        .iter()
        .find(|(service, _)| *service == ServiceName::Trajectories)
        .map_or(0, |(_, n)| *n);
    assert!(
        trajectories > 0,
        "the restarted trajectories was given no event it had applied: the inbox was not tried"
    );
    suite
        .watch
        .assert_recovered(ServiceName::Trajectories, State::Unreachable);
    // The kill left deliveries unacknowledged: the restarted process got them again.
    let log = std::fs::read_to_string(suite.log(ServiceName::Trajectories)).unwrap();
    assert!(
        log.contains("deliveries the broker gave before"),
        "trajectories saw no redelivery after the kill"
    );
}

async fn trajectories_database(suite: &FaultSuite) -> tokio_postgres::Client {
    let url = suite.env.database_url(ServiceName::Trajectories);
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// The events trajectories has applied (its inbox).
async fn inbox_count(suite: &FaultSuite) -> i64 {
    trajectories_database(suite)
        .await
        .query_one("SELECT count(*) FROM inbox", &[])
        .await
        .unwrap()
        .get(0)
}

/// Waits (with a deadline) until trajectories' inbox holds more than `before`: the batch
/// that waited on the lock has committed.
async fn batch_committed_after(suite: &FaultSuite, before: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while inbox_count(suite).await <= before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the held batch never committed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A transaction in trajectories' database that holds its development plans (inserts
/// wait), returned once trajectories' consumer waits on it.
async fn hold_development_plans(suite: &FaultSuite) -> tokio_postgres::Client {
    let url = suite.env.database_url(ServiceName::Trajectories);
    let connect = || async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
    };
    let lock = connect().await;
    lock.batch_execute("BEGIN; LOCK TABLE development_plans IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let watch = connect().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 = watch
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            return lock;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "trajectories never waited on the lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
