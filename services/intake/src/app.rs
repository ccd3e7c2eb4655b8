//! Builds the intake service from its settings: database, packs, relay, gRPC server.
use llo_chassis::{
    ServiceName, Settings,
    auth::{Authenticator, Gate},
    bus::{Topology, relay::Relay},
    db,
    packs::Packs,
    server::{self, Readiness, ServeParts},
};
use llo_proto::intake::v1::intake_service_server::IntakeServiceServer;
use tokio::net::TcpListener;
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
    settings: Settings,
    listener: TcpListener,
    port: u16,
    context: Context,
    relay: Relay,
    gate: Gate,
    readiness: Readiness,
}

impl Application {
    /// Creates and migrates the database, loads the packs, binds the port.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let packs = Packs::load(&settings.packs.dir)?;
        let gate = Gate {
            authenticator: Authenticator::from_settings(&settings.auth)?,
            policy: access::POLICY,
            reflection_public: settings.grpc.reflection,
        };
        let pool = db::connect(&settings.database, MIGRATIONS).await?;
        let readiness = Readiness::default();
        let topology = Topology::for_service(&settings.amqp, SERVICE.as_str(), &[]);
        let declared = topology.clone();
        let relay = Relay::from_settings(
            &settings,
            pool.clone(),
            topology,
            SERVICE.as_str(),
            readiness.clone(),
        );
        llo_chassis::bus::declare_now(
            secrecy::ExposeSecret::expose_secret(&settings.amqp.url),
            &declared,
        )
        .await;
        let listener = server::bind(settings.grpc.address).await?;
        let port = listener.local_addr()?.port();
        Ok(Application {
            settings,
            listener,
            port,
            context: Context { pool, packs },
            relay,
            gate,
            readiness,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` is cancelled; the relay publishes what is left first.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let pool = self.context.pool.clone();
        let routes =
            tonic::service::Routes::new(IntakeServiceServer::new(IntakeApi::new(self.context)));
        tracing::info!(port = self.port, "intake serving");
        let parts = ServeParts {
            listener: self.listener,
            routes,
            service_name: GRPC_SERVICE_NAME,
            gate: self.gate,
            pool,
            readiness: self.readiness,
            shutdown: shutdown.clone(),
        };
        let workers = vec![Box::pin(self.relay.run(shutdown)) as _];
        server::run_service(&self.settings, parts, workers).await
    }
}
