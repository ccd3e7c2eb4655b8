//! The outbox relay: wakes on `NOTIFY llo_outbox` (or a short poll), publishes
//! unpublished rows in order, in batches, `mandatory` with publisher confirms, and
//! marks a row published only once the broker confirmed it. When the broker goes
//! away it reconnects; rows wait in the outbox meanwhile, so nothing is lost.
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt as _;
use lapin::{BasicProperties, Channel, options::ConfirmSelectOptions, types::FieldTable};
use opentelemetry::KeyValue;
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{CONTENT_TYPE, REGION_HEADER, Topology, outbox::outbox, topology::string};
use crate::{db::PgPool, server::Readiness, settings::Settings, telemetry};

#[derive(Queryable, Debug)]
struct PendingRow {
    id: Uuid,
    routing_key: String,
    payload: Vec<u8>,
    region: String,
    traceparent: Option<String>,
    tracestate: Option<String>,
    created_at: chrono::DateTime<Utc>,
}

/// The relay could not reach its database, or lost it during a batch: the broker
/// connection is fine.
#[derive(Debug, thiserror::Error)]
#[error("database unavailable: {0}")]
pub struct DatabaseUnavailable(String);

pub struct Relay {
    pub pool: PgPool,
    pub database_url: String,
    pub amqp_url: String,
    pub topology: Topology,
    pub app_id: String,
    pub batch_size: i64,
    pub poll_interval: Duration,
    /// How long the relay lets commits gather after a NOTIFY woke it close behind another
    /// (`BUSY_WITHIN`), so that under load one batch (six round trips) carries several
    /// events instead of one or two.
    pub gather: Duration,
    pub retention: Duration,
    /// How long the broker may take to confirm a batch.
    pub confirm_timeout: Duration,
    /// The deadline of each other wait on the broker, and the heartbeat asked of it.
    pub deadlines: super::BrokerDeadlines,
    /// Stored answers to calls with a `request_id` are pruned after this many hours
    /// (the relay is the service's one periodic housekeeper).
    pub request_id_retention_hours: u64,
    pub readiness: Readiness,
}

impl Relay {
    /// The relay works on a connection of its own, so a request pool busy under load
    /// neither holds events back nor makes the relay look like it lost the broker.
    pub fn from_settings(
        settings: &Settings,
        pool: PgPool,
        topology: Topology,
        app_id: &str,
        readiness: Readiness,
    ) -> Self {
        let own = crate::db::single_connection_pool(&settings.database).unwrap_or(pool);
        Self {
            pool: own,
            database_url: settings.database.url.expose_secret().to_owned(),
            amqp_url: settings.amqp.url.expose_secret().to_owned(),
            topology,
            app_id: app_id.to_owned(),
            batch_size: settings.amqp.relay_batch_size,
            poll_interval: Duration::from_millis(settings.amqp.relay_poll_interval_ms),
            gather: Duration::from_millis(settings.amqp.relay_gather_ms),
            retention: Duration::from_secs(settings.amqp.outbox_retention_hours * 3600),
            confirm_timeout: Duration::from_millis(settings.amqp.confirm_timeout_ms),
            deadlines: super::BrokerDeadlines::from_settings(&settings.amqp),
            request_id_retention_hours: settings.database.request_id_retention_hours,
            readiness,
        }
    }

