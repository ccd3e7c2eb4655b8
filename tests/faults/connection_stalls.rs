//! (e) One service's broker connections fall silent (a proxy holds every byte, the TCP
//! connections stay open), as behind a load balancer whose broker went away: its
//! readiness must say so, and it must come back by itself. Then (f) the broker stops
//! while that service is still trying to connect: its handshakes die half-way.
use std::time::Duration;

use llo_chassis::ServiceName;

use crate::{
    broker_stops::recovered,
    checks,
    harness::{FaultSuite, Setup},
    health::State,
    shared::{self, LeaveRunning},
    stream::{self, Running, Shape},
};

/// With the default deadlines (heartbeat 10 s: missed after 20 s; each broker wait
/// 10 s) a silent connection is noticed well within this.
const NOTICED: Duration = Duration::from_secs(45);

/// The suite with `service` behind a broker proxy, a stream at one third, and that
/// service's connections stalled until it says NOT_SERVING.
async fn stalled(test: &'static str, service: ServiceName) -> (FaultSuite, Running) {
    let setup = Setup {
        broker_proxy_for: Some(service),
        ..Setup::default()
    };
    let suite = FaultSuite::start_with(test, setup).await;
    let stream = stream::begin_shaped(&suite, Shape::SHORT).await;
    stream.reached_part(3).await;
    eprintln!(
        "stalling {}'s broker connections at 1/3 of the stream",
        service.as_str()
    );
    suite.broker_proxy().stall();
    suite.watch.wait_not_serving(service, NOTICED).await;
    (suite, stream)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consumer_whose_connection_stalls_goes_not_serving_and_recovers_by_itself() {
    let (suite, stream) = stalled("connection_stalls", ServiceName::Trajectories).await;
    let _leave = LeaveRunning;
    // Not serving while it cannot reach the broker, however long that lasts.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        suite.watch.history(ServiceName::Trajectories).last(),
        Some(&State::NotServing)
    );
    suite.broker_proxy().up();
    recovered(&suite, "the proxy let bytes through").await;
    checks::after_the_stream(&suite, stream).await;
    suite
        .watch
        .assert_recovered(ServiceName::Trajectories, State::NotServing);
    for service in [
        ServiceName::Intake,
        ServiceName::Community,
        ServiceName::Reporting,
    ] {
        suite.watch.assert_stayed_serving(service);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broker_stopped_while_a_consumer_is_connecting_loses_and_doubles_nothing() {
    // Stalled, community gives its connections up and keeps opening new ones, each
    // waiting in its handshake; the broker then goes away under those handshakes.
    let (suite, stream) = stalled("broker_stops_in_handshake", ServiceName::Community).await;
    let _leave = LeaveRunning;
    eprintln!("community is reconnecting; stopping RabbitMQ under its handshakes");
    shared::stop_broker();
    tokio::time::sleep(Duration::from_secs(3)).await;
    suite.broker_proxy().up();
    shared::start_broker();
    recovered(&suite, "the broker was back").await;
    checks::after_the_stream(&suite, stream).await;
    suite.watch.assert_all_recovered(State::NotServing);
}
