use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use std::sync::Arc;

use llo_chassis::{
    ApiError,
    auth::{Caller, Role},
    bus::record,
    fields::check_id,
    idempotency::{self, RequestKey},
    packs::{ProposedActivity, SectorPack},
    paging::Page,
};
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use super::{Context, mapping, parse_id};
use crate::{
    domain::{
        coaches,
        commands::{AssignCoach, ChangeTrajectoryStatus, PlanIntervention, RecordCoachingSession},
        lifecycle,
    },
    events, proposals,
    store::{
        coaches as coach_store,
        trajectories::{self as store, NewIntervention, NewSession, TrajectoryRow},
    },
};

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

/// The sector pack of a trajectory the caller may see, to read a request about it
/// against; `None` when the id is malformed or the trajectory is not there for the caller
/// (parsing or the lookup after it refuses the request then).
async fn sector_of(
    ctx: &Context,
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    trajectory_id: &str,
) -> Result<Option<Arc<SectorPack>>, ApiError> {
    let Ok(id) = check_id(trajectory_id) else {
        return Ok(None);
    };
    match store::find(conn, id).await? {
        Some(row) if caller.may_see_organisation(&row.region, &row.organisation_id.to_string()) => {
            let pack = ctx.packs.sector(&row.sector).cloned().ok_or_else(|| {
                ApiError::Unexpected(anyhow::anyhow!(
                    "trajectory {id}: sector pack {:?} is not installed",
                    row.sector
                ))
            })?;
            Ok(Some(pack))
        }
        _ => Ok(None),
    }
}

