//! Workshops, their figures, and the feedback on them.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{
    Known,
    schema::{feedback, registrations, workshops},
};
use crate::domain::{model::WorkshopStatus, registration::Status, workshop::Workshop};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workshops)]
pub struct WorkshopRow {
    pub id: Uuid,
    pub region: String,
    pub theme: String,
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: i32,
    pub seats_per_company: Option<i32>,
    pub registration_closes_at: DateTime<Utc>,
    pub host_member_id: Uuid,
    #[diesel(deserialize_as = super::Known<WorkshopStatus>)]
    pub status: WorkshopStatus,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub facilitator_ids: Vec<String>,
    pub already_held: bool,
}

impl WorkshopRow {
    pub fn minutes(&self) -> i64 {
        (self.ends_at - self.starts_at).num_minutes()
    }

    /// What the workshop's rules look at.
    pub fn facts(&self) -> Workshop {
        Workshop {
            status: self.status,
            starts_at: self.starts_at,
            registration_closes_at: self.registration_closes_at,
            already_held: self.already_held,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = workshops)]
pub struct NewWorkshop<'a> {
    pub id: Uuid,
    pub region: &'a str,
    pub theme: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<&'a str>,
    pub online_url: Option<&'a str>,
    pub capacity: i32,
    pub seats_per_company: Option<i32>,
    pub registration_closes_at: DateTime<Utc>,
    pub host_member_id: Uuid,
    pub status: &'a str,
    pub facilitator_ids: &'a [String],
    pub already_held: bool,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewWorkshop<'_>,
) -> QueryResult<WorkshopRow> {
    diesel::insert_into(workshops::table)
        .values(new)
        .returning(WorkshopRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<WorkshopRow>> {
    workshops::table
        .find(id)
        .select(WorkshopRow::as_select())
        .first(conn)
        .await
        .optional()
}

llo_chassis::find_by_id! {
    /// The workshop, its row locked until the transaction ends: bookings, cancellations
    /// and promotions on one workshop happen one after the other, so seats are counted
    /// right and the wait list keeps its order.
    pub fn find_for_update(workshops) -> WorkshopRow, locked
}

pub struct ListFilter<'a> {
    pub regions: Vec<&'a str>,
    pub theme: Option<&'a str>,
    pub status: Option<&'a str>,
    pub host_member_id: Option<Uuid>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: ListFilter<'_>,
) -> QueryResult<Vec<WorkshopRow>> {
    let mut query = workshops::table
        .filter(workshops::region.eq_any(&filter.regions))
        .select(WorkshopRow::as_select())
        .order(workshops::id)
        .limit(filter.limit)
        .into_boxed();
    if let Some(theme) = filter.theme {
        query = query.filter(workshops::theme.eq(theme));
    }
    if let Some(status) = filter.status {
        query = query.filter(workshops::status.eq(status));
    }
    if let Some(host) = filter.host_member_id {
        query = query.filter(workshops::host_member_id.eq(host));
    }
    if let Some(after) = filter.after {
        query = query.filter(workshops::id.gt(after));
    }
    query.load(conn).await
}

pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: &str,
) -> QueryResult<WorkshopRow> {
    diesel::update(workshops::table.find(id))
        .set((
            workshops::status.eq(WorkshopStatus::Cancelled.as_str()),
            workshops::cancel_reason.eq(reason),
            workshops::cancelled_at.eq(Utc::now()),
        ))
        .returning(WorkshopRow::as_returning())
        .get_result(conn)
        .await
}

/// A workshop's figures: seats taken, the queue, attendance and feedback.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    pub booked: i64,
    pub wait_listed: i64,
    pub attended: i64,
    pub feedback: i64,
    pub average_rating: f64,
}

pub async fn figures(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Figures>> {
    let counts: Vec<(Uuid, Known<Status>, i64)> = registrations::table
        .filter(registrations::workshop_id.eq_any(ids))
        .group_by((registrations::workshop_id, registrations::status))
        .select((
            registrations::workshop_id,
            registrations::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await?;
    let ratings: Vec<(Uuid, i64, Option<i64>)> = feedback::table
        .filter(feedback::workshop_id.eq_any(ids))
        .group_by(feedback::workshop_id)
        .select((
            feedback::workshop_id,
            diesel::dsl::count_star(),
            diesel::dsl::sum(feedback::rating),
        ))
        .load(conn)
        .await?;
    let mut figures: HashMap<Uuid, Figures> =
        ids.iter().map(|id| (*id, Figures::default())).collect();
    for (id, Known(status), n) in counts {
        let entry = figures.entry(id).or_default();
        match status {
            Status::Booked => entry.booked += n,
            Status::WaitListed => entry.wait_listed += n,
            s if s.attended() => entry.attended += n,
            _ => {}
        }
    }
    for (id, n, sum) in ratings {
        let entry = figures.entry(id).or_default();
        entry.feedback = n;
        if n > 0 {
            entry.average_rating = sum.unwrap_or(0) as f64 / n as f64;
        }
    }
    Ok(figures)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feedback)]
pub struct FeedbackRow {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub workshop_id: Uuid,
    pub rating: i32,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

pub async fn feedback_of(
    conn: &mut AsyncPgConnection,
    registration_id: Uuid,
) -> QueryResult<Option<FeedbackRow>> {
    feedback::table
        .filter(feedback::registration_id.eq(registration_id))
        .select(FeedbackRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_feedback(
    conn: &mut AsyncPgConnection,
    registration_id: Uuid,
    workshop_id: Uuid,
    rating: i32,
    comment: &str,
) -> QueryResult<FeedbackRow> {
    diesel::insert_into(feedback::table)
        .values((
            feedback::id.eq(Uuid::now_v7()),
            feedback::registration_id.eq(registration_id),
            feedback::workshop_id.eq(workshop_id),
            feedback::rating.eq(rating),
            feedback::comment.eq(comment),
        ))
        .returning(FeedbackRow::as_returning())
        .get_result(conn)
        .await
}