    /// Runs until `shutdown`; survives broker and database outages.
    pub async fn run(self, shutdown: CancellationToken) {
        let (wake_tx, mut wake_rx) = tokio::sync::mpsc::channel::<()>(1);
        tokio::spawn(listen_for_outbox(
            self.database_url.clone(),
            wake_tx,
            shutdown.clone(),
        ));
        let mut backoff = Duration::from_millis(200);
        let mut last_wake: Option<Instant> = None;
        while !shutdown.is_cancelled() {
            let channel = tokio::select! {
                () = shutdown.cancelled() => return,
                channel = self.open_channel() => channel,
            };
            let (connection, channel) = match channel {
                Ok(pair) => pair,
                Err(error) => {
                    self.readiness.set_broker(false);
                    // What waits meanwhile, and for how long: the gauges operators alert on.
                    self.report_outbox().await;
                    tracing::warn!(%error, retry_in = ?backoff, "relay: broker unavailable");
                    tokio::time::sleep(backoff).await;
                    backoff = super::next_backoff(backoff);
                    continue;
                }
            };
            self.readiness.set_broker(true);
            let mut last_prune = Instant::now();
            loop {
                if prune_due(last_prune.elapsed()) {
                    self.prune().await;
                    last_prune = Instant::now();
                }
                match self.publish_batch(&channel).await {
                    Ok(published) => {
                        // Only a batch that went out resets the back-off: a row the broker
                        // keeps refusing must not make the relay reconnect in a tight loop.
                        backoff = Duration::from_millis(200);
                        if published as i64 >= self.batch_size {
                            continue;
                        }
                    }
                    Err(error) if error.is::<DatabaseUnavailable>() => {
                        // Not the broker's fault: keep the connection, try again later.
                        tracing::warn!(error = %error, retry_in = ?backoff, "relay: database unavailable");
                        tokio::select! {
                            () = shutdown.cancelled() => {}
                            () = tokio::time::sleep(backoff) => {}
                        }
                        backoff = super::next_backoff(backoff);
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(error = %error, retry_in = ?backoff, "relay: publishing failed; reconnecting");
                        break;
                    }
                }
                if !connection.status().connected() {
                    tracing::warn!("relay: broker connection lost; reconnecting");
                    break;
                }
                tokio::select! {
                    () = shutdown.cancelled() => {
                        // One last batch, so what was committed before the signal leaves.
                        let _ = self.publish_batch(&channel).await;
                        super::close_quietly(&connection, "shutdown").await;
                        return;
                    }
                    _ = wake_rx.recv() => {
                        // Commits coming close together: let the next ones join this batch.
                        // A commit after a quiet spell leaves at once.
                        let busy = last_wake.is_some_and(|at| at.elapsed() < BUSY_WITHIN);
                        last_wake = Some(Instant::now());
                        if busy {
                            tokio::select! {
                                () = shutdown.cancelled() => {}
                                () = tokio::time::sleep(self.gather) => {}
                            }
                        }
                    }
                    () = tokio::time::sleep(self.poll_interval) => {}
                }
            }
            self.readiness.set_broker(false);
            super::close_quietly(&connection, "reconnect").await;
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = super::next_backoff(backoff);
        }
    }

    async fn open_channel(&self) -> anyhow::Result<(lapin::Connection, Channel)> {
        let connection = super::connect_within(
            &self.amqp_url,
            &format!("{}-relay", self.app_id),
            1,
            self.deadlines,
        )
        .await?;
        match self.confirming_channel(&connection).await {
            Ok(channel) => Ok((connection, channel)),
            Err(error) => {
                super::close_quietly(&connection, "open failed").await;
                Err(error)
            }
        }
    }

    /// The topology declared and a channel in confirm mode, each step under the deadline.
    async fn confirming_channel(&self, connection: &lapin::Connection) -> anyhow::Result<Channel> {
        let deadline = self.deadlines.operation;
        let declare = self.topology.declare(connection);
        super::within(deadline, "the topology declare", declare).await?;
        let channel = super::within(deadline, "channel open", connection.create_channel()).await?;
        // Without confirm_select every publish would look confirmed.
        let confirm = channel.confirm_select(ConfirmSelectOptions::default());
        super::within(deadline, "confirm_select", confirm).await?;
        Ok(channel)
    }

    /// Records the backlog and the age of its oldest row (when the database answers).
    async fn report_outbox(&self) {
        let Ok(mut conn) = self.pool.get().await else {
            return;
        };
        if let Ok(state) = super::outbox::state(&mut conn).await {
            record_outbox(&self.app_id, state);
        }
    }

