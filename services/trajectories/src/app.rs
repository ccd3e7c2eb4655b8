//! The trajectories service on the chassis host: it publishes, and it reacts to
//! intake's and community's events.
use std::sync::Arc;

use diesel_migrations::EmbeddedMigrations;
use llo_chassis::{
    ServiceName,
    auth::AccessPolicy,
    host::{self, Consumes, Service, ServiceHost},
};
use llo_proto::trajectories::v1::trajectory_service_server::TrajectoryServiceServer;

use crate::{
    access,
    api::{Context, TrajectoryApi},
    handlers,
    store::MIGRATIONS,
};

/// The trajectories service, as the chassis hosts it.
pub struct Trajectories;

pub const SERVICE: ServiceName = ServiceName::Trajectories;
/// Its full gRPC name, for health.
pub const GRPC_SERVICE_NAME: &str =
    <TrajectoryServiceServer<TrajectoryApi> as tonic::server::NamedService>::NAME;

/// The service built and bound, ready to run.
pub type Application = host::Application<Trajectories>;

impl Service for Trajectories {
    const NAME: ServiceName = SERVICE;
    const POLICY: AccessPolicy = access::POLICY;
    const MIGRATIONS: EmbeddedMigrations = MIGRATIONS;
    type Server = TrajectoryServiceServer<TrajectoryApi>;

    fn consumes() -> Option<Consumes> {
        Some(Consumes {
            reactions: |packs| Arc::new(handlers::subscriptions(packs)),
        })
    }

    fn routes(host: &ServiceHost) -> tonic::service::Routes {
        let context = Context {
            pool: host.pool().clone(),
            packs: host.packs().clone(),
        };
        tonic::service::Routes::new(
            TrajectoryServiceServer::new(TrajectoryApi::new(context))
                .max_decoding_message_size(llo_chassis::server::MAX_MESSAGE_BYTES),
        )
    }
}
