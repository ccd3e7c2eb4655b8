//! (e) One service's broker connections fall silent (a proxy holds every byte, the TCP
//! connections stay open), as behind a load balancer whose broker went away: its
//! readiness must say so, and it must come back by itself. Then (f) the broker stops
//! while that service is still trying to connect: its handshakes die half-way.
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

/// With the default deadlines (heartbeat 10 s: missed after 20 s; each broker wait
/// 10 s) a silent connection is noticed well within this.
const NOTICED: Duration = Duration::from_secs(45);

fn behind_a_proxy(service: ServiceName) -> Setup {
    Setup {
        broker_proxy_for: Some(service),
        ..Setup::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consumer_whose_connection_stalls_goes_not_serving_and_recovers_by_itself() {
    let suite = FaultSuite::start_with(
        "connection_stalls",
        behind_a_proxy(ServiceName::Trajectories),
    )
    .await;
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    stream.reached(EVENTS / 3).await;
    eprintln!("stalling trajectories' broker connections at 1/3 of the stream");
    suite.broker_proxy().stall();
    suite
        .watch
        .wait_not_serving(ServiceName::Trajectories, NOTICED)
        .await;
    // Not serving while it cannot reach the broker, however long that lasts.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        suite.watch.history(ServiceName::Trajectories).last(),
        Some(&State::NotServing)
    );
    suite.broker_proxy().up();
    let took = suite.watch.wait_all_serving(RECOVERY).await;
    eprintln!(
        "trajectories SERVING {:.1} s after the proxy let bytes through",
        took.as_secs_f64()
    );
    stream.finish().await;
    checks::wait_consumed(&suite.env, EVENTS, Duration::from_secs(300)).await;
    checks::assert_exactly_once(&suite.env, &[], &[]).await;
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
    let suite = FaultSuite::start_with(
        "broker_stops_in_handshake",
        behind_a_proxy(ServiceName::Community),
    )
    .await;
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    stream.reached(EVENTS / 3).await;
    // Stalled, community gives its connections up and keeps opening new ones, each
    // waiting in its handshake; the broker then goes away under those handshakes.
    suite.broker_proxy().stall();
    suite
        .watch
        .wait_not_serving(ServiceName::Community, NOTICED)
        .await;
    eprintln!("community is reconnecting; stopping RabbitMQ under its handshakes");
    shared::stop_broker();
    tokio::time::sleep(Duration::from_secs(3)).await;
    suite.broker_proxy().up();
    shared::start_broker();
    let took = suite.watch.wait_all_serving(RECOVERY).await;
    eprintln!(
        "every service SERVING {:.1} s after the broker was back",
        took.as_secs_f64()
    );
    stream.finish().await;
    checks::wait_consumed(&suite.env, EVENTS, Duration::from_secs(300)).await;
    checks::assert_exactly_once(&suite.env, &[], &[]).await;
    for service in ServiceName::ALL {
        suite.watch.assert_recovered(service, State::NotServing);
    }
}
