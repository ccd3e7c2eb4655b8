//! RebuildReadModels: empties every read model and applies reporting's copy of the
//! events again, in a fixed order (occur time, then event id), in one transaction.
//! Because the read models do not depend on order or repetition, the figures come
//! out as they were.
use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError,
    auth::Caller,
    bus::HandleError,
    idempotency::{self, RequestKey},
};
use llo_proto::reporting::v1 as pb;

use super::Context;
use crate::{domain::queries::RebuildReadModels, projection, store::copy};

const BATCH: i64 = 1000;

fn failed(error: HandleError) -> ApiError {
    ApiError::Unexpected(anyhow::anyhow!("rebuild: {error}"))
}

/// A rebuild empties every region's read models at once, so only a programme manager
/// of the whole installation may start it, not one of a single region.
fn covers_every_region(ctx: &Context, caller: &Caller) -> Result<(), ApiError> {
    let mut missing: Vec<&str> = ctx
        .packs
        .regions
        .keys()
        .map(String::as_str)
        .filter(|r| !caller.may_see_region(r))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort_unstable();
    Err(ApiError::denied(format!(
        "a rebuild empties every region's read models: the token must cover every region of \
         this installation, and lacks {}",
        missing.join(", ")
    )))
}

pub async fn rebuild(
    ctx: &Context,
    caller: &Caller,
    request: pb::RebuildReadModelsRequest,
) -> Result<pb::RebuildReadModelsResponse, ApiError> {
    let key = RequestKey::new(caller, "RebuildReadModels", &request.request_id, &request);
    let RebuildReadModels = RebuildReadModels::try_from(request)?;
    let key = key?;
    covers_every_region(ctx, caller)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            copy::truncate_read_models(conn).await?;
            let mut applied = 0i64;
            let mut after = None;
            loop {
                let page = copy::page_after(conn, after, BATCH).await?;
                for event in &page {
                    let decoded =
                        projection::decode(&event.routing_key, &event.payload).map_err(failed)?;
                    projection::apply(conn, &decoded, event.occur_time)
                        .await
                        .map_err(failed)?;
                    applied += 1;
                }
                match page.last() {
                    Some(last) if page.len() as i64 == BATCH => {
                        after = Some((last.occur_time, last.event_id));
                    }
                    _ => break,
                }
            }
            tracing::info!(events = applied, "read models rebuilt");
            Ok(pb::RebuildReadModelsResponse {
                events_applied: applied,
                organisations: copy::count(conn, "rm_organisations").await?,
                participants: copy::count(conn, "rm_participants").await?,
                assessments: copy::count(conn, "rm_scans").await?,
                trajectories: copy::count(conn, "rm_trajectories").await?,
                learning_activities: copy::count(conn, "rm_learning_activities").await?,
                funding_allocations: copy::count(conn, "rm_funding_allocations").await?,
                workshops: copy::count(conn, "rm_workshops").await?,
                registrations: copy::count(conn, "rm_registrations").await?,
                knowledge_items: copy::count(conn, "rm_knowledge_items").await?,
            })
        })
        .await
    })
    .await
}
