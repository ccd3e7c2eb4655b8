//! (b) A consuming service is killed (SIGKILL) mid-stream and started again.
use std::time::Duration;

use llo_chassis::ServiceName;

use crate::{
    checks,
    harness::FaultSuite,
    health::State,
    shared::LeaveRunning,
    stream::{self, EVENTS},
};

#[tokio::test(flavor = "multi_thread")]
async fn a_consumer_killed_mid_stream_loses_and_doubles_nothing() {
    let mut suite = FaultSuite::start("consumer_killed").await;
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    stream.reached(EVENTS / 3).await;
    eprintln!("killing trajectories at 1/3 of the stream");
    // Its unacknowledged deliveries go back to the queue; what it committed is in its inbox.
    suite.kill_and_restart(ServiceName::Trajectories).await;
    suite.watch.wait_all_serving(Duration::from_secs(120)).await;
    stream.finish().await;
    checks::wait_consumed(&suite.env, EVENTS, Duration::from_secs(300)).await;
    checks::assert_exactly_once(&suite.env, &[], &[]).await;
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
