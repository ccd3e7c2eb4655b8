use std::collections::HashMap;

use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Violations,
    auth::{Caller, Role},
    bus::record,
    fields::non_empty,
    idempotency::{self, RequestKey},
};
use llo_proto::trajectories::v1 as pb;

use super::{Context, mapping, optional_id, parse_id, visible_plan};
use crate::{
    events,
    store::{
        offerings,
        plans::{self as store, Completion, NewActivity, PlanRow},
    },
};

fn not_erased(plan: &PlanRow) -> Result<(), ApiError> {
    match plan.erased_at {
        Some(_) => Err(ApiError::precondition(
            "PARTICIPANT_ERASED",
            "the participant was erased",
        )),
        None => Ok(()),
    }
}

pub async fn get(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetDevelopmentPlanRequest,
) -> Result<pb::GetDevelopmentPlanResponse, ApiError> {
    let participant = parse_id("participant_id", &request.participant_id)?;
    let mut conn = ctx.pool.get().await?;
    let plan = visible_plan(&mut conn, caller, participant).await?;
    let goals = store::goals(&mut conn, plan.id).await?;
    let activities = store::activities(&mut conn, plan.id).await?;
    let ids: Vec<_> = activities.iter().map(|a| a.id).collect();
    let funded: HashMap<_, _> = store::funded(&mut conn, &ids).await?.into_iter().collect();
    Ok(pb::GetDevelopmentPlanResponse {
        plan: Some(mapping::plan(&plan, &goals, &activities, &funded)),
    })
}

pub async fn add_goal(
    ctx: &Context,
    caller: &Caller,
    request: pb::AddLearningGoalRequest,
) -> Result<pb::AddLearningGoalResponse, ApiError> {
    let participant = parse_id("participant_id", &request.participant_id)?;
    let mut violations = Violations::new();
    violations.require_text("theme", &request.theme, 100);
    violations.require_text("description", &request.description, 2_000);
    violations.into_result()?;
    let key = RequestKey::new(caller, "AddLearningGoal", &request.request_id, &request)?
        .map(|key| key.about(participant));
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let plan = visible_plan(conn, caller, participant).await?;
            not_erased(&plan)?;
            let goal = store::insert_goal(
                conn,
                plan.id,
                None,
                request.theme.trim(),
                request.description.trim(),
                None,
            )
            .await?
            .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("the new goal was not stored")))?;
            Ok(pb::AddLearningGoalResponse {
                goal: Some(mapping::goal(&goal)),
            })
        })
        .await
    })
    .await
}

pub async fn plan_activity(
    ctx: &Context,
    caller: &Caller,
    request: pb::PlanLearningActivityRequest,
) -> Result<pb::PlanLearningActivityResponse, ApiError> {
    let participant = parse_id("participant_id", &request.participant_id)?;
    let goal_id = optional_id("goal_id", &request.goal_id)?;
    let offering_id = optional_id("offering_id", &request.offering_id)?;
    let key = RequestKey::new(
        caller,
        "PlanLearningActivity",
        &request.request_id,
        &request,
    )?
    .map(|key| key.about(participant));
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let plan = visible_plan(conn, caller, participant).await?;
            not_erased(&plan)?;
            let mut violations = Violations::new();
            if let Some(goal_id) = goal_id
                && !store::goals(conn, plan.id)
                    .await?
                    .iter()
                    .any(|g| g.id == goal_id)
            {
                violations.add("goal_id", "is not a goal of this plan");
            }
            // An offering fixes provider, title, hours and price.
            let offering = match offering_id {
                Some(id) => match offerings::find(conn, id).await? {
                    Some(o) if o.region == plan.region => Some(o),
                    _ => {
                        violations.add(
                            "offering_id",
                            "no such offering in the participant's region",
                        );
                        None
                    }
                },
                None => None,
            };
            let kind = match (
                mapping::word(&mapping::ACTIVITY_KINDS, request.kind),
                &offering,
            ) {
                (Some(kind), _) => kind,
                (None, Some(_)) => "course",
                (None, None) => {
                    violations.add(
                        "kind",
                        "is required: course, workshop, coaching, on the job or e-learning",
                    );
                    "course"
                }
            };
            let (title, provider, hours, cost) = match &offering {
                Some(o) => (o.title.clone(), o.provider.clone(), o.hours, o.price_cents),
                None => {
                    violations.require_text("title", &request.title, 200);
                    violations.require_text("provider", &request.provider, 200);
                    if !(1..=2_000).contains(&request.planned_hours) {
                        violations.add("planned_hours", "must be from 1 to 2000");
                    }
                    if !(0..=100_000_000).contains(&request.cost_cents) {
                        violations.add(
                            "cost_cents",
                            "must be from 0 to 100000000 (whole euro cents)",
                        );
                    }
                    (
                        request.title.trim().to_owned(),
                        request.provider.trim().to_owned(),
                        request.planned_hours,
                        request.cost_cents,
                    )
                }
            };
            if request.theme.chars().count() > 100 {
                violations.add("theme", "must be at most 100 characters");
            }
            let theme = match (non_empty(&request.theme), &offering) {
                (Some(theme), _) => theme.to_owned(),
                (None, Some(o)) => o.themes().first().cloned().unwrap_or_default(),
                (None, None) => {
                    violations.add("theme", "is required");
                    String::new()
                }
            };
            violations.into_result()?;
            let new = NewActivity {
                request_id: None,
                plan_id: plan.id,
                goal_id,
                kind,
                title: &title,
                provider: &provider,
                theme: &theme,
                offering_id: offering.as_ref().map(|o| o.id),
                planned_hours: hours,
                cost_cents: cost,
            };
            let activity = store::insert_activity(conn, &new).await?;
            let event = events::activity_planned(&plan, &activity);
            record(conn, &plan.region, &event).await?;
            Ok(pb::PlanLearningActivityResponse {
                activity: Some(mapping::activity(&activity, 0)),
            })
        })
        .await
    })
    .await
}

