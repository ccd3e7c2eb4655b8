//! Registrations and the wait list. Every write here runs with the workshop's row
//! locked (`workshops::find_for_update`), which is what keeps the counts right.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{feedback, registrations};
use crate::domain::registration::{Occupancy, Status};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = registrations)]
pub struct RegistrationRow {
    pub id: Uuid,
    pub workshop_id: Uuid,
    pub participant_id: Option<Uuid>,
    pub organisation_id: Uuid,
    #[diesel(deserialize_as = super::Known<Status>)]
    pub status: Status,
    pub arrival: i64,
    pub minutes_attended: Option<i32>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<RegistrationRow>> {
    registrations::table
        .find(id)
        .select(RegistrationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The participant's live (not cancelled) registration for the workshop, if any.
pub async fn live_of(
    conn: &mut AsyncPgConnection,
    workshop_id: Uuid,
    participant_id: Uuid,
) -> QueryResult<Option<RegistrationRow>> {
    registrations::table
        .filter(
            registrations::workshop_id
                .eq(workshop_id)
                .and(registrations::participant_id.eq(participant_id))
                .and(registrations::status.ne(Status::Cancelled.as_str())),
        )
        .select(RegistrationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Seats taken, the company's seats, and whether someone waiting could take a seat.
pub async fn occupancy(
    conn: &mut AsyncPgConnection,
    workshop_id: Uuid,
    capacity: i32,
    seats_per_company: Option<i32>,
    organisation_id: Uuid,
) -> QueryResult<Occupancy> {
    let booked: Vec<(Uuid, i64)> = registrations::table
        .filter(
            registrations::workshop_id
                .eq(workshop_id)
                .and(registrations::status.eq(Status::Booked.as_str())),
        )
        .group_by(registrations::organisation_id)
        .select((registrations::organisation_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    let total: i64 = booked.iter().map(|(_, n)| n).sum();
    let company_booked = booked
        .iter()
        .find(|(o, _)| *o == organisation_id)
        .map_or(0, |(_, n)| *n);
    let eligible_waiting = total < i64::from(capacity)
        && first_eligible_waiting(conn, workshop_id, seats_per_company)
            .await?
            .is_some();
    Ok(Occupancy {
        capacity: i64::from(capacity),
        booked: total,
        seats_per_company: seats_per_company.map(i64::from),
        company_booked,
        eligible_waiting,
    })
}

/// The first on the wait list (by arrival) whose company still has a seat left.
pub async fn first_eligible_waiting(
    conn: &mut AsyncPgConnection,
    workshop_id: Uuid,
    seats_per_company: Option<i32>,
) -> QueryResult<Option<RegistrationRow>> {
    diesel::sql_query(
        "SELECT r.* FROM registrations r
          WHERE r.workshop_id = $1 AND r.status = 'wait_listed'
            AND ($2::integer IS NULL OR (
                SELECT count(*) FROM registrations b
                 WHERE b.workshop_id = r.workshop_id
                   AND b.organisation_id = r.organisation_id
                   AND b.status = 'booked') < $2)
          ORDER BY r.arrival
          LIMIT 1",
    )
    .bind::<diesel::sql_types::Uuid, _>(workshop_id)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Integer>, _>(seats_per_company)
    .get_result(conn)
    .await
    .optional()
}

/// The wait-listed registrations of a workshop, in order of arrival.
pub async fn waiting(conn: &mut AsyncPgConnection, workshop_id: Uuid) -> QueryResult<Vec<Uuid>> {
    registrations::table
        .filter(
            registrations::workshop_id
                .eq(workshop_id)
                .and(registrations::status.eq(Status::WaitListed.as_str())),
        )
        .order(registrations::arrival)
        .select(registrations::id)
        .load(conn)
        .await
}

/// Booked and wait-listed registrations of a workshop, in order of arrival.
pub async fn open_of(
    conn: &mut AsyncPgConnection,
    workshop_id: Uuid,
) -> QueryResult<Vec<RegistrationRow>> {
    registrations::table
        .filter(registrations::workshop_id.eq(workshop_id).and(
            registrations::status.eq_any([Status::Booked.as_str(), Status::WaitListed.as_str()]),
        ))
        .order(registrations::arrival)
        .select(RegistrationRow::as_select())
        .load(conn)
        .await
}

/// The workshops where the participant holds a seat or a place in the queue.
pub async fn open_workshops_of(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
) -> QueryResult<Vec<Uuid>> {
    registrations::table
        .filter(registrations::participant_id.eq(participant_id).and(
            registrations::status.eq_any([Status::Booked.as_str(), Status::WaitListed.as_str()]),
        ))
        .order(registrations::workshop_id)
        .select(registrations::workshop_id)
        .load(conn)
        .await
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    workshop_id: Uuid,
    participant_id: Uuid,
    organisation_id: Uuid,
    status: Status,
) -> QueryResult<RegistrationRow> {
    diesel::insert_into(registrations::table)
        .values((
            registrations::id.eq(Uuid::now_v7()),
            registrations::workshop_id.eq(workshop_id),
            registrations::participant_id.eq(participant_id),
            registrations::organisation_id.eq(organisation_id),
            registrations::status.eq(status.as_str()),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await
}

/// Moves a registration to `status` (the state machine decided it may).
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: Status,
    cancel_reason: Option<&str>,
    minutes_attended: Option<i32>,
) -> QueryResult<RegistrationRow> {
    diesel::update(registrations::table.find(id))
        .set((
            registrations::status.eq(status.as_str()),
            registrations::cancel_reason.eq(cancel_reason),
            registrations::minutes_attended.eq(minutes_attended),
            registrations::updated_at.eq(Utc::now()),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await
}

pub struct ListFilter<'a> {
    pub workshop_id: Uuid,
    pub status: Option<&'a str>,
    /// Only this company's registrations (a company-scoped caller).
    pub organisation_id: Option<Uuid>,
    pub after_arrival: Option<i64>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: ListFilter<'_>,
) -> QueryResult<Vec<RegistrationRow>> {
    let mut query = registrations::table
        .filter(registrations::workshop_id.eq(filter.workshop_id))
        .select(RegistrationRow::as_select())
        .order(registrations::arrival)
        .limit(filter.limit)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(registrations::status.eq(status));
    }
    if let Some(organisation) = filter.organisation_id {
        query = query.filter(registrations::organisation_id.eq(organisation));
    }
    if let Some(after) = filter.after_arrival {
        query = query.filter(registrations::arrival.gt(after));
    }
    query.load(conn).await
}

/// Erasure: the person's registrations lose their link to them, their feedback its
/// words; statuses, hours and ratings stay, so the figures still add up.
pub async fn erase_participant(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
) -> QueryResult<usize> {
    let ids: Vec<Uuid> = diesel::update(
        registrations::table.filter(registrations::participant_id.eq(participant_id)),
    )
    .set((
        registrations::participant_id.eq(None::<Uuid>),
        registrations::cancel_reason.eq(None::<String>),
        registrations::updated_at.eq(Utc::now()),
    ))
    .returning(registrations::id)
    .get_results(conn)
    .await?;
    diesel::update(feedback::table.filter(feedback::registration_id.eq_any(&ids)))
        .set(feedback::comment.eq(""))
        .execute(conn)
        .await?;
    Ok(ids.len())
}
