use chrono::Utc;
use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Violations,
    auth::{Caller, Role},
    bus::{OutboxEvent, record, record_all},
    fields::{non_empty, optional_id, parse_id},
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::community::v1 as pb;
use uuid::Uuid;

use super::{Context, mapping, visible_member, visible_workshop};
use crate::{
    domain::{
        commands::{CancelWorkshop, ScheduleWorkshop},
        model::WorkshopStatus,
        registration::{self, Status, Transition},
        workshop::may_cancel,
    },
    events,
    store::{
        registrations,
        workshops::{self, NewWorkshop, WorkshopRow},
    },
};

pub async fn schedule(
    ctx: &Context,
    caller: &Caller,
    request: pb::ScheduleWorkshopRequest,
) -> Result<pb::ScheduleWorkshopResponse, ApiError> {
    let key = RequestKey::new(caller, "ScheduleWorkshop", &request.request_id, &request);
    let command = ScheduleWorkshop::try_from((request, ctx.installation()))?;
    let key = key?;
    let region = &command.region;
    caller.require_region(region)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let host = visible_member(conn, caller, command.host_member_id).await?;
            if &host.region != region {
                return Err(ApiError::not_found(format!(
                    "member {} in {region}",
                    host.id
                )));
            }
            let new = NewWorkshop {
                id: Uuid::now_v7(),
                region,
                theme: &command.theme,
                title: &command.title,
                description: &command.description,
                starts_at: command.starts_at,
                ends_at: command.ends_at,
                location: command.venue.location.as_deref(),
                online_url: command.venue.online_url.as_deref(),
                capacity: command.capacity,
                seats_per_company: command.seats_per_company,
                registration_closes_at: command.registration_closes_at,
                host_member_id: host.id,
                status: WorkshopStatus::Scheduled.as_str(),
                facilitator_ids: &command.facilitator_ids,
                already_held: command.already_held,
            };
            let row = workshops::insert(conn, &new).await?;
            record(conn, &events::workshop_scheduled(&row)).await?;
            Ok(pb::ScheduleWorkshopResponse {
                workshop: Some(mapping::workshop(&row, Default::default())),
            })
        })
        .await
    })
    .await
}

/// The workshop with its current figures, as `caller` may see them.
pub async fn with_figures(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    row: &WorkshopRow,
) -> Result<pb::Workshop, ApiError> {
    let figures = workshops::figures(conn, &[row.id]).await?;
    Ok(for_caller(
        caller,
        mapping::workshop(row, figures.get(&row.id).copied().unwrap_or_default()),
    ))
}

/// The ratings are for those who run the programme: one rating is one person's, and
/// polling the average as the count grows gives each new one, so company HR, integrators
/// and evaluators get neither the average nor the count (the report's feedback figure is
/// region-wide and anonymised).
fn for_caller(caller: &Caller, mut workshop: pb::Workshop) -> pb::Workshop {
    if !caller.has_any(&[Role::ProgrammeManager, Role::Coach]) {
        workshop.average_rating = 0.0;
        workshop.feedback_count = 0;
    }
    workshop
}

pub async fn get(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetWorkshopRequest,
) -> Result<pb::GetWorkshopResponse, ApiError> {
    let id = parse_id("workshop_id", &request.workshop_id)?;
    let mut conn = ctx.pool.get().await?;
    let row = visible_workshop(&mut conn, caller, id, false).await?;
    Ok(pb::GetWorkshopResponse {
        workshop: Some(with_figures(&mut conn, caller, &row).await?),
    })
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListWorkshopsRequest,
) -> Result<pb::ListWorkshopsResponse, ApiError> {
    let mut violations = Violations::new();
    let page = Page::from_request(request.page_size, &request.page_token);
    if let Err(ApiError::InvalidArgument(bad)) = &page {
        for v in bad {
            violations.add(v.field.clone(), v.description.clone());
        }
    }
    let status = mapping::workshop_status_from_proto(request.status).unwrap_or_else(|_| {
        violations.add("status", "is not a workshop status");
        None
    });
    let host = optional_id("host_member_id", &request.host_member_id).unwrap_or_else(|_| {
        violations.add("host_member_id", "is not a valid id");
        None
    });
    violations.into_result()?;
    let page = page?;
    let regions = caller.listing_regions(&request.region)?;
    let mut conn = ctx.pool.get().await?;
    let rows = workshops::list(
        &mut conn,
        workshops::ListFilter {
            regions,
            theme: non_empty(&request.theme),
            status: status.map(WorkshopStatus::as_str),
            host_member_id: host,
            after: page.after,
            limit: page.fetch_limit(),
        },
    )
    .await?;
    let (rows, next_page_token) = page.finish(rows, |r| r.id);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let figures = workshops::figures(&mut conn, &ids).await?;
    Ok(pb::ListWorkshopsResponse {
        workshops: rows
            .iter()
            .map(|r| {
                let figures = figures.get(&r.id).copied().unwrap_or_default();
                for_caller(caller, mapping::workshop(r, figures))
            })
            .collect(),
        next_page_token,
    })
}

/// Cancels a workshop that has not started, and with it every open registration;
/// everyone is told (WorkshopCancelled, and WorkshopRegistrationChanged per person).
pub async fn cancel(
    ctx: &Context,
    caller: &Caller,
    request: pb::CancelWorkshopRequest,
) -> Result<pb::CancelWorkshopResponse, ApiError> {
    let key = RequestKey::new(caller, "CancelWorkshop", &request.request_id, &request);
    let command = CancelWorkshop::try_from(request)?;
    let key = key?;
    let id = command.workshop_id;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let workshop = visible_workshop(conn, caller, id, true).await?;
            may_cancel(workshop.facts(), Utc::now())?;
            let workshop = workshops::cancel(conn, id, &command.reason).await?;
            let mut closed = Vec::new();
            let mut outbox = Vec::new();
            for registration in registrations::open_of(conn, id).await? {
                let from = registration.status;
                let to = registration::apply(from, Transition::Cancel)?;
                let row = registrations::set_status(
                    conn,
                    registration.id,
                    to,
                    Some("workshop cancelled"),
                    None,
                )
                .await?;
                outbox.push(OutboxEvent::of(
                    &llo_proto::events::v1::WorkshopRegistrationChanged {
                        workshop_cancelled: true,
                        cancel_reason: command.reason.as_str().to_owned(),
                        ..events::registration_changed(&workshop, &row, from, 0)
                    },
                ));
                closed.push(row);
            }
            outbox.push(OutboxEvent::of(&llo_proto::events::v1::WorkshopCancelled {
                reason: command.reason.as_str().to_owned(),
                ..events::workshop_cancelled(&workshop, &closed)
            }));
            record_all(conn, &outbox).await?;
            debug_assert!(closed.iter().all(|r| r.status == Status::Cancelled));
            Ok(pb::CancelWorkshopResponse {
                workshop: Some(with_figures(conn, caller, &workshop).await?),
                cancelled_registration_ids: closed.iter().map(|r| r.id.to_string()).collect(),
            })
        })
        .await
    })
    .await
}
