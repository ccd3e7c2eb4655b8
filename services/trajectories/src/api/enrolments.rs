//! Places asked of schools over OOAPI v5, the way eduXchange asks them: when a plan takes
//! an offering of a school registered as a catalogue source, the activity's run is
//! stored as a place to ask for (`run_to_enrol`, in the plan's transaction). A worker
//! sends it (`POST /associations/external/me`, role student, state pending) and then
//! asks where the association stands (`GET /associations/{id}`) until the school closes
//! it: pending, associated, queued (its wait list), denied, canceled, or a result that
//! completes the activity. Each change is written with its event in one transaction,
//! so the plan and the outbox see it exactly once.
//!
//! No name or e-mail goes to the school: the place is asked under the activity's id,
//! which the participant gives when registering at the school.
use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, NaiveTime, Utc};
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use llo_chassis::{ApiError, bus::record};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Context;
use crate::{
    domain::{
        commands::CourseRun,
        enrolment::{EnrolmentState, SchoolAnswer, SchoolResult, choose_run, retry_after, step},
    },
    events,
    ooapi::{
        client::{Client, Patience},
        login::Login,
        model::{Association, CONSUMER_KEY},
    },
    store::{
        catalogue_sources,
        enrolments::{self as store, Answered, DueEnrolment, EnrolmentRow},
        offerings::OfferingRow,
        plans::{self, Completion, PlanRow},
    },
};

/// Enrolments claimed per round; each call has its own deadline.
const CLAIM_LIMIT: i64 = 20;
/// How long a claim keeps other replicas off an enrolment: longer than a call with all
/// its retries takes.
const LEASE_SECONDS: i64 = 600;

/// The school's run a new activity from `offering` enrols in: none when its provider
/// publishes no OOAPI catalogue in the region, or when no run is open and none was asked
/// for; the inner error is what is wrong with the run asked for.
pub async fn run_to_enrol(
    conn: &mut AsyncPgConnection,
    offering: &OfferingRow,
    wanted: Option<&str>,
) -> Result<Result<Option<CourseRun>, String>, ApiError> {
    let source = catalogue_sources::find(conn, &offering.region, &offering.provider).await?;
    if source.is_none() {
        return Ok(match wanted {
            Some(_) => Err(format!(
                "{} does not publish over OOAPI here: there is no run to enrol in",
                offering.provider
            )),
            None => Ok(None),
        });
    }
    let runs = offering.runs()?;
    Ok(choose_run(&runs, wanted, Utc::now()).map(|run| run.cloned()))
}

/// Sends the places asked for and follows the open ones, every `every` for each open
/// association; new requests go out within seconds.
pub async fn follow_on_schedule(ctx: Context, every: Duration, shutdown: CancellationToken) {
    let tick = every.min(Duration::from_secs(2));
    let mut clients: HashMap<String, Client> = HashMap::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(tick) => {}
        }
        loop {
            let due = match claim(&ctx).await {
                Ok(due) if !due.is_empty() => due,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "school enrolments: cannot claim the due ones");
                    break;
                }
            };
            for due in due {
                // One client per school and login, so that a changed login takes effect.
                let key = format!("{} {:?}", due.base_url, due.login);
                let client = match clients.get(&key) {
                    Some(client) => client,
                    None => match school_client(&due) {
                        Ok(client) => clients.entry(key).or_insert(client),
                        Err(error) => {
                            tracing::warn!(%error, "school enrolments: no HTTP client");
                            continue;
                        }
                    },
                };
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = follow(&ctx, client, &due.enrolment, every) => {}
                }
            }
        }
    }
}

fn school_client(due: &DueEnrolment) -> Result<Client, String> {
    let login: Option<Login> = due
        .login
        .as_ref()
        .map(|value| crate::store::from_json("login", value))
        .transpose()
        .map_err(|e| format!("the school's login cannot be read: {e}"))?;
    Ok(Client::new(&due.base_url, Patience::default())?.with_login(login))
}

async fn claim(ctx: &Context) -> Result<Vec<DueEnrolment>, ApiError> {
    let mut conn = ctx.pool.get().await?;
    Ok(store::claim_due(&mut conn, CLAIM_LIMIT, LEASE_SECONDS).await?)
}

/// One call to the school for one enrolment, and its answer written.
async fn follow(ctx: &Context, client: &Client, enrolment: &EnrolmentRow, every: Duration) {
    let asked = match &enrolment.association_id {
        None => {
            let key = enrolment.activity_id.to_string();
            client.associate(&request_body(enrolment), &key).await
        }
        Some(id) => client.association(id).await,
    };
    let answer = asked
        .map_err(|f| format!("{}: {}", f.url, f.reason))
        .and_then(read_answer);
    if let Err(reason) = &answer {
        tracing::warn!(activity = %enrolment.activity_id, %reason, "school enrolment: call failed");
    }
    if let Err(error) = apply(ctx, enrolment.activity_id, answer, every).await {
        tracing::warn!(activity = %enrolment.activity_id, %error, "school enrolment: cannot write the answer");
    }
}

