//! The coach registry: who may be assigned to a region's trajectories.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{coaches, trajectories};
use crate::domain::lifecycle::Status;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = coaches)]
pub struct CoachRow {
    pub id: Uuid,
    pub subject: String,
    pub name: String,
    pub organisation_name: String,
    pub email: Option<String>,
    pub regions: Vec<String>,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The entry of a token subject, locked until the transaction ends: a registration
/// replaces its regions from what it read, and an assignment must not race a change of
/// the coach's regions.
pub async fn by_subject_for_update(
    conn: &mut AsyncPgConnection,
    subject: &str,
) -> QueryResult<Option<CoachRow>> {
    coaches::table
        .filter(coaches::subject.eq(subject))
        .select(CoachRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Inserts a new entry or replaces an existing one's details (same subject).
pub async fn save(conn: &mut AsyncPgConnection, row: &CoachRow) -> QueryResult<CoachRow> {
    diesel::insert_into(coaches::table)
        .values(row)
        .on_conflict(coaches::subject)
        .do_update()
        .set((
            coaches::name.eq(&row.name),
            coaches::organisation_name.eq(&row.organisation_name),
            coaches::email.eq(&row.email),
            coaches::regions.eq(&row.regions),
            coaches::updated_at.eq(row.updated_at),
        ))
        .returning(CoachRow::as_returning())
        .get_result(conn)
        .await
}

/// Coaches serving any of `regions`, in order of registration.
pub async fn list(
    conn: &mut AsyncPgConnection,
    regions: &[&str],
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<CoachRow>> {
    let mut query = coaches::table
        .filter(coaches::regions.overlaps_with(regions))
        .select(CoachRow::as_select())
        .order(coaches::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(coaches::id.gt(after));
    }
    query.load(conn).await
}

/// The open (proposed or active) trajectories in `regions` of the given coaches:
/// (coach subject, trajectory id), oldest first.
pub async fn open_trajectories(
    conn: &mut AsyncPgConnection,
    subjects: &[&str],
    regions: &[&str],
) -> QueryResult<Vec<(String, Uuid)>> {
    trajectories::table
        .filter(trajectories::coach_id.eq_any(subjects))
        .filter(trajectories::status.eq_any([Status::Proposed.as_str(), Status::Active.as_str()]))
        .filter(trajectories::region.eq_any(regions))
        .select((trajectories::coach_id.assume_not_null(), trajectories::id))
        .order(trajectories::id)
        .load(conn)
        .await
}
