use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError,
    auth::Caller,
    bus::record,
    fields::check_id,
    idempotency::{self, RequestKey},
    packs::LearningThemes,
    paging::Page,
};
use llo_proto::{common::v1 as common, intake::v1 as pb};
use uuid::Uuid;

use super::{
    Context, mapping, parse_id, visible_organisation, visible_participant,
    visible_participant_for_update,
};
use crate::{
    domain::{
        commands::{EnrolParticipant, EraseParticipant, RecordLearningNeeds},
        participant,
    },
    events,
    store::{
        learning_needs,
        participants::{self, NewParticipant, Origin},
    },
};

pub async fn enrol(
    ctx: &Context,
    caller: &Caller,
    request: pb::EnrolParticipantRequest,
) -> Result<pb::EnrolParticipantResponse, ApiError> {
    let key = RequestKey::new(caller, "EnrolParticipant", &request.request_id, &request)?;
    let EnrolParticipant {
        organisation_id,
        participant,
    } = request.try_into()?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let organisation = visible_organisation(conn, caller, organisation_id).await?;
            // The unique index (organisation, lower(email)) among those not erased is
            // the check: one round trip less than asking first, and race-free.
            let new = NewParticipant::new(
                Uuid::now_v7(),
                organisation_id,
                &participant,
                &Origin::default(),
            );
            let row = participants::insert(conn, &[new])
                .await
                .map_err(|e| {
                    super::conflict(
                        e,
                        "participants_email",
                        "PARTICIPANT_ALREADY_ENROLLED",
                        "this e-mail address is already enrolled in the organisation",
                    )
                })?
                .remove(0);
            // The stored answer holds the person's name: their erasure must forget it.
            idempotency::concerns(conn, key.as_ref(), row.id).await?;
            let event = events::participant_enrolled(&row, &organisation.region);
            record(conn, &event).await?;
            Ok(pb::EnrolParticipantResponse {
                participant: Some(mapping::participant(&row)),
            })
        })
        .await
    })
    .await
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

/// The learning themes a participant's needs may have: those of their company's sector
/// pack (every sector of the region, should that pack be gone). `None` when the id is
/// malformed or the participant is not there for the caller: parsing or the lookup after
/// it refuses the request then.
async fn learning_themes(
    ctx: &Context,
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    participant_id: &str,
) -> Result<Option<LearningThemes>, ApiError> {
    let Ok(id) = check_id(participant_id) else {
        return Ok(None);
    };
    let organisation = match visible_participant(conn, caller, id).await {
        Ok((_, organisation)) => organisation,
        Err(ApiError::NotFound(_)) => return Ok(None),
        Err(other) => return Err(other),
    };
    Ok(Some(match ctx.packs.sector(&organisation.sector) {
        Some(sector) => LearningThemes::of([&**sector]),
        None => LearningThemes::of_region(&ctx.packs, &organisation.region).unwrap_or_default(),
    }))
}

pub async fn record_learning_needs(
    ctx: &Context,
    caller: &Caller,
    request: pb::RecordLearningNeedsRequest,
) -> Result<pb::RecordLearningNeedsResponse, ApiError> {
    let key = RequestKey::new(caller, "RecordLearningNeeds", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    let themes = learning_themes(ctx, &mut conn, caller, &request.participant_id).await?;
    let RecordLearningNeeds {
        participant_id,
        needs,
    } = RecordLearningNeeds::parse(request, themes.as_ref())?;
    let key = key.map(|key| key.about(participant_id));
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let (participant, organisation) =
                visible_participant_for_update(conn, caller, participant_id).await?;
            participant::may_record_about(participant.erased_at.is_some())?;
            let rows = learning_needs::insert(conn, participant_id, &needs).await?;
            let event = events::learning_needs_recorded(&participant, &organisation.region, &rows);
            record(conn, &event).await?;
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
    let key = RequestKey::new(caller, "EraseParticipant", &request.request_id, &request)?;
    let EraseParticipant {
        participant_id,
        reason,
    } = request.try_into()?;
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
                participants::erase(conn, &participant, &caller.subject, reason.as_str()).await?;
            // Answers kept for retries of earlier calls about this person go too.
            idempotency::forget_about(conn, participant_id).await?;
            // The issuer forgets whom it gave credentials; they stay valid for their holder.
            crate::store::credentials::forget_participant(conn, participant_id).await?;
            // Queued and sent notices go with their texts and address.
            crate::store::notices::forget_participant(conn, participant_id).await?;
            let event = events::participant_erased(&participant, &organisation.region, at);
            record(conn, &event).await?;
            Ok(answer(at))
        })
        .await
    })
    .await
}
