//! (c) PostgreSQL restarts mid-stream: every connection of every service is cut.
use std::time::Duration;

use llo_chassis::ServiceName;

use crate::{
    checks,
    harness::FaultSuite,
    health::State,
    shared::{self, LeaveRunning},
    stream::{self, EVENTS},
};

#[tokio::test(flavor = "multi_thread")]
async fn a_database_restart_mid_stream_loses_and_doubles_nothing() {
    let suite = FaultSuite::start("database_restarts").await;
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    stream.reached(EVENTS / 3).await;
    // Down long enough for the services to notice (their health tolerates a blip of a
    // few seconds: three missed pings in a row).
    eprintln!("stopping PostgreSQL for 10 s at 1/3 of the stream");
    shared::stop_database();
    tokio::time::sleep(Duration::from_secs(10)).await;
    shared::start_database();
    suite.watch.wait_all_serving(Duration::from_secs(120)).await;
    stream.finish().await;
    checks::wait_consumed(&suite.env, EVENTS, Duration::from_secs(300)).await;
    checks::assert_exactly_once(&suite.env, &[], &[]).await;
    for service in ServiceName::ALL {
        suite.watch.assert_recovered(service, State::NotServing);
    }
}
