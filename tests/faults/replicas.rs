//! (g) Two processes of every service on the same databases and queues (competing
//! consumers; relays that take turns, one leader at a time), and the broker stopped
//! twice mid-stream: the same results as with one.
use std::time::Duration;

use llo_chassis::ServiceName;

use crate::{
    broker_stops::RECOVERY,
    checks,
    harness::{FaultSuite, Setup},
    health::State,
    shared::{self, LeaveRunning},
    stream::{self, EVENTS},
};

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_of_every_service_through_two_broker_stops_lose_and_double_nothing() {
    let setup = Setup {
        replicas: 2,
        ..Setup::default()
    };
    let suite = FaultSuite::start_with("replicas", setup).await;
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    for part in [3, 2] {
        stream.reached(EVENTS / part).await;
        eprintln!("stopping RabbitMQ at 1/{part} of the stream (two replicas each)");
        shared::stop_broker();
        tokio::time::sleep(Duration::from_secs(5)).await;
        shared::start_broker();
        let took = suite.watch.wait_all_serving(RECOVERY).await;
        eprintln!(
            "every replica SERVING {:.1} s after the broker was back",
            took.as_secs_f64()
        );
    }
    stream.finish().await;
    checks::wait_consumed(&suite.env, EVENTS, Duration::from_secs(300)).await;
    checks::assert_exactly_once(&suite.env, &[], &[]).await;
    for service in ServiceName::ALL {
        suite.watch.assert_recovered(service, State::NotServing);
    }
}
