//! gRPC ↔ domain for IntakeService. Each method runs its work to the end on its own
//! task (see `llo_chassis::call`), as the caller proven by the auth gate.
pub mod assessments;
pub mod commands;
pub mod import;
pub mod mapping;
pub mod organisations;
pub mod participants;

use std::sync::Arc;

use llo_chassis::{
    ApiError,
    auth::{self, Caller},
    db::PgPool,
    packs::Packs,
};
use llo_proto::intake::v1::{self as pb, intake_service_server::IntakeService};
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::store::{organisations::OrganisationRow, participants::ParticipantRow};

/// What every handler needs.
pub struct Context {
    pub pool: PgPool,
    pub packs: Packs,
}

#[derive(Clone)]
pub struct IntakeApi {
    ctx: Arc<Context>,
}

impl IntakeApi {
    pub fn new(ctx: Context) -> Self {
        Self { ctx: Arc::new(ctx) }
    }
}

pub use llo_chassis::fields::parse_id;

/// The organisation, if it exists and the caller may see it; otherwise NOT_FOUND
/// (another region's or company's organisation is not revealed).
pub async fn visible_organisation(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<OrganisationRow, ApiError> {
    match crate::store::organisations::find(conn, id).await? {
        Some(row) if caller.may_see_organisation(&row.region, &row.id.to_string()) => Ok(row),
        _ => Err(ApiError::not_found(format!("organisation {id}"))),
    }
}

/// The participant and their organisation, if the caller may see them.
pub async fn visible_participant(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(ParticipantRow, OrganisationRow), ApiError> {
    let participant = crate::store::participants::find(conn, id).await?;
    visible(conn, caller, id, participant).await
}

/// As `visible_participant`, with the participant's row locked until the transaction
/// ends, for writes that must not interleave with an erasure.
pub async fn visible_participant_for_update(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(ParticipantRow, OrganisationRow), ApiError> {
    let participant = crate::store::participants::find_for_update(conn, id).await?;
    visible(conn, caller, id, participant).await
}

async fn visible(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    participant: Option<ParticipantRow>,
) -> Result<(ParticipantRow, OrganisationRow), ApiError> {
    let not_found = || ApiError::not_found(format!("participant {id}"));
    let participant = participant.ok_or_else(not_found)?;
    let organisation = visible_organisation(conn, caller, participant.organisation_id)
        .await
        .map_err(|e| e.when_not_found(not_found))?;
    Ok((participant, organisation))
}

#[tonic::async_trait]
impl IntakeService for IntakeApi {
    async fn register_organisation(
        &self,
        request: Request<pb::RegisterOrganisationRequest>,
    ) -> Result<Response<pb::RegisterOrganisationResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, organisations::register)
    }

    async fn get_organisation(
        &self,
        request: Request<pb::GetOrganisationRequest>,
    ) -> Result<Response<pb::GetOrganisationResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, organisations::get)
    }

    async fn list_organisations(
        &self,
        request: Request<pb::ListOrganisationsRequest>,
    ) -> Result<Response<pb::ListOrganisationsResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, organisations::list)
    }

    async fn enrol_participant(
        &self,
        request: Request<pb::EnrolParticipantRequest>,
    ) -> Result<Response<pb::EnrolParticipantResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, participants::enrol)
    }

    async fn get_participant(
        &self,
        request: Request<pb::GetParticipantRequest>,
    ) -> Result<Response<pb::GetParticipantResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, participants::get)
    }

    async fn list_participants(
        &self,
        request: Request<pb::ListParticipantsRequest>,
    ) -> Result<Response<pb::ListParticipantsResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, participants::list)
    }

    async fn import_participants(
        &self,
        request: Request<Streaming<pb::ImportParticipantsRequest>>,
    ) -> Result<Response<pb::ImportParticipantsResponse>, Status> {
        let caller = auth::caller(&request)?.clone();
        let stream = request.into_inner();
        import::import(self.ctx.clone(), caller, stream)
            .await
            .map(Response::new)
    }

    async fn start_assessment(
        &self,
        request: Request<pb::StartAssessmentRequest>,
    ) -> Result<Response<pb::StartAssessmentResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, assessments::start)
    }

    async fn submit_assessment_response(
        &self,
        request: Request<pb::SubmitAssessmentResponseRequest>,
    ) -> Result<Response<pb::SubmitAssessmentResponseResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, assessments::submit)
    }

    async fn complete_assessment(
        &self,
        request: Request<pb::CompleteAssessmentRequest>,
    ) -> Result<Response<pb::CompleteAssessmentResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, assessments::complete)
    }

    async fn get_assessment(
        &self,
        request: Request<pb::GetAssessmentRequest>,
    ) -> Result<Response<pb::GetAssessmentResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, assessments::get)
    }

    async fn record_learning_needs(
        &self,
        request: Request<pb::RecordLearningNeedsRequest>,
    ) -> Result<Response<pb::RecordLearningNeedsResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, participants::record_learning_needs)
    }

    async fn erase_participant(
        &self,
        request: Request<pb::EraseParticipantRequest>,
    ) -> Result<Response<pb::EraseParticipantResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, participants::erase)
    }
}
