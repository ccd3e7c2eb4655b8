//! The four services as processes for the pipeline bench, with the production
//! defaults for pool size, relay and retries (not the tests' faster polling), and the
//! clients that call them.
use std::time::{Duration, Instant};

use llo_chassis::{
    ServiceName, Settings,
    auth::Role,
    telemetry::ClientContext,
    testing::{AMQP_URL, TestEnv},
};
use llo_proto::{
    community::v1::community_service_client::CommunityServiceClient,
    intake::v1::intake_service_client::IntakeServiceClient,
    trajectories::v1::trajectory_service_client::TrajectoryServiceClient,
};
use tonic::{codegen::InterceptedService, transport::Channel};

use llo_chassis::testing::process::ServiceProcess;

pub type Intake = IntakeServiceClient<InterceptedService<Channel, ClientContext>>;
pub type Trajectories = TrajectoryServiceClient<InterceptedService<Channel, ClientContext>>;
pub type Community = CommunityServiceClient<InterceptedService<Channel, ClientContext>>;

/// A passive declare is answered within this, or the try counts as failed.
const QUEUE_DEADLINE: Duration = Duration::from_secs(10);

/// The services that consume events, whose queues must exist before the load.
pub const CONSUMERS: [ServiceName; 3] = [
    ServiceName::Trajectories,
    ServiceName::Community,
    ServiceName::Reporting,
];

pub struct Suite {
    /// Consumers first, intake last (started once the queues exist).
    processes: Vec<(ServiceName, ServiceProcess)>,
    pub endpoints: Endpoints,
}

/// Where the services listen and the token every client sends.
#[derive(Clone)]
pub struct Endpoints {
    intake: u16,
    trajectories: u16,
    community: u16,
    token: String,
}

impl Suite {
    /// `max_backlog`: the services' `admission.max_backlog` (`None`: their default).
    pub async fn start(env: &TestEnv, max_backlog: Option<u32>) -> anyhow::Result<Suite> {
        let mut settings = vec![
            ("database.max_connections", "16".to_owned()),
            ("amqp.relay_poll_interval_ms", "1000".to_owned()),
            ("amqp.retry_base_delay_ms", "200".to_owned()),
            ("telemetry.log_filter", "warn".to_owned()),
        ];
        let defaults = Settings::defaults(ServiceName::Intake).admission;
        let bound = max_backlog.unwrap_or(defaults.max_backlog);
        // Production's wait, not the tests' longer one.
        settings.push(("admission.max_wait_ms", defaults.max_wait_ms.to_string()));
        println!(
            "admission.max_backlog: {}",
            if bound == 0 {
                "0 (no admission)".to_owned()
            } else {
                bound.to_string()
            }
        );
        settings.push(("admission.max_backlog", bound.to_string()));
        let mut processes = Vec::new();
        for service in CONSUMERS {
            processes.push((
                service,
                ServiceProcess::spawn(env, service, &settings).await?,
            ));
        }
        wait_for_queues(env).await?;
        processes.push((
            ServiceName::Intake,
            ServiceProcess::spawn(env, ServiceName::Intake, &settings).await?,
        ));
        let port = |name: ServiceName| {
            processes
                .iter()
                .find(|(s, _)| *s == name)
                .map_or(0, |(_, p)| p.port)
        };
        let endpoints = Endpoints {
            intake: port(ServiceName::Intake),
            trajectories: port(ServiceName::Trajectories),
            community: port(ServiceName::Community),
            token: env.token(Role::ProgrammeManager, "achterhoek", None),
        };
        Ok(Suite {
            processes,
            endpoints,
        })
    }

    /// "intake 30.1 MiB, trajectories …" with `kib` read from each process.
    pub fn memory_line(&self, kib: impl Fn(&ServiceProcess) -> u64) -> String {
        let mut order: Vec<&(ServiceName, ServiceProcess)> = self.processes.iter().collect();
        order.sort_by_key(|(s, _)| ServiceName::ALL.iter().position(|a| a == s));
        order
            .iter()
            .map(|(s, p)| format!("{} {:.1} MiB", s.as_str(), kib(p) as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Each service's process id.
    pub fn pids(&self) -> Vec<(ServiceName, u32)> {
        self.processes.iter().map(|(s, p)| (*s, p.pid())).collect()
    }

    /// Stops every service (SIGTERM), intake first.
    pub fn stop(self) {
        for (_, process) in self.processes.into_iter().rev() {
            process.stop();
        }
    }
}

impl Endpoints {
    async fn channel(port: u16) -> anyhow::Result<Channel> {
        Ok(Channel::from_shared(format!("http://127.0.0.1:{port}"))?
            .connect()
            .await?)
    }

    fn context(&self) -> ClientContext {
        ClientContext {
            bearer_token: Some(self.token.clone()),
        }
    }

    /// A client on a connection of its own.
    pub async fn intake(&self) -> anyhow::Result<Intake> {
        Ok(IntakeServiceClient::with_interceptor(
            Self::channel(self.intake).await?,
            self.context(),
        ))
    }

    pub async fn trajectories(&self) -> anyhow::Result<Trajectories> {
        Ok(TrajectoryServiceClient::with_interceptor(
            Self::channel(self.trajectories).await?,
            self.context(),
        ))
    }

    pub async fn community(&self) -> anyhow::Result<Community> {
        Ok(CommunityServiceClient::with_interceptor(
            Self::channel(self.community).await?,
            self.context(),
        ))
    }
}

/// The consumer queue of `service` in `env`.
pub fn queue(env: &TestEnv, service: ServiceName) -> String {
    format!("{}{}.events", env.queue_prefix(), service.as_str())
}

/// Until every consumer declared its queue (events published before would be unrouted).
async fn wait_for_queues(env: &TestEnv) -> anyhow::Result<()> {
    let connection = llo_chassis::bus::connect(&AMQP_URL, "llo-bench-pipeline", 5).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    for service in CONSUMERS {
        loop {
            // A missing queue closes the channel: a new one per try.
            let channel = connection.create_channel().await?;
            let name = queue(env, service);
            let declared = llo_chassis::bus::ready_messages(&channel, &name, QUEUE_DEADLINE);
            if declared.await.is_ok() {
                let _ = channel.close(200, "ok".into()).await;
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{name} was not declared within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let _ = connection.close(200, "ok".into()).await;
    Ok(())
}
