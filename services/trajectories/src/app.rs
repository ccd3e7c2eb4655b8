//! Builds the trajectories service: database, packs, relay, consumer, gRPC server.
use std::sync::Arc;

use llo_chassis::{
    ServiceName, Settings,
    auth::{Authenticator, Gate},
    bus::{Topology, consumer::Consumer, relay::Relay},
    db,
    packs::Packs,
    server::{self, Readiness, ServeParts},
};
use llo_proto::trajectories::v1::trajectory_service_server::TrajectoryServiceServer;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    access,
    api::{Context, TrajectoryApi},
    handlers::{Reactions, SUBSCRIPTIONS},
    store::MIGRATIONS,
};

pub const SERVICE: ServiceName = ServiceName::Trajectories;
pub const GRPC_SERVICE_NAME: &str = "llo.trajectories.v1.TrajectoryService";

pub struct Application {
    settings: Settings,
    listener: TcpListener,
    port: u16,
    context: Context,
    relay: Relay,
    consumer: Consumer,
    gate: Gate,
    readiness: Readiness,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let packs = Packs::load(&settings.packs.dir)?;
        let gate = Gate {
            authenticator: Authenticator::from_settings(&settings.auth)?,
            policy: access::POLICY,
            reflection_public: settings.grpc.reflection,
        };
        let pool = db::connect(&settings.database, MIGRATIONS).await?;
        let readiness = Readiness::with_consumer();
        let topology = Topology::for_service(&settings.amqp, SERVICE.as_str(), SUBSCRIPTIONS);
        let declared = topology.clone();
        let relay = Relay::from_settings(
            &settings,
            pool.clone(),
            topology.clone(),
            SERVICE.as_str(),
            readiness.clone(),
        );
        let reactions = Arc::new(Reactions {
            packs: packs.clone(),
        });
        let consumer = Consumer::from_settings(
            &settings,
            pool.clone(),
            topology,
            reactions,
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
            consumer,
            gate,
            readiness,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let pool = self.context.pool.clone();
        let routes = tonic::service::Routes::new(TrajectoryServiceServer::new(TrajectoryApi::new(
            self.context,
        )));
        tracing::info!(port = self.port, "trajectories serving");
        let parts = ServeParts {
            listener: self.listener,
            routes,
            service_name: GRPC_SERVICE_NAME,
            gate: self.gate,
            pool,
            readiness: self.readiness,
            shutdown: shutdown.clone(),
        };
        let workers = vec![
            Box::pin(self.relay.run(shutdown.clone())) as _,
            Box::pin(self.consumer.run(shutdown)) as _,
        ];
        server::run_service(&self.settings, parts, workers).await
    }
}
