//! Issued credentials and each region's status list allocation.
use chrono::{DateTime, Utc};
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{credentials, status_lists};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = credentials)]
pub struct CredentialRow {
    pub id: Uuid,
    pub participant_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub region: String,
    pub activity_id: Uuid,
    pub achievement_name: String,
    pub jwt: Option<String>,
    pub key_id: String,
    pub status_index: i32,
    pub issue_time: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: String,
}

#[derive(Insertable)]
#[diesel(table_name = credentials)]
pub struct NewCredential<'a> {
    pub id: Uuid,
    pub participant_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub region: &'a str,
    pub activity_id: Uuid,
    pub achievement_name: &'a str,
    pub jwt: Option<&'a str>,
    pub key_id: &'a str,
    pub status_index: i32,
    pub issue_time: DateTime<Utc>,
}

llo_chassis::find_by_id!(pub fn find(credentials) -> CredentialRow);
llo_chassis::find_by_id!(
    /// As `find`, locked until the transaction ends.
    pub fn find_for_update(credentials) -> CredentialRow, locked
);

/// Whether the activity has its credential already (a redelivered completion).
pub async fn issued_for(conn: &mut AsyncPgConnection, activity_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        credentials::table.filter(credentials::activity_id.eq(activity_id)),
    ))
    .get_result(conn)
    .await
}

/// Counts one more credential of the region and returns how many it has issued; the
/// region's row stays locked until the caller's transaction ends, so that issues of one
/// region take their status list indexes in turn.
pub async fn count_issue(conn: &mut AsyncPgConnection, region: &str) -> QueryResult<i32> {
    diesel::insert_into(status_lists::table)
        .values((
            status_lists::region.eq(region),
            status_lists::next_index.eq(1),
        ))
        .on_conflict(status_lists::region)
        .do_update()
        .set(
            status_lists::next_index
                .eq(status_lists::next_index + excluded(status_lists::next_index)),
        )
        .returning(status_lists::next_index)
        .get_result(conn)
        .await
}

/// Whether a credential of the region holds the status list index.
pub async fn index_taken(
    conn: &mut AsyncPgConnection,
    region: &str,
    index: i32,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        credentials::table
            .filter(credentials::region.eq(region))
            .filter(credentials::status_index.eq(index)),
    ))
    .get_result(conn)
    .await
}

/// The index after the region's highest, for when random picks keep hitting taken ones.
pub async fn index_after_highest(conn: &mut AsyncPgConnection, region: &str) -> QueryResult<i32> {
    let highest: Option<i32> = credentials::table
        .filter(credentials::region.eq(region))
        .select(diesel::dsl::max(credentials::status_index))
        .get_result(conn)
        .await?;
    Ok(highest.map_or(0, |h| h + 1))
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewCredential<'_>) -> QueryResult<()> {
    diesel::insert_into(credentials::table)
        .values(new)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A page of the participant's credentials, in the order they were issued (UUIDv7 ids).
pub async fn of_participant(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<CredentialRow>> {
    let mut query = credentials::table
        .filter(credentials::participant_id.eq(participant_id))
        .select(CredentialRow::as_select())
        .order(credentials::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(credentials::id.gt(after));
    }
    query.load(conn).await
}

/// The credential at a region's status index, if one was issued there.
pub async fn at_index(
    conn: &mut AsyncPgConnection,
    region: &str,
    index: i32,
) -> QueryResult<Option<CredentialRow>> {
    credentials::table
        .filter(credentials::region.eq(region))
        .filter(credentials::status_index.eq(index))
        .select(CredentialRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The status indexes of the region's revoked credentials: the bits its list sets.
pub async fn revoked_indexes(conn: &mut AsyncPgConnection, region: &str) -> QueryResult<Vec<i32>> {
    credentials::table
        .filter(credentials::region.eq(region))
        .filter(credentials::revoked_at.is_not_null())
        .select(credentials::status_index)
        .load(conn)
        .await
}

pub async fn revoke(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: &str,
) -> QueryResult<CredentialRow> {
    diesel::update(credentials::table.find(id))
        .set((
            credentials::revoked_at.eq(Utc::now()),
            credentials::revoke_reason.eq(reason),
        ))
        .returning(CredentialRow::as_returning())
        .get_result(conn)
        .await
}

/// Erasure: the issuer forgets who holds its credentials (the link and its copy of the
/// signed credential, and a revocation's free-text reason, which may name them) and keeps
/// what verification needs (id, status bit, revocation).
pub async fn forget_participant(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
) -> QueryResult<usize> {
    diesel::update(credentials::table.filter(credentials::participant_id.eq(participant_id)))
        .set((
            credentials::participant_id.eq(None::<Uuid>),
            credentials::jwt.eq(None::<String>),
            credentials::revoke_reason.eq(""),
        ))
        .execute(conn)
        .await
}
