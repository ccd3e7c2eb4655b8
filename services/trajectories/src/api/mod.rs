//! gRPC ↔ domain for TrajectoryService. Each method runs to its end on its own task,
//! as the caller the auth gate admitted.
pub mod books;
pub mod books_requests;
pub mod catalogue;
pub mod coaches;
pub mod commands;
pub mod enrolments;
pub mod funding;
pub mod invoices;
pub mod mapping;
pub mod offerings;
pub mod plans;
pub mod skills;
pub mod statement;
pub mod trajectories;

use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use llo_chassis::{
    ApiError,
    auth::Caller,
    db::PgPool,
    fields::check_id,
    packs::{LearningThemes, Packs, Skills},
};
use llo_proto::trajectories::v1::{self as pb, trajectory_service_server::TrajectoryService};
use uuid::Uuid;

use crate::store::{
    plans::{self as plan_store, PlanRow},
    trajectories as trajectory_store,
};

#[derive(Clone)]
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

/// What a request about a participant's plan may name: the learning themes and skills of
/// the company's sector pack, or of every sector of the plan's region while trajectories
/// has not heard of the company yet.
pub struct PlanTerms {
    pub themes: LearningThemes,
    pub skills: Skills,
}

/// The plan's terms; `None` when the id is malformed or the plan is not there for the
/// caller: the request is then refused by parsing or by the lookup after it.
pub async fn plan_terms(
    ctx: &Context,
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    participant_id: &str,
) -> Result<Option<PlanTerms>, ApiError> {
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
        Some(sector) => PlanTerms {
            themes: LearningThemes::of([&*sector]),
            skills: Skills::of(&ctx.packs, [&*sector]),
        },
        None => PlanTerms {
            themes: LearningThemes::of_region(&ctx.packs, &plan.region).unwrap_or_default(),
            skills: Skills::of_region(&ctx.packs, &plan.region).unwrap_or_default(),
        },
    }))
}

llo_chassis::grpc_service! {
    impl TrajectoryService for TrajectoryApi {
        fn get_trajectory(pb::GetTrajectoryRequest) -> pb::GetTrajectoryResponse = trajectories::get;
        fn list_trajectories(pb::ListTrajectoriesRequest) -> pb::ListTrajectoriesResponse = trajectories::list;
        fn assign_coach(pb::AssignCoachRequest) -> pb::AssignCoachResponse = trajectories::assign_coach;
        fn register_coach(pb::RegisterCoachRequest) -> pb::RegisterCoachResponse = coaches::register;
        fn list_coaches(pb::ListCoachesRequest) -> pb::ListCoachesResponse = coaches::list;
        fn plan_intervention(pb::PlanInterventionRequest) -> pb::PlanInterventionResponse = trajectories::plan_intervention;
        fn start_trajectory(pb::StartTrajectoryRequest) -> pb::StartTrajectoryResponse = trajectories::start;
        fn complete_trajectory(pb::CompleteTrajectoryRequest) -> pb::CompleteTrajectoryResponse = trajectories::complete;
        fn cancel_trajectory(pb::CancelTrajectoryRequest) -> pb::CancelTrajectoryResponse = trajectories::cancel;
        fn record_coaching_session(pb::RecordCoachingSessionRequest) -> pb::RecordCoachingSessionResponse = trajectories::record_coaching_session;
        fn get_development_plan(pb::GetDevelopmentPlanRequest) -> pb::GetDevelopmentPlanResponse = plans::get;
        fn add_learning_goal(pb::AddLearningGoalRequest) -> pb::AddLearningGoalResponse = plans::add_goal;
        fn plan_learning_activity(pb::PlanLearningActivityRequest) -> pb::PlanLearningActivityResponse = plans::plan_activity;
        fn complete_learning_activity(pb::CompleteLearningActivityRequest) -> pb::CompleteLearningActivityResponse = plans::complete_activity;
        fn allocate_funding(pb::AllocateFundingRequest) -> pb::AllocateFundingResponse = funding::allocate;
        fn set_project_participant(pb::SetProjectParticipantRequest) -> pb::SetProjectParticipantResponse = books::set_participant;
        fn get_project_plan(pb::GetProjectPlanRequest) -> pb::GetProjectPlanResponse = books::plan;
        fn record_hours(pb::RecordHoursRequest) -> pb::RecordHoursResponse = books::record;
        fn review_hours(pb::ReviewHoursRequest) -> pb::ReviewHoursResponse = books::review;
        fn reverse_hours(pb::ReverseHoursRequest) -> pb::ReverseHoursResponse = books::reverse;
        fn lock_period(pb::LockPeriodRequest) -> pb::LockPeriodResponse = books::lock;
        fn list_time_entries(pb::ListTimeEntriesRequest) -> pb::ListTimeEntriesResponse = books::list;
        fn record_invoice(pb::RecordInvoiceRequest) -> pb::RecordInvoiceResponse = invoices::record;
        fn review_invoice(pb::ReviewInvoiceRequest) -> pb::ReviewInvoiceResponse = invoices::review;
        fn list_invoices(pb::ListInvoicesRequest) -> pb::ListInvoicesResponse = invoices::list;
        fn get_realisation(pb::GetRealisationRequest) -> pb::GetRealisationResponse = books::realisation;
        fn get_budget(pb::GetBudgetRequest) -> pb::GetBudgetResponse = funding::budget;
        fn publish_course_offering(pb::PublishCourseOfferingRequest) -> pb::PublishCourseOfferingResponse = offerings::publish;
        fn list_course_offerings(pb::ListCourseOfferingsRequest) -> pb::ListCourseOfferingsResponse = offerings::list;
        fn search_skills(pb::SearchSkillsRequest) -> pb::SearchSkillsResponse = skills::search;
        download fn export_statement(pb::ExportStatementRequest) -> ExportStatementStream of pb::ExportStatementResponse = statement::export;
        upload fn import_course_offerings(pb::ImportCourseOfferingsRequest) -> pb::ImportCourseOfferingsResponse = offerings::import;
        fn register_catalogue_source(pb::RegisterCatalogueSourceRequest) -> pb::RegisterCatalogueSourceResponse = catalogue::register;
        fn sync_catalogue(pb::SyncCatalogueRequest) -> pb::SyncCatalogueResponse = catalogue::sync;
        fn list_catalogue_sources(pb::ListCatalogueSourcesRequest) -> pb::ListCatalogueSourcesResponse = catalogue::list;
    }
}
