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

/// Beside serving: the schools' catalogues synced over OOAPI on a schedule, and the
/// places asked of schools sent and followed.
fn workers(
    host: &llo_chassis::host::ServiceHost,
    shutdown: tokio_util::sync::CancellationToken,
) -> Vec<llo_chassis::host::Worker> {
    let ctx = crate::api::Context {
        pool: host.pool().clone(),
        packs: host.packs().clone(),
    };
    let settings = &host.settings().catalogue;
    let mut workers: Vec<llo_chassis::host::Worker> = Vec::new();
    if let Some(every) = settings.sync_every() {
        workers.push(Box::pin(crate::api::catalogue::sync_on_schedule(
            ctx.clone(),
            every,
            shutdown.clone(),
        )));
    }
    if let Some(every) = settings.follow_enrolments_every() {
        workers.push(Box::pin(crate::api::enrolments::follow_on_schedule(
            ctx, every, shutdown,
        )));
    }
    workers
}
