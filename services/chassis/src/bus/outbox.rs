//! Writing events into the outbox, inside the caller's diesel transaction.
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use llo_proto::IntegrationEvent;
use uuid::Uuid;

use crate::telemetry;

diesel::table! {
    outbox (id) {
        id -> Uuid,
        seq -> Int8,
        routing_key -> Text,
        payload -> Bytea,
        region -> Text,
        traceparent -> Nullable<Text>,
        tracestate -> Nullable<Text>,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
        attempts -> Int4,
        last_error -> Nullable<Text>,
    }
}

/// One integration event about to be recorded; its routing key comes from its type.
pub struct OutboxEvent {
    routing_key: &'static str,
    region: String,
    payload: Vec<u8>,
}

impl OutboxEvent {
    pub fn of<E: IntegrationEvent>(event: &E) -> Self {
        Self {
            routing_key: E::ROUTING_KEY,
            region: event.region().to_owned(),
            payload: event.encode_to_vec(),
        }
    }
}

/// Records one event in the outbox; call it inside the transaction that makes the
/// state change, so both commit together.
pub async fn record<E: IntegrationEvent>(
    conn: &mut AsyncPgConnection,
    event: &E,
) -> QueryResult<Uuid> {
    let ids = record_all(conn, &[OutboxEvent::of(event)]).await?;
    Ok(ids.into_iter().next().unwrap_or_else(Uuid::nil))
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow<'a> {
    id: Uuid,
    routing_key: &'a str,
    payload: &'a [u8],
    region: &'a str,
    traceparent: Option<&'a str>,
    tracestate: Option<&'a str>,
}

/// Records events in the outbox with the current trace context; returns their ids.
/// Call it inside the transaction that makes the state change.
pub async fn record_all(
    conn: &mut AsyncPgConnection,
    events: &[OutboxEvent],
) -> QueryResult<Vec<Uuid>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let trace = telemetry::current_trace_headers();
    let traceparent = trace.get("traceparent").map(String::as_str);
    let tracestate = trace
        .get("tracestate")
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    let ids: Vec<Uuid> = events.iter().map(|_| Uuid::now_v7()).collect();
    let rows: Vec<NewOutboxRow<'_>> = events
        .iter()
        .zip(&ids)
        .map(|(event, id)| NewOutboxRow {
            id: *id,
            routing_key: event.routing_key,
            payload: &event.payload,
            region: &event.region,
            traceparent,
            tracestate,
        })
        .collect();
    // Stay under PostgreSQL's 65,535 bind parameters on big imports.
    for chunk in rows.chunks(5_000) {
        diesel::insert_into(outbox::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(ids)
}

/// Events recorded but not yet confirmed by the broker.
pub async fn backlog(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::published_at.is_null())
        .count()
        .get_result(conn)
        .await
}

/// The outbox as an operator watches it: rows not yet confirmed by the broker, and how
/// long the oldest of them has waited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutboxState {
    pub backlog: i64,
    /// Seconds since the oldest unconfirmed row was written; 0 when there is none.
    pub oldest_age_seconds: f64,
}

impl OutboxState {
    pub const EMPTY: OutboxState = OutboxState {
        backlog: 0,
        oldest_age_seconds: 0.0,
    };
}

#[derive(QueryableByName)]
struct StateRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    backlog: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    oldest_age: f64,
}

/// The backlog and the age of its oldest row, in one query (the database's clock, so a
/// skewed service clock does not age or rejuvenate events).
pub async fn state(conn: &mut AsyncPgConnection) -> QueryResult<OutboxState> {
    let row: StateRow = diesel::sql_query(
        "SELECT count(*) AS backlog, \
                GREATEST(COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0), 0)::float8 \
                    AS oldest_age \
         FROM outbox WHERE published_at IS NULL",
    )
    .get_result(conn)
    .await?;
    Ok(OutboxState {
        backlog: row.backlog,
        oldest_age_seconds: row.oldest_age,
    })
}
