//! The community service on the chassis host: it publishes, and it reacts to
//! intake's events (organisations become members, participants become known, erasure).
use llo_proto::community::v1::community_service_server::CommunityServiceServer;

use crate::api::CommunityApi;

llo_chassis::hosted_service! {
    /// The community service, as the chassis hosts it.
    Community: Community, CommunityServiceServer<CommunityApi>,
    reactions = crate::handlers::subscriptions
}
