//! The coach registry: RegisterCoach and ListCoaches.
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError,
    auth::Caller,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use super::{Context, mapping};
use crate::{
    domain::{coaches::regions_after_registration, commands::RegisterCoach},
    store::coaches::{self as store, CoachRow},
};

/// Open trajectory ids shown per coach; the count covers the rest.
const MAX_TRAJECTORY_IDS: usize = 100;

pub async fn register(
    ctx: &Context,
    caller: &Caller,
    request: pb::RegisterCoachRequest,
) -> Result<pb::RegisterCoachResponse, ApiError> {
    let key = RequestKey::new(caller, "RegisterCoach", &request.request_id, &request)?;
    let command = RegisterCoach::parse(request, &ctx.packs)?;
    for region in &command.regions {
        caller.require_region(region)?;
    }
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let existing = store::by_subject_for_update(conn, &command.coach_id).await?;
            let now = Utc::now();
            let regions = regions_after_registration(
                existing.as_ref().map_or(&[][..], |c| &c.regions),
                &command.regions,
                |region| caller.may_see_region(region),
            );
            let row = CoachRow {
                id: existing.as_ref().map_or_else(Uuid::now_v7, |c| c.id),
                subject: command.coach_id.as_str().to_owned(),
                name: command.name.as_str().to_owned(),
                organisation_name: command.organisation_name.as_str().to_owned(),
                email: command.email.as_ref().map(|e| e.as_str().to_owned()),
                regions,
                registered_at: existing.as_ref().map_or(now, |c| c.registered_at),
                updated_at: now,
            };
            let saved = store::save(conn, &row).await?;
            let shown = with_open_trajectories(conn, caller, vec![saved]).await?;
            Ok(pb::RegisterCoachResponse {
                coach: shown.into_iter().next(),
            })
        })
        .await
    })
    .await
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListCoachesRequest,
) -> Result<pb::ListCoachesResponse, ApiError> {
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let regions = caller.listing_regions(&request.region)?;
    let mut conn = ctx.pool.get().await?;
    let rows = store::list(&mut conn, &regions, page.after, page.fetch_limit()).await?;
    let (rows, next_page_token) = page.finish(rows, |c| c.id);
    Ok(pb::ListCoachesResponse {
        coaches: with_open_trajectories(&mut conn, caller, rows).await?,
        next_page_token,
    })
}

/// The coaches as the API shows them, each with its open trajectories in the caller's
/// regions (one query for the page).
async fn with_open_trajectories(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    rows: Vec<CoachRow>,
) -> Result<Vec<pb::Coach>, ApiError> {
    let subjects: Vec<&str> = rows.iter().map(|c| c.subject.as_str()).collect();
    let regions: Vec<&str> = caller.regions.iter().map(String::as_str).collect();
    let open = store::open_trajectories(conn, &subjects, &regions).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let ids: Vec<&Uuid> = open
                .iter()
                .filter(|(subject, _)| *subject == row.subject)
                .map(|(_, id)| id)
                .collect();
            mapping::coach(row, &ids, MAX_TRAJECTORY_IDS)
        })
        .collect())
}
