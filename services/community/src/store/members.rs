//! Members (companies and partners) and the participants community knows of.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{members, participants};
use crate::domain::model::MemberType;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = members)]
pub struct MemberRow {
    pub id: Uuid,
    pub region: String,
    #[diesel(deserialize_as = super::Known<MemberType>)]
    pub member_type: MemberType,
    pub name: String,
    pub organisation_id: Option<Uuid>,
    pub sector: Option<String>,
    pub contact_role: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = members)]
pub struct NewMember<'a> {
    pub id: Uuid,
    pub region: &'a str,
    pub member_type: &'a str,
    pub name: &'a str,
    pub organisation_id: Option<Uuid>,
    pub sector: Option<&'a str>,
    pub contact_role: Option<&'a str>,
}

/// Inserts a member; `None` when it exists already (a company seen before).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewMember<'_>,
) -> QueryResult<Option<MemberRow>> {
    diesel::insert_into(members::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(MemberRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<MemberRow>> {
    members::table
        .find(id)
        .select(MemberRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub struct ListFilter<'a> {
    pub regions: Vec<&'a str>,
    pub member_type: Option<&'a str>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: ListFilter<'_>,
) -> QueryResult<Vec<MemberRow>> {
    let mut query = members::table
        .filter(members::region.eq_any(&filter.regions))
        .select(MemberRow::as_select())
        .order(members::id)
        .limit(filter.limit)
        .into_boxed();
    if let Some(member_type) = filter.member_type {
        query = query.filter(members::member_type.eq(member_type));
    }
    if let Some(after) = filter.after {
        query = query.filter(members::id.gt(after));
    }
    query.load(conn).await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = participants)]
pub struct ParticipantRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub region: String,
    pub created_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// Enrolled participants (id, organisation, region), in one statement; one known
/// already (or erased: its tombstone) is left as it is.
pub async fn upsert_participants(
    conn: &mut AsyncPgConnection,
    enrolled: &[(Uuid, Uuid, &str)],
) -> QueryResult<()> {
    let rows: Vec<_> = enrolled
        .iter()
        .map(|(id, organisation_id, region)| {
            (
                participants::id.eq(*id),
                participants::organisation_id.eq(*organisation_id),
                participants::region.eq(*region),
            )
        })
        .collect();
    diesel::insert_into(participants::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

llo_chassis::find_by_id! {
    /// The participant, locked until the transaction ends (an erasure waits for a
    /// registration about them, and the other way round).
    pub fn participant_for_update(participants) -> ParticipantRow, locked
}

/// Marks the participant erased, leaving a tombstone when the enrolment never came,
/// so that a late enrolment cannot bring them back.
pub async fn erase_participant(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    organisation_id: Uuid,
    region: &str,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::insert_into(participants::table)
        .values((
            participants::id.eq(id),
            participants::organisation_id.eq(organisation_id),
            participants::region.eq(region),
            participants::erased_at.eq(now),
        ))
        .on_conflict(participants::id)
        .do_update()
        .set(participants::erased_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}
