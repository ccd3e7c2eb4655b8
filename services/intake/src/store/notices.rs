//! The notices outbox and the workshops notices speak of (docs/notices.md).
use chrono::{DateTime, Utc};
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{notice_registrations, notice_workshops, notices};

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
    /// The person told, or else the organisation whose HR contact is told.
    pub participant_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
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

/// Claims up to `limit` pending notices due at `now` for one sender: their next attempt
/// moves to `lease_until` and `claim` holds the sender's token, so no other sender takes
/// them until the lease runs out (a sender that died mid-send leaves them to the next).
/// Locked only for this short transaction (`SKIP LOCKED`: concurrent claims share).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
    lease_until: DateTime<Utc>,
    token: Uuid,
) -> QueryResult<Vec<NoticeRow>> {
    conn.transaction(async |conn| {
        let due: Vec<Uuid> = notices::table
            .filter(notices::state.eq("pending"))
            .filter(notices::next_attempt_at.le(now))
            .order(notices::next_attempt_at.asc())
            .limit(limit)
            .for_update()
            .skip_locked()
            .select(notices::id)
            .load(conn)
            .await?;
        diesel::update(notices::table.filter(notices::id.eq_any(due)))
            .set((
                notices::next_attempt_at.eq(lease_until),
                notices::claim.eq(Some(token)),
            ))
            .returning(NoticeRow::as_select())
            .get_results(conn)
            .await
    })
    .await
}

/// Sent, if the claim is still the sender's (false: the lease ran out, or the person was
/// erased meanwhile).
pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    token: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    let rows = diesel::update(claimed(id, token))
        .set((
            notices::state.eq("sent"),
            notices::attempts.eq(notices::attempts + 1),
            notices::sent_at.eq(Some(at)),
            notices::last_error.eq(""),
            notices::claim.eq(None::<Uuid>),
        ))
        .execute(conn)
        .await?;
    Ok(rows == 1)
}

/// One failed attempt: tried again at `retry_at`, or given up (`failed`) when `None`.
pub async fn mark_attempt_failed(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    token: Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    let target = diesel::update(claimed(id, token));
    let attempts = notices::attempts.eq(notices::attempts + 1);
    let released = notices::claim.eq(None::<Uuid>);
    match retry_at {
        Some(at) => {
            target
                .set((
                    attempts,
                    released,
                    notices::next_attempt_at.eq(at),
                    notices::last_error.eq(error),
                ))
                .execute(conn)
                .await
        }
        None => {
            target
                .set((
                    attempts,
                    released,
                    notices::state.eq("failed"),
                    notices::last_error.eq(error),
                ))
                .execute(conn)
                .await
        }
    }
}

/// A notice while a sender's claim on it holds.
type Claimed = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<notices::table, Uuid>,
        diesel::dsl::Eq<notices::claim, Uuid>,
    >,
    diesel::dsl::Eq<notices::state, &'static str>,
>;

/// The notice while the sender's claim on it holds.
fn claimed(id: Uuid, token: Uuid) -> Claimed {
    notices::table
        .find(id)
        .filter(notices::claim.eq(token))
        .filter(notices::state.eq("pending"))
}

/// Erasure: the participant's notices, queued or sent, and their texts are deleted.
pub async fn forget_participant(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
) -> QueryResult<usize> {
    diesel::delete(
        notice_registrations::table.filter(notice_registrations::participant_id.eq(participant_id)),
    )
    .execute(conn)
    .await?;
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
    /// Address or venue; empty if online only (or unknown).
    pub location: String,
    /// The link for online attendance; empty if on location only.
    pub online_url: String,
}

/// Keeps the workshop's title, times and place; a later change raises its invitation's sequence.
/// Returns the workshop as kept.
pub async fn upsert_workshop(
    conn: &mut AsyncPgConnection,
    row: &WorkshopRow,
) -> QueryResult<WorkshopRow> {
    diesel::insert_into(notice_workshops::table)
        .values(row)
        .on_conflict(notice_workshops::workshop_id)
        .do_update()
        .set((
            notice_workshops::title.eq(excluded(notice_workshops::title)),
            notice_workshops::start_time.eq(excluded(notice_workshops::start_time)),
            notice_workshops::end_time.eq(excluded(notice_workshops::end_time)),
            notice_workshops::location.eq(excluded(notice_workshops::location)),
            notice_workshops::online_url.eq(excluded(notice_workshops::online_url)),
            notice_workshops::sequence.eq(notice_workshops::sequence + 1),
        ))
        .returning(WorkshopRow::as_select())
        .get_result(conn)
        .await
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

/// A workshop registration as intake last heard of it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notice_registrations)]
pub struct RegistrationRow {
    pub registration_id: Uuid,
    pub workshop_id: Uuid,
    pub participant_id: Uuid,
    pub region: String,
    /// booked, wait_listed, cancelled, attended
    pub status: String,
    pub booked_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
}

/// Keeps the registration's status; its booking time is the latest booking's.
pub async fn record_registration(
    conn: &mut AsyncPgConnection,
    row: &RegistrationRow,
) -> QueryResult<()> {
    diesel::insert_into(notice_registrations::table)
        .values(row)
        .on_conflict(notice_registrations::registration_id)
        .do_update()
        .set((
            notice_registrations::status.eq(excluded(notice_registrations::status)),
            notice_registrations::booked_at.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >(
                "COALESCE(excluded.booked_at, notice_registrations.booked_at)",
            )),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The workshop's registrations still booked.
pub async fn booked_registrations(
    conn: &mut AsyncPgConnection,
    workshop_id: Uuid,
) -> QueryResult<Vec<RegistrationRow>> {
    notice_registrations::table
        .filter(notice_registrations::workshop_id.eq(workshop_id))
        .filter(notice_registrations::status.eq("booked"))
        .select(RegistrationRow::as_select())
        .load(conn)
        .await
}

/// Booked registrations not yet reminded whose workshop starts after `now` and by
/// `until`, with their workshop, both locked (another replica skips them).
pub async fn due_reminders(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(RegistrationRow, WorkshopRow)>> {
    notice_registrations::table
        .inner_join(notice_workshops::table)
        .filter(notice_registrations::status.eq("booked"))
        .filter(notice_registrations::reminded_at.is_null())
        .filter(notice_workshops::start_time.gt(now))
        .filter(notice_workshops::start_time.le(until))
        .order(notice_workshops::start_time.asc())
        .limit(limit)
        .for_update()
        .skip_locked()
        .select((RegistrationRow::as_select(), WorkshopRow::as_select()))
        .load(conn)
        .await
}

/// The registration's reminder is done with (sent, or not due to anybody).
pub async fn mark_reminded(
    conn: &mut AsyncPgConnection,
    registration_id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(notice_registrations::table.find(registration_id))
        .set(notice_registrations::reminded_at.eq(Some(at)))
        .execute(conn)
        .await
}
