use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Violations,
    auth::Caller,
    bus::record,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::community::v1 as pb;
use uuid::Uuid;

use super::{Context, check_request_id, listing_regions, mapping, named_region, visible_member};
use crate::{
    domain::{model::MemberType, rules},
    events,
    store::members::{self, NewMember},
};

pub async fn register_partner(
    ctx: &Context,
    caller: &Caller,
    request: pb::RegisterPartnerRequest,
) -> Result<pb::RegisterPartnerResponse, ApiError> {
    let mut violations = Violations::new();
    check_request_id(&request.request_id, &mut violations);
    let region = ctx.region_field(&request.region, &mut violations);
    let member_type = mapping::member_type_from_proto(request.member_type);
    match member_type {
        None => violations.add("member_type", "is required"),
        Some(MemberType::Company) => violations.add(
            "member_type",
            "companies join through intake (RegisterOrganisation), not as partners",
        ),
        Some(_) => {}
    }
    violations.require_text("name", &request.name, rules::MAX_NAME);
    violations.require_text("contact_role", &request.contact_role, rules::MAX_NAME);
    violations.into_result()?;
    let Some(member_type) = member_type else {
        return Err(ApiError::invalid("member_type", "is required"));
    };
    named_region(caller, &region)?;
    let key = RequestKey::new(caller, "RegisterPartner", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let new = NewMember {
                id: Uuid::now_v7(),
                region: &region,
                member_type: member_type.as_str(),
                name: request.name.trim(),
                organisation_id: None,
                sector: None,
                contact_role: Some(request.contact_role.trim()),
            };
            let row = members::insert(conn, &new)
                .await?
                .ok_or_else(|| ApiError::Unavailable("member id collision; retry".into()))?;
            record(conn, &row.region, &events::member_joined(&row)).await?;
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
    let regions = listing_regions(caller, &request.region)?;
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
