use chrono::Utc;
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use llo_chassis::{
    ApiError, Violations,
    auth::{Caller, Role},
    bus::record,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use super::{Context, listing_regions, mapping, parse_id};
use crate::{
    domain::{
        lifecycle::{self, Status, Transition},
        proposal::INTERVENTION_KINDS,
    },
    events,
    store::trajectories::{self as store, NewIntervention, NewSession, TrajectoryRow},
};

const MAX_TEXT: usize = 2_000;

/// The trajectory (locked for the rest of the transaction), if the caller may see it.
async fn visible_for_update(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<TrajectoryRow, ApiError> {
    match store::find_for_update(conn, id).await? {
        Some(row) if caller.may_see_organisation(&row.region, &row.organisation_id.to_string()) => {
            Ok(row)
        }
        _ => Err(ApiError::not_found(format!("trajectory {id}"))),
    }
}

/// A whole trajectory, as the API shows it.
async fn full(
    conn: &mut AsyncPgConnection,
    row: &TrajectoryRow,
) -> Result<pb::Trajectory, ApiError> {
    let interventions = store::interventions_of(conn, &[row.id]).await?;
    let totals = store::coaching_totals(conn, &[row.id]).await?;
    let coaching = totals
        .first()
        .map_or((0, 0), |(_, n, m)| (*n, m.unwrap_or(0)));
    Ok(mapping::trajectory(row, &interventions, coaching))
}

pub async fn get(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetTrajectoryRequest,
) -> Result<pb::GetTrajectoryResponse, ApiError> {
    let id = parse_id("trajectory_id", &request.trajectory_id)?;
    let mut conn = ctx.pool.get().await?;
    let row = match store::find(&mut conn, id).await? {
        Some(row) if caller.may_see_organisation(&row.region, &row.organisation_id.to_string()) => {
            row
        }
        _ => return Err(ApiError::not_found(format!("trajectory {id}"))),
    };
    Ok(pb::GetTrajectoryResponse {
        trajectory: Some(full(&mut conn, &row).await?),
    })
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListTrajectoriesRequest,
) -> Result<pb::ListTrajectoriesResponse, ApiError> {
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let regions = listing_regions(caller, &request.region)?;
    let mut organisation_id = super::optional_id("organisation_id", &request.organisation_id)?;
    if caller.is_company_scoped() {
        let own = caller
            .organisation_id
            .as_deref()
            .and_then(|o| o.parse().ok())
            .unwrap_or(Uuid::nil());
        if organisation_id.is_some_and(|asked| asked != own) {
            return Ok(pb::ListTrajectoriesResponse::default());
        }
        organisation_id = Some(own);
    }
    let status = match request.status {
        0 => None,
        value => Some(
            mapping::status_from_proto(value)
                .ok_or_else(|| ApiError::invalid("status", "unknown status"))?,
        ),
    };
    let mut conn = ctx.pool.get().await?;
    let rows = store::list(
        &mut conn,
        store::ListFilter {
            regions,
            organisation_id,
            status: status.map(Status::as_str),
            after: page.after,
            limit: page.fetch_limit(),
        },
    )
    .await?;
    let (rows, next_page_token) = page.finish(rows, |r| r.id);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let interventions = store::interventions_of(&mut conn, &ids).await?;
    let totals = store::coaching_totals(&mut conn, &ids).await?;
    let trajectories = rows
        .iter()
        .map(|row| {
            let coaching = totals
                .iter()
                .find(|(id, _, _)| *id == row.id)
                .map_or((0, 0), |(_, n, m)| (*n, m.unwrap_or(0)));
            mapping::trajectory(row, &interventions, coaching)
        })
        .collect();
    Ok(pb::ListTrajectoriesResponse {
        trajectories,
        next_page_token,
    })
}

pub async fn assign_coach(
    ctx: &Context,
    caller: &Caller,
    request: pb::AssignCoachRequest,
) -> Result<pb::AssignCoachResponse, ApiError> {
    let id = parse_id("trajectory_id", &request.trajectory_id)?;
    let mut violations = Violations::new();
    violations.require_text("coach_id", &request.coach_id, 128);
    violations.into_result()?;
    let coach = request.coach_id.trim().to_owned();
    let key = RequestKey::new(caller, "AssignCoach", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    let trajectory = conn
        .transaction::<_, ApiError, _>(async |conn| {
            idempotency::once(conn, key.as_ref(), async |conn| {
                let row = visible_for_update(conn, caller, id).await?;
                let status = stored_status(&row.status)?;
                if !status.is_open() {
                    return Err(ApiError::precondition(
                        "TRAJECTORY_CLOSED",
                        format!("the trajectory is {status}"),
                    ));
                }
                if row.coach_id.as_deref() == Some(coach.as_str()) {
                    return full(conn, &row).await;
                }
                let row = store::set_coach(conn, id, &coach).await?;
                record(conn, &row.region, &events::coach_assigned(&row)).await?;
                full(conn, &row).await
            })
            .await
        })
        .await?;
    Ok(pb::AssignCoachResponse {
        trajectory: Some(trajectory),
    })
}

pub async fn plan_intervention(
    ctx: &Context,
    caller: &Caller,
    request: pb::PlanInterventionRequest,
) -> Result<pb::PlanInterventionResponse, ApiError> {
    let id = parse_id("trajectory_id", &request.trajectory_id)?;
    let mut violations = Violations::new();
    let kind = mapping::word(&INTERVENTION_KINDS, request.kind);
    if kind.is_none() {
        violations.add("kind", "is required: coaching of directors or supervisors, team workshop, training or HR instrument");
    }
    violations.require_text("title", &request.title, 200);
    if request.description.chars().count() > MAX_TEXT {
        violations.add(
            "description",
            format!("must be at most {MAX_TEXT} characters"),
        );
    }
    if !(0..=1_000).contains(&request.planned_hours) {
        violations.add("planned_hours", "must be from 0 to 1000");
    }
    violations.into_result()?;
    let kind = kind.unwrap_or("training");
    let key = RequestKey::new(caller, "PlanIntervention", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let trajectory = visible_for_update(conn, caller, id).await?;
            let status = stored_status(&trajectory.status)?;
            if !status.is_open() {
                return Err(ApiError::precondition(
                    "TRAJECTORY_CLOSED",
                    format!("the trajectory is {status}"),
                ));
            }
            let new = NewIntervention {
                request_id: None,
                trajectory_id: id,
                kind,
                title: request.title.trim(),
                description: request.description.trim(),
                dimension_id: None,
                planned_hours: request.planned_hours,
            };
            let row = store::insert_intervention(conn, &new).await?;
            let event = events::intervention_planned(&trajectory, &row);
            record(conn, &trajectory.region, &event).await?;
            Ok(pb::PlanInterventionResponse {
                intervention: Some(mapping::intervention(&row)),
            })
        })
        .await
    })
    .await
}

