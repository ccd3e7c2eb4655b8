//! The intake service on the chassis host: it publishes, it consumes nothing.
use diesel_migrations::EmbeddedMigrations;
use llo_chassis::{
    ServiceName,
    auth::AccessPolicy,
    host::{self, Service, ServiceHost},
};
use llo_proto::intake::v1::intake_service_server::IntakeServiceServer;

use crate::{
    access,
    api::{Context, IntakeApi},
    store::MIGRATIONS,
};

/// The intake service, as the chassis hosts it.
pub struct Intake;

pub const SERVICE: ServiceName = ServiceName::Intake;
/// Its full gRPC name, for health.
pub const GRPC_SERVICE_NAME: &str =
    <IntakeServiceServer<IntakeApi> as tonic::server::NamedService>::NAME;

/// The service built and bound, ready to run.
pub type Application = host::Application<Intake>;

impl Service for Intake {
    const NAME: ServiceName = SERVICE;
    const POLICY: AccessPolicy = access::POLICY;
    const MIGRATIONS: EmbeddedMigrations = MIGRATIONS;
    type Server = IntakeServiceServer<IntakeApi>;

    fn routes(host: &ServiceHost) -> tonic::service::Routes {
        let context = Context {
            pool: host.pool().clone(),
            packs: host.packs().clone(),
        };
        tonic::service::Routes::new(
            IntakeServiceServer::new(IntakeApi::new(context))
                .max_decoding_message_size(llo_chassis::server::MAX_MESSAGE_BYTES),
        )
    }
}
