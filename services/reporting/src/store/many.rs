//! The read models' most frequent upserts, for many events at once: one statement per
//! table for a whole batch, the rows as arrays (`unnest`), so a consumer's batch costs a
//! few statements instead of a few per event. Each merges as `write.rs` describes
//! (keyed by the entity's id, order-independent). A statement may not update one row
//! twice, so a key that comes again in the batch goes into a next round; the merges do
//! not depend on the order, so the rounds leave the rows one event at a time would.
use std::{collections::HashMap, hash::Hash};

use chrono::{DateTime, Utc};
use diesel::sql_types::{
    Array, BigInt, Bool, Double, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::write::{self, Activity, Completion, DevelopmentPlan, Registration};

type Conn = AsyncPgConnection;
type R = diesel::QueryResult<()>;

pub struct Organisation<'a> {
    pub id: Uuid,
    pub region: &'a str,
    pub sector: &'a str,
    pub name: &'a str,
    pub employee_count: i32,
    pub at: DateTime<Utc>,
}

pub struct Enrolment<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
    pub source: &'a str,
}

pub struct Planned<'a> {
    pub activity: Activity<'a>,
    pub planned_hours: i32,
    pub cost_cents: i64,
}

pub struct Workshop<'a> {
    pub id: Uuid,
    pub region: &'a str,
    pub theme: &'a str,
    pub start: Option<DateTime<Utc>>,
}

/// A registration's status: the last writer by time, then by the rank of the state.
pub struct Status<'a> {
    pub registration: Registration<'a>,
    pub status: &'a str,
    pub rank: i32,
    pub at: DateTime<Utc>,
}

pub struct Attended<'a> {
    pub registration: Registration<'a>,
    pub attendance: &'a str,
    pub hours: f64,
    pub at: DateTime<Utc>,
}

/// The rows of a batch, per statement.
#[derive(Default)]
pub struct Rows<'a> {
    pub organisations: Vec<Organisation<'a>>,
    pub enrolments: Vec<Enrolment<'a>>,
    pub plans: Vec<DevelopmentPlan<'a>>,
    pub planned: Vec<Planned<'a>>,
    pub completed: Vec<(Activity<'a>, Completion)>,
    pub workshops: Vec<Workshop<'a>>,
    pub statuses: Vec<Status<'a>>,
    pub attended: Vec<Attended<'a>>,
}

impl Rows<'_> {
    /// One statement per table that has rows (more only where a key repeats).
    pub async fn write(&self, conn: &mut Conn) -> R {
        organisations(conn, &self.organisations).await?;
        enrolments(conn, &self.enrolments).await?;
        if !self.plans.is_empty() {
            write::development_plans(conn, &self.plans).await?;
        }
        planned(conn, &self.planned).await?;
        completed(conn, &self.completed).await?;
        workshops(conn, &self.workshops).await?;
        statuses(conn, &self.statuses).await?;
        attended(conn, &self.attended).await
    }
}

/// The rows in rounds in which no key comes twice, first occurrences first.
fn rounds<T, K: Hash + Eq>(rows: &[T], key: impl Fn(&T) -> K) -> Vec<Vec<&T>> {
    let mut seen: HashMap<K, usize> = HashMap::new();
    let mut rounds: Vec<Vec<&T>> = Vec::new();
    for row in rows {
        let n = seen.entry(key(row)).or_insert(0);
        if rounds.len() <= *n {
            rounds.push(Vec::new());
        }
        if let Some(round) = rounds.get_mut(*n) {
            round.push(row);
        }
        *n += 1;
    }
    rounds
}

/// One column of a round, as an array to bind.
fn column<T, V>(round: &[&T], value: impl Fn(&T) -> V) -> Vec<V> {
    round.iter().map(|row| value(row)).collect()
}