async fn transition(
    ctx: &Context,
    caller: &Caller,
    trajectory_id: &str,
    transition: Transition,
    reason: Option<String>,
    key: Option<RequestKey>,
) -> Result<pb::Trajectory, ApiError> {
    let id = parse_id("trajectory_id", trajectory_id)?;
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_TEXT)
    {
        return Err(ApiError::invalid(
            "reason",
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let row = visible_for_update(conn, caller, id).await?;
            let current = stored_status(&row.status)?;
            let next = lifecycle::apply(current, transition, row.coach_id.is_some())
                .map_err(|refused| ApiError::precondition(refused.reason, refused.message))?;
            let row = store::set_status(conn, id, next.as_str(), reason.as_deref().map(str::trim))
                .await?;
            let event = events::status_changed(&row, current.as_str());
            record(conn, &row.region, &event).await?;
            full(conn, &row).await
        })
        .await
    })
    .await
}

pub async fn start(
    ctx: &Context,
    caller: &Caller,
    request: pb::StartTrajectoryRequest,
) -> Result<pb::StartTrajectoryResponse, ApiError> {
    let key = RequestKey::new(caller, "StartTrajectory", &request.request_id, &request)?;
    let trajectory = transition(
        ctx,
        caller,
        &request.trajectory_id,
        Transition::Start,
        None,
        key,
    )
    .await?;
    Ok(pb::StartTrajectoryResponse {
        trajectory: Some(trajectory),
    })
}

