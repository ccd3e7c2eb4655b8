//! Registrations, the wait list, attendance and feedback. Every change to a workshop's
//! registrations runs with the workshop's row locked, so seats are never overbooked and
//! the wait list keeps its order; every transition goes through
//! `domain::registration::apply`.
use chrono::Utc;
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use llo_chassis::{
    ApiError, Violations,
    auth::Caller,
    bus::{OutboxEvent, record, record_all},
    fields::check_id,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::community::v1 as pb;
use uuid::Uuid;

use super::{Context, mapping, position_after, position_token, visible_workshop};
use crate::{
    domain::{
        commands::{
            CancelRegistration, RecordAttendance, RegisterForWorkshop, SubmitWorkshopFeedback,
        },
        registration::{self, Status, Transition, may_give_feedback},
        rules,
        workshop::{may_record_attendance, may_register, passes_seat_on},
    },
    events,
    store::{
        self, members,
        registrations::{self as store_registrations, RegistrationRow},
        workshops::{self, WorkshopRow},
    },
};

/// The place of a wait-listed registration (1 = next); 0 when it is not waiting.
async fn position(conn: &mut AsyncPgConnection, row: &RegistrationRow) -> Result<usize, ApiError> {
    if row.status != Status::WaitListed {
        return Ok(0);
    }
    let waiting = store_registrations::waiting(conn, row.workshop_id).await?;
    Ok(waiting
        .iter()
        .position(|id| *id == row.id)
        .map_or(0, |p| p + 1))
}

pub async fn register(
    ctx: &Context,
    caller: &Caller,
    request: pb::RegisterForWorkshopRequest,
) -> Result<pb::RegisterForWorkshopResponse, ApiError> {
    let key = RequestKey::new(caller, "RegisterForWorkshop", &request.request_id, &request);
    let RegisterForWorkshop {
        workshop_id,
        participant_id,
    } = RegisterForWorkshop::try_from(request)?;
    let key = key?.map(|k| k.about(participant_id));
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let not_found = || ApiError::not_found(format!("participant {participant_id}"));
            // Participant first, then the workshop: the order every writer locks in.
            let participant = members::participant_for_update(conn, participant_id)
                .await?
                .filter(|p| {
                    p.erased_at.is_none()
                        && caller.may_see_organisation(&p.region, &p.organisation_id.to_string())
                })
                .ok_or_else(not_found)?;
            let workshop = visible_workshop(conn, caller, workshop_id, true).await?;
            may_register(
                workshop.facts(),
                Utc::now(),
                participant.region == workshop.region,
            )?;
            let existing = store_registrations::live_of(conn, workshop_id, participant_id).await?;
            registration::not_registered_yet(existing.map(|r| (r.id, r.status)))?;
            let occupancy = store_registrations::occupancy(
                conn,
                workshop_id,
                workshop.capacity,
                workshop.seats_per_company,
                participant.organisation_id,
            )
            .await?;
            let to = registration::apply(Status::Requested, registration::admit(occupancy))?;
            let row = store_registrations::insert(
                conn,
                workshop_id,
                participant_id,
                participant.organisation_id,
                to,
            )
            .await
            .map_err(|e| match store::unique_violation(&e) {
                // A concurrent registration won the race.
                Some("registrations_once") => ApiError::exists(
                    "ALREADY_REGISTERED",
                    "the participant is registered already",
                ),
                _ => e.into(),
            })?;
            let place = position(conn, &row).await?;
            record_all(
                conn,
                &[OutboxEvent::of(&events::registration_changed(
                    &workshop,
                    &row,
                    Status::Requested,
                    place,
                ))],
            )
            .await?;
            Ok(pb::RegisterForWorkshopResponse {
                registration: Some(mapping::registration(&row, place)),
            })
        })
        .await
    })
    .await
}

