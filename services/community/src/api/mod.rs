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
use tonic::{Request, Response, Status};
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

#[tonic::async_trait]
impl CommunityService for CommunityApi {
    async fn register_partner(
        &self,
        request: Request<pb::RegisterPartnerRequest>,
    ) -> Result<Response<pb::RegisterPartnerResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, members::register_partner)
    }

    async fn list_members(
        &self,
        request: Request<pb::ListMembersRequest>,
    ) -> Result<Response<pb::ListMembersResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, members::list)
    }

    async fn get_member(
        &self,
        request: Request<pb::GetMemberRequest>,
    ) -> Result<Response<pb::GetMemberResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, members::get)
    }

    async fn schedule_workshop(
        &self,
        request: Request<pb::ScheduleWorkshopRequest>,
    ) -> Result<Response<pb::ScheduleWorkshopResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, workshops::schedule)
    }

    async fn get_workshop(
        &self,
        request: Request<pb::GetWorkshopRequest>,
    ) -> Result<Response<pb::GetWorkshopResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, workshops::get)
    }

    async fn list_workshops(
        &self,
        request: Request<pb::ListWorkshopsRequest>,
    ) -> Result<Response<pb::ListWorkshopsResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, workshops::list)
    }

    async fn cancel_workshop(
        &self,
        request: Request<pb::CancelWorkshopRequest>,
    ) -> Result<Response<pb::CancelWorkshopResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, workshops::cancel)
    }

    async fn register_for_workshop(
        &self,
        request: Request<pb::RegisterForWorkshopRequest>,
    ) -> Result<Response<pb::RegisterForWorkshopResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, registrations::register)
    }

    async fn cancel_registration(
        &self,
        request: Request<pb::CancelRegistrationRequest>,
    ) -> Result<Response<pb::CancelRegistrationResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, registrations::cancel)
    }

    async fn list_registrations(
        &self,
        request: Request<pb::ListRegistrationsRequest>,
    ) -> Result<Response<pb::ListRegistrationsResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, registrations::list)
    }

    async fn record_attendance(
        &self,
        request: Request<pb::RecordAttendanceRequest>,
    ) -> Result<Response<pb::RecordAttendanceResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, registrations::record_attendance)
    }

    async fn submit_workshop_feedback(
        &self,
        request: Request<pb::SubmitWorkshopFeedbackRequest>,
    ) -> Result<Response<pb::SubmitWorkshopFeedbackResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, registrations::submit_feedback)
    }

    async fn publish_knowledge_item(
        &self,
        request: Request<pb::PublishKnowledgeItemRequest>,
    ) -> Result<Response<pb::PublishKnowledgeItemResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, knowledge::publish)
    }

    async fn search_knowledge(
        &self,
        request: Request<pb::SearchKnowledgeRequest>,
    ) -> Result<Response<pb::SearchKnowledgeResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, knowledge::search)
    }
}
