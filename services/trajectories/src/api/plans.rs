use std::collections::HashMap;

use chrono::Utc;
use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError,
    auth::{Caller, Role},
    bus::record,
    fields::Fields,
    idempotency::{self, RequestKey},
};
use llo_proto::trajectories::v1 as pb;

use super::{
    Context, enrolments, mapping, parse_id, plan_terms, visible_plan, visible_plan_for_update,
};
use crate::{
    domain::{
        commands::{
            ActivityOrigin, AddLearningGoal, CompleteLearningActivity, PlanLearningActivity,
        },
        plan::{self as rules, Catalogued, PlannedActivity},
    },
    events,
    store::{
        enrolments as enrolment_store, offerings,
        plans::{self as store, Completion, NewActivity, PlanRow},
    },
};

pub async fn get(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetDevelopmentPlanRequest,
) -> Result<pb::GetDevelopmentPlanResponse, ApiError> {
    let participant = parse_id("participant_id", &request.participant_id)?;
    let mut conn = ctx.pool.get().await?;
    // One snapshot for the five reads: a school's answer that completes an activity
    // (one transaction) is seen whole or not at all, never its state without the
    // completion.
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn| {
            let plan = visible_plan(conn, caller, participant).await?;
            let goals = store::goals(conn, plan.id).await?;
            let activities = store::activities(conn, plan.id).await?;
            let ids: Vec<_> = activities.iter().map(|a| a.id).collect();
            let funded: HashMap<_, _> = store::funded(conn, &ids).await?.into_iter().collect();
            let enrolled: HashMap<_, _> = enrolment_store::of_activities(conn, &ids)
                .await?
                .into_iter()
                .map(|e| (e.activity_id, e))
                .collect();
            Ok::<_, ApiError>(pb::GetDevelopmentPlanResponse {
                plan: Some(mapping::plan(
                    &plan,
                    &goals,
                    &activities,
                    &funded,
                    &enrolled,
                )?),
            })
        })
        .await
}

