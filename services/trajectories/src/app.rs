//! The trajectories service on the chassis host: it publishes, and it reacts to
//! intake's and community's events.
use llo_proto::trajectories::v1::trajectory_service_server::TrajectoryServiceServer;

use crate::api::TrajectoryApi;

llo_chassis::hosted_service! {
    /// The trajectories service, as the chassis hosts it.
    Trajectories: Trajectories, TrajectoryServiceServer<TrajectoryApi>,
    reactions = crate::handlers::subscriptions
}
