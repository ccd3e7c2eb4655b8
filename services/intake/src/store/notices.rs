//! The notices outbox and the workshops notices speak of (docs/notices.md).
use chrono::{DateTime, Utc};
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{notice_workshops, notices};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notices)]
pub struct NoticeRow {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub ics: Option<String>,
    pub attempts: i32,
}

#[derive(Insertable)]
#[diesel(table_name = notices)]
pub struct NewNotice<'a> {
    pub id: Uuid,
    pub source_key: &'a str,
    pub participant_id: Uuid,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub ics: Option<&'a str>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// Queues a notice; one already queued for the same source, recipient and kind stays the
/// only one (false).
pub async fn insert(conn: &mut AsyncPgConnection, notice: &NewNotice<'_>) -> QueryResult<bool> {
    let rows = diesel::insert_into(notices::table)
        .values(notice)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(rows == 1)
}

/// The pending notices due now, locked (skipped by another worker), oldest first.
pub async fn due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<NoticeRow>> {
    notices::table
        .filter(notices::state.eq("pending"))
        .filter(notices::next_attempt_at.le(now))
        .order(notices::next_attempt_at.asc())
        .limit(limit)
        .for_update()
        .skip_locked()
        .select(NoticeRow::as_select())
        .load(conn)
        .await
}

pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(notices::table.find(id))
        .set((
            notices::state.eq("sent"),
            notices::attempts.eq(notices::attempts + 1),
            notices::sent_at.eq(Some(at)),
            notices::last_error.eq(""),
        ))
        .execute(conn)
        .await
}

/// One failed attempt: tried again at `retry_at`, or given up (`failed`) when `None`.
pub async fn mark_attempt_failed(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    let target = diesel::update(notices::table.find(id));
    match retry_at {
        Some(at) => {
            target
                .set((
                    notices::attempts.eq(notices::attempts + 1),
                    notices::next_attempt_at.eq(at),
                    notices::last_error.eq(error),
                ))
                .execute(conn)
                .await
        }
        None => {
            target
                .set((
                    notices::attempts.eq(notices::attempts + 1),
                    notices::state.eq("failed"),
                    notices::last_error.eq(error),
                ))
                .execute(conn)
                .await
        }
    }
}

/// Erasure: the participant's notices, queued or sent, and their texts are deleted.
pub async fn forget_participant(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
) -> QueryResult<usize> {
    diesel::delete(notices::table.filter(notices::participant_id.eq(participant_id)))
        .execute(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notice_workshops)]
pub struct WorkshopRow {
    pub workshop_id: Uuid,
    pub region: String,
    pub title: String,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub sequence: i32,
}

/// Keeps the workshop's title and times; a later change raises its invitation's sequence.
pub async fn upsert_workshop(conn: &mut AsyncPgConnection, row: &WorkshopRow) -> QueryResult<()> {
    diesel::insert_into(notice_workshops::table)
        .values(row)
        .on_conflict(notice_workshops::workshop_id)
        .do_update()
        .set((
            notice_workshops::title.eq(excluded(notice_workshops::title)),
            notice_workshops::start_time.eq(excluded(notice_workshops::start_time)),
            notice_workshops::end_time.eq(excluded(notice_workshops::end_time)),
            notice_workshops::sequence.eq(notice_workshops::sequence + 1),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn workshop(
    conn: &mut AsyncPgConnection,
    workshop_id: Uuid,
) -> QueryResult<Option<WorkshopRow>> {
    notice_workshops::table
        .find(workshop_id)
        .select(WorkshopRow::as_select())
        .first(conn)
        .await
        .optional()
}
