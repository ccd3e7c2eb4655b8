//! (a) RabbitMQ stops and starts at one third and at one half of the stream.
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
async fn a_broker_stopped_twice_mid_stream_loses_and_doubles_nothing() {
    let suite = FaultSuite::start("broker_stops").await;
    // Declared after the suite, so dropped before it: the broker is back for its cleanup.
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    for part in [3, 2] {
        stream.reached(EVENTS / part).await;
        eprintln!("stopping RabbitMQ at 1/{part} of the stream");
        shared::stop_broker();
        tokio::time::sleep(Duration::from_secs(5)).await;
        shared::start_broker();
        suite.watch.wait_all_serving(Duration::from_secs(120)).await;
    }
    stream.finish().await;
    checks::wait_consumed(&suite.env, EVENTS, Duration::from_secs(300)).await;
    checks::assert_exactly_once(&suite.env, &[], &[]).await;
    for service in ServiceName::ALL {
        suite.watch.assert_recovered(service, State::NotServing);
    }
}
