use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{development_plans, funding_allocations, learning_activities, learning_goals};
use crate::domain::plan::{ActivityKind, ActivityStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = development_plans)]
pub struct PlanRow {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: String,
    pub erased_at: Option<DateTime<Utc>>,
}

/// A plan to create for an enrolled participant.
pub struct NewPlan<'a> {
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
}

/// Creates the plans that do not exist yet, in one statement; returns those created,
/// in the order asked. A participant with a plan (or an erased one's tombstone) is left
/// as it is, as is a second of the same participant.
pub async fn create_missing(
    conn: &mut AsyncPgConnection,
    new: &[NewPlan<'_>],
) -> QueryResult<Vec<PlanRow>> {
    let rows: Vec<_> = new
        .iter()
        .map(|plan| {
            (
                development_plans::id.eq(Uuid::now_v7()),
                development_plans::participant_id.eq(plan.participant_id),
                development_plans::organisation_id.eq(plan.organisation_id),
                development_plans::region.eq(plan.region),
            )
        })
        .collect();
    let mut created: Vec<PlanRow> = diesel::insert_into(development_plans::table)
        .values(rows)
        .on_conflict(development_plans::participant_id)
        .do_nothing()
        .returning(PlanRow::as_returning())
        .get_results(conn)
        .await?;
    let position = |participant: Uuid| new.iter().position(|p| p.participant_id == participant);
    created.sort_by_key(|plan| position(plan.participant_id));
    Ok(created)
}

/// The participant's plan, created when missing; `true` when it was created now.
pub async fn ensure(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
    organisation_id: Uuid,
    region: &str,
) -> QueryResult<(PlanRow, bool)> {
    let created = diesel::insert_into(development_plans::table)
        .values((
            development_plans::id.eq(Uuid::now_v7()),
            development_plans::participant_id.eq(participant_id),
            development_plans::organisation_id.eq(organisation_id),
            development_plans::region.eq(region),
        ))
        .on_conflict(development_plans::participant_id)
        .do_nothing()
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    match created {
        Some(plan) => Ok((plan, true)),
        None => Ok((
            by_participant_for_update(conn, participant_id)
                .await?
                .ok_or(diesel::result::Error::NotFound)?,
            false,
        )),
    }
}

/// The participant's plan, locked until the transaction ends. Every write to a plan
/// takes this lock first, so no goal or activity can be written beside a purge.
pub async fn by_participant_for_update(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
) -> QueryResult<Option<PlanRow>> {
    development_plans::table
        .filter(development_plans::participant_id.eq(participant_id))
        .select(PlanRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

llo_chassis::find_by_id! {
    /// A plan by id, locked until the transaction ends (see `by_participant_for_update`).
    pub fn find_for_update(development_plans) -> PlanRow, locked
}

/// The plan an activity belongs to (unlocked: the plan is locked before the activity).
pub async fn plan_of_activity(
    conn: &mut AsyncPgConnection,
    activity_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    learning_activities::table
        .find(activity_id)
        .select(learning_activities::plan_id)
        .first(conn)
        .await
        .optional()
}

pub async fn by_participant(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
) -> QueryResult<Option<PlanRow>> {
    development_plans::table
        .filter(development_plans::participant_id.eq(participant_id))
        .select(PlanRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<PlanRow>> {
    development_plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .await
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = learning_goals)]
pub struct GoalRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub theme: String,
    pub description: String,
    pub need_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub skill_uris: Vec<String>,
}

/// A goal; `None` when the need already made one.
pub async fn insert_goal(
    conn: &mut AsyncPgConnection,
    plan_id: Uuid,
    theme: &str,
    description: &str,
    need_id: Option<Uuid>,
    skill_uris: &[String],
) -> QueryResult<Option<GoalRow>> {
    diesel::insert_into(learning_goals::table)
        .values((
            learning_goals::id.eq(Uuid::now_v7()),
            learning_goals::plan_id.eq(plan_id),
            learning_goals::theme.eq(theme),
            learning_goals::description.eq(description),
            learning_goals::need_id.eq(need_id),
            learning_goals::skill_uris.eq(skill_uris),
        ))
        .on_conflict_do_nothing()
        .returning(GoalRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn goals(conn: &mut AsyncPgConnection, plan_id: Uuid) -> QueryResult<Vec<GoalRow>> {
    learning_goals::table
        .filter(learning_goals::plan_id.eq(plan_id))
        .select(GoalRow::as_select())
        .order(learning_goals::id)
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = learning_activities)]
pub struct ActivityRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub goal_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub provider: String,
    pub theme: String,
    pub offering_id: Option<Uuid>,
    pub planned_hours: i32,
    pub actual_hours: Option<i32>,
    pub cost_cents: i64,
    pub status: String,
    pub credential_name: Option<String>,
    pub credential_issuer: Option<String>,
    pub credential_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub struct NewActivity<'a> {
    pub plan_id: Uuid,
    pub goal_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub title: &'a str,
    pub provider: &'a str,
    pub theme: &'a str,
    pub offering_id: Option<Uuid>,
    pub planned_hours: i32,
    pub cost_cents: i64,
}

pub async fn insert_activity(
    conn: &mut AsyncPgConnection,
    new: &NewActivity<'_>,
) -> QueryResult<ActivityRow> {
    diesel::insert_into(learning_activities::table)
        .values((
            learning_activities::id.eq(Uuid::now_v7()),
            learning_activities::plan_id.eq(new.plan_id),
            learning_activities::goal_id.eq(new.goal_id),
            learning_activities::kind.eq(new.kind.as_str()),
            learning_activities::title.eq(new.title),
            learning_activities::provider.eq(new.provider),
            learning_activities::theme.eq(new.theme),
            learning_activities::offering_id.eq(new.offering_id),
            learning_activities::planned_hours.eq(new.planned_hours),
            learning_activities::cost_cents.eq(new.cost_cents),
            learning_activities::status.eq(ActivityStatus::Planned.as_str()),
        ))
        .returning(ActivityRow::as_returning())
        .get_result(conn)
        .await
}

/// A workshop attended in the learning community, as a completed activity of kind
/// workshop. `None` when this registration's attendance is in the plan already.
pub struct AttendedWorkshop<'a> {
    pub plan_id: Uuid,
    pub registration_id: Uuid,
    pub title: &'a str,
    pub theme: &'a str,
    pub hours: i32,
    pub attended_at: DateTime<Utc>,
}

pub async fn insert_attended_workshop(
    conn: &mut AsyncPgConnection,
    attended: &AttendedWorkshop<'_>,
) -> QueryResult<Option<ActivityRow>> {
    diesel::insert_into(learning_activities::table)
        .values((
            learning_activities::id.eq(Uuid::now_v7()),
            learning_activities::plan_id.eq(attended.plan_id),
            learning_activities::kind.eq(ActivityKind::Workshop.as_str()),
            learning_activities::title.eq(attended.title),
            learning_activities::provider.eq("lerende community"),
            learning_activities::theme.eq(attended.theme),
            learning_activities::planned_hours.eq(attended.hours),
            learning_activities::actual_hours.eq(attended.hours),
            learning_activities::cost_cents.eq(0_i64),
            learning_activities::status.eq(ActivityStatus::Completed.as_str()),
            learning_activities::completed_at.eq(attended.attended_at),
            learning_activities::attended_registration_id.eq(attended.registration_id),
        ))
        .on_conflict(learning_activities::attended_registration_id)
        .do_nothing()
        .returning(ActivityRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

llo_chassis::find_by_id! {
    pub fn activity_for_update(learning_activities) -> ActivityRow, locked
}

pub async fn activities(
    conn: &mut AsyncPgConnection,
    plan_id: Uuid,
) -> QueryResult<Vec<ActivityRow>> {
    learning_activities::table
        .filter(learning_activities::plan_id.eq(plan_id))
        .select(ActivityRow::as_select())
        .order(learning_activities::id)
        .load(conn)
        .await
}

pub struct Completion<'a> {
    pub actual_hours: i32,
    pub credential: Option<(&'a str, &'a str, &'a str)>,
    pub completed_at: DateTime<Utc>,
}

pub async fn complete_activity(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    completion: &Completion<'_>,
) -> QueryResult<ActivityRow> {
    let (name, issuer, url) = completion
        .credential
        .map_or((None, None, None), |(n, i, u)| (Some(n), Some(i), Some(u)));
    diesel::update(learning_activities::table.find(id))
        .set((
            learning_activities::status.eq(ActivityStatus::Completed.as_str()),
            learning_activities::actual_hours.eq(completion.actual_hours),
            learning_activities::credential_name.eq(name),
            learning_activities::credential_issuer.eq(issuer),
            learning_activities::credential_url.eq(url),
            learning_activities::completed_at.eq(completion.completed_at),
        ))
        .returning(ActivityRow::as_returning())
        .get_result(conn)
        .await
}

/// Funded amount per activity.
pub async fn funded(
    conn: &mut AsyncPgConnection,
    activity_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, i64)>> {
    // SUM(bigint) is NUMERIC in PostgreSQL: cast it back to a bigint.
    funding_allocations::table
        .filter(funding_allocations::activity_id.eq_any(activity_ids))
        .group_by(funding_allocations::activity_id)
        .select((
            funding_allocations::activity_id,
            diesel::dsl::sql::<diesel::sql_types::BigInt>("SUM(amount_cents)::bigint"),
        ))
        .load(conn)
        .await
}

/// Purges what is held about an erased participant: goals (free text) go, activity
/// titles and credentials (names, issuers, links) are blanked — that a credential was
/// earned stays, as do kinds, themes, hours and amounts, so budgets and figures still
/// add up. The plan is locked first, as every write to it does.
pub async fn purge(conn: &mut AsyncPgConnection, participant_id: Uuid) -> QueryResult<bool> {
    let Some(plan) = by_participant_for_update(conn, participant_id).await? else {
        return Ok(false);
    };
    diesel::update(learning_activities::table.filter(learning_activities::plan_id.eq(plan.id)))
        .set((
            learning_activities::title.eq(""),
            learning_activities::goal_id.eq(None::<Uuid>),
            // An empty name still says "a credential was earned"; NULL says none was.
            learning_activities::credential_name.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Text>,
            >(
                "CASE WHEN credential_name IS NULL THEN NULL ELSE '' END",
            )),
            learning_activities::credential_issuer.eq(None::<String>),
            learning_activities::credential_url.eq(None::<String>),
        ))
        .execute(conn)
        .await?;
    diesel::delete(learning_goals::table.filter(learning_goals::plan_id.eq(plan.id)))
        .execute(conn)
        .await?;
    diesel::update(development_plans::table.find(plan.id))
        .set(development_plans::erased_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(true)
}
