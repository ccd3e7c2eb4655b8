//! The trajectories service on the chassis host: it publishes, and it reacts to
//! intake's and community's events.
use llo_proto::trajectories::v1::trajectory_service_server::TrajectoryServiceServer;

use crate::api::TrajectoryApi;

llo_chassis::hosted_service! {
    /// The trajectories service, as the chassis hosts it.
    Trajectories: Trajectories, TrajectoryServiceServer<TrajectoryApi>,
    reactions = crate::handlers::subscriptions,
    workers = workers
}

/// Beside serving: the schools' catalogues synced over OOAPI on a schedule.
fn workers(
    host: &llo_chassis::host::ServiceHost,
    shutdown: tokio_util::sync::CancellationToken,
) -> Vec<llo_chassis::host::Worker> {
    let Some(every) = host.settings().catalogue.sync_every() else {
        return Vec::new();
    };
    let ctx = crate::api::Context {
        pool: host.pool().clone(),
        packs: host.packs().clone(),
    };
    vec![Box::pin(crate::api::catalogue::sync_on_schedule(
        ctx, every, shutdown,
    ))]
}
