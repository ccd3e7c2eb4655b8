use chrono::Utc;
use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Refused, Violations,
    auth::Caller,
    bus::record,
    idempotency::{self, RequestKey},
    packs::SectorPack,
};
use llo_proto::intake::v1 as pb;

use super::{Context, mapping, parse_id, visible_organisation};
use crate::{
    domain::{
        commands::{CompleteAssessment, StartAssessment, SubmitResponse},
        model::{AssessmentStatus, Round},
        scan, scoring,
    },
    events,
    store::{
        assessments::{self, AssessmentRow, StoredResults},
        participants,
    },
};

fn sector_pack<'a>(ctx: &'a Context, sector: &str) -> Result<&'a SectorPack, ApiError> {
    ctx.packs.sector(sector).map(|p| p.as_ref()).ok_or_else(|| {
        ApiError::precondition(
            "SECTOR_PACK_MISSING",
            format!("the sector pack {sector:?} is not installed"),
        )
    })
}

/// A stored status the code does not know is a fault to report, never a silent default.
fn stored_status(text: &str) -> Result<AssessmentStatus, ApiError> {
    AssessmentStatus::parse(text).ok_or_else(|| {
        ApiError::Unexpected(anyhow::anyhow!("stored scan status {text:?} is unknown"))
    })
}

pub async fn start(
    ctx: &Context,
    caller: &Caller,
    request: pb::StartAssessmentRequest,
) -> Result<pb::StartAssessmentResponse, ApiError> {
    let key = RequestKey::new(caller, "StartAssessment", &request.request_id, &request)?;
    let StartAssessment {
        organisation_id,
        round,
    } = request.try_into()?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let organisation = visible_organisation(conn, caller, organisation_id).await?;
            let pack = sector_pack(ctx, &organisation.sector)?;
            let same_round = assessments::find_round(conn, organisation_id, round).await?;
            let baseline = assessments::find_round(conn, organisation_id, Round::Baseline).await?;
            scan::may_start(
                round,
                same_round
                    .as_ref()
                    .map(|s| stored_status(&s.status))
                    .transpose()?,
                baseline
                    .as_ref()
                    .map(|s| stored_status(&s.status))
                    .transpose()?,
            )
            .map_err(|refusal| match &same_round {
                Some(existing) => ApiError::from(Refused {
                    message: format!("{}: {}", refusal.message, existing.id),
                    ..refusal
                }),
                None => refusal.into(),
            })?;
            let row = assessments::insert(conn, organisation_id, round, &organisation.sector)
                .await
                .map_err(|e| {
                    ApiError::from_insert(e, "a concurrent request started this scan; retry")
                })?;
            Ok(pb::StartAssessmentResponse {
                assessment: Some(mapping::assessment(&row, Some(pack), 0)),
            })
        })
        .await
    })
    .await
}

pub async fn submit(
    ctx: &Context,
    caller: &Caller,
    request: pb::SubmitAssessmentResponseRequest,
) -> Result<pb::SubmitAssessmentResponseResponse, ApiError> {
    let key = RequestKey::new(
        caller,
        "SubmitAssessmentResponse",
        &request.request_id,
        &request,
    )?;
    let SubmitResponse {
        assessment_id,
        participant_id,
        answers,
    } = request.try_into()?;
    let key = key.map(|key| key.about(participant_id));
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let scan = assessments::find_for_update(conn, assessment_id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("assessment {assessment_id}")))?;
            let organisation = visible_organisation(conn, caller, scan.organisation_id)
                .await
                .map_err(|e| {
                    e.when_not_found(|| ApiError::not_found(format!("assessment {assessment_id}")))
                })?;
            scan::may_answer(stored_status(&scan.status)?)?;
            let pack = sector_pack(ctx, &scan.sector)?;
            let mut violations = Violations::new();
            match participants::find_for_update(conn, participant_id).await? {
                Some(p) if p.organisation_id != organisation.id => violations.add(
                    "participant_id",
                    "the participant does not belong to the scan's organisation",
                ),
                Some(p) if p.erased_at.is_some() => {
                    violations.add("participant_id", "the participant was erased")
                }
                Some(_) => {}
                None => violations.add("participant_id", "no such participant"),
            }
            scoring::check_answers(pack, &answers, &mut violations);
            violations.into_result()?;
            if assessments::has_responded(conn, assessment_id, participant_id).await? {
                return Err(ApiError::exists(
                    "RESPONSE_ALREADY_SUBMITTED",
                    "this participant already answered this scan",
                ));
            }
            let response_id =
                assessments::insert_response(conn, assessment_id, participant_id, &answers)
                    .await
                    .map_err(|e| {
                        ApiError::from_insert(
                            e,
                            "a concurrent request submitted this response; retry",
                        )
                    })?;
            let count = assessments::response_count(conn, assessment_id).await?;
            Ok(pb::SubmitAssessmentResponseResponse {
                response_id: response_id.to_string(),
                assessment_id: assessment_id.to_string(),
                response_count: count as i32,
            })
        })
        .await
    })
    .await
}

