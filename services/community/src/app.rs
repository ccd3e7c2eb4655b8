//! The community service on the chassis host: it publishes, and it reacts to
//! intake's events (organisations become members, participants become known, erasure).
use std::sync::Arc;

use diesel_migrations::EmbeddedMigrations;
use llo_chassis::{
    ServiceName,
    auth::AccessPolicy,
    host::{self, Consumes, Service, ServiceHost},
};
use llo_proto::community::v1::community_service_server::CommunityServiceServer;

use crate::{
    access,
    api::{CommunityApi, Context},
    handlers,
    store::MIGRATIONS,
};

/// The community service, as the chassis hosts it.
pub struct Community;

pub const SERVICE: ServiceName = ServiceName::Community;
/// Its full gRPC name, for health.
pub const GRPC_SERVICE_NAME: &str =
    <CommunityServiceServer<CommunityApi> as tonic::server::NamedService>::NAME;

/// The service built and bound, ready to run.
pub type Application = host::Application<Community>;

impl Service for Community {
    const NAME: ServiceName = SERVICE;
    const POLICY: AccessPolicy = access::POLICY;
    const MIGRATIONS: EmbeddedMigrations = MIGRATIONS;
    type Server = CommunityServiceServer<CommunityApi>;

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
            CommunityServiceServer::new(CommunityApi::new(context))
                .max_decoding_message_size(llo_chassis::server::MAX_MESSAGE_BYTES),
        )
    }
}
