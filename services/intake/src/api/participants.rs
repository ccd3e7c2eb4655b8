use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Violations,
    auth::Caller,
    bus::record,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::{common::v1 as common, intake::v1 as pb};
use uuid::Uuid;

use super::{
    Context, mapping, parse_id, visible_organisation, visible_participant,
    visible_participant_for_update,
};
use crate::{
    domain::{model::ParticipantDraft, validation},
    events,
    store::{
        self, learning_needs,
        participants::{self, NewParticipant, Origin},
    },
};

pub const MAX_NEEDS: usize = 20;
pub const MAX_THEME: usize = 100;

/// Reads the participant fields shared by enrolment and import.
pub fn draft(
    given_name: String,
    family_name: String,
    email: String,
    role: i32,
    job_title: String,
    consent_given: bool,
    source: i32,
    uwv_reference: String,
    violations: &mut Violations,
) -> ParticipantDraft {
    let source = mapping::source_from_proto(source).unwrap_or_else(|_| {
        violations.add("source", "unknown source");
        None
    });
    ParticipantDraft {
        given_name,
        family_name,
        email,
        role: mapping::role_from_proto(role),
        job_title,
        consent_given,
        source,
        uwv_reference,
    }
}

pub async fn enrol(
    ctx: &Context,
    caller: &Caller,
    request: pb::EnrolParticipantRequest,
) -> Result<pb::EnrolParticipantResponse, ApiError> {
    // Taken before the fields move into the draft; a bad request_id is reported below
    // with the other fields.
    let key = RequestKey::new(caller, "EnrolParticipant", &request.request_id, &request);
    let mut violations = Violations::new();
    violations.check("request_id", validation::request_id(&request.request_id));
    let organisation_id = validation::id(&request.organisation_id);
    if let Err(description) = &organisation_id {
        violations.add("organisation_id", description.clone());
    }
    let draft = draft(
        request.given_name,
        request.family_name,
        request.email,
        request.role,
        request.job_title,
        request.consent_given,
        request.source,
        request.uwv_reference,
        &mut violations,
    );
    let valid = validation::participant(&draft, &mut violations);
    violations.into_result()?;
    let (Ok(organisation_id), Some(valid)) = (organisation_id, valid) else {
        return Err(ApiError::invalid("request", "is invalid"));
    };
    let key = key?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let organisation = visible_organisation(conn, caller, organisation_id).await?;
            if participants::email_taken(conn, organisation_id, &valid.email).await? {
                return Err(ApiError::exists(
                    "PARTICIPANT_ALREADY_ENROLLED",
                    "this e-mail address is already enrolled in the organisation",
                ));
            }
            let new =
                NewParticipant::new(Uuid::now_v7(), organisation_id, &valid, &Origin::default());
            let row = participants::insert(conn, &[new])
                .await
                .map_err(conflict)?
                .remove(0);
            // The stored answer holds the person's name: their erasure must forget it.
            idempotency::concerns(conn, key.as_ref(), row.id).await?;
            let event = events::participant_enrolled(&row, &organisation.region);
            record(conn, &organisation.region, &event).await?;
            Ok(pb::EnrolParticipantResponse {
                participant: Some(mapping::participant(&row)),
            })
        })
        .await
    })
    .await
}

fn conflict(error: diesel::result::Error) -> ApiError {
    match store::unique_violation(&error) {
        Some("participants_email") => ApiError::exists(
            "PARTICIPANT_ALREADY_ENROLLED",
            "this e-mail address is already enrolled in the organisation",
        ),
        Some(_) => ApiError::Unavailable(
            "a concurrent request with the same request_id is in progress".into(),
        ),
        None => error.into(),
    }
}