pub async fn complete(
    ctx: &Context,
    caller: &Caller,
    request: pb::CompleteAssessmentRequest,
) -> Result<pb::CompleteAssessmentResponse, ApiError> {
    let key = RequestKey::new(caller, "CompleteAssessment", &request.request_id, &request)?;
    let CompleteAssessment {
        assessment_id,
        priority_needs,
        completed_at,
    } = request.try_into()?;
    let needs: Vec<String> = priority_needs
        .into_iter()
        .map(|n| n.into_string())
        .collect();
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let scan = assessments::find_for_update(conn, assessment_id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("assessment {assessment_id}")))?;
            let organisation = visible_organisation(conn, caller, scan.organisation_id)
                .await
                .map_err(|e| {
                    e.when_not_found(|| ApiError::not_found(format!("assessment {assessment_id}")))
                })?;
            let pack = sector_pack(ctx, &scan.sector)?;
            let responses = assessments::answers(conn, assessment_id).await?;
            scan::may_complete(stored_status(&scan.status)?, responses.len())?;
            let scores = scoring::score(pack, &responses);
            let weakest = scoring::weakest(pack, &scores)
                .into_iter()
                .map(|s| s.dimension_id)
                .collect();
            let results = StoredResults {
                priority_themes: scoring::priority_themes(pack, &scores, &needs),
                scores,
            };
            let completed_at = match completed_at {
                Some(at) => ctx
                    .packs
                    .within_calendar(&organisation.region, "complete_time", at)?,
                None => Utc::now(),
            };
            let row =
                assessments::complete(conn, assessment_id, &needs, &results, completed_at).await?;
            let round = Round::parse(&row.round).ok_or_else(|| {
                ApiError::Unexpected(anyhow::anyhow!("stored round {:?} is unknown", row.round))
            })?;
            let event = events::needs_assessment_completed(&events::CompletedScan {
                assessment_id,
                organisation: &organisation,
                round,
                scores: &results.scores,
                weakest,
                needs: &needs,
                respondents: responses.len() as i32,
                completed_at,
            });
            record(conn, &event).await?;
            Ok(pb::CompleteAssessmentResponse {
                assessment: Some(mapping::assessment(
                    &row,
                    Some(pack),
                    responses.len() as i64,
                )),
            })
        })
        .await
    })
    .await
}

pub async fn get(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetAssessmentRequest,
) -> Result<pb::GetAssessmentResponse, ApiError> {
    let assessment_id = parse_id("assessment_id", &request.assessment_id)?;
    let mut conn = ctx.pool.get().await?;
    let row: AssessmentRow = assessments::find(&mut conn, assessment_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("assessment {assessment_id}")))?;
    visible_organisation(&mut conn, caller, row.organisation_id)
        .await
        .map_err(|e| {
            e.when_not_found(|| ApiError::not_found(format!("assessment {assessment_id}")))
        })?;
    let count = assessments::response_count(&mut conn, assessment_id).await?;
    let pack = ctx.packs.sector(&row.sector).map(|p| p.as_ref());
    Ok(pb::GetAssessmentResponse {
        assessment: Some(mapping::assessment(&row, pack, count)),
    })
}
