//! Builds the intake service on the chassis host: it publishes, it consumes nothing.
use llo_chassis::{
    ServiceName, Settings,
    host::{self, ServiceHost, ServiceSpec},
};
use llo_proto::intake::v1::intake_service_server::IntakeServiceServer;
use tokio_util::sync::CancellationToken;

use crate::{
    access,
    api::{Context, IntakeApi},
    store::MIGRATIONS,
};

pub const SERVICE: ServiceName = ServiceName::Intake;
pub const GRPC_SERVICE_NAME: &str = "llo.intake.v1.IntakeService";

/// A built service, its port bound, ready to run.
pub struct Application {
    host: ServiceHost,
}

impl Application {
    /// Creates and migrates the database, loads the packs, binds the port.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let spec = ServiceSpec {
            service: SERVICE,
            grpc_service_name: GRPC_SERVICE_NAME,
            policy: access::POLICY,
            migrations: MIGRATIONS,
            consumes: None,
        };
        let host = ServiceHost::build(settings, spec).await?;
        Ok(Application { host })
    }

    /// Creates the database if missing and runs its pending migrations, under the
    /// migration lock, then returns: `llo-intake migrate` (the init container).
    pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
        host::migrate(settings, MIGRATIONS).await
    }

    pub fn port(&self) -> u16 {
        self.host.port()
    }

    /// Serves until `shutdown` is cancelled; the relay publishes what is left first.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let context = Context {
            pool: self.host.pool().clone(),
            packs: self.host.packs().clone(),
        };
        let server = IntakeServiceServer::new(IntakeApi::new(context))
            .max_decoding_message_size(llo_chassis::server::MAX_MESSAGE_BYTES);
        let routes = tonic::service::Routes::new(server);
        self.host.run(routes, shutdown).await
    }
}