async fn organisations(conn: &mut Conn, rows: &[Organisation<'_>]) -> R {
    for round in rounds(rows, |r| r.id) {
        diesel::sql_query(
            "INSERT INTO rm_organisations AS o (id, region, sector, name, employee_count, version_time) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int4[], \
               $6::timestamptz[]) \
             ON CONFLICT (id) DO UPDATE SET \
             region = EXCLUDED.region, sector = EXCLUDED.sector, name = EXCLUDED.name, \
             employee_count = EXCLUDED.employee_count, version_time = EXCLUDED.version_time \
             WHERE (o.version_time, o.name, o.employee_count) \
                 < (EXCLUDED.version_time, EXCLUDED.name, EXCLUDED.employee_count)",
        )
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.id))
        .bind::<Array<Text>, _>(column(&round, |r| r.region))
        .bind::<Array<Text>, _>(column(&round, |r| r.sector))
        .bind::<Array<Text>, _>(column(&round, |r| r.name))
        .bind::<Array<Integer>, _>(column(&round, |r| r.employee_count))
        .bind::<Array<Timestamptz>, _>(column(&round, |r| r.at))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn enrolments(conn: &mut Conn, rows: &[Enrolment<'_>]) -> R {
    for round in rounds(rows, |r| r.id) {
        diesel::sql_query(
            "INSERT INTO rm_participants (id, organisation_id, region, source, enrolled) \
             SELECT u.id, u.organisation_id, u.region, u.source, true \
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) \
               AS u(id, organisation_id, region, source) \
             ON CONFLICT (id) DO UPDATE SET \
             organisation_id = EXCLUDED.organisation_id, region = EXCLUDED.region, \
             source = EXCLUDED.source, enrolled = true",
        )
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.id))
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.organisation_id))
        .bind::<Array<Text>, _>(column(&round, |r| r.region))
        .bind::<Array<Text>, _>(column(&round, |r| r.source))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn planned(conn: &mut Conn, rows: &[Planned<'_>]) -> R {
    for round in rounds(rows, |r| r.activity.id) {
        diesel::sql_query(
            "INSERT INTO rm_learning_activities (id, participant_id, organisation_id, region, kind, \
               planned, planned_hours, cost_cents) \
             SELECT u.id, u.participant_id, u.organisation_id, u.region, u.kind, true, u.hours, u.cost \
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int4[], \
               $7::int8[]) AS u(id, participant_id, organisation_id, region, kind, hours, cost) \
             ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, planned = true, \
             planned_hours = EXCLUDED.planned_hours, cost_cents = EXCLUDED.cost_cents",
        )
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.activity.id))
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.activity.participant_id))
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.activity.organisation_id))
        .bind::<Array<Text>, _>(column(&round, |r| r.activity.region))
        .bind::<Array<Text>, _>(column(&round, |r| r.activity.kind))
        .bind::<Array<Integer>, _>(column(&round, |r| r.planned_hours))
        .bind::<Array<BigInt>, _>(column(&round, |r| r.cost_cents))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn completed(conn: &mut Conn, rows: &[(Activity<'_>, Completion)]) -> R {
    for round in rounds(rows, |(a, _)| a.id) {
        diesel::sql_query(
            "INSERT INTO rm_learning_activities AS a (id, participant_id, organisation_id, region, \
               kind, completed, actual_hours, credential_awarded, completed_time, skill_uris) \
             SELECT u.id, u.participant_id, u.organisation_id, u.region, u.kind, true, u.hours, \
               u.credential, u.at, coalesce(string_to_array(nullif(u.skills, ''), ' '), '{}') \
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int4[], \
               $7::bool[], $8::timestamptz[], $9::text[]) \
               AS u(id, participant_id, organisation_id, region, kind, hours, credential, at, skills) \
             ON CONFLICT (id) DO UPDATE SET completed = true, actual_hours = EXCLUDED.actual_hours, \
             credential_awarded = EXCLUDED.credential_awarded, \
             completed_time = EXCLUDED.completed_time, skill_uris = EXCLUDED.skill_uris, \
             kind = CASE WHEN a.kind = '' THEN EXCLUDED.kind ELSE a.kind END \
             WHERE a.completed_time IS NULL \
                OR (a.completed_time, a.actual_hours, a.credential_awarded) \
                 < (EXCLUDED.completed_time, EXCLUDED.actual_hours, EXCLUDED.credential_awarded)",
        )
        .bind::<Array<SqlUuid>, _>(column(&round, |(a, _)| a.id))
        .bind::<Array<SqlUuid>, _>(column(&round, |(a, _)| a.participant_id))
        .bind::<Array<SqlUuid>, _>(column(&round, |(a, _)| a.organisation_id))
        .bind::<Array<Text>, _>(column(&round, |(a, _)| a.region))
        .bind::<Array<Text>, _>(column(&round, |(a, _)| a.kind))
        .bind::<Array<Integer>, _>(column(&round, |(_, c)| c.actual_hours))
        .bind::<Array<Bool>, _>(column(&round, |(_, c)| c.credential))
        .bind::<Array<Timestamptz>, _>(column(&round, |(_, c)| c.at))
        .bind::<Array<Text>, _>(column(&round, |(_, c)| c.skill_uris.clone()))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn workshops(conn: &mut Conn, rows: &[Workshop<'_>]) -> R {
    for round in rounds(rows, |r| r.id) {
        diesel::sql_query(
            "INSERT INTO rm_workshops (id, region, theme, start_time, scheduled) \
             SELECT u.id, u.region, u.theme, u.start_time, true \
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) \
               AS u(id, region, theme, start_time) \
             ON CONFLICT (id) DO UPDATE SET theme = EXCLUDED.theme, \
             start_time = EXCLUDED.start_time, scheduled = true",
        )
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.id))
        .bind::<Array<Text>, _>(column(&round, |r| r.region))
        .bind::<Array<Text>, _>(column(&round, |r| r.theme))
        .bind::<Array<Nullable<Timestamptz>>, _>(column(&round, |r| r.start))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn statuses(conn: &mut Conn, rows: &[Status<'_>]) -> R {
    for round in rounds(rows, |r| r.registration.id) {
        diesel::sql_query(
            "INSERT INTO rm_registrations AS r (id, workshop_id, participant_id, organisation_id, \
               region, status, status_rank, status_time) \
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], \
               $6::text[], $7::int4[], $8::timestamptz[]) \
             ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, \
             status_rank = EXCLUDED.status_rank, status_time = EXCLUDED.status_time \
             WHERE r.status_time IS NULL \
                OR (r.status_time, r.status_rank) < (EXCLUDED.status_time, EXCLUDED.status_rank)",
        )
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.registration.id))
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.registration.workshop_id))
        .bind::<Array<Nullable<SqlUuid>>, _>(column(&round, |r| r.registration.participant_id))
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.registration.organisation_id))
        .bind::<Array<Text>, _>(column(&round, |r| r.registration.region))
        .bind::<Array<Text>, _>(column(&round, |r| r.status))
        .bind::<Array<Integer>, _>(column(&round, |r| r.rank))
        .bind::<Array<Timestamptz>, _>(column(&round, |r| r.at))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn attended(conn: &mut Conn, rows: &[Attended<'_>]) -> R {
    for round in rounds(rows, |r| r.registration.id) {
        diesel::sql_query(
            "INSERT INTO rm_registrations AS r (id, workshop_id, participant_id, organisation_id, \
               region, attendance, hours_attended, attended_time) \
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], \
               $6::text[], $7::float8[], $8::timestamptz[]) \
             ON CONFLICT (id) DO UPDATE SET attendance = EXCLUDED.attendance, \
             hours_attended = EXCLUDED.hours_attended, attended_time = EXCLUDED.attended_time \
             WHERE r.attended_time IS NULL OR (r.attended_time, r.hours_attended, r.attendance) \
                 < (EXCLUDED.attended_time, EXCLUDED.hours_attended, EXCLUDED.attendance)",
        )
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.registration.id))
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.registration.workshop_id))
        .bind::<Array<Nullable<SqlUuid>>, _>(column(&round, |r| r.registration.participant_id))
        .bind::<Array<SqlUuid>, _>(column(&round, |r| r.registration.organisation_id))
        .bind::<Array<Text>, _>(column(&round, |r| r.registration.region))
        .bind::<Array<Text>, _>(column(&round, |r| r.attendance))
        .bind::<Array<Double>, _>(column(&round, |r| r.hours))
        .bind::<Array<Timestamptz>, _>(column(&round, |r| r.at))
        .execute(conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_comes_again_goes_into_the_next_round() {
        let rows = [(1, 'a'), (2, 'b'), (1, 'c'), (1, 'd'), (3, 'e')];
        let rounds: Vec<Vec<char>> = rounds(&rows, |r| r.0)
            .into_iter()
            .map(|round| round.into_iter().map(|r| r.1).collect())
            .collect();
        assert_eq!(rounds, [vec!['a', 'b', 'e'], vec!['c'], vec!['d']]);
    }
}
