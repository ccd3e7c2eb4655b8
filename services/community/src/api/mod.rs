//! gRPC ↔ domain for CommunityService. Each method runs its work to the end on its own
//! task (see `llo_chassis::call`), as the caller proven by the auth gate.
pub mod commands;
pub mod knowledge;
pub mod mapping;
pub mod members;
pub mod registrations;
pub mod workshops;

use std::sync::Arc;

use llo_chassis::{ApiError, auth::Caller, db::PgPool, packs::Packs, paging::Page};
use llo_proto::community::v1::{self as pb, community_service_server::CommunityService};
use uuid::Uuid;

use crate::store::{members::MemberRow, workshops::WorkshopRow};

/// What every handler needs.
pub struct Context {
    pub pool: PgPool,
    pub packs: Packs,
}

impl Context {
    /// The installation requests are read against.
    pub fn installation(&self) -> commands::Installation<'_> {
        commands::Installation(&self.packs)
    }
}

#[derive(Clone)]
pub struct CommunityApi {
    ctx: Arc<Context>,
}

impl CommunityApi {
    pub fn new(ctx: Context) -> Self {
        Self { ctx: Arc::new(ctx) }
    }
}

/// The member, if it exists in a region the caller may see; otherwise NOT_FOUND.
pub async fn visible_member(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<MemberRow, ApiError> {
    match crate::store::members::find(conn, id).await? {
        Some(row) if caller.may_see_region(&row.region) => Ok(row),
        _ => Err(ApiError::not_found(format!("member {id}"))),
    }
}

/// The workshop, if the caller may see its region; `lock` holds its row until the
/// transaction ends.
pub async fn visible_workshop(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    lock: bool,
) -> Result<WorkshopRow, ApiError> {
    let row = if lock {
        crate::store::workshops::find_for_update(conn, id).await?
    } else {
        crate::store::workshops::find(conn, id).await?
    };
    match row {
        Some(row) if caller.may_see_region(&row.region) => Ok(row),
        _ => Err(ApiError::not_found(format!("workshop {id}"))),
    }
}

/// Paging by position (for orders that are not by id: arrival, relevance): the
/// chassis' page token carries a 16-byte value, here the position as a number.
pub fn position_after(page: &Page) -> Result<Option<i64>, ApiError> {
    page.after
        .map(|token| {
            i64::try_from(token.as_u128())
                .map_err(|_| ApiError::invalid("page_token", "is not a token this service issued"))
        })
        .transpose()
}

pub fn position_token(position: i64) -> Uuid {
    Uuid::from_u128(u128::try_from(position).unwrap_or(0))
}

llo_chassis::grpc_service! {
    impl CommunityService for CommunityApi {
        fn register_partner(pb::RegisterPartnerRequest) -> pb::RegisterPartnerResponse = members::register_partner;
        fn list_members(pb::ListMembersRequest) -> pb::ListMembersResponse = members::list;
        fn get_member(pb::GetMemberRequest) -> pb::GetMemberResponse = members::get;
        fn schedule_workshop(pb::ScheduleWorkshopRequest) -> pb::ScheduleWorkshopResponse = workshops::schedule;
        fn get_workshop(pb::GetWorkshopRequest) -> pb::GetWorkshopResponse = workshops::get;
        fn list_workshops(pb::ListWorkshopsRequest) -> pb::ListWorkshopsResponse = workshops::list;
        fn cancel_workshop(pb::CancelWorkshopRequest) -> pb::CancelWorkshopResponse = workshops::cancel;
        fn register_for_workshop(pb::RegisterForWorkshopRequest) -> pb::RegisterForWorkshopResponse = registrations::register;
        fn cancel_registration(pb::CancelRegistrationRequest) -> pb::CancelRegistrationResponse = registrations::cancel;
        fn list_registrations(pb::ListRegistrationsRequest) -> pb::ListRegistrationsResponse = registrations::list;
        fn record_attendance(pb::RecordAttendanceRequest) -> pb::RecordAttendanceResponse = registrations::record_attendance;
        fn submit_workshop_feedback(pb::SubmitWorkshopFeedbackRequest) -> pb::SubmitWorkshopFeedbackResponse = registrations::submit_feedback;
        fn publish_knowledge_item(pb::PublishKnowledgeItemRequest) -> pb::PublishKnowledgeItemResponse = knowledge::publish;
        fn search_knowledge(pb::SearchKnowledgeRequest) -> pb::SearchKnowledgeResponse = knowledge::search;
    }
}