pub async fn complete(
    ctx: &Context,
    caller: &Caller,
    request: pb::CompleteTrajectoryRequest,
) -> Result<pb::CompleteTrajectoryResponse, ApiError> {
    let key = RequestKey::new(caller, "CompleteTrajectory", &request.request_id, &request)?;
    let trajectory = transition(
        ctx,
        caller,
        &request.trajectory_id,
        Transition::Complete,
        None,
        key,
    )
    .await?;
    Ok(pb::CompleteTrajectoryResponse {
        trajectory: Some(trajectory),
    })
}

pub async fn cancel(
    ctx: &Context,
    caller: &Caller,
    request: pb::CancelTrajectoryRequest,
) -> Result<pb::CancelTrajectoryResponse, ApiError> {
    let key = RequestKey::new(caller, "CancelTrajectory", &request.request_id, &request)?;
    let trajectory = transition(
        ctx,
        caller,
        &request.trajectory_id,
        Transition::Cancel,
        Some(request.reason),
        key,
    )
    .await?;
    Ok(pb::CancelTrajectoryResponse {
        trajectory: Some(trajectory),
    })
}

pub async fn record_coaching_session(
    ctx: &Context,
    caller: &Caller,
    request: pb::RecordCoachingSessionRequest,
) -> Result<pb::RecordCoachingSessionResponse, ApiError> {
    let id = parse_id("trajectory_id", &request.trajectory_id)?;
    let mut violations = Violations::new();
    let held = request.held_time.as_ref().and_then(mapping::from_timestamp);
    match held {
        None => violations.add("held_time", "is required"),
        Some(at) if at > Utc::now() + chrono::Duration::hours(24) => {
            violations.add("held_time", "lies in the future")
        }
        Some(_) => {}
    }
    if !(1..=600).contains(&request.duration_minutes) {
        violations.add("duration_minutes", "must be from 1 to 600");
    }
    violations.require_text("topic", &request.topic, 500);
    violations.into_result()?;
    let held = held.unwrap_or_else(Utc::now);
    let key = RequestKey::new(
        caller,
        "RecordCoachingSession",
        &request.request_id,
        &request,
    )?;
    let coach = if caller.has_role(Role::Coach) {
        caller.subject.clone()
    } else {
        format!("on behalf of {}", caller.subject)
    };
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let row = visible_for_update(conn, caller, id).await?;
            if Status::parse(&row.status) != Some(Status::Active) {
                return Err(ApiError::precondition(
                    "TRAJECTORY_NOT_ACTIVE",
                    format!(
                        "coaching is logged on an active trajectory; this one is {}",
                        row.status
                    ),
                ));
            }
            let new = NewSession {
                request_id: None,
                trajectory_id: id,
                coach_id: &coach,
                held_at: held,
                duration_minutes: request.duration_minutes,
                topic: request.topic.trim(),
            };
            let session = store::insert_session(conn, &new).await?;
            let event =
                events::coaching_session_held(&row, session, request.duration_minutes, held);
            record(conn, &row.region, &event).await?;
            Ok(pb::RecordCoachingSessionResponse {
                session_id: session.to_string(),
                trajectory: Some(full(conn, &row).await?),
            })
        })
        .await
    })
    .await
}

/// A stored status the code does not know is a fault to report, never a silent default.
fn stored_status(text: &str) -> Result<Status, ApiError> {
    Status::parse(text).ok_or_else(|| {
        ApiError::Unexpected(anyhow::anyhow!(
            "stored trajectory status {text:?} is unknown"
        ))
    })
}
