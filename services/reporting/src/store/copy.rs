//! Reporting's own copy of the events it consumed.
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, BigInt, Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use llo_proto::{IntegrationEvent, events::v1::ParticipantErased};
use uuid::Uuid;

pub struct NewEvent<'a> {
    pub id: Uuid,
    pub routing_key: &'a str,
    pub region: &'a str,
    pub participant_id: Option<Uuid>,
    pub payload: &'a [u8],
    pub occur_time: DateTime<Utc>,
}

/// Stores the event; `false` when an event with this id is stored already.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    event: &NewEvent<'_>,
) -> diesel::QueryResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO events (event_id, routing_key, region, participant_id, payload, occur_time) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind::<SqlUuid, _>(event.id)
    .bind::<Text, _>(event.routing_key)
    .bind::<Text, _>(event.region)
    .bind::<Nullable<SqlUuid>, _>(event.participant_id)
    .bind::<Bytea, _>(event.payload)
    .bind::<Timestamptz, _>(event.occur_time)
    .execute(conn)
    .await?;
    Ok(inserted == 1)
}

/// Stores a batch's events with one statement; the ids of those that were not stored
/// already.
pub async fn insert_many(
    conn: &mut AsyncPgConnection,
    events: &[NewEvent<'_>],
) -> diesel::QueryResult<HashSet<Uuid>> {
    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = SqlUuid)]
        event_id: Uuid,
    }
    let stored: Vec<Stored> = diesel::sql_query(
        "INSERT INTO events (event_id, routing_key, region, participant_id, payload, occur_time) \
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::bytea[], \
           $6::timestamptz[]) \
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
    )
    .bind::<Array<SqlUuid>, _>(events.iter().map(|e| e.id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(events.iter().map(|e| e.routing_key).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(events.iter().map(|e| e.region).collect::<Vec<_>>())
    .bind::<Array<Nullable<SqlUuid>>, _>(
        events.iter().map(|e| e.participant_id).collect::<Vec<_>>(),
    )
    .bind::<Array<Bytea>, _>(events.iter().map(|e| e.payload).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(events.iter().map(|e| e.occur_time).collect::<Vec<_>>())
    .load(conn)
    .await?;
    Ok(stored.into_iter().map(|s| s.event_id).collect())
}

/// Which of these participants are erased in the copy (one query for a batch).
pub async fn erased_among(
    conn: &mut AsyncPgConnection,
    participants: &[Uuid],
) -> diesel::QueryResult<HashSet<Uuid>> {
    #[derive(QueryableByName)]
    struct Erased {
        #[diesel(sql_type = SqlUuid)]
        participant_id: Uuid,
    }
    if participants.is_empty() {
        return Ok(HashSet::new());
    }
    let erased: Vec<Erased> = diesel::sql_query(
        "SELECT DISTINCT participant_id FROM events \
         WHERE participant_id = ANY($1) AND routing_key = $2",
    )
    .bind::<Array<SqlUuid>, _>(participants)
    .bind::<Text, _>(<ParticipantErased as IntegrationEvent>::ROUTING_KEY)
    .load(conn)
    .await?;
    Ok(erased.into_iter().map(|e| e.participant_id).collect())
}

#[derive(Debug, Clone, QueryableByName)]
pub struct StoredEvent {
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub routing_key: String,
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Bytea)]
    pub payload: Vec<u8>,
    #[diesel(sql_type = Timestamptz)]
    pub occur_time: DateTime<Utc>,
}

/// A page of the copy in the deterministic rebuild order (occur time, then event id).
pub async fn page_after(
    conn: &mut AsyncPgConnection,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> diesel::QueryResult<Vec<StoredEvent>> {
    let Some((time, id)) = after else {
        return diesel::sql_query(
            "SELECT event_id, routing_key, region, payload, occur_time FROM events \
             ORDER BY occur_time, event_id LIMIT $1",
        )
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await;
    };
    diesel::sql_query(
        "SELECT event_id, routing_key, region, payload, occur_time FROM events \
         WHERE (occur_time, event_id) > ($1, $2) ORDER BY occur_time, event_id LIMIT $3",
    )
    .bind::<Timestamptz, _>(time)
    .bind::<SqlUuid, _>(id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// Whether the participant's erasure is in the copy (a late event is stored scrubbed).
pub async fn is_erased(
    conn: &mut AsyncPgConnection,
    participant: Uuid,
) -> diesel::QueryResult<bool> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let found: N = diesel::sql_query(
        "SELECT count(*) AS n FROM events WHERE participant_id = $1 AND routing_key = $2",
    )
    .bind::<SqlUuid, _>(participant)
    .bind::<Text, _>(<ParticipantErased as IntegrationEvent>::ROUTING_KEY)
    .get_result(conn)
    .await?;
    Ok(found.n > 0)
}

/// The stored events about a participant with this routing key.
pub async fn of_participant(
    conn: &mut AsyncPgConnection,
    participant: Uuid,
    routing_key: &str,
) -> diesel::QueryResult<Vec<StoredEvent>> {
    diesel::sql_query(
        "SELECT event_id, routing_key, region, payload, occur_time FROM events \
         WHERE participant_id = $1 AND routing_key = $2 FOR UPDATE",
    )
    .bind::<SqlUuid, _>(participant)
    .bind::<Text, _>(routing_key)
    .load(conn)
    .await
}

pub async fn replace_payload(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    payload: &[u8],
) -> diesel::QueryResult<()> {
    diesel::sql_query("UPDATE events SET payload = $2 WHERE event_id = $1")
        .bind::<SqlUuid, _>(id)
        .bind::<Bytea, _>(payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// Empties every read model (a rebuild, in its transaction).
pub async fn truncate_read_models(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    let sql = format!("TRUNCATE {}", super::READ_MODELS.join(", "));
    diesel::sql_query(sql).execute(conn).await?;
    Ok(())
}

/// Rows per read model, for the rebuild's answer.
pub async fn count(conn: &mut AsyncPgConnection, table: &str) -> diesel::QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let sql = format!("SELECT count(*) AS n FROM {table}");
    let found: N = diesel::sql_query(sql).get_result(conn).await?;
    Ok(found.n)
}
