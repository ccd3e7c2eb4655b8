//! (g) Two processes of every service on the same databases and queues (competing
//! consumers; relays that take turns, one leader at a time), and the broker stopped
//! twice mid-stream: the same results as with one.
use crate::{
    broker_stops, checks,
    harness::{FaultSuite, Setup},
    health::State,
    shared::LeaveRunning,
    stream::{self, Shape},
};

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_of_every_service_through_two_broker_stops_lose_and_double_nothing() {
    let setup = Setup {
        replicas: 2,
        ..Setup::default()
    };
    let suite = FaultSuite::start_with("replicas", setup).await;
    let _leave = LeaveRunning;
    let stream = stream::begin_shaped(&suite, Shape::SHORT).await;
    broker_stops::stop_twice(&suite, &stream).await;
    checks::after_the_stream(&suite, stream).await;
    suite.watch.assert_all_recovered(State::NotServing);
}
