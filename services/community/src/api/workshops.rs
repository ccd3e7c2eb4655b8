use chrono::Utc;
use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Violations,
    auth::Caller,
    bus::{OutboxEvent, record, record_all},
    fields::{non_empty, optional_id, parse_id},
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::community::v1 as pb;
use uuid::Uuid;

use super::{
    Context, check_request_id, id_field, listing_regions, mapping, named_region, refused,
    visible_member, visible_workshop,
};
use crate::{
    domain::{
        model::WorkshopStatus,
        registration::{self, Status, Transition},
        rules,
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
    let mut violations = Violations::new();
    check_request_id(&request.request_id, &mut violations);
    let region = ctx.region_field(&request.region, &mut violations);
    let theme = request.theme.trim();
    if theme.is_empty() {
        violations.add("theme", "is required");
    } else if let Some(themes) = ctx.themes(&region)
        && !themes.iter().any(|t| t == theme)
    {
        violations.add(
            "theme",
            format!(
                "is not a community theme of the region's sector packs ({})",
                themes.join(", ")
            ),
        );
    }
    violations.require_text("title", &request.title, rules::MAX_NAME);
    violations.check(
        "description",
        rules::optional_text(&request.description, rules::MAX_TEXT),
    );
    let mut time = |field: &'static str, value: &Option<prost_types::Timestamp>| {
        value
            .as_ref()
            .and_then(|t| match mapping::from_timestamp(t) {
                Ok(at) => Some(at),
                Err(description) => {
                    violations.add(field, description);
                    None
                }
            })
    };
    let start = time("start_time", &request.start_time);
    let end = time("end_time", &request.end_time);
    let cutoff = time(
        "registration_cutoff_time",
        &request.registration_cutoff_time,
    );
    let explicit_times_ok = (request.start_time.is_none() || start.is_some())
        && (request.end_time.is_none() || end.is_some());
    if explicit_times_ok {
        for (field, description) in rules::workshop_times(Utc::now(), start, end, cutoff) {
            violations.add(field, description);
        }
    }
    let location = request.location.trim();
    let online_url = request.online_url.trim();
    if location.is_empty() && online_url.is_empty() {
        violations.add("location", "a place or an online link is required");
    }
    violations.check("location", rules::optional_text(location, rules::MAX_NAME));
    violations.check("online_url", rules::online_url(online_url));
    violations.check("capacity", rules::capacity(request.capacity));
    violations.check(
        "seats_per_company",
        rules::seats_per_company(request.seats_per_company, request.capacity),
    );
    let host = id_field("host_member_id", &request.host_member_id, &mut violations);
    violations.into_result()?;
    let (Some(host), Some(start), Some(end)) = (host, start, end) else {
        return Err(ApiError::invalid("request", "is invalid"));
    };
    named_region(caller, &region)?;
    let key = RequestKey::new(caller, "ScheduleWorkshop", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let host = visible_member(conn, caller, host).await?;
            if host.region != region {
                return Err(ApiError::not_found(format!(
                    "member {} in {region}",
                    host.id
                )));
            }
            let new = NewWorkshop {
                id: Uuid::now_v7(),
                region: &region,
                theme,
                title: request.title.trim(),
                description: request.description.trim(),
                starts_at: start,
                ends_at: end,
                location: non_empty(location),
                online_url: non_empty(online_url),
                capacity: request.capacity,
                seats_per_company: (request.seats_per_company > 0)
                    .then_some(request.seats_per_company),
                registration_closes_at: cutoff.unwrap_or(start),
                host_member_id: host.id,
                status: WorkshopStatus::Scheduled.as_str(),
            };
            let row = workshops::insert(conn, &new).await?;
            record(conn, &row.region, &events::workshop_scheduled(&row)).await?;
            Ok(pb::ScheduleWorkshopResponse {
                workshop: Some(mapping::workshop(&row, Default::default())),
            })
        })
        .await
    })
    .await
}

/// The workshop with its current figures.
pub async fn with_figures(
    conn: &mut diesel_async::AsyncPgConnection,
    row: &WorkshopRow,
) -> Result<pb::Workshop, ApiError> {
    let figures = workshops::figures(conn, &[row.id]).await?;
    Ok(mapping::workshop(
        row,
        figures.get(&row.id).copied().unwrap_or_default(),
    ))
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
        workshop: Some(with_figures(&mut conn, &row).await?),
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
    let regions = listing_regions(caller, &request.region)?;
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
            .map(|r| mapping::workshop(r, figures.get(&r.id).copied().unwrap_or_default()))
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
    let mut violations = Violations::new();
    check_request_id(&request.request_id, &mut violations);
    let id = id_field("workshop_id", &request.workshop_id, &mut violations);
    violations.check(
        "reason",
        rules::optional_text(&request.reason, rules::MAX_TEXT),
    );
    violations.into_result()?;
    let Some(id) = id else {
        return Err(ApiError::invalid("workshop_id", "is required"));
    };
    let key = RequestKey::new(caller, "CancelWorkshop", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let workshop = visible_workshop(conn, caller, id, true).await?;
            if workshop.status == WorkshopStatus::Cancelled.as_str() {
                return Err(ApiError::precondition(
                    "ILLEGAL_TRANSITION",
                    "a cancelled workshop cannot be cancelled",
                ));
            }
            if Utc::now() >= workshop.starts_at {
                return Err(ApiError::precondition(
                    "WORKSHOP_STARTED",
                    "a workshop that started cannot be cancelled",
                ));
            }
            let workshop = workshops::cancel(conn, id, request.reason.trim()).await?;
            let mut closed = Vec::new();
            let mut outbox = Vec::new();
            for registration in registrations::open_of(conn, id).await? {
                let from = registration.state();
                let to = registration::apply(from, Transition::Cancel).map_err(refused)?;
                let row = registrations::set_status(
                    conn,
                    registration.id,
                    to,
                    Some("workshop cancelled"),
                    None,
                )
                .await?;
                outbox.push(OutboxEvent::of(
                    &workshop.region,
                    &events::registration_changed(&workshop, &row, from, 0),
                ));
                closed.push(row);
            }
            outbox.push(OutboxEvent::of(
                &workshop.region,
                &events::workshop_cancelled(&workshop, &closed),
            ));
            record_all(conn, &outbox).await?;
            debug_assert!(closed.iter().all(|r| r.state() == Status::Cancelled));
            Ok(pb::CancelWorkshopResponse {
                workshop: Some(with_figures(conn, &workshop).await?),
                cancelled_registration_ids: closed.iter().map(|r| r.id.to_string()).collect(),
            })
        })
        .await
    })
    .await
}
