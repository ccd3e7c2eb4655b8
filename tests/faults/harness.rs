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
        TcpProxy, TestEnv,
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
    setup: Setup,
    // Dropped first: the processes end before their databases are removed.
    processes: Vec<(ServiceName, ServiceProcess)>,
    /// In front of the broker for `setup.broker_proxy_for`.
    pub broker_proxy: Option<TcpProxy>,
    pub watch: HealthWatch,
    pub env: TestEnv,
}

/// How a test's suite is laid out.
#[derive(Clone)]
pub struct Setup {
    /// Processes per service on the same databases and queues: competing consumers,
    /// relays taking turns (one leader at a time).
    pub replicas: usize,
    /// This service reaches the broker through a proxy the test can stall or cut.
    pub broker_proxy_for: Option<ServiceName>,
    /// Settings of every process beside the defaults below.
    pub settings: Vec<(&'static str, String)>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            replicas: 1,
            broker_proxy_for: None,
            settings: Vec::new(),
        }
    }
}

fn settings() -> Vec<(&'static str, String)> {
    vec![
        ("amqp.relay_poll_interval_ms", "500".to_owned()),
        ("amqp.retry_base_delay_ms", "100".to_owned()),
        ("telemetry.log_filter", "info".to_owned()),
        // The faults land at fixed moments of a stream sent at its own pace; admission
        // would slow the stream behind the consumers the faults hold up, and move them.
        // It has its own tests (chassis `admission`, suite `admission`).
        ("admission.max_backlog", "0".to_owned()),
    ]
}

/// Each process's log, kept for a failed run:
/// `target/tmp/fault-logs/<test>/<service>[-<replica>].log`.
pub fn log_file(test: &str, service: ServiceName, replica: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fault-logs")
        .join(test);
    std::fs::create_dir_all(&dir).expect("log directory");
    match replica {
        0 => dir.join(format!("{}.log", service.as_str())),
        n => dir.join(format!("{}-{n}.log", service.as_str())),
    }
}

impl FaultSuite {
    /// The suite of one test (`test` names its log directory): one process per service.
    pub async fn start(test: &'static str) -> FaultSuite {
        Self::start_with(test, Setup::default()).await
    }

    pub async fn start_with(test: &'static str, setup: Setup) -> FaultSuite {
        let env = TestEnv::new();
        let broker_proxy = match setup.broker_proxy_for {
            Some(_) => Some(TcpProxy::start_for(5672).await),
            None => None,
        };
        let mut processes = Vec::new();
        for replica in 0..setup.replicas.max(1) {
            for service in START_ORDER {
                let log = log_file(test, service, replica);
                let _ = std::fs::remove_file(&log);
                let port = process::free_port().expect("a free port");
                let settings = process_settings(&setup, broker_proxy.as_ref(), service);
                let process = ServiceProcess::spawn_logged(&env, service, &settings, port, &log)
                    .await
                    .expect("the service starts");
                processes.push((service, process));
            }
        }
        let ports: Vec<(ServiceName, u16)> = processes.iter().map(|(s, p)| (*s, p.port)).collect();
        let watch = HealthWatch::start(&ports);
        watch.wait_all_serving(Duration::from_secs(60)).await;
        crate::witness::install(&env).await;
        eprintln!(
            "service logs: {}",
            log_file(test, ServiceName::Intake, 0)
                .parent()
                .unwrap()
                .display()
        );
        FaultSuite {
            test,
            setup,
            processes,
            broker_proxy,
            watch,
            env,
        }
    }

    /// The log of the first process of `service`.
    pub fn log(&self, service: ServiceName) -> PathBuf {
        log_file(self.test, service, 0)
    }

    /// The proxy in front of the broker (for a suite set up with one).
    pub fn broker_proxy(&self) -> &TcpProxy {
        self.broker_proxy
            .as_ref()
            .expect("a suite with a broker proxy")
    }

    pub fn port(&self, service: ServiceName) -> u16 {
        self.processes
            .iter()
            .find(|(s, _)| *s == service)
            .map(|(_, p)| p.port)
            .expect("a started service")
    }

    /// SIGKILL (of its first replica), then the same binary again on the same port, as Kubernetes would.
    pub async fn kill_and_restart(&mut self, service: ServiceName) {
        let index = self
            .processes
            .iter()
            .position(|(s, _)| *s == service)
            .expect("a started service");
        let (_, process) = self.processes.remove(index);
        let port = process.port;
        process.kill();
        if self.setup.broker_proxy_for == Some(service)
            && let Some(proxy) = &self.broker_proxy
        {
            // The kernel closes a dead process's connections; a proxy holding bytes
            // would not notice, so it cuts them (and lets bytes flow again).
            proxy.down();
            proxy.up();
        }
        // Until the watch has seen it gone, so that "down" is on record.
        while self.watch.history(service).last() != Some(&State::Unreachable) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = log_file(self.test, service, 0);
        let settings = process_settings(&self.setup, self.broker_proxy.as_ref(), service);
        let restarted = ServiceProcess::spawn_logged(&self.env, service, &settings, port, &log)
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

/// One process's settings: the defaults, the test's, and the proxy's URL for the service
/// behind it.
fn process_settings(
    setup: &Setup,
    proxy: Option<&TcpProxy>,
    service: ServiceName,
) -> Vec<(&'static str, String)> {
    let mut all = settings();
    all.extend(setup.settings.iter().cloned());
    if let Some(proxy) = proxy
        && setup.broker_proxy_for == Some(service)
    {
        all.push(("amqp.url", proxy.url()));
    }
    all
}
