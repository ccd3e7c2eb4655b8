//! gRPC ↔ domain for IntakeService. Each method runs its work to the end on its own
//! task (see `llo_chassis::call`), as the caller proven by the auth gate.
pub mod assessments;
pub mod commands;
pub mod credentials;
pub mod import;
pub mod mapping;
pub mod organisations;
pub mod participants;

use std::sync::Arc;

use llo_chassis::{ApiError, auth::Caller, db::PgPool, packs::Packs};
use llo_proto::intake::v1::{self as pb, intake_service_server::IntakeService};
use uuid::Uuid;

use crate::store::{organisations::OrganisationRow, participants::ParticipantRow};

/// What every handler needs.
pub struct Context {
    pub pool: PgPool,
    pub packs: Packs,
    /// The credential issuer's keys and URLs; `None` when `credentials.keys_dir` is unset.
    pub issuer: Option<Arc<crate::credentials::Issuer>>,
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

/// A write that broke a unique constraint: `constraint` is the entity that exists already
/// (ALREADY_EXISTS with `reason`); any other means a concurrent call with the same
/// request_id won the race, and the caller retries.
fn conflict(
    error: diesel::result::Error,
    constraint: &str,
    reason: &'static str,
    message: &str,
) -> ApiError {
    match crate::store::unique_violation(&error) {
        Some(name) if name == constraint => ApiError::exists(reason, message),
        Some(_) => ApiError::Unavailable(
            "a concurrent request with the same request_id is in progress".into(),
        ),
        None => error.into(),
    }
}

llo_chassis::grpc_service! {
    impl IntakeService for IntakeApi {
        fn register_organisation(pb::RegisterOrganisationRequest) -> pb::RegisterOrganisationResponse = organisations::register;
        fn get_organisation(pb::GetOrganisationRequest) -> pb::GetOrganisationResponse = organisations::get;
        fn list_organisations(pb::ListOrganisationsRequest) -> pb::ListOrganisationsResponse = organisations::list;
        fn enrol_participant(pb::EnrolParticipantRequest) -> pb::EnrolParticipantResponse = participants::enrol;
        fn get_participant(pb::GetParticipantRequest) -> pb::GetParticipantResponse = participants::get;
        fn list_participants(pb::ListParticipantsRequest) -> pb::ListParticipantsResponse = participants::list;
        fn start_assessment(pb::StartAssessmentRequest) -> pb::StartAssessmentResponse = assessments::start;
        fn submit_assessment_response(pb::SubmitAssessmentResponseRequest) -> pb::SubmitAssessmentResponseResponse = assessments::submit;
        fn complete_assessment(pb::CompleteAssessmentRequest) -> pb::CompleteAssessmentResponse = assessments::complete;
        fn get_assessment(pb::GetAssessmentRequest) -> pb::GetAssessmentResponse = assessments::get;
        fn record_learning_needs(pb::RecordLearningNeedsRequest) -> pb::RecordLearningNeedsResponse = participants::record_learning_needs;
        fn erase_participant(pb::EraseParticipantRequest) -> pb::EraseParticipantResponse = participants::erase;
        fn list_credentials(pb::ListCredentialsRequest) -> pb::ListCredentialsResponse = credentials::list;
        fn verify_credential(pb::VerifyCredentialRequest) -> pb::VerifyCredentialResponse = credentials::verify;
        fn revoke_credential(pb::RevokeCredentialRequest) -> pb::RevokeCredentialResponse = credentials::revoke;
        upload fn import_participants(pb::ImportParticipantsRequest) -> pb::ImportParticipantsResponse = import::import;
    }
}
