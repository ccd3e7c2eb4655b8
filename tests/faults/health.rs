//! What each service's readiness said during a test: polled every 100 ms, kept as the
//! sequence of distinct states, so a test can ask "went down and came back by itself".
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use llo_chassis::ServiceName;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Serving,
    NotServing,
    /// No answer: the process is gone or not listening yet.
    Unreachable,
}

/// The gRPC service name whose health is the service's readiness.
pub fn readiness_name(service: ServiceName) -> &'static str {
    match service {
        ServiceName::Intake => llo_intake::app::GRPC_SERVICE_NAME,
        ServiceName::Trajectories => llo_trajectories::app::GRPC_SERVICE_NAME,
        ServiceName::Community => llo_community::app::GRPC_SERVICE_NAME,
        ServiceName::Reporting => llo_reporting::app::GRPC_SERVICE_NAME,
    }
}

type History = Arc<Mutex<Vec<State>>>;

pub struct HealthWatch {
    histories: Vec<(ServiceName, History)>,
    stop: CancellationToken,
}

impl HealthWatch {
    pub fn start(services: &[(ServiceName, u16)]) -> HealthWatch {
        let stop = CancellationToken::new();
        let histories = services
            .iter()
            .map(|&(service, port)| {
                let history = History::default();
                tokio::spawn(poll(service, port, history.clone(), stop.clone()));
                (service, history)
            })
            .collect();
        HealthWatch { histories, stop }
    }

    /// What the first process of `service` said.
    pub fn history(&self, service: ServiceName) -> Vec<State> {
        self.histories_of(service)
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// What each process of `service` said (one per replica).
    fn histories_of(&self, service: ServiceName) -> Vec<Vec<State>> {
        self.histories
            .iter()
            .filter(|(s, _)| *s == service)
            .map(|(_, h)| h.lock().unwrap().clone())
            .collect()
    }

    /// Serving now, after having been out of service (`NotServing`, or `Unreachable`
    /// when the process itself was gone) since the watch started: each replica.
    pub fn assert_recovered(&self, service: ServiceName, down: State) {
        for history in self.histories_of(service) {
            let first_serving = history.iter().position(|s| *s == State::Serving);
            let went_down = first_serving.is_some_and(|start| history[start..].contains(&down));
            assert!(
                went_down && history.last() == Some(&State::Serving),
                "{}: expected SERVING → {down:?} → SERVING, saw {history:?}",
                service.as_str()
            );
        }
    }

    /// Every service (each replica) went `down` and came back by itself.
    pub fn assert_all_recovered(&self, down: State) {
        for service in ServiceName::ALL {
            self.assert_recovered(service, down);
        }
    }

    /// Never out of service once it served (an unanswered poll under load is no
    /// outage): each replica.
    pub fn assert_stayed_serving(&self, service: ServiceName) {
        for history in self.histories_of(service) {
            let start = history
                .iter()
                .position(|s| *s == State::Serving)
                .unwrap_or(0);
            assert!(
                !history[start..].contains(&State::NotServing),
                "{}: went out of service: {history:?}",
                service.as_str()
            );
        }
    }

    /// Until `service` (each replica) says NOT_SERVING, or fails the test after `within`.
    pub async fn wait_not_serving(&self, service: ServiceName, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while !self
            .histories_of(service)
            .iter()
            .all(|h| h.last() == Some(&State::NotServing))
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} still serving after {within:?}: {:?}",
                service.as_str(),
                self.histories_of(service)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Until every service is serving again (the state after a fault); returns how
    /// long that took.
    pub async fn wait_all_serving(&self, within: Duration) -> Duration {
        let started = tokio::time::Instant::now();
        let deadline = started + within;
        loop {
            let serving = self
                .histories
                .iter()
                .all(|(_, h)| h.lock().unwrap().last() == Some(&State::Serving));
            if serving {
                return started.elapsed();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "not every service serving within {within:?}: {:?}",
                self.histories
                    .iter()
                    .map(|(s, h)| (s.as_str(), h.lock().unwrap().last().copied()))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for HealthWatch {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn poll(service: ServiceName, port: u16, history: History, stop: CancellationToken) {
    // Lazy: reconnects by itself once a restarted process listens again.
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("uri")
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(1))
        .connect_lazy();
    let mut client = HealthClient::new(channel);
    let name = readiness_name(service);
    while !stop.is_cancelled() {
        let state = match client
            .check(HealthCheckRequest {
                service: name.into(),
            })
            .await
        {
            Ok(r) if r.get_ref().status == ServingStatus::Serving as i32 => State::Serving,
            Ok(_) => State::NotServing,
            Err(_) => State::Unreachable,
        };
        {
            let mut seen = history.lock().unwrap();
            if seen.last() != Some(&state) {
                seen.push(state);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
