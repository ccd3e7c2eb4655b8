//! The read models' upserts. Each is keyed by the entity's id and merges so that the
//! same facts in any order, any number of times, give the same row: immutable facts
//! are inserted once, state is the last writer by occur time (ties broken by a fixed
//! rank of the states), and facts that arrive from two events fill different columns.
//! The most frequent kinds are in `many.rs`, one statement for a whole batch.
use chrono::{DateTime, Utc};
use diesel::Insertable;
use diesel::sql_types::{Bool, Integer, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema;
use uuid::Uuid;

type Conn = AsyncPgConnection;
type R = diesel::QueryResult<()>;

pub async fn participant_erased(conn: &mut Conn, id: Uuid, organisation: Uuid, region: &str) -> R {
    diesel::sql_query(
        "INSERT INTO rm_participants (id, organisation_id, region, erased) \
         VALUES ($1, $2, $3, true) ON CONFLICT (id) DO UPDATE SET erased = true",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(organisation)
    .bind::<Text, _>(region)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct Scan<'a> {
    pub organisation_id: Uuid,
    pub round: &'a str,
    pub region: &'a str,
    pub sector: &'a str,
    pub assessment_id: Uuid,
    pub respondent_count: i32,
    pub scores: serde_json::Value,
    pub at: DateTime<Utc>,
}

pub async fn scan(conn: &mut Conn, scan: &Scan<'_>) -> R {
    diesel::sql_query(
        "INSERT INTO rm_scans AS s (organisation_id, round, region, sector, assessment_id, \
           respondent_count, scores, version_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (organisation_id, round) DO UPDATE SET region = EXCLUDED.region, \
         sector = EXCLUDED.sector, assessment_id = EXCLUDED.assessment_id, \
         respondent_count = EXCLUDED.respondent_count, scores = EXCLUDED.scores, \
         version_time = EXCLUDED.version_time \
         WHERE (s.version_time, s.assessment_id) < (EXCLUDED.version_time, EXCLUDED.assessment_id)",
    )
    .bind::<SqlUuid, _>(scan.organisation_id)
    .bind::<Text, _>(scan.round)
    .bind::<Text, _>(scan.region)
    .bind::<Text, _>(scan.sector)
    .bind::<SqlUuid, _>(scan.assessment_id)
    .bind::<Integer, _>(scan.respondent_count)
    .bind::<Jsonb, _>(&scan.scores)
    .bind::<Timestamptz, _>(scan.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A trajectory's state: the last writer by occur time; at the same time the later
/// state of the life cycle (its rank) wins.
pub async fn trajectory_state(
    conn: &mut Conn,
    id: Uuid,
    organisation: Uuid,
    region: &str,
    status: &str,
    rank: i32,
    at: DateTime<Utc>,
) -> R {
    diesel::sql_query(
        "INSERT INTO rm_trajectories AS t (id, organisation_id, region, status, status_rank, status_time) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET \
         organisation_id = EXCLUDED.organisation_id, region = EXCLUDED.region, \
         status = EXCLUDED.status, status_rank = EXCLUDED.status_rank, \
         status_time = EXCLUDED.status_time \
         WHERE (t.status_time, t.status_rank) < (EXCLUDED.status_time, EXCLUDED.status_rank)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(organisation)
    .bind::<Text, _>(region)
    .bind::<Text, _>(status)
    .bind::<Integer, _>(rank)
    .bind::<Timestamptz, _>(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn coach_assigned(conn: &mut Conn, id: Uuid, organisation: Uuid, region: &str) -> R {
    diesel::sql_query(
        "INSERT INTO rm_trajectories (id, organisation_id, region, status, status_rank, status_time, coach_assigned) \
         VALUES ($1, $2, $3, 'proposed', 0, '-infinity', true) \
         ON CONFLICT (id) DO UPDATE SET coach_assigned = true",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(organisation)
    .bind::<Text, _>(region)
    .execute(conn)
    .await?;
    Ok(())
}

/// A learning activity as both its events name it.
pub struct Activity<'a> {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
    pub kind: &'a str,
}

/// What the completion of an activity adds.
pub struct Completion {
    pub actual_hours: i32,
    pub credential: bool,
    pub at: DateTime<Utc>,
    /// The course's ESCO skill URIs, space-separated (a URI has no spaces): one text per
    /// row for the batch's `unnest`, split back into an array there.
    pub skill_uris: String,
}

pub async fn workshop_cancelled(conn: &mut Conn, id: Uuid, region: &str) -> R {
    diesel::sql_query(
        "INSERT INTO rm_workshops (id, region, cancelled) VALUES ($1, $2, true) \
         ON CONFLICT (id) DO UPDATE SET cancelled = true",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(region)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct Registration<'a> {
    pub id: Uuid,
    pub workshop_id: Uuid,
    pub participant_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub region: &'a str,
}

/// A project participant's plan; the latest by occur time replaces the earlier.
pub struct ProjectParticipant<'a> {
    pub region: &'a str,
    pub participant: &'a str,
    pub sme: bool,
    /// `[{work_package, planned_cents}]`.
    pub budget: serde_json::Value,
    pub at: DateTime<Utc>,
}

pub async fn project_participant(conn: &mut Conn, p: &ProjectParticipant<'_>) -> R {
    diesel::sql_query(
        "INSERT INTO rm_project_participants AS p (region, participant, sme, budget, set_time) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (region, participant) DO UPDATE SET \
         sme = EXCLUDED.sme, budget = EXCLUDED.budget, set_time = EXCLUDED.set_time \
         WHERE (p.set_time, p.sme, p.budget::text) \
             < (EXCLUDED.set_time, EXCLUDED.sme, EXCLUDED.budget::text)",
    )
    .bind::<Text, _>(p.region)
    .bind::<Text, _>(p.participant)
    .bind::<Bool, _>(p.sme)
    .bind::<Jsonb, _>(&p.budget)
    .bind::<Timestamptz, _>(p.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts immutable facts (one statement for many) once: a redelivery or a rebuild leaves its row as it was.
macro_rules! facts {
    ($($(#[$meta:meta])* $name:ident: $row:ident => $table:ident;)*) => {
        $($(#[$meta])*
        pub async fn $name(conn: &mut Conn, rows: &[$row<'_>]) -> R {
            diesel::insert_into(schema::$table::table)
                .values(rows)
                .on_conflict_do_nothing()
                .execute(conn)
                .await
                .map(drop)
        })*
    };
}

facts! {
    intervention: Intervention => rm_interventions;
    coaching_session: CoachingSession => rm_coaching_sessions;
    development_plans: DevelopmentPlan => rm_development_plans;
    funding: Allocation => rm_funding_allocations;
    knowledge_item: KnowledgeItem => rm_knowledge_items;
    /// The comment never leaves community; the rating stays after an erasure.
    feedback: Feedback => rm_feedback;
    /// An approved cost of the grant's books, keyed by the entry's or invoice's id.
    project_cost: ProjectCost => rm_project_costs;
}

#[derive(Insertable)]
#[diesel(table_name = schema::rm_interventions)]
pub struct Intervention<'a> {
    pub id: Uuid,
    pub trajectory_id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
    pub kind: &'a str,
    pub dimension_id: &'a str,
    pub planned_hours: i32,
}

#[derive(Insertable)]
#[diesel(table_name = schema::rm_coaching_sessions)]
pub struct CoachingSession<'a> {
    pub id: Uuid,
    pub trajectory_id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
    pub duration_minutes: i32,
}

#[derive(Insertable)]
#[diesel(table_name = schema::rm_development_plans)]
pub struct DevelopmentPlan<'a> {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = schema::rm_funding_allocations)]
pub struct Allocation<'a> {
    pub id: Uuid,
    pub activity_id: Uuid,
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
    pub source: &'a str,
    pub amount_cents: i64,
}

#[derive(Insertable)]
#[diesel(table_name = schema::rm_knowledge_items)]
pub struct KnowledgeItem<'a> {
    pub id: Uuid,
    pub region: &'a str,
    pub kind: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = schema::rm_feedback)]
pub struct Feedback<'a> {
    pub id: Uuid,
    pub region: &'a str,
    pub registration_id: Uuid,
    pub workshop_id: Uuid,
    pub participant_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub rating: i32,
}

#[derive(Insertable)]
#[diesel(table_name = schema::rm_project_costs)]
pub struct ProjectCost<'a> {
    pub id: Uuid,
    pub region: &'a str,
    pub participant: &'a str,
    pub work_package: &'a str,
    pub cost_type: &'a str,
    pub minutes: i64,
    pub hourly_rate_cents: i64,
    pub invoiced_cents: i64,
    pub cost_date: chrono::NaiveDate,
}
