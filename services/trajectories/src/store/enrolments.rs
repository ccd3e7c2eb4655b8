//! Places asked of schools over OOAPI (`school_enrolments`), one per learning activity.
use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
pub struct EnrolmentRow {
    #[diesel(sql_type = SqlUuid)]
    pub activity_id: Uuid,
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Text)]
    pub provider: String,
    #[diesel(sql_type = Text)]
    pub run_id: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub association_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub pass: String,
    #[diesel(sql_type = Text)]
    pub score: String,
    #[diesel(sql_type = Integer)]
    pub failures: i32,
    #[diesel(sql_type = Text)]
    pub last_error: String,
    #[diesel(sql_type = Timestamptz)]
    pub update_time: DateTime<Utc>,
}

const COLUMNS: &str = "e.activity_id, e.region, e.provider, e.run_id, e.state, \
     e.association_id, e.pass, e.score, e.failures, e.last_error, e.update_time";
const OPEN: &str = "('requested', 'pending', 'associated', 'queued')";

/// A place to ask for, sent by the worker soon.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    activity_id: Uuid,
    region: &str,
    provider: &str,
    run_id: &str,
) -> diesel::QueryResult<EnrolmentRow> {
    diesel::sql_query(format!(
        "INSERT INTO school_enrolments AS e (activity_id, region, provider, run_id) \
         VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(activity_id)
    .bind::<Text, _>(region)
    .bind::<Text, _>(provider)
    .bind::<Text, _>(run_id)
    .get_result(conn)
    .await
}

/// The enrolments of these activities.
pub async fn of_activities(
    conn: &mut AsyncPgConnection,
    activity_ids: &[Uuid],
) -> diesel::QueryResult<Vec<EnrolmentRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM school_enrolments e WHERE e.activity_id = ANY($1)"
    ))
    .bind::<Array<SqlUuid>, _>(activity_ids)
    .load(conn)
    .await
}

/// An enrolment, locked until the transaction ends.
pub async fn for_update(
    conn: &mut AsyncPgConnection,
    activity_id: Uuid,
) -> diesel::QueryResult<Option<EnrolmentRow>> {
    use diesel::OptionalExtension as _;
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM school_enrolments e WHERE e.activity_id = $1 FOR UPDATE"
    ))
    .bind::<SqlUuid, _>(activity_id)
    .get_result(conn)
    .await
    .optional()
}

/// An open enrolment due to be sent or asked after, with its school's base URL.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueEnrolment {
    #[diesel(embed)]
    pub enrolment: EnrolmentRow,
    #[diesel(sql_type = Text)]
    pub base_url: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Jsonb>)]
    pub login: Option<serde_json::Value>,
}

/// Up to `limit` due open enrolments, claimed for `lease_seconds` (their `due_at` moves
/// on), so that another replica skips them while this one calls the school.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    limit: i64,
    lease_seconds: i64,
) -> diesel::QueryResult<Vec<DueEnrolment>> {
    diesel::sql_query(format!(
        "UPDATE school_enrolments e SET due_at = now() + make_interval(secs => $2) \
         FROM catalogue_sources s \
         WHERE e.activity_id IN (SELECT activity_id FROM school_enrolments \
                 WHERE state IN {OPEN} AND due_at <= now() \
                 ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
           AND s.region = e.region AND s.provider = e.provider \
         RETURNING {COLUMNS}, s.base_url, s.login"
    ))
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(lease_seconds)
    .load(conn)
    .await
}

/// The school's answer: its state, ids and result; the failures are over.
pub struct Answered<'a> {
    pub state: &'a str,
    pub association_id: &'a str,
    pub pass: &'a str,
    pub score: &'a str,
    pub next_in_seconds: i64,
}

pub async fn record_answer(
    conn: &mut AsyncPgConnection,
    activity_id: Uuid,
    answer: &Answered<'_>,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE school_enrolments SET \
           update_time = CASE WHEN state = $2 THEN update_time ELSE now() END, \
           state = $2, association_id = $3, pass = $4, score = $5, failures = 0, \
           last_error = '', due_at = now() + make_interval(secs => $6) \
         WHERE activity_id = $1",
    )
    .bind::<SqlUuid, _>(activity_id)
    .bind::<Text, _>(answer.state)
    .bind::<Text, _>(answer.association_id)
    .bind::<Text, _>(answer.pass)
    .bind::<Text, _>(answer.score)
    .bind::<BigInt, _>(answer.next_in_seconds)
    .execute(conn)
    .await
    .map(drop)
}

/// A failed call: counted, said why, and asked again after `next_in_seconds`.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    activity_id: Uuid,
    reason: &str,
    next_in_seconds: i64,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE school_enrolments SET failures = failures + 1, last_error = $2, \
           due_at = now() + make_interval(secs => $3) \
         WHERE activity_id = $1",
    )
    .bind::<SqlUuid, _>(activity_id)
    .bind::<Text, _>(reason)
    .bind::<BigInt, _>(next_in_seconds)
    .execute(conn)
    .await
    .map(drop)
}

/// An erased participant's places are forgotten: the school's association ids go, and
/// nothing is asked after any more.
pub async fn forget_plan(conn: &mut AsyncPgConnection, plan_id: Uuid) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "DELETE FROM school_enrolments WHERE activity_id IN \
           (SELECT id FROM learning_activities WHERE plan_id = $1)",
    )
    .bind::<SqlUuid, _>(plan_id)
    .execute(conn)
    .await
    .map(drop)
}
