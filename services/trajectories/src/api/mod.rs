//! gRPC ↔ domain for TrajectoryService. Each method runs to its end on its own task,
//! as the caller the auth gate admitted.
pub mod books;
pub mod books_requests;
pub mod coaches;
pub mod commands;
pub mod funding;
pub mod invoices;
pub mod mapping;
pub mod offerings;
pub mod plans;
pub mod statement;
pub mod trajectories;

use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use llo_chassis::{
    ApiError,
    auth::{self, Caller},
    db::PgPool,
    fields::check_id,
    packs::{LearningThemes, Packs},
};
use llo_proto::trajectories::v1::{self as pb, trajectory_service_server::TrajectoryService};
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::store::{
    plans::{self as plan_store, PlanRow},
    trajectories as trajectory_store,
};

pub struct Context {
    pub pool: PgPool,
    pub packs: Packs,
}

#[derive(Clone)]
pub struct TrajectoryApi {
    ctx: Arc<Context>,
}

impl TrajectoryApi {
    pub fn new(ctx: Context) -> Self {
        Self { ctx: Arc::new(ctx) }
    }
}

pub use llo_chassis::fields::{optional_id, parse_id};

/// The participant's plan, if the caller may see it; NOT_FOUND otherwise.
pub async fn visible_plan(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    participant_id: Uuid,
) -> Result<PlanRow, ApiError> {
    let plan = plan_store::by_participant(conn, participant_id).await?;
    visible(caller, participant_id, plan)
}

/// As `visible_plan`, locked until the transaction ends: for writes, which must not
/// interleave with an erasure's purge.
pub async fn visible_plan_for_update(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    participant_id: Uuid,
) -> Result<PlanRow, ApiError> {
    let plan = plan_store::by_participant_for_update(conn, participant_id).await?;
    visible(caller, participant_id, plan)
}

fn visible(
    caller: &Caller,
    participant_id: Uuid,
    plan: Option<PlanRow>,
) -> Result<PlanRow, ApiError> {
    match plan {
        Some(plan)
            if caller.may_see_organisation(&plan.region, &plan.organisation_id.to_string()) =>
        {
            Ok(plan)
        }
        _ => Err(ApiError::not_found(format!(
            "development plan of participant {participant_id}"
        ))),
    }
}

/// The learning themes a request about a participant's plan may name: those of the
/// company's sector pack, or of every sector of the plan's region while trajectories has
/// not heard of the company yet. `None` when the id is malformed or the plan is not
/// there for the caller: the request is then refused by parsing or by the lookup after it.
pub async fn plan_themes(
    ctx: &Context,
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    participant_id: &str,
) -> Result<Option<LearningThemes>, ApiError> {
    let Ok(participant_id) = check_id(participant_id) else {
        return Ok(None);
    };
    let plan = match visible_plan(conn, caller, participant_id).await {
        Ok(plan) => plan,
        Err(ApiError::NotFound(_)) => return Ok(None),
        Err(other) => return Err(other),
    };
    let organisation = trajectory_store::find_organisation(conn, plan.organisation_id).await?;
    let sector = organisation.and_then(|o| ctx.packs.sector(&o.sector).cloned());
    Ok(Some(match sector {
        Some(sector) => LearningThemes::of([&*sector]),
        None => LearningThemes::of_region(&ctx.packs, &plan.region).unwrap_or_default(),
    }))
}