/// A provider's system (an integrator token naming the provider) may report the
/// completion of its own catalogue courses only.
fn may_complete(caller: &Caller, plan: &PlanRow, activity: &store::ActivityRow) -> bool {
    let only_integrator = caller.has_role(Role::Integrator)
        && !caller.has_any(&[Role::ProgrammeManager, Role::Coach, Role::CompanyHr]);
    if only_integrator {
        return caller.may_see_region(&plan.region)
            && activity.offering_id.is_some()
            && caller.organisation_id.as_deref() == Some(activity.provider.as_str());
    }
    caller.may_see_organisation(&plan.region, &plan.organisation_id.to_string())
}

pub async fn complete_activity(
    ctx: &Context,
    caller: &Caller,
    request: pb::CompleteLearningActivityRequest,
) -> Result<pb::CompleteLearningActivityResponse, ApiError> {
    let id = parse_id("activity_id", &request.activity_id)?;
    let mut violations = Violations::new();
    if !(0..=2_000).contains(&request.actual_hours) {
        violations.add("actual_hours", "must be from 0 to 2000");
    }
    if let Some(credential) = &request.credential {
        violations.require_text("credential.name", &credential.name, 200);
        violations.require_text("credential.issuer", &credential.issuer, 200);
        if !(credential.url.is_empty()
            || credential.url.starts_with("https://")
            || credential.url.starts_with("http://"))
        {
            violations.add("credential.url", "must be an http(s) link");
        } else if credential.url.chars().count() > 500 {
            violations.add("credential.url", "must be at most 500 characters");
        }
    }
    violations.into_result()?;
    let key = RequestKey::new(
        caller,
        "CompleteLearningActivity",
        &request.request_id,
        &request,
    )?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let not_found = || ApiError::not_found(format!("learning activity {id}"));
            let activity = store::activity_for_update(conn, id)
                .await?
                .ok_or_else(not_found)?;
            let plan = store::find(conn, activity.plan_id)
                .await?
                .ok_or_else(not_found)?;
            if !may_complete(caller, &plan, &activity) {
                return Err(not_found());
            }
            idempotency::concerns(conn, key.as_ref(), plan.participant_id).await?;
            if activity.status == "completed" {
                return Err(ApiError::precondition(
                    "ACTIVITY_COMPLETED",
                    "the activity is completed already",
                ));
            }
            let credential = request
                .credential
                .as_ref()
                .map(|c| (c.name.trim(), c.issuer.trim(), c.url.trim()));
            let completed = store::complete_activity(
                conn,
                id,
                &Completion {
                    actual_hours: request.actual_hours,
                    credential,
                },
            )
            .await?;
            let event = events::activity_completed(&plan, &completed);
            record(conn, &plan.region, &event).await?;
            let funded = store::funded(conn, &[id])
                .await?
                .first()
                .map_or(0, |(_, cents)| *cents);
            Ok(pb::CompleteLearningActivityResponse {
                activity: Some(mapping::activity(&completed, funded)),
            })
        })
        .await
    })
    .await
}