pub async fn get(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetParticipantRequest,
) -> Result<pb::GetParticipantResponse, ApiError> {
    let id = parse_id("participant_id", &request.participant_id)?;
    let mut conn = ctx.pool.get().await?;
    let (row, _) = visible_participant(&mut conn, caller, id).await?;
    Ok(pb::GetParticipantResponse {
        participant: Some(mapping::participant(&row)),
    })
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListParticipantsRequest,
) -> Result<pb::ListParticipantsResponse, ApiError> {
    let organisation_id = parse_id("organisation_id", &request.organisation_id)?;
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let mut conn = ctx.pool.get().await?;
    visible_organisation(&mut conn, caller, organisation_id).await?;
    let rows =
        participants::list(&mut conn, organisation_id, page.after, page.fetch_limit()).await?;
    let (rows, next_page_token) = page.finish(rows, |r| r.id);
    Ok(pb::ListParticipantsResponse {
        participants: rows.iter().map(mapping::participant).collect(),
        next_page_token,
    })
}

pub async fn record_learning_needs(
    ctx: &Context,
    caller: &Caller,
    request: pb::RecordLearningNeedsRequest,
) -> Result<pb::RecordLearningNeedsResponse, ApiError> {
    let mut violations = Violations::new();
    violations.check("request_id", validation::request_id(&request.request_id));
    let participant_id = validation::id(&request.participant_id);
    if let Err(description) = &participant_id {
        violations.add("participant_id", description.clone());
    }
    if request.needs.is_empty() {
        violations.add("needs", "record at least one learning need");
    } else if request.needs.len() > MAX_NEEDS {
        violations.add("needs", format!("at most {MAX_NEEDS} needs in one call"));
    }
    for (index, need) in request.needs.iter().enumerate() {
        violations.check(
            format!("needs[{index}].theme"),
            validation::required_text(&need.theme, MAX_THEME),
        );
        violations.check(
            format!("needs[{index}].description"),
            validation::required_text(&need.description, validation::MAX_TEXT),
        );
    }
    violations.into_result()?;
    let Ok(participant_id) = participant_id else {
        return Err(ApiError::invalid("participant_id", "is not a valid id"));
    };
    let needs: Vec<(String, String)> = request
        .needs
        .iter()
        .map(|n| (n.theme.trim().to_owned(), n.description.trim().to_owned()))
        .collect();
    let key = RequestKey::new(caller, "RecordLearningNeeds", &request.request_id, &request)?
        .map(|key| key.about(participant_id));
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let (participant, organisation) =
                visible_participant_for_update(conn, caller, participant_id).await?;
            if participant.erased_at.is_some() {
                return Err(ApiError::precondition(
                    "PARTICIPANT_ERASED",
                    "the participant was erased",
                ));
            }
            let rows = learning_needs::insert(conn, participant_id, None, &needs).await?;
            let event = events::learning_needs_recorded(&participant, &organisation.region, &rows);
            record(conn, &organisation.region, &event).await?;
            Ok(pb::RecordLearningNeedsResponse {
                participant_id: participant_id.to_string(),
                needs: rows
                    .iter()
                    .map(|n| common::LearningNeed {
                        need_id: n.id.to_string(),
                        theme: n.theme.clone(),
                        description: n.description.clone(),
                    })
                    .collect(),
            })
        })
        .await
    })
    .await
}

pub async fn erase(
    ctx: &Context,
    caller: &Caller,
    request: pb::EraseParticipantRequest,
) -> Result<pb::EraseParticipantResponse, ApiError> {
    let participant_id = parse_id("participant_id", &request.participant_id)?;
    let mut violations = Violations::new();
    violations.check(
        "reason",
        validation::optional_text(&request.reason, validation::MAX_TEXT),
    );
    violations.into_result()?;
    let key = RequestKey::new(caller, "EraseParticipant", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let (participant, organisation) =
                visible_participant_for_update(conn, caller, participant_id).await?;
            let answer = |at| pb::EraseParticipantResponse {
                participant_id: participant_id.to_string(),
                erase_time: Some(mapping::timestamp(at)),
            };
            // Erasing twice is a no-op: same answer, no second event.
            if let Some(at) = participant.erased_at {
                return Ok(answer(at));
            }
            let at =
                participants::erase(conn, &participant, &caller.subject, request.reason.trim())
                    .await?;
            // Answers kept for retries of earlier calls about this person go too.
            idempotency::forget_about(conn, participant_id).await?;
            let event = events::participant_erased(&participant, &organisation.region, at);
            record(conn, &organisation.region, &event).await?;
            Ok(answer(at))
        })
        .await
    })
    .await
}
