//! (a) RabbitMQ stops and starts mid-stream: twice, and five times within about 30 s.
use std::time::{Duration, Instant};

use crate::{
    checks,
    harness::FaultSuite,
    health::State,
    shared::{self, LeaveRunning},
    stream::{self, Running, Shape},
};

/// Every service answers SERVING again by itself within this time after the broker is
/// back (measured: see TESTING.md).
pub const RECOVERY: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn a_broker_stopped_twice_mid_stream_loses_and_doubles_nothing() {
    let suite = FaultSuite::start("broker_stops").await;
    // Declared after the suite, so dropped before it: the broker is back for its cleanup.
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    stop_twice(&suite, &stream).await;
    checks::after_the_stream(&suite, stream).await;
    suite.watch.assert_all_recovered(State::NotServing);
}

/// RabbitMQ stopped for 5 s at one third and at one half of the stream; each time until
/// every service (each replica) serves again.
pub async fn stop_twice(suite: &FaultSuite, stream: &Running) {
    for part in [3, 2] {
        stream.reached_part(part).await;
        eprintln!("stopping RabbitMQ at 1/{part} of the stream");
        shared::stop_broker();
        tokio::time::sleep(Duration::from_secs(5)).await;
        shared::start_broker();
        recovered(suite, "the broker was back").await;
    }
}

/// Until every service serves again, within [`RECOVERY`]; says how long it took.
pub async fn recovered(suite: &FaultSuite, since: &str) {
    let took = suite.watch.wait_all_serving(RECOVERY).await;
    eprintln!(
        "every service SERVING {:.1} s after {since}",
        took.as_secs_f64()
    );
}

/// Stops in quick succession: each reconnect may land on a broker that is going away
/// again, in the middle of a handshake, a declare or a consume.
#[tokio::test(flavor = "multi_thread")]
async fn a_broker_stopped_five_times_within_half_a_minute_loses_and_doubles_nothing() {
    let suite = FaultSuite::start("broker_stops_five").await;
    let _leave = LeaveRunning;
    // About 35 s of stream (70 chunks of 30), so that all five stops land in it.
    let shape = Shape {
        events: 2_100,
        chunk: 30,
        pace: Duration::from_millis(500),
    };
    let stream = stream::begin_shaped(&suite, shape).await;
    stream.reached_part(10).await;
    let started = Instant::now();
    for stop in 1..=5 {
        eprintln!(
            "stop {stop} of RabbitMQ, {:.1} s into the series",
            started.elapsed().as_secs_f64()
        );
        shared::stop_broker();
        tokio::time::sleep(Duration::from_millis(500)).await;
        // (Waits until the broker takes connections: about 3 s.)
        shared::start_broker();
        // Up for a moment only: the services are still reconnecting at the next stop.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("five stops in {:.1} s", started.elapsed().as_secs_f64());
    recovered(&suite, "the last start").await;
    checks::after_the_stream(&suite, stream).await;
    suite.watch.assert_all_recovered(State::NotServing);
}
