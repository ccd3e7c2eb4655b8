use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{coaching_sessions, interventions, organisations, trajectories};
use crate::domain::lifecycle::Status;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub region: String,
    pub sector: String,
    pub name: String,
    pub employee_count: i32,
}

/// Keeps the local copy current; a replayed event changes nothing.
pub async fn upsert_organisation(
    conn: &mut AsyncPgConnection,
    row: &OrganisationRow,
) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(row)
        .on_conflict(organisations::id)
        .do_update()
        .set((
            organisations::region.eq(&row.region),
            organisations::sector.eq(&row.sector),
            organisations::name.eq(&row.name),
            organisations::employee_count.eq(row.employee_count),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

llo_chassis::find_by_id! {
    pub fn find_organisation(organisations) -> OrganisationRow
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trajectories)]
pub struct TrajectoryRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub region: String,
    pub sector: String,
    pub status: String,
    pub assessment_id: Option<Uuid>,
    pub priority_dimension_ids: serde_json::Value,
    pub coach_id: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TrajectoryRow {
    pub fn priority_dimensions(&self) -> QueryResult<Vec<String>> {
        super::from_json("priority_dimension_ids", &self.priority_dimension_ids)
    }
}

pub struct NewTrajectory<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
    pub sector: &'a str,
    pub assessment_id: Uuid,
    pub priority_dimension_ids: &'a [String],
}

/// A proposed trajectory; `None` when this scan already has one.
pub async fn insert_proposed(
    conn: &mut AsyncPgConnection,
    new: &NewTrajectory<'_>,
) -> QueryResult<Option<TrajectoryRow>> {
    let dimensions = serde_json::to_value(new.priority_dimension_ids)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(trajectories::table)
        .values((
            trajectories::id.eq(new.id),
            trajectories::organisation_id.eq(new.organisation_id),
            trajectories::region.eq(new.region),
            trajectories::sector.eq(new.sector),
            trajectories::status.eq(Status::Proposed.as_str()),
            trajectories::assessment_id.eq(new.assessment_id),
            trajectories::priority_dimension_ids.eq(dimensions),
        ))
        .on_conflict(trajectories::assessment_id)
        .do_nothing()
        .returning(TrajectoryRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<TrajectoryRow>> {
    trajectories::table
        .find(id)
        .select(TrajectoryRow::as_select())
        .first(conn)
        .await
        .optional()
}

llo_chassis::find_by_id! {
    pub fn find_for_update(trajectories) -> TrajectoryRow, locked
}

pub struct ListFilter<'a> {
    pub regions: Vec<&'a str>,
    pub organisation_id: Option<Uuid>,
    pub status: Option<Status>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: ListFilter<'_>,
) -> QueryResult<Vec<TrajectoryRow>> {
    let mut query = trajectories::table
        .filter(trajectories::region.eq_any(&filter.regions))
        .select(TrajectoryRow::as_select())
        .order(trajectories::id)
        .limit(filter.limit)
        .into_boxed();
    if let Some(organisation_id) = filter.organisation_id {
        query = query.filter(trajectories::organisation_id.eq(organisation_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(trajectories::status.eq(status.as_str()));
    }
    if let Some(after) = filter.after {
        query = query.filter(trajectories::id.gt(after));
    }
    query.load(conn).await
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: Status,
    reason: Option<&str>,
) -> QueryResult<TrajectoryRow> {
    diesel::update(trajectories::table.find(id))
        .set((
            trajectories::status.eq(status.as_str()),
            trajectories::cancel_reason.eq(reason),
            trajectories::updated_at.eq(Utc::now()),
        ))
        .returning(TrajectoryRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_coach(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    coach_id: &str,
) -> QueryResult<TrajectoryRow> {
    diesel::update(trajectories::table.find(id))
        .set((
            trajectories::coach_id.eq(coach_id),
            trajectories::updated_at.eq(Utc::now()),
        ))
        .returning(TrajectoryRow::as_returning())
        .get_result(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = interventions)]
pub struct InterventionRow {
    pub id: Uuid,
    pub trajectory_id: Uuid,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub dimension_id: Option<String>,
    pub planned_hours: i32,
    pub created_at: DateTime<Utc>,
}

pub struct NewIntervention<'a> {
    pub trajectory_id: Uuid,
    /// The id of one of the sector pack's intervention kinds.
    pub kind: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub dimension_id: Option<&'a str>,
    pub planned_hours: i32,
}

pub async fn insert_intervention(
    conn: &mut AsyncPgConnection,
    new: &NewIntervention<'_>,
) -> QueryResult<InterventionRow> {
    diesel::insert_into(interventions::table)
        .values((
            interventions::id.eq(Uuid::now_v7()),
            interventions::trajectory_id.eq(new.trajectory_id),
            interventions::kind.eq(new.kind),
            interventions::title.eq(new.title),
            interventions::description.eq(new.description),
            interventions::dimension_id.eq(new.dimension_id),
            interventions::planned_hours.eq(new.planned_hours),
        ))
        .returning(InterventionRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn interventions_of(
    conn: &mut AsyncPgConnection,
    trajectory_ids: &[Uuid],
) -> QueryResult<Vec<InterventionRow>> {
    interventions::table
        .filter(interventions::trajectory_id.eq_any(trajectory_ids))
        .select(InterventionRow::as_select())
        .order(interventions::id)
        .load(conn)
        .await
}

/// (sessions, minutes) per trajectory.
pub async fn coaching_totals(
    conn: &mut AsyncPgConnection,
    trajectory_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, i64, Option<i64>)>> {
    coaching_sessions::table
        .filter(coaching_sessions::trajectory_id.eq_any(trajectory_ids))
        .group_by(coaching_sessions::trajectory_id)
        .select((
            coaching_sessions::trajectory_id,
            diesel::dsl::count(coaching_sessions::id),
            diesel::dsl::sum(coaching_sessions::duration_minutes),
        ))
        .load(conn)
        .await
}

pub struct NewSession<'a> {
    pub trajectory_id: Uuid,
    pub coach_id: &'a str,
    pub held_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub topic: &'a str,
}

pub async fn insert_session(
    conn: &mut AsyncPgConnection,
    new: &NewSession<'_>,
) -> QueryResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(coaching_sessions::table)
        .values((
            coaching_sessions::id.eq(id),
            coaching_sessions::trajectory_id.eq(new.trajectory_id),
            coaching_sessions::coach_id.eq(new.coach_id),
            coaching_sessions::held_at.eq(new.held_at),
            coaching_sessions::duration_minutes.eq(new.duration_minutes),
            coaching_sessions::topic.eq(new.topic),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}
