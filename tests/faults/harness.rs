//! The four services as processes of their own (so that one can be killed), on a
//! private database per service and a private exchange, with the production defaults
//! for the relay and retries but a short relay poll.
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use llo_chassis::{
    ServiceName,
    auth::Role,
    telemetry::ClientContext,
    testing::{
        TestEnv,
        process::{self, ServiceProcess},
    },
};
use llo_proto::intake::v1::intake_service_client::IntakeServiceClient;
use tonic::{codegen::InterceptedService, transport::Channel};

use crate::health::{HealthWatch, State};

pub type Intake = IntakeServiceClient<InterceptedService<Channel, ClientContext>>;

/// Consumers first: their queues must exist before intake publishes.
const START_ORDER: [ServiceName; 4] = [
    ServiceName::Trajectories,
    ServiceName::Community,
    ServiceName::Reporting,
    ServiceName::Intake,
];

pub struct FaultSuite {
    test: &'static str,
    // Dropped first: the processes end before their databases are removed.
    processes: Vec<(ServiceName, ServiceProcess)>,
    pub watch: HealthWatch,
    pub env: TestEnv,
}

fn settings() -> Vec<(&'static str, String)> {
    vec![
        ("amqp.relay_poll_interval_ms", "500".to_owned()),
        ("amqp.retry_base_delay_ms", "100".to_owned()),
        ("telemetry.log_filter", "info".to_owned()),
    ]
}

/// Each service's log, kept for a failed run: `target/tmp/fault-logs/<test>/<service>.log`.
fn log_file(test: &str, service: ServiceName) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fault-logs")
        .join(test);
    std::fs::create_dir_all(&dir).expect("log directory");
    dir.join(format!("{}.log", service.as_str()))
}

impl FaultSuite {
    /// The suite of one test (`test` names its log directory).
    pub async fn start(test: &'static str) -> FaultSuite {
        let env = TestEnv::new();
        let mut processes = Vec::new();
        for service in START_ORDER {
            let log = log_file(test, service);
            let _ = std::fs::remove_file(&log);
            let port = process::free_port().expect("a free port");
            let process = ServiceProcess::spawn_logged(&env, service, &settings(), port, &log)
                .await
                .expect("the service starts");
            processes.push((service, process));
        }
        let ports: Vec<(ServiceName, u16)> = processes.iter().map(|(s, p)| (*s, p.port)).collect();
        let watch = HealthWatch::start(&ports);
        watch.wait_all_serving(Duration::from_secs(60)).await;
        eprintln!(
            "service logs: {}",
            log_file(test, ServiceName::Intake)
                .parent()
                .unwrap()
                .display()
        );
        FaultSuite {
            test,
            processes,
            watch,
            env,
        }
    }

    pub fn port(&self, service: ServiceName) -> u16 {
        self.processes
            .iter()
            .find(|(s, _)| *s == service)
            .map(|(_, p)| p.port)
            .expect("a started service")
    }

    /// SIGKILL, then the same binary again on the same port, as Kubernetes would.
    pub async fn kill_and_restart(&mut self, service: ServiceName) {
        let index = self
            .processes
            .iter()
            .position(|(s, _)| *s == service)
            .expect("a started service");
        let (_, process) = self.processes.remove(index);
        let port = process.port;
        process.kill();
        // Until the watch has seen it gone, so that "down" is on record.
        while self.watch.history(service).last() != Some(&State::Unreachable) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = log_file(self.test, service);
        let restarted = ServiceProcess::spawn_logged(&self.env, service, &settings(), port, &log)
            .await
            .expect("the service starts again");
        self.processes.insert(index, (service, restarted));
    }

    pub async fn intake(&self) -> Intake {
        let channel = Channel::from_shared(format!(
            "http://127.0.0.1:{}",
            self.port(ServiceName::Intake)
        ))
        .expect("uri")
        .connect_timeout(Duration::from_secs(1))
        .connect_lazy();
        IntakeServiceClient::with_interceptor(
            channel,
            ClientContext {
                bearer_token: Some(self.env.token(Role::ProgrammeManager, "achterhoek", None)),
            },
        )
    }
}