/// A cancellation and, when it frees a seat before the cut-off and the start, the
/// promotion of the first one waiting (whose company has a seat left), in the caller's
/// transaction, under the workshop's row lock. Records both events.
pub async fn cancel_and_promote(
    conn: &mut AsyncPgConnection,
    workshop: &WorkshopRow,
    registration: &RegistrationRow,
    reason: Option<&str>,
) -> Result<(RegistrationRow, Option<RegistrationRow>), ApiError> {
    let from = registration.status;
    let to = registration::apply(from, Transition::Cancel)?;
    let cancelled =
        store_registrations::set_status(conn, registration.id, to, reason, None).await?;
    let mut outbox = vec![OutboxEvent::of(&events::registration_changed(
        workshop, &cancelled, from, 0,
    ))];
    let mut promoted = None;
    if passes_seat_on(workshop.facts(), from, Utc::now())
        && let Some(next) = store_registrations::first_eligible_waiting(
            conn,
            workshop.id,
            workshop.seats_per_company,
        )
        .await?
    {
        let booked = registration::apply(next.status, Transition::Promote)?;
        let row = store_registrations::set_status(conn, next.id, booked, None, None).await?;
        outbox.push(OutboxEvent::of(&events::registration_changed(
            workshop,
            &row,
            next.status,
            0,
        )));
        promoted = Some(row);
    }
    record_all(conn, &outbox).await?;
    Ok((cancelled, promoted))
}

/// The registration, if the caller may see it (its workshop's region, and for a company
/// role its own company's); `lock` locks the workshop first and reads the registration
/// again under the lock.
async fn visible_registration(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    lock: bool,
) -> Result<(RegistrationRow, WorkshopRow), ApiError> {
    let not_found = || ApiError::not_found(format!("registration {id}"));
    let first = store_registrations::find(conn, id)
        .await?
        .ok_or_else(not_found)?;
    let workshop = visible_workshop(conn, caller, first.workshop_id, lock)
        .await
        .map_err(|e| e.when_not_found(not_found))?;
    if !caller.may_see_organisation(&workshop.region, &first.organisation_id.to_string()) {
        return Err(not_found());
    }
    let row = if lock {
        store_registrations::find(conn, id)
            .await?
            .ok_or_else(not_found)?
    } else {
        first
    };
    Ok((row, workshop))
}

pub async fn cancel(
    ctx: &Context,
    caller: &Caller,
    request: pb::CancelRegistrationRequest,
) -> Result<pb::CancelRegistrationResponse, ApiError> {
    let key = RequestKey::new(caller, "CancelRegistration", &request.request_id, &request);
    let command = CancelRegistration::try_from(request)?;
    let key = key?;
    let id = command.registration_id;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let (registration, workshop) = visible_registration(conn, caller, id, true).await?;
            if let Some(participant) = registration.participant_id {
                idempotency::concerns(conn, key.as_ref(), participant).await?;
            }
            let reason = command.reason.clone().non_empty();
            let (cancelled, promoted) =
                cancel_and_promote(conn, &workshop, &registration, reason.as_deref()).await?;
            Ok(pb::CancelRegistrationResponse {
                registration: Some(mapping::registration(&cancelled, 0)),
                promoted: promoted.map(|p| mapping::registration(&p, 0)),
            })
        })
        .await
    })
    .await
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListRegistrationsRequest,
) -> Result<pb::ListRegistrationsResponse, ApiError> {
    let mut violations = Violations::new();
    let workshop_id = check_id(&request.workshop_id)
        .map_err(|description| violations.add("workshop_id", description))
        .ok();
    let status = mapping::status_from_proto(request.status).unwrap_or_else(|_| {
        violations.add("status", "is not a registration status");
        None
    });
    let page = Page::from_request(request.page_size, &request.page_token);
    if let Err(ApiError::InvalidArgument(bad)) = &page {
        for v in bad {
            violations.add(v.field.clone(), v.description.clone());
        }
    }
    violations.into_result()?;
    let page = page?;
    let after = position_after(&page)?;
    let Some(workshop_id) = workshop_id else {
        return Err(ApiError::invalid("workshop_id", "is required"));
    };
    let mut conn = ctx.pool.get().await?;
    visible_workshop(&mut conn, caller, workshop_id, false).await?;
    let rows = store_registrations::list(
        &mut conn,
        store_registrations::ListFilter {
            workshop_id,
            status: status.map(Status::as_str),
            organisation_id: caller.own_organisation(),
            after_arrival: after,
            limit: page.fetch_limit(),
        },
    )
    .await?;
    let (rows, next_page_token) = page.finish(rows, |r| position_token(r.arrival));
    let waiting = store_registrations::waiting(&mut conn, workshop_id).await?;
    Ok(pb::ListRegistrationsResponse {
        registrations: rows
            .iter()
            .map(|r| {
                let place = if r.status == Status::WaitListed {
                    waiting
                        .iter()
                        .position(|id| *id == r.id)
                        .map_or(0, |p| p + 1)
                } else {
                    0
                };
                mapping::registration(r, place)
            })
            .collect(),
        next_page_token,
    })
}