/// The association asked for: the run, as a student, pending the school's decision;
/// the activity's id is the suite's reference under its consumer key.
fn request_body(enrolment: &EnrolmentRow) -> serde_json::Value {
    json!({
        "associationType": "courseOfferingAssociation",
        "role": "student",
        "state": "pending",
        "remoteState": "pending",
        "offering": enrolment.run_id,
        "consumers": [{
            "consumerKey": CONSUMER_KEY,
            "activityId": enrolment.activity_id,
        }],
    })
}

/// The school's association as the rules read it: a result counts once it is final.
fn read_answer(association: Association) -> Result<SchoolAnswer, String> {
    let state = EnrolmentState::from_ooapi(&association.state)
        .ok_or_else(|| format!("unknown association state {:?}", association.state))?;
    if association.association_id.is_empty() {
        return Err("the association has no associationId".into());
    }
    let result = association
        .result
        .filter(|r| r.state == "completed")
        .map(|r| SchoolResult {
            pass: r.pass,
            score: match r.score {
                Some(serde_json::Value::String(s)) => s,
                Some(other) => other.to_string(),
                None => String::new(),
            },
            date: r.result_date,
        });
    Ok(SchoolAnswer {
        association_id: association.association_id,
        state,
        result,
    })
}

/// Writes an answer (or a failed call) with its events, in one transaction that locks
/// the plan first, as every write to a plan does.
async fn apply(
    ctx: &Context,
    activity_id: Uuid,
    answer: Result<SchoolAnswer, String>,
    every: Duration,
) -> Result<(), ApiError> {
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let Some(plan_id) = plans::plan_of_activity(conn, activity_id).await? else {
            return Ok(());
        };
        let Some(plan) = plans::find_for_update(conn, plan_id).await? else {
            return Ok(());
        };
        // Gone when the participant was erased meanwhile.
        let Some(enrolment) = store::for_update(conn, activity_id).await? else {
            return Ok(());
        };
        let current = super::mapping::stored("enrolment state", &enrolment.state, |s| {
            EnrolmentState::parse(s)
        })?;
        if !current.is_open() {
            return Ok(());
        }
        let answer = match answer {
            Ok(answer) => answer,
            Err(reason) => {
                let failures = u32::try_from(enrolment.failures).unwrap_or(0) + 1;
                let wait = retry_after(failures).as_secs() as i64;
                store::record_failure(conn, activity_id, &reason, wait).await?;
                return Ok(());
            }
        };
        let association_id = answer.association_id.clone();
        let step = step(current, answer);
        let (pass, score) = match &step.completes {
            Some(result) => (result.pass.as_str(), result.score.as_str()),
            None => (enrolment.pass.as_str(), enrolment.score.as_str()),
        };
        let answered = Answered {
            state: step.to.as_str(),
            association_id: &association_id,
            pass,
            score,
            next_in_seconds: every.as_secs() as i64,
        };
        store::record_answer(conn, activity_id, &answered).await?;
        if step.to != current {
            let event = events::school_enrolment_changed(&plan, &enrolment, step.to.as_str());
            record(conn, &event).await?;
        }
        if let Some(result) = &step.completes {
            complete_from_school(conn, &plan, activity_id, result).await?;
        }
        Ok(())
    })
    .await
}

/// A school's final result completes the activity, unless someone completed it
/// already: passed, with the course as its credential from the school.
async fn complete_from_school(
    conn: &mut AsyncPgConnection,
    plan: &PlanRow,
    activity_id: Uuid,
    result: &SchoolResult,
) -> Result<(), ApiError> {
    let Some(activity) = plans::activity_for_update(conn, activity_id).await? else {
        return Ok(());
    };
    if activity.completed_at.is_some() || plan.erased_at.is_some() {
        return Ok(());
    }
    let now = Utc::now();
    // A result dated by day counts from noon (UTC): within the day in every Dutch hour.
    let completed_at = result
        .date
        .map(|day| DateTime::from_naive_utc_and_offset(day.and_time(NaiveTime::MIN), Utc))
        .map(|at| at + chrono::Duration::hours(12))
        .map_or(now, |at| at.max(activity.created_at).min(now));
    let credential =
        result
            .passed()
            .then_some((activity.title.as_str(), activity.provider.as_str(), ""));
    let completion = Completion {
        actual_hours: activity.planned_hours,
        credential,
        completed_at,
    };
    let completed = plans::complete_activity(conn, activity_id, &completion).await?;
    super::plans::record_completion(conn, plan, &completed).await?;
    tracing::info!(activity = %activity_id, pass = %result.pass, "completed from the school's result");
    Ok(())
}
