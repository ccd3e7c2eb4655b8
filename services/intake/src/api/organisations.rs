use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError,
    auth::Caller,
    bus::record,
    fields::non_empty,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::intake::v1 as pb;
use uuid::Uuid;

use super::{Context, commands, mapping, parse_id, visible_organisation};
use crate::{events, store::organisations};

pub async fn register(
    ctx: &Context,
    caller: &Caller,
    request: pb::RegisterOrganisationRequest,
) -> Result<pb::RegisterOrganisationResponse, ApiError> {
    let key = RequestKey::new(
        caller,
        "RegisterOrganisation",
        &request.request_id,
        &request,
    )?;
    let draft = commands::register_organisation(&request, &ctx.packs)?;
    caller.require_region(&draft.region)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            if let Some(existing) =
                organisations::find_by_kvk(conn, &draft.region, draft.kvk_number.as_str()).await?
            {
                return Err(ApiError::exists(
                    "ORGANISATION_ALREADY_REGISTERED",
                    format!(
                        "KvK number {} is already registered in {} as organisation {}",
                        draft.kvk_number.as_str(),
                        draft.region,
                        existing.id
                    ),
                ));
            }
            let row = organisations::insert(conn, Uuid::now_v7(), &draft)
                .await
                .map_err(|e| {
                    super::conflict(
                        e,
                        "organisations_region_kvk",
                        "ORGANISATION_ALREADY_REGISTERED",
                        "the KvK number is already registered in this region",
                    )
                })?;
            record(conn, &events::organisation_registered(&row)).await?;
            Ok(pb::RegisterOrganisationResponse {
                organisation: Some(mapping::organisation(&row)),
            })
        })
        .await
    })
    .await
}

pub async fn get(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetOrganisationRequest,
) -> Result<pb::GetOrganisationResponse, ApiError> {
    let id = parse_id("organisation_id", &request.organisation_id)?;
    let mut conn = ctx.pool.get().await?;
    let row = visible_organisation(&mut conn, caller, id).await?;
    Ok(pb::GetOrganisationResponse {
        organisation: Some(mapping::organisation(&row)),
    })
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListOrganisationsRequest,
) -> Result<pb::ListOrganisationsResponse, ApiError> {
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let regions = caller.listing_regions(&request.region)?;
    // A company role sees its own organisation only.
    let only = caller.own_organisation();
    let mut conn = ctx.pool.get().await?;
    let rows = organisations::list(
        &mut conn,
        organisations::ListFilter {
            regions,
            sector: non_empty(&request.sector),
            only,
            after: page.after,
            limit: page.fetch_limit(),
        },
    )
    .await?;
    let (rows, next_page_token) = page.finish(rows, |r| r.id);
    Ok(pb::ListOrganisationsResponse {
        organisations: rows.iter().map(mapping::organisation).collect(),
        next_page_token,
    })
}