pub async fn record_attendance(
    ctx: &Context,
    caller: &Caller,
    request: pb::RecordAttendanceRequest,
) -> Result<pb::RecordAttendanceResponse, ApiError> {
    let key = RequestKey::new(caller, "RecordAttendance", &request.request_id, &request);
    let RecordAttendance {
        registration_id: id,
        attendance,
        hours_attended,
    } = RecordAttendance::try_from(request)?;
    let key = key?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let (registration, workshop) = visible_registration(conn, caller, id, true).await?;
            may_record_attendance(workshop.facts(), Utc::now())?;
            let participant = registration::participant(registration.participant_id)?;
            idempotency::concerns(conn, key.as_ref(), participant).await?;
            let to = registration::apply(registration.status, Transition::Attend(attendance))?;
            let minutes =
                rules::minutes_attended(attendance, hours_attended, workshop.minutes())
                    .map_err(|description| ApiError::invalid("hours_attended", description))?;
            let row =
                store_registrations::set_status(conn, registration.id, to, None, Some(minutes))
                    .await?;
            record_all(
                conn,
                &[
                    OutboxEvent::of(&events::registration_changed(
                        &workshop,
                        &row,
                        registration.status,
                        0,
                    )),
                    OutboxEvent::of(&events::workshop_attended(&workshop, &row, attendance)),
                ],
            )
            .await?;
            Ok(pb::RecordAttendanceResponse {
                registration: Some(mapping::registration(&row, 0)),
            })
        })
        .await
    })
    .await
}

pub async fn submit_feedback(
    ctx: &Context,
    caller: &Caller,
    request: pb::SubmitWorkshopFeedbackRequest,
) -> Result<pb::SubmitWorkshopFeedbackResponse, ApiError> {
    let key = RequestKey::new(
        caller,
        "SubmitWorkshopFeedback",
        &request.request_id,
        &request,
    );
    let command = SubmitWorkshopFeedback::try_from(request)?;
    let key = key?;
    let id = command.registration_id;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let (registration, workshop) = visible_registration(conn, caller, id, false).await?;
            let participant = registration::participant(registration.participant_id)?;
            idempotency::concerns(conn, key.as_ref(), participant).await?;
            may_give_feedback(registration.status)?;
            let given = workshops::feedback_of(conn, registration.id).await?;
            registration::no_feedback_yet(given.is_some())?;
            let row = workshops::insert_feedback(
                conn,
                registration.id,
                workshop.id,
                command.rating,
                &command.comment,
            )
            .await
            .map_err(|e| match store::unique_violation(&e) {
                // A concurrent submission won the race.
                Some("feedback_once") => ApiError::from(registration::feedback_given()),
                _ => e.into(),
            })?;
            let event = events::feedback_submitted(&workshop, &registration, &row);
            record(conn, &event).await?;
            Ok(pb::SubmitWorkshopFeedbackResponse {
                feedback: Some(mapping::feedback(&row)),
            })
        })
        .await
    })
    .await
}