    /// Deletes published rows older than the retention.
    pub async fn prune(&self) {
        let cutoff = Utc::now()
            - chrono::Duration::from_std(self.retention).unwrap_or(chrono::Duration::days(7));
        let Ok(mut conn) = self.pool.get().await else {
            return;
        };
        match diesel::delete(outbox::table.filter(outbox::published_at.lt(cutoff)))
            .execute(&mut conn)
            .await
        {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "relay: pruned published outbox rows"),
            Err(error) => tracing::warn!(%error, "relay: pruning the outbox failed"),
        }
        match crate::idempotency::prune(&mut conn, self.request_id_retention_hours).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "relay: pruned answers kept for retries"),
            Err(error) => tracing::warn!(%error, "relay: pruning the request ids failed"),
        }
    }

    /// Publishes up to one batch; returns how many rows were confirmed.
    pub async fn publish_batch(&self, channel: &Channel) -> anyhow::Result<usize> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|error| DatabaseUnavailable(error.to_string()))?;
        let batch_size = self.batch_size;
        let exchange = self.topology.exchange.clone();
        let app_id = self.app_id.clone();
        let confirm_timeout = self.confirm_timeout;
        let broker = super::broker_address(&self.amqp_url);
        let url = self.amqp_url.clone();
        // Row locks (SKIP LOCKED) let several replicas relay without publishing twice.
        let (published, failure, state) = conn
            .transaction::<_, anyhow::Error, _>(async |conn| {
                // One relay at a time per database (replicas wait their turn), so events
                // leave in the order they were written.
                let leader: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "pg_try_advisory_xact_lock(7415001)",
                ))
                .get_result(conn)
                .await?;
                if !leader {
                    // Another replica publishes; this one still reports what waits.
                    return Ok((0, None, super::outbox::state(conn).await?));
                }
                let rows: Vec<PendingRow> = outbox::table
                    .filter(outbox::published_at.is_null())
                    .order(outbox::seq)
                    .limit(batch_size)
                    .select((
                        outbox::id,
                        outbox::routing_key,
                        outbox::payload,
                        outbox::region,
                        outbox::traceparent,
                        outbox::tracestate,
                        outbox::created_at,
                    ))
                    .for_update()
                    .skip_locked()
                    .load(conn)
                    .await?;
                if rows.is_empty() {
                    // The leader sees every unpublished row (no other relay locks them).
                    return Ok((0, None, super::outbox::OutboxState::EMPTY));
                }
                // A broker that stops confirming (a resource alarm) must not hold the
                // transaction and its row locks forever.
                let (published, failure) = match tokio::time::timeout(
                    confirm_timeout,
                    publish_rows(channel, &exchange, (&app_id, &url), &rows, broker.as_ref()),
                )
                .await
                {
                    Ok(outcome) => outcome,
                    Err(_) => (
                        Vec::new(),
                        <[PendingRow]>::first(&rows)
                            .map(|r| (r.id, format!("no confirms within {confirm_timeout:?}"))),
                    ),
                };
                if !published.is_empty() {
                    diesel::update(outbox::table.filter(outbox::id.eq_any(&published)))
                        .set(outbox::published_at.eq(Utc::now()))
                        .execute(conn)
                        .await?;
                }
                if let Some((id, error)) = &failure {
                    diesel::update(outbox::table.find(id))
                        .set((
                            outbox::attempts.eq(outbox::attempts + 1),
                            outbox::last_error.eq(error),
                        ))
                        .execute(conn)
                        .await?;
                }
                // A batch that took every row there was and published them all left
                // nothing behind (as of its snapshot): no need to count.
                let all_taken = (rows.len() as i64) < batch_size && failure.is_none();
                let state = if all_taken {
                    super::outbox::OutboxState::EMPTY
                } else {
                    super::outbox::state(conn).await?
                };
                // Commit what the broker confirmed, and the failure, together.
                Ok((published.len(), failure.map(|(_, error)| error), state))
            })
            .await
            // A query that failed (the database went away mid-batch) is not the broker's
            // fault either: the broker connection is kept.
            .map_err(|error| match error.downcast::<diesel::result::Error>() {
                Ok(database) => DatabaseUnavailable(database.to_string()).into(),
                Err(other) => other,
            })?;
        // Reported once committed: the gauges never run ahead of the outbox.
        record_outbox(&app_id, state);
        match failure {
            Some(error) => Err(anyhow::anyhow!(error)),
            None => Ok(published),
        }
    }
}

