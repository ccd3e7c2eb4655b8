//! Builds the reporting service on the chassis host: it consumes every event of the
//! suite and publishes none.
use std::sync::Arc;

use llo_chassis::{
    ServiceName, Settings,
    host::{self, Consumes, ServiceHost, ServiceSpec},
};
use llo_proto::reporting::v1::reporting_service_server::ReportingServiceServer;
use tokio_util::sync::CancellationToken;

use crate::{
    access,
    api::{Context, ReportingApi},
    handlers,
    store::MIGRATIONS,
};

pub const SERVICE: ServiceName = ServiceName::Reporting;
pub const GRPC_SERVICE_NAME: &str = "llo.reporting.v1.ReportingService";

/// A built service, its port bound, its queue declared, ready to run.
pub struct Application {
    host: ServiceHost,
}

impl Application {
    /// Creates and migrates the database, loads the packs, declares the queue, binds the port.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let spec = ServiceSpec {
            service: SERVICE,
            grpc_service_name: GRPC_SERVICE_NAME,
            policy: access::POLICY,
            migrations: MIGRATIONS,
            consumes: Some(Consumes {
                reactions: |packs| Arc::new(handlers::reactions(packs)),
            }),
        };
        Ok(Application {
            host: ServiceHost::build(settings, spec).await?,
        })
    }

    /// Creates the database if missing and runs its pending migrations, under the
    /// migration lock, then returns: `llo-reporting migrate` (the init container).
    pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
        host::migrate(settings, MIGRATIONS).await
    }

    pub fn port(&self) -> u16 {
        self.host.port()
    }

    /// Serves until `shutdown`; the consumer stops between events.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let context = Context {
            pool: self.host.pool().clone(),
            packs: self.host.packs().clone(),
        };
        let routes = tonic::service::Routes::new(
            ReportingServiceServer::new(ReportingApi::new(context))
                .max_decoding_message_size(llo_chassis::server::MAX_MESSAGE_BYTES),
        );
        self.host.run(routes, shutdown).await
    }
}