#[tonic::async_trait]
impl TrajectoryService for TrajectoryApi {
    async fn get_trajectory(
        &self,
        request: Request<pb::GetTrajectoryRequest>,
    ) -> Result<Response<pb::GetTrajectoryResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, trajectories::get)
    }

    async fn list_trajectories(
        &self,
        request: Request<pb::ListTrajectoriesRequest>,
    ) -> Result<Response<pb::ListTrajectoriesResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, trajectories::list)
    }

    async fn assign_coach(
        &self,
        request: Request<pb::AssignCoachRequest>,
    ) -> Result<Response<pb::AssignCoachResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, trajectories::assign_coach)
    }

    async fn register_coach(
        &self,
        request: Request<pb::RegisterCoachRequest>,
    ) -> Result<Response<pb::RegisterCoachResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, coaches::register)
    }

    async fn list_coaches(
        &self,
        request: Request<pb::ListCoachesRequest>,
    ) -> Result<Response<pb::ListCoachesResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, coaches::list)
    }

    async fn plan_intervention(
        &self,
        request: Request<pb::PlanInterventionRequest>,
    ) -> Result<Response<pb::PlanInterventionResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, trajectories::plan_intervention)
    }

    async fn start_trajectory(
        &self,
        request: Request<pb::StartTrajectoryRequest>,
    ) -> Result<Response<pb::StartTrajectoryResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, trajectories::start)
    }

    async fn complete_trajectory(
        &self,
        request: Request<pb::CompleteTrajectoryRequest>,
    ) -> Result<Response<pb::CompleteTrajectoryResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, trajectories::complete)
    }

    async fn cancel_trajectory(
        &self,
        request: Request<pb::CancelTrajectoryRequest>,
    ) -> Result<Response<pb::CancelTrajectoryResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, trajectories::cancel)
    }

    async fn record_coaching_session(
        &self,
        request: Request<pb::RecordCoachingSessionRequest>,
    ) -> Result<Response<pb::RecordCoachingSessionResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, trajectories::record_coaching_session)
    }

    async fn get_development_plan(
        &self,
        request: Request<pb::GetDevelopmentPlanRequest>,
    ) -> Result<Response<pb::GetDevelopmentPlanResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, plans::get)
    }

    async fn add_learning_goal(
        &self,
        request: Request<pb::AddLearningGoalRequest>,
    ) -> Result<Response<pb::AddLearningGoalResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, plans::add_goal)
    }

    async fn plan_learning_activity(
        &self,
        request: Request<pb::PlanLearningActivityRequest>,
    ) -> Result<Response<pb::PlanLearningActivityResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, plans::plan_activity)
    }

    async fn complete_learning_activity(
        &self,
        request: Request<pb::CompleteLearningActivityRequest>,
    ) -> Result<Response<pb::CompleteLearningActivityResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, plans::complete_activity)
    }

    async fn allocate_funding(
        &self,
        request: Request<pb::AllocateFundingRequest>,
    ) -> Result<Response<pb::AllocateFundingResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, funding::allocate)
    }

    async fn set_project_participant(
        &self,
        request: Request<pb::SetProjectParticipantRequest>,
    ) -> Result<Response<pb::SetProjectParticipantResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, books::set_participant)
    }

    async fn get_project_plan(
        &self,
        request: Request<pb::GetProjectPlanRequest>,
    ) -> Result<Response<pb::GetProjectPlanResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, books::plan)
    }

    async fn record_hours(
        &self,
        request: Request<pb::RecordHoursRequest>,
    ) -> Result<Response<pb::RecordHoursResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, books::record)
    }

    async fn review_hours(
        &self,
        request: Request<pb::ReviewHoursRequest>,
    ) -> Result<Response<pb::ReviewHoursResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, books::review)
    }

    async fn reverse_hours(
        &self,
        request: Request<pb::ReverseHoursRequest>,
    ) -> Result<Response<pb::ReverseHoursResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, books::reverse)
    }

    async fn lock_period(
        &self,
        request: Request<pb::LockPeriodRequest>,
    ) -> Result<Response<pb::LockPeriodResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, books::lock)
    }

    async fn list_time_entries(
        &self,
        request: Request<pb::ListTimeEntriesRequest>,
    ) -> Result<Response<pb::ListTimeEntriesResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, books::list)
    }

    async fn record_invoice(
        &self,
        request: Request<pb::RecordInvoiceRequest>,
    ) -> Result<Response<pb::RecordInvoiceResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, invoices::record)
    }

    async fn review_invoice(
        &self,
        request: Request<pb::ReviewInvoiceRequest>,
    ) -> Result<Response<pb::ReviewInvoiceResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, invoices::review)
    }

    async fn list_invoices(
        &self,
        request: Request<pb::ListInvoicesRequest>,
    ) -> Result<Response<pb::ListInvoicesResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, invoices::list)
    }

    type ExportStatementStream = std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<pb::ExportStatementResponse, Status>> + Send>,
    >;

    async fn export_statement(
        &self,
        request: Request<pb::ExportStatementRequest>,
    ) -> Result<Response<Self::ExportStatementStream>, Status> {
        let caller = auth::caller(&request)?.clone();
        let ctx = self.ctx.clone();
        let message = request.into_inner();
        let chunks = llo_chassis::call::run_to_end(async move {
            statement::export(&ctx, &caller, message).await
        })
        .await?;
        Ok(Response::new(Box::pin(futures_util::stream::iter(
            chunks.into_iter().map(Ok),
        ))))
    }

    async fn get_realisation(
        &self,
        request: Request<pb::GetRealisationRequest>,
    ) -> Result<Response<pb::GetRealisationResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, books::realisation)
    }

    async fn get_budget(
        &self,
        request: Request<pb::GetBudgetRequest>,
    ) -> Result<Response<pb::GetBudgetResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, funding::budget)
    }

    async fn publish_course_offering(
        &self,
        request: Request<pb::PublishCourseOfferingRequest>,
    ) -> Result<Response<pb::PublishCourseOfferingResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, offerings::publish)
    }

    async fn list_course_offerings(
        &self,
        request: Request<pb::ListCourseOfferingsRequest>,
    ) -> Result<Response<pb::ListCourseOfferingsResponse>, Status> {
        llo_chassis::unary_call!(self.ctx, request, offerings::list)
    }

    async fn import_course_offerings(
        &self,
        request: Request<Streaming<pb::ImportCourseOfferingsRequest>>,
    ) -> Result<Response<pb::ImportCourseOfferingsResponse>, Status> {
        let caller = auth::caller(&request)?.clone();
        offerings::import(self.ctx.clone(), caller, request.into_inner())
            .await
            .map(Response::new)
    }
}