/// A NOTIFY within this of the previous one means commits are coming close together:
/// the relay lets more of them gather (`gather`) before it reads the outbox.
const BUSY_WITHIN: Duration = Duration::from_millis(50);

/// How often a relay prunes published rows, counted from the moment its connection opened.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Whether published rows are due for pruning, `since_last` after the last prune.
fn prune_due(since_last: Duration) -> bool {
    since_last > PRUNE_EVERY
}

/// `llo.outbox.backlog` and `llo.outbox.oldest_age` of the service `app_id`.
fn record_outbox(app_id: &str, state: super::outbox::OutboxState) {
    let attributes = [KeyValue::new("service", app_id.to_owned())];
    let metrics = telemetry::metrics();
    metrics
        .outbox_backlog
        .record(state.backlog.max(0) as u64, &attributes);
    metrics
        .outbox_oldest_age
        .record(state.oldest_age_seconds.max(0.0), &attributes);
}

/// Publishes rows in order; stops at the first row the broker did not take.
/// Returns the confirmed ids and the first failure.
///
/// Each row gets its own `send` span (semantic conventions, messaging): its context is
/// the message's creation context (the `traceparent` it carries), and its parent the
/// trace of the call that recorded the row.
async fn publish_rows(
    channel: &Channel,
    exchange: &str,
    (app_id, url): (&str, &str),
    rows: &[PendingRow],
    broker: Option<&(String, u16)>,
) -> (Vec<Uuid>, Option<(Uuid, String)>) {
    let mut pending = Vec::with_capacity(rows.len());
    for row in rows {
        let sending = Sending::start(row, exchange, broker);
        let stored = row.traceparent.as_deref();
        let state = row.tracestate.as_deref();
        telemetry::set_parent_from(&sending.span, |key| match key {
            "traceparent" => stored,
            "tracestate" => state,
            _ => None,
        });
        let headers = sending.span.in_scope(telemetry::current_trace_headers);
        let properties = super::stamped(properties(row, app_id, headers), url);
        let published = super::publish_mandatory(
            channel,
            exchange,
            &row.routing_key,
            &row.payload,
            properties,
        )
        .await;
        match published {
            Ok(confirm) => pending.push((row, confirm, sending)),
            Err(error) => {
                sending.end(Some("publish_failed"));
                return finish(pending, Some((row.id, format!("publish failed: {error}")))).await;
            }
        }
    }
    finish(pending, None).await
}

async fn finish(
    pending: Vec<(&PendingRow, lapin::PublisherConfirm, Sending)>,
    mut failure: Option<(Uuid, String)>,
) -> (Vec<Uuid>, Option<(Uuid, String)>) {
    let mut confirmed = Vec::with_capacity(pending.len());
    for (row, confirm, sending) in pending {
        let answer = super::confirmed(confirm).await;
        sending.end(answer.as_ref().err().map(super::Refused::error_type));
        if failure.is_some() {
            // Keep order: nothing after the first failure counts as published.
            continue;
        }
        match answer {
            Ok(()) => {
                confirmed.push(row.id);
                telemetry::metrics()
                    .events_published
                    .add(1, &[KeyValue::new("routing_key", row.routing_key.clone())]);
            }
            Err(reason) => failure = Some((row.id, reason.to_string())),
        }
    }
    (confirmed, failure)
}

/// One event on its way to the broker: its `publish` span (semantic conventions,
/// messaging, RabbitMQ: operation type `send`, destination `<exchange>:<routing key>`),
/// ended with `messaging.client.sent.messages` and `messaging.client.operation.duration`
/// once the broker answered.
struct Sending {
    span: tracing::Span,
    attributes: Vec<KeyValue>,
    started: Instant,
}