/// A trajectory as this caller may see it: an evaluator does not get the company's
/// weakest dimensions (its priorities, the dimension each intervention works on), since
/// a small company's scan would be read from them, as `GetAssessment` withholds it.
fn for_caller(caller: &Caller, mut t: pb::Trajectory) -> pb::Trajectory {
    let sees_the_company = caller.own_organisation().is_some()
        || caller.has_any(&[Role::ProgrammeManager, Role::Coach]);
    if !sees_the_company {
        t.priority_dimension_ids.clear();
        for i in &mut t.interventions {
            i.dimension_id.clear();
        }
    }
    t
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
    mapping::trajectory(row, &interventions, coaching)
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
        trajectory: Some(for_caller(caller, full(&mut conn, &row).await?)),
    })
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListTrajectoriesRequest,
) -> Result<pb::ListTrajectoriesResponse, ApiError> {
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let regions = caller.listing_regions(&request.region)?;
    let mut organisation_id = super::optional_id("organisation_id", &request.organisation_id)?;
    if let Some(own) = caller.own_organisation() {
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
            status,
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
            mapping::trajectory(row, &interventions, coaching).map(|t| for_caller(caller, t))
        })
        .collect::<Result<_, _>>()?;
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
    let key = RequestKey::new(caller, "AssignCoach", &request.request_id, &request)?;
    let command = AssignCoach::try_from(request)?;
    let id = command.trajectory_id;
    let mut conn = ctx.pool.get().await?;
    let trajectory = conn
        .transaction::<_, ApiError, _>(async |conn| {
            idempotency::once(conn, key.as_ref(), async |conn| {
                let row = visible_for_update(conn, caller, id).await?;
                lifecycle::ensure_open(mapping::trajectory_status(&row)?)?;
                if row.coach_id.as_deref() == Some(command.coach_id.as_str()) {
                    return full(conn, &row).await;
                }
                let coach = coach_store::by_subject_for_update(conn, &command.coach_id).await?;
                coaches::ensure_assignable(
                    &command.coach_id,
                    coach.as_ref().map(|c| &c.regions[..]),
                    &row.region,
                )?;
                let row = store::set_coach(conn, id, &command.coach_id).await?;
                record(conn, &events::coach_assigned(&row, coach.as_ref())).await?;
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
    let key = RequestKey::new(caller, "PlanIntervention", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    let sector = sector_of(ctx, &mut conn, caller, &request.trajectory_id).await?;
    let command = PlanIntervention::parse(request, sector.as_deref())?;
    let id = command.trajectory_id;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let trajectory = visible_for_update(conn, caller, id).await?;
            lifecycle::ensure_open(mapping::trajectory_status(&trajectory)?)?;
            let new = NewIntervention {
                trajectory_id: id,
                kind: &command.kind,
                title: &command.title,
                description: &command.description,
                dimension_id: None,
                planned_hours: command.planned_hours,
            };
            let row = store::insert_intervention(conn, &new).await?;
            let event = events::intervention_planned(&trajectory, &row);
            record(conn, &event).await?;
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
    command: ChangeTrajectoryStatus,
    key: Option<RequestKey>,
) -> Result<pb::Trajectory, ApiError> {
    let id = command.trajectory_id;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let row = visible_for_update(conn, caller, id).await?;
            let current = mapping::trajectory_status(&row)?;
            let next = lifecycle::apply(current, command.transition, row.coach_id.is_some())?;
            let reason = command.reason.as_ref().map(|r| r.as_str());
            let row = store::set_status(conn, id, next, reason).await?;
            let event = events::status_changed(&row, current.as_str());
            record(conn, &event).await?;
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
    let command = ChangeTrajectoryStatus::try_from(request)?;
    Ok(pb::StartTrajectoryResponse {
        trajectory: Some(transition(ctx, caller, command, key).await?),
    })
}

pub async fn complete(
    ctx: &Context,
    caller: &Caller,
    request: pb::CompleteTrajectoryRequest,
) -> Result<pb::CompleteTrajectoryResponse, ApiError> {
    let key = RequestKey::new(caller, "CompleteTrajectory", &request.request_id, &request)?;
    let command = ChangeTrajectoryStatus::try_from(request)?;
    Ok(pb::CompleteTrajectoryResponse {
        trajectory: Some(transition(ctx, caller, command, key).await?),
    })
}

pub async fn cancel(
    ctx: &Context,
    caller: &Caller,
    request: pb::CancelTrajectoryRequest,
) -> Result<pb::CancelTrajectoryResponse, ApiError> {
    let key = RequestKey::new(caller, "CancelTrajectory", &request.request_id, &request)?;
    let command = ChangeTrajectoryStatus::try_from(request)?;
    Ok(pb::CancelTrajectoryResponse {
        trajectory: Some(transition(ctx, caller, command, key).await?),
    })
}

pub async fn record_coaching_session(
    ctx: &Context,
    caller: &Caller,
    request: pb::RecordCoachingSessionRequest,
) -> Result<pb::RecordCoachingSessionResponse, ApiError> {
    let key = RequestKey::new(
        caller,
        "RecordCoachingSession",
        &request.request_id,
        &request,
    )?;
    let command = RecordCoachingSession::try_from(request)?;
    let id = command.trajectory_id;
    let coach = if caller.has_role(Role::Coach) {
        caller.subject.clone()
    } else {
        format!("on behalf of {}", caller.subject)
    };
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let row = visible_for_update(conn, caller, id).await?;
            lifecycle::ensure_coaching_allowed(mapping::trajectory_status(&row)?)?;
            let new = NewSession {
                trajectory_id: id,
                coach_id: &coach,
                held_at: command.held_at,
                duration_minutes: command.duration_minutes,
                topic: &command.topic,
            };
            let session = store::insert_session(conn, &new).await?;
            let proposed = match (ctx.packs.region(&row.region), row.coach_id.as_deref()) {
                (Some(pack), Some(coach)) => {
                    let proposal = proposals::Proposal {
                        activity: ProposedActivity::CoachingSessions,
                        person: coach,
                        at: command.held_at,
                        minutes: command.duration_minutes,
                        note: &format!("Coachgesprek: {}", command.topic.as_str()),
                        recorded_by: &caller.subject,
                        source: format!("coaching_session:{session}"),
                    };
                    proposals::propose(conn, pack, proposal).await?
                }
                _ => None,
            };
            let event = events::coaching_session_held(
                &row,
                session,
                command.duration_minutes,
                command.held_at,
            );
            record(conn, &event).await?;
            Ok(pb::RecordCoachingSessionResponse {
                session_id: session.to_string(),
                trajectory: Some(full(conn, &row).await?),
                proposed_time_entry_id: proposed.map(|id| id.to_string()).unwrap_or_default(),
            })
        })
        .await
    })
    .await
}
