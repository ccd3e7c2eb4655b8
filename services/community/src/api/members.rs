use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError,
    auth::Caller,
    bus::record,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::community::v1 as pb;
use uuid::Uuid;

use super::{Context, mapping, visible_member};
use crate::{
    domain::{commands::RegisterPartner, model::MemberType},
    events,
    store::members::{self, NewMember},
};

pub async fn register_partner(
    ctx: &Context,
    caller: &Caller,
    request: pb::RegisterPartnerRequest,
) -> Result<pb::RegisterPartnerResponse, ApiError> {
    let key = RequestKey::new(caller, "RegisterPartner", &request.request_id, &request);
    let command = RegisterPartner::try_from((request, ctx.installation()))?;
    let key = key?;
    caller.require_region(&command.region)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let new = NewMember {
                id: Uuid::now_v7(),
                region: &command.region,
                member_type: command.member_type.as_str(),
                name: &command.name,
                organisation_id: None,
                sector: None,
                contact_role: Some(&command.contact_role),
            };
            let row = members::insert(conn, &new)
                .await?
                .ok_or_else(|| ApiError::Unavailable("member id collision; retry".into()))?;
            record(conn, &events::member_joined(&row)).await?;
            Ok(pb::RegisterPartnerResponse {
                member: Some(mapping::member(&row)),
            })
        })
        .await
    })
    .await
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListMembersRequest,
) -> Result<pb::ListMembersResponse, ApiError> {
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let member_type = match request.member_type {
        0 => None,
        value => Some(
            mapping::member_type_from_proto(value)
                .ok_or_else(|| ApiError::invalid("member_type", "is not a member type"))?,
        ),
    };
    let regions = caller.listing_regions(&request.region)?;
    let mut conn = ctx.pool.get().await?;
    let rows = members::list(
        &mut conn,
        members::ListFilter {
            regions,
            member_type: member_type.map(MemberType::as_str),
            after: page.after,
            limit: page.fetch_limit(),
        },
    )
    .await?;
    let (rows, next_page_token) = page.finish(rows, |r| r.id);
    Ok(pb::ListMembersResponse {
        members: rows.iter().map(mapping::member).collect(),
        next_page_token,
    })
}

pub async fn get(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetMemberRequest,
) -> Result<pb::GetMemberResponse, ApiError> {
    let id = llo_chassis::fields::parse_id("member_id", &request.member_id)?;
    let mut conn = ctx.pool.get().await?;
    let row = visible_member(&mut conn, caller, id).await?;
    Ok(pb::GetMemberResponse {
        member: Some(mapping::member(&row)),
    })
}
