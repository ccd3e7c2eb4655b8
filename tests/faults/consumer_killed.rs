//! (b) A consuming service is killed (SIGKILL) mid-stream and started again — at the
//! worst moment: batches committed, their acknowledgements not yet at the broker (held
//! by a proxy), so the broker gives the restarted process events it already applied.
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
    // Held: what trajectories sends (its acks) and receives. It finishes the batch it
    // has, commits it, and its acks wait in the proxy.
    suite.broker_proxy().stall();
    tokio::time::sleep(Duration::from_secs(1)).await;
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
