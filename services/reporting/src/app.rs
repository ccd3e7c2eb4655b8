//! The reporting service on the chassis host: it consumes every event of the suite
//! and publishes none.
use std::sync::Arc;

use diesel_migrations::EmbeddedMigrations;
use llo_chassis::{
    ServiceName,
    auth::AccessPolicy,
    host::{self, Consumes, Service, ServiceHost},
};
use llo_proto::reporting::v1::reporting_service_server::ReportingServiceServer;

use crate::{
    access,
    api::{Context, ReportingApi},
    handlers,
    store::MIGRATIONS,
};

/// The reporting service, as the chassis hosts it.
pub struct Reporting;

pub const SERVICE: ServiceName = ServiceName::Reporting;
/// Its full gRPC name, for health.
pub const GRPC_SERVICE_NAME: &str =
    <ReportingServiceServer<ReportingApi> as tonic::server::NamedService>::NAME;

/// The service built and bound, ready to run.
pub type Application = host::Application<Reporting>;

impl Service for Reporting {
    const NAME: ServiceName = SERVICE;
    const POLICY: AccessPolicy = access::POLICY;
    const MIGRATIONS: EmbeddedMigrations = MIGRATIONS;
    type Server = ReportingServiceServer<ReportingApi>;

    fn consumes() -> Option<Consumes> {
        Some(Consumes {
            reactions: |packs| Arc::new(handlers::reactions(packs)),
        })
    }

    fn routes(host: &ServiceHost) -> tonic::service::Routes {
        let context = Context {
            pool: host.pool().clone(),
            packs: host.packs().clone(),
        };
        tonic::service::Routes::new(
            ReportingServiceServer::new(ReportingApi::new(context))
                .max_decoding_message_size(llo_chassis::server::MAX_MESSAGE_BYTES),
        )
    }
}