pub async fn add_goal(
    ctx: &Context,
    caller: &Caller,
    request: pb::AddLearningGoalRequest,
) -> Result<pb::AddLearningGoalResponse, ApiError> {
    let key = RequestKey::new(caller, "AddLearningGoal", &request.request_id, &request)?;
    let mut conn = ctx.pool.get().await?;
    let terms = plan_terms(ctx, &mut conn, caller, &request.participant_id).await?;
    let command = AddLearningGoal::parse(request, terms.as_ref())?;
    let participant = command.participant_id;
    let key = key.map(|key| key.about(participant));
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let plan = visible_plan_for_update(conn, caller, participant).await?;
            rules::ensure_not_erased(plan.erased_at)?;
            let goal = store::insert_goal(
                conn,
                plan.id,
                &command.theme,
                &command.description,
                None,
                &command.skill_uris,
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
    let key = RequestKey::new(
        caller,
        "PlanLearningActivity",
        &request.request_id,
        &request,
    )?;
    let mut conn = ctx.pool.get().await?;
    let terms = plan_terms(ctx, &mut conn, caller, &request.participant_id).await?;
    let themes = terms.map(|t| t.themes);
    let command = PlanLearningActivity::parse(request, themes.as_ref())?;
    let participant = command.participant_id;
    let key = key.map(|key| key.about(participant));
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let plan = visible_plan_for_update(conn, caller, participant).await?;
            rules::ensure_not_erased(plan.erased_at)?;
            let mut f = Fields::new();
            if let Some(goal_id) = command.goal_id {
                let goals = store::goals(conn, plan.id).await?;
                if !goals.iter().any(|g| g.id == goal_id) {
                    f.add("goal_id", "is not a goal of this plan");
                }
            }
            // The school's run to ask a place in, for an offering of an OOAPI school.
            let mut school_run = None;
            let planned = match &command.origin {
                ActivityOrigin::Own {
                    kind,
                    title,
                    provider,
                    theme,
                    planned_hours,
                    cost,
                } => Ok((
                    None,
                    PlannedActivity {
                        kind: *kind,
                        title: title.to_string(),
                        provider: provider.to_string(),
                        theme: theme.to_string(),
                        planned_hours: *planned_hours,
                        cost_cents: cost.get(),
                    },
                )),
                ActivityOrigin::Offering {
                    offering_id,
                    kind,
                    theme,
                    run_id,
                } => match offerings::find(conn, *offering_id).await? {
                    Some(o) if o.region == plan.region => {
                        let wanted = run_id.as_ref().map(|r| r.as_str());
                        let run = enrolments::run_to_enrol(conn, &o, wanted).await?;
                        school_run = f
                            .take("run_id", run)
                            .flatten()
                            .map(|run| (o.provider.clone(), run));
                        let offering = Catalogued {
                            themes: o.themes()?,
                            title: o.title,
                            provider: o.provider,
                            hours: o.hours,
                            price_cents: o.price_cents,
                        };
                        let theme = theme.as_ref().map(|t| t.as_str());
                        Ok((Some(o.id), rules::from_offering(offering, *kind, theme)))
                    }
                    _ => Err("no such offering in the participant's region".to_owned()),
                },
            };
            let planned = f.take("offering_id", planned);
            let (offering_id, planned) = f.finish(planned)?;
            let new = NewActivity {
                plan_id: plan.id,
                goal_id: command.goal_id,
                kind: planned.kind,
                title: &planned.title,
                provider: &planned.provider,
                theme: &planned.theme,
                offering_id,
                planned_hours: planned.planned_hours,
                // A run with its own price costs that; else the course's price.
                cost_cents: school_run
                    .as_ref()
                    .and_then(|(_, run)| run.price_cents)
                    .unwrap_or(planned.cost_cents),
            };
            let activity = store::insert_activity(conn, &new).await?;
            let event = events::activity_planned(&plan, &activity);
            record(conn, &event).await?;
            // The place to ask for, in this transaction; the worker sends it within seconds.
            let enrolment = match &school_run {
                Some((provider, run)) => Some(
                    enrolment_store::insert(
                        conn,
                        activity.id,
                        &plan.region,
                        provider,
                        &run.external_id,
                    )
                    .await?,
                ),
                None => None,
            };
            Ok(pb::PlanLearningActivityResponse {
                activity: Some(mapping::activity_enrolled(
                    &activity,
                    0,
                    enrolment.as_ref(),
                )?),
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
    let key = RequestKey::new(
        caller,
        "CompleteLearningActivity",
        &request.request_id,
        &request,
    )?;
    let command = CompleteLearningActivity::try_from(request)?;
    let id = command.activity_id;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let not_found = || ApiError::not_found(format!("learning activity {id}"));
            // The plan first, then the activity: the order an erasure's purge takes.
            let plan_id = store::plan_of_activity(conn, id)
                .await?
                .ok_or_else(not_found)?;
            let plan = store::find_for_update(conn, plan_id)
                .await?
                .ok_or_else(not_found)?;
            let activity = store::activity_for_update(conn, id)
                .await?
                .ok_or_else(not_found)?;
            if !may_complete(caller, &plan, &activity) {
                return Err(not_found());
            }
            idempotency::concerns(conn, key.as_ref(), plan.participant_id).await?;
            rules::ensure_not_erased(plan.erased_at)?;
            rules::ensure_not_completed(mapping::activity_status(&activity)?)?;
            let credential = command
                .credential
                .as_ref()
                .map(|c| (c.name.as_str(), c.issuer.as_str(), c.url.as_str()));
            let completed_at = match command.completed_at {
                Some(at) => ctx
                    .packs
                    .within_calendar(&plan.region, "complete_time", at)?,
                None => Utc::now(),
            };
            let completed = store::complete_activity(
                conn,
                id,
                &Completion {
                    actual_hours: command.actual_hours,
                    credential,
                    completed_at,
                },
            )
            .await?;
            record_completion(conn, &plan, &completed).await?;
            let funded = store::funded(conn, &[id])
                .await?
                .first()
                .map_or(0, |(_, cents)| *cents);
            Ok(pb::CompleteLearningActivityResponse {
                activity: Some(mapping::activity(&completed, funded)?),
            })
        })
        .await
    })
    .await
}

/// Records that an activity was completed. The offering's ESCO skills travel with the
/// event: intake aligns the credential it issues to them.
pub async fn record_completion(
    conn: &mut diesel_async::AsyncPgConnection,
    plan: &PlanRow,
    completed: &store::ActivityRow,
) -> Result<(), ApiError> {
    let mut event = events::activity_completed(plan, completed);
    if let Some(offering) = completed.offering_id
        && let Some(row) = offerings::find(conn, offering).await?
    {
        event.esco_skill_uris = row.esco_skill_uris()?;
    }
    record(conn, &event).await?;
    Ok(())
}
