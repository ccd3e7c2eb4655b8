use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Text, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{funding_allocations, funding_ledgers};
use crate::domain::funding::Allocated;

/// Serialises allocations against one source of one region until the transaction ends.
pub async fn lock_source(
    conn: &mut AsyncPgConnection,
    region: &str,
    source: &str,
) -> QueryResult<()> {
    diesel::insert_into(funding_ledgers::table)
        .values((
            funding_ledgers::region.eq(region),
            funding_ledgers::source.eq(source),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    funding_ledgers::table
        .find((region, source))
        .select(funding_ledgers::source)
        .for_update()
        .first::<String>(conn)
        .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct Sums {
    #[diesel(sql_type = BigInt)]
    activity_total: i64,
    #[diesel(sql_type = BigInt)]
    activity_from_source: i64,
    #[diesel(sql_type = BigInt)]
    person_from_source: i64,
    #[diesel(sql_type = BigInt)]
    source_total: i64,
}

/// What is allocated already, counted under the source's lock.
pub async fn allocated(
    conn: &mut AsyncPgConnection,
    region: &str,
    source: &str,
    activity_id: Uuid,
    participant_id: Uuid,
) -> QueryResult<Allocated> {
    let sums: Sums = diesel::sql_query(
        "SELECT \
           COALESCE(SUM(amount_cents) FILTER (WHERE activity_id = $3), 0)::bigint AS activity_total, \
           COALESCE(SUM(amount_cents) FILTER (WHERE activity_id = $3 AND source = $2), 0)::bigint AS activity_from_source, \
           COALESCE(SUM(amount_cents) FILTER (WHERE participant_id = $4 AND source = $2 AND region = $1), 0)::bigint AS person_from_source, \
           COALESCE(SUM(amount_cents) FILTER (WHERE region = $1 AND source = $2), 0)::bigint AS source_total \
         FROM funding_allocations \
         WHERE activity_id = $3 OR (region = $1 AND source = $2)",
    )
    .bind::<Text, _>(region)
    .bind::<Text, _>(source)
    .bind::<SqlUuid, _>(activity_id)
    .bind::<SqlUuid, _>(participant_id)
    .get_result(conn)
    .await?;
    Ok(Allocated {
        activity_total: sums.activity_total,
        activity_from_source: sums.activity_from_source,
        person_from_source: sums.person_from_source,
        source_total: sums.source_total,
    })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = funding_allocations)]
pub struct AllocationRow {
    pub id: Uuid,
    pub activity_id: Uuid,
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: String,
    pub source: String,
    pub amount_cents: i64,
    pub created_at: DateTime<Utc>,
}

pub struct NewAllocation<'a> {
    pub activity_id: Uuid,
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub region: &'a str,
    pub source: &'a str,
    pub amount_cents: i64,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewAllocation<'_>,
) -> QueryResult<AllocationRow> {
    diesel::insert_into(funding_allocations::table)
        .values((
            funding_allocations::id.eq(Uuid::now_v7()),
            funding_allocations::activity_id.eq(new.activity_id),
            funding_allocations::participant_id.eq(new.participant_id),
            funding_allocations::organisation_id.eq(new.organisation_id),
            funding_allocations::region.eq(new.region),
            funding_allocations::source.eq(new.source),
            funding_allocations::amount_cents.eq(new.amount_cents),
        ))
        .returning(AllocationRow::as_returning())
        .get_result(conn)
        .await
}

#[derive(QueryableByName, Debug, Clone)]
pub struct SourceUse {
    #[diesel(sql_type = Text)]
    pub source: String,
    #[diesel(sql_type = BigInt)]
    pub committed_cents: i64,
    #[diesel(sql_type = BigInt)]
    pub spent_cents: i64,
}

/// Per source: allocated to planned activities (committed) and to completed ones (spent).
pub async fn use_per_source(
    conn: &mut AsyncPgConnection,
    region: &str,
    organisation_id: Option<Uuid>,
) -> QueryResult<Vec<SourceUse>> {
    diesel::sql_query(
        "SELECT f.source, \
           COALESCE(SUM(f.amount_cents) FILTER (WHERE a.status <> 'completed'), 0)::bigint AS committed_cents, \
           COALESCE(SUM(f.amount_cents) FILTER (WHERE a.status = 'completed'), 0)::bigint AS spent_cents \
         FROM funding_allocations f JOIN learning_activities a ON a.id = f.activity_id \
         WHERE f.region = $1 AND ($2::uuid IS NULL OR f.organisation_id = $2) \
         GROUP BY f.source",
    )
    .bind::<Text, _>(region)
    .bind::<diesel::sql_types::Nullable<SqlUuid>, _>(organisation_id)
    .load(conn)
    .await
}
