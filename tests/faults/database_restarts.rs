//! (c) PostgreSQL restarts mid-stream: every connection of every service is cut.
use std::time::Duration;

use crate::{
    checks,
    harness::FaultSuite,
    health::State,
    shared::{self, LeaveRunning},
    stream,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_database_restart_mid_stream_loses_and_doubles_nothing() {
    let suite = FaultSuite::start("database_restarts").await;
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    stream.reached_part(3).await;
    // Down long enough for the services to notice (their health tolerates a blip of a
    // few seconds: three missed pings in a row).
    eprintln!("stopping PostgreSQL for 10 s at 1/3 of the stream");
    shared::stop_database();
    tokio::time::sleep(Duration::from_secs(10)).await;
    shared::start_database();
    crate::broker_stops::recovered(&suite, "the fault").await;
    checks::after_the_stream(&suite, stream).await;
    suite.watch.assert_all_recovered(State::NotServing);
}