impl Sending {
    fn start(row: &PendingRow, exchange: &str, broker: Option<&(String, u16)>) -> Sending {
        use telemetry::semconv::attribute as semconv;
        let destination = format!("{exchange}:{}", row.routing_key);
        let span = tracing::info_span!(
            "publish",
            otel.name = %format!("publish {destination}"),
            otel.kind = "producer",
            otel.status_code = tracing::field::Empty,
            messaging.system = "rabbitmq",
            messaging.operation.type = "send",
            messaging.operation.name = "publish",
            messaging.destination.name = %destination,
            messaging.rabbitmq.destination.routing_key = %row.routing_key,
            messaging.message.id = %row.id,
            server.address = tracing::field::Empty,
            server.port = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let mut attributes = vec![
            KeyValue::new(semconv::MESSAGING_SYSTEM, "rabbitmq"),
            KeyValue::new(semconv::MESSAGING_OPERATION_NAME, "publish"),
            KeyValue::new(semconv::MESSAGING_DESTINATION_NAME, destination),
        ];
        if let Some((address, port)) = broker {
            span.record("server.address", address.as_str());
            span.record("server.port", i64::from(*port));
            attributes.push(KeyValue::new(semconv::SERVER_ADDRESS, address.clone()));
            attributes.push(KeyValue::new(semconv::SERVER_PORT, i64::from(*port)));
        }
        Sending {
            span,
            attributes,
            started: Instant::now(),
        }
    }

    /// The broker answered (`error`: why it did not take the event); the span ends here.
    fn end(mut self, error: Option<&'static str>) {
        if let Some(error) = error {
            self.span.record("error.type", error);
            self.span.record("otel.status_code", "ERROR");
            self.attributes.push(KeyValue::new(
                telemetry::semconv::attribute::ERROR_TYPE,
                error,
            ));
        }
        let metrics = telemetry::metrics();
        metrics.messages_sent.add(1, &self.attributes);
        self.attributes.push(KeyValue::new(
            telemetry::semconv::attribute::MESSAGING_OPERATION_TYPE,
            "send",
        ));
        metrics
            .send_duration
            .record(self.started.elapsed().as_secs_f64(), &self.attributes);
    }
}

fn properties(
    row: &PendingRow,
    app_id: &str,
    trace: std::collections::HashMap<String, String>,
) -> BasicProperties {
    let mut headers = FieldTable::default();
    for (key, value) in trace {
        headers.insert(key.as_str().into(), string(&value));
    }
    headers.insert(REGION_HEADER.into(), string(&row.region));
    BasicProperties::default()
        .with_message_id(row.id.to_string().into())
        .with_type(row.routing_key.as_str().into())
        .with_timestamp(row.created_at.timestamp().max(0) as u64)
        .with_app_id(app_id.into())
        .with_content_type(CONTENT_TYPE.into())
        .with_delivery_mode(2)
        .with_headers(headers)
}

/// Forwards `NOTIFY llo_outbox` as wake-ups; reconnects when the database drops.
async fn listen_for_outbox(
    url: String,
    wake: tokio::sync::mpsc::Sender<()>,
    shutdown: CancellationToken,
) {
    while !shutdown.is_cancelled() {
        let conn = AsyncPgConnection::establish(&url).await;
        let mut conn = match conn {
            Ok(conn) => conn,
            Err(error) => {
                tracing::debug!(%error, "relay: LISTEN connection failed; polling meanwhile");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        if diesel::sql_query("LISTEN llo_outbox")
            .execute(&mut conn)
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        let notifications = conn.notifications_stream();
        tokio::pin!(notifications);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                next = notifications.next() => match next {
                    Some(Ok(_)) => { let _ = wake.try_send(()); }
                    Some(Err(_)) | None => break,
                },
                // The stream never ends by itself; check the connection now and then.
                () = tokio::time::sleep(Duration::from_secs(30)) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connected_relay_prunes_once_the_interval_has_passed_not_before() {
        assert!(!prune_due(Duration::ZERO));
        assert!(!prune_due(PRUNE_EVERY - Duration::from_secs(1)));
        assert!(!prune_due(PRUNE_EVERY));
        assert!(prune_due(PRUNE_EVERY + Duration::from_secs(1)));
        assert!(prune_due(PRUNE_EVERY * 3));
    }
}
