//! The consumer: prefetch, one transaction per event that applies the handler and
//! records the event id in the inbox (a duplicate is acked and ignored), ack only
//! after commit, retries with back-off, dead letters with their reason. Each event has
//! its own `process` span and `messaging.process.duration` (semantic conventions,
//! [`telemetry::SEMCONV_VERSION`]), also when it is applied in a batch. What a service
//! gives it is in `handler`, how a delivery is read in `envelope`.
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt as _;
use lapin::{
    BasicProperties, Channel,
    message::Delivery,
    options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions},
    types::FieldTable,
};
use opentelemetry::KeyValue;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{
    DEAD_LETTER_REASON_HEADER, EventHandler, HandleError, IncomingEvent,
    ORIGINAL_ROUTING_KEY_HEADER, Publishers, Topology,
    envelope::{DELIVERY_COUNT_HEADER, header_count, header_str, parse_envelope},
    topology::string,
    watchdog::{Progress, Restart},
};
use crate::{db::PgPool, server::Readiness, telemetry};

diesel::table! {
    inbox (event_id) {
        event_id -> Uuid,
        routing_key -> Text,
        processed_at -> Timestamptz,
    }
}

pub struct Consumer {
    pub pool: PgPool,
    pub amqp_url: String,
    pub topology: Topology,
    pub handler: Arc<dyn EventHandler>,
    pub app_id: String,
    pub prefetch: u16,
    pub max_attempts: u32,
    /// Deliveries of one message (the consumer stopped before finishing it, e.g. a crash
    /// on a poison message) after which it is dead-lettered instead of tried again.
    pub delivery_limit: u32,
    pub retry_base_delay: Duration,
    /// The deadline of each wait on the broker, and the heartbeat asked of it.
    pub deadlines: super::BrokerDeadlines,
    /// Messages ready in the queue and none delivered for this long: restart.
    pub stall_timeout: Duration,
    /// Who may publish which events.
    pub publishers: Publishers,
    pub readiness: Readiness,
    pub shutdown: CancellationToken,
}

/// A consumer connection that lasted this long worked: the reconnect back-off starts
/// again from its shortest wait.
const WORKED_FOR: Duration = Duration::from_secs(10);
/// The shortest wait before reopening a connection.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// The wait before reopening after a connection that lasted `worked`: from the start
/// again after one that worked for a while; the grown wait after one that failed at
/// once, again and again (a broker refusing the consume), so that it backs off.
fn backoff_after(worked: Duration, backoff: Duration) -> Duration {
    if worked >= WORKED_FOR {
        FIRST_BACKOFF
    } else {
        backoff
    }
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Duplicate,
    DeadLettered,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::DeadLettered => "dead_lettered",
        }
    }
}

impl Consumer {
    pub fn from_settings(
        settings: &crate::Settings,
        pool: PgPool,
        topology: Topology,
        handler: Arc<dyn EventHandler>,
        app_id: &str,
        readiness: Readiness,
    ) -> Consumer {
        use secrecy::ExposeSecret as _;
        // Events are handled one at a time, on a connection of their own: requests that
        // keep the request pool busy neither hold events back nor look like an outage.
        let own = crate::db::single_connection_pool(&settings.database).unwrap_or(pool);
        Consumer {
            pool: own,
            amqp_url: settings.amqp.url.expose_secret().to_owned(),
            topology,
            handler,
            app_id: app_id.to_owned(),
            prefetch: settings.amqp.prefetch,
            max_attempts: settings.amqp.max_attempts.max(1),
            delivery_limit: settings.amqp.delivery_limit.max(1),
            retry_base_delay: Duration::from_millis(settings.amqp.retry_base_delay_ms),
            deadlines: super::BrokerDeadlines::from_settings(&settings.amqp),
            stall_timeout: Duration::from_millis(settings.amqp.stall_timeout_ms),
            publishers: Publishers::new(
                &settings.amqp.publisher_users,
                &settings.amqp.operator_user,
            ),
            readiness,
            shutdown: CancellationToken::new(),
        }
    }

    /// Consumes until `shutdown`. A connection that is lost, a broker wait that passes
    /// its deadline, a delivery stream that fails or ends, and a stall (messages wait,
    /// none arrives) each close the connection without waiting and open a new one.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let Some(queue) = self.topology.queue.clone() else {
            return;
        };
        self.shutdown = shutdown.clone();
        let mut backoff = FIRST_BACKOFF;
        while !shutdown.is_cancelled() {
            let opened = tokio::select! {
                () = shutdown.cancelled() => return,
                opened = self.open(&queue.name) => opened,
            };
            let (connection, channel, deliveries) = match opened {
                Ok(opened) => opened,
                Err(error) => {
                    self.readiness.set_consumer(false);
                    tracing::warn!(error = %format!("{error:#}"), retry_in = ?backoff, "consumer: broker unavailable");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = super::next_backoff(backoff);
                    continue;
                }
            };
            self.readiness.set_consumer(true);
            tracing::info!(queue = %queue.name, "consumer: consuming");
            let opened_at = Instant::now();
            let restart = self
                .consume(&connection, &channel, deliveries, &queue)
                .await;
            backoff = backoff_after(opened_at.elapsed(), backoff);
            self.readiness.set_consumer(false);
            super::close_quietly(&connection, "reconnect").await;
            let Some(restart) = restart else {
                return;
            };
            telemetry::metrics().consumer_restarts.add(
                1,
                &[
                    KeyValue::new("queue", queue.name.clone()),
                    KeyValue::new("reason", restart.as_str()),
                ],
            );
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = super::next_backoff(backoff);
        }
    }

    /// Consumes on one connection until it must be given up (why) or `shutdown` (None).
    async fn consume(
        &self,
        connection: &lapin::Connection,
        channel: &Channel,
        mut deliveries: lapin::Consumer,
        queue: &super::topology::ConsumerQueue,
    ) -> Option<Restart> {
        let mut progress = Progress::new(Instant::now(), self.stall_timeout);
        let mut check = tokio::time::interval(progress.check_every());
        let mut connection_check = tokio::time::interval(Duration::from_millis(500));
        loop {
            let next = tokio::select! {
                () = self.shutdown.cancelled() => return None,
                _ = connection_check.tick() => {
                    if !connection.status().connected() {
                        tracing::warn!("consumer: connection lost; reconnecting");
                        return Some(Restart::ConnectionLost);
                    }
                    continue;
                }
                _ = check.tick() => {
                    match self.queue_ready(channel, &queue.name).await {
                        Ok(ready) if progress.stalled(ready, Instant::now()) => {
                            tracing::warn!(ready, stall_timeout = ?self.stall_timeout, "consumer: messages wait but none was delivered; restarting the consumer");
                            return Some(Restart::Stalled);
                        }
                        Ok(_) => {}
                        Err(error) => {
                            tracing::warn!(error = %format!("{error:#}"), "consumer: broker did not answer; reconnecting");
                            return Some(Restart::BrokerTimeout);
                        }
                    }
                    continue;
                }
                next = deliveries.next() => next,
            };
            match next {
                Some(Ok(delivery)) => {
                    progress.made(Instant::now());
                    // What else has arrived already joins it, up to the prefetch.
                    let (batch, stream_ended) =
                        super::batch::gather(delivery, &mut deliveries, usize::from(self.prefetch));
                    // Finish the batch even during shutdown: it is short, and ack-after-commit.
                    if let Err(error) = self
                        .process_batch(channel, &queue.dead_letter_routing_key, batch)
                        .await
                    {
                        tracing::warn!(error = %format!("{error:#}"), "consumer: channel failed; reconnecting");
                        return Some(Restart::BrokerTimeout);
                    }
                    progress.made(Instant::now());
                    if let Some(reason) = stream_ended {
                        tracing::warn!(%reason, "consumer: delivery stream failed; reconnecting");
                        return Some(Restart::StreamFailed);
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!(%error, "consumer: delivery stream failed; reconnecting");
                    return Some(Restart::StreamFailed);
                }
                None => {
                    // A quiet end means the broker went away: treat it as fatal.
                    tracing::warn!("consumer: delivery stream ended; reconnecting");
                    return Some(Restart::StreamFailed);
                }
            }
        }
    }

    /// Opens a connection, declares the topology and starts consuming: each step under
    /// the operation deadline, and a connection half-opened is closed on failure.
    async fn open(
        &self,
        queue: &str,
    ) -> anyhow::Result<(lapin::Connection, Channel, lapin::Consumer)> {
        let connection = super::connect_within(
            &self.amqp_url,
            &format!("{}-consumer", self.app_id),
            1,
            self.deadlines,
        )
        .await?;
        match self.start_consuming(&connection, queue).await {
            Ok((channel, deliveries)) => Ok((connection, channel, deliveries)),
            Err(error) => {
                super::close_quietly(&connection, "open failed").await;
                Err(error)
            }
        }
    }

    async fn start_consuming(
        &self,
        connection: &lapin::Connection,
        queue: &str,
    ) -> anyhow::Result<(Channel, lapin::Consumer)> {
        let deadline = self.deadlines.operation;
        super::within(
            deadline,
            "the topology declare",
            self.topology.declare(connection),
        )
        .await?;
        let channel = super::within(deadline, "channel open", connection.create_channel()).await?;
        super::within(
            deadline,
            "confirm_select",
            channel.confirm_select(ConfirmSelectOptions::default()),
        )
        .await?;
        super::within(
            deadline,
            "basic_qos",
            channel.basic_qos(self.prefetch, BasicQosOptions::default()),
        )
        .await?;
        let tag = format!("{}-{}", self.app_id, Uuid::now_v7());
        let deliveries = super::within(
            deadline,
            "basic_consume",
            channel.basic_consume(
                queue.into(),
                tag.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            ),
        )
        .await?;
        Ok((channel, deliveries))
    }

    /// Messages ready in the queue (a passive declare, under the deadline), recorded as
    /// `llo.consumer.lag`.
    async fn queue_ready(&self, channel: &Channel, queue: &str) -> anyhow::Result<u32> {
        let ready = super::ready_messages(channel, queue, self.deadlines.operation).await?;
        telemetry::metrics().consumer_lag.record(
            u64::from(ready),
            &[KeyValue::new("queue", queue.to_owned())],
        );
        Ok(ready)
    }

    /// Handles one delivery to the end: applied, duplicate or dead-lettered, then acked.
    /// An error means the channel is unusable (the message will be redelivered).
    /// `attempts_made`: the handler already failed this many times (in a batch).
    pub(super) async fn process(
        &self,
        channel: &Channel,
        dead_letter_key: &str,
        delivery: Delivery,
        attempts_made: u32,
    ) -> anyhow::Result<()> {
        let processing = self.processing(&delivery);
        let headers = delivery.properties.headers().clone().unwrap_or_default();
        let outcome = tracing::Instrument::instrument(
            self.apply(channel, dead_letter_key, &delivery, &headers, attempts_made),
            processing.span.clone(),
        )
        .await?;
        finish(&delivery, outcome, &processing, self.deadlines.operation).await?;
        self.after(&delivery, outcome).await;
        Ok(())
    }

    /// After an erasure was applied, the service's dead letters about the person go too
    /// (best effort: a failure is logged, and the next erasure or an operator's purge
    /// finds them).
    pub(super) async fn after(&self, delivery: &Delivery, outcome: Outcome) {
        use llo_proto::IntegrationEvent as _;
        type Erased = llo_proto::events::v1::ParticipantErased;
        if outcome != Outcome::Applied || delivery.routing_key.as_str() != Erased::ROUTING_KEY {
            return;
        }
        let Ok(erased) = <Erased as prost::Message>::decode(delivery.data.as_slice()) else {
            return;
        };
        let purge = super::dead_letters::purge_about(
            &self.amqp_url,
            &self.topology,
            &erased.participant_id,
        );
        match purge.await {
            Ok(0) => {}
            Ok(dropped) => {
                tracing::info!(dropped, "erasure: dead letters about the person dropped")
            }
            Err(error) => tracing::warn!(%error, "erasure: dead letters not looked at"),
        }
    }

    /// The RabbitMQ destination of a delivery: `<exchange>:<routing key>:<queue>`.
    fn destination(&self, delivery: &Delivery) -> String {
        consumer_destination(
            delivery.exchange.as_str(),
            delivery.routing_key.as_str(),
            self.topology.queue.as_ref().map_or("", |q| q.name.as_str()),
        )
    }

    /// The semantic conventions' attributes of this consumer's deliveries to
    /// `destination`, and the broker.
    fn attributes(&self, destination: &str) -> Vec<KeyValue> {
        use telemetry::semconv::attribute as semconv;
        let mut attributes = vec![
            KeyValue::new(semconv::MESSAGING_SYSTEM, "rabbitmq"),
            KeyValue::new(semconv::MESSAGING_OPERATION_NAME, "process"),
            KeyValue::new(semconv::MESSAGING_DESTINATION_NAME, destination.to_owned()),
        ];
        if let Some((address, port)) = super::broker_address(&self.amqp_url) {
            attributes.push(KeyValue::new(semconv::SERVER_ADDRESS, address));
            attributes.push(KeyValue::new(semconv::SERVER_PORT, i64::from(port)));
        }
        attributes
    }

    /// Counts a delivery the broker handed over (`messaging.client.consumed.messages`):
    /// once per delivery, however often its handler is then tried.
    pub(super) fn received(&self, delivery: &Delivery) {
        telemetry::metrics()
            .messages_consumed
            .add(1, &self.attributes(&self.destination(delivery)));
    }

    /// The processing of one event: its `process` span, a child of the trace that
    /// produced it (semantic conventions, messaging: operation type `process`, kind
    /// CONSUMER, destination `<exchange>:<routing key>:<queue>`), started now.
    pub(super) fn processing(&self, delivery: &Delivery) -> Processing {
        let destination = self.destination(delivery);
        let span = tracing::info_span!(
            "process",
            otel.name = %format!("process {destination}"),
            otel.kind = "consumer",
            otel.status_code = tracing::field::Empty,
            messaging.system = "rabbitmq",
            messaging.operation.type = "process",
            messaging.operation.name = "process",
            messaging.destination.name = %destination,
            messaging.rabbitmq.destination.routing_key = %delivery.routing_key,
            messaging.rabbitmq.message.delivery_tag = delivery.delivery_tag,
            messaging.message.id = tracing::field::Empty,
            server.address = tracing::field::Empty,
            server.port = tracing::field::Empty,
            error.type = tracing::field::Empty,
            llo.outcome = tracing::field::Empty,
        );
        if let Some(id) = delivery.properties.message_id() {
            span.record("messaging.message.id", id.as_str());
        }
        if let Some((address, port)) = super::broker_address(&self.amqp_url) {
            span.record("server.address", address);
            span.record("server.port", i64::from(port));
        }
        let headers = delivery.properties.headers().clone().unwrap_or_default();
        telemetry::set_parent_from(&span, |key| header_str(&headers, key));
        Processing {
            span,
            started: Instant::now(),
            attributes: self.attributes(&destination),
        }
    }

    /// The `process` span of a batch (semantic conventions, messaging: kind CONSUMER,
    /// `messaging.batch.message_count`), a root of its own with a link to the creation
    /// context of each message (its `traceparent`), the link naming the message id.
    pub(super) fn batch_span(&self, deliveries: &[&Delivery]) -> tracing::Span {
        let queue = self.topology.queue.as_ref().map_or("", |q| q.name.as_str());
        let exchange = deliveries.first().map_or("", |d| d.exchange.as_str());
        let destination = consumer_destination(exchange, "", queue);
        let span = tracing::info_span!(
            parent: None,
            "process",
            otel.name = %format!("process {destination}"),
            otel.kind = "consumer",
            messaging.system = "rabbitmq",
            messaging.operation.type = "process",
            messaging.operation.name = "process",
            messaging.destination.name = %destination,
            messaging.batch.message_count = deliveries.len(),
            server.address = tracing::field::Empty,
            server.port = tracing::field::Empty,
            llo.applied = tracing::field::Empty,
            llo.duplicates = tracing::field::Empty,
            llo.set_aside = tracing::field::Empty,
        );
        if let Some((address, port)) = super::broker_address(&self.amqp_url) {
            span.record("server.address", address);
            span.record("server.port", i64::from(port));
        }
        for delivery in deliveries {
            let headers = delivery.properties.headers().clone().unwrap_or_default();
            let id = delivery
                .properties
                .message_id()
                .as_ref()
                .map(|id| id.to_string());
            telemetry::add_link_from(&span, id, |key| header_str(&headers, key));
        }
        span
    }

    /// A delivery processed in a batch: its metrics; its trace is the batch's span.
    pub(super) fn processing_in_batch(&self, delivery: &Delivery) -> Processing {
        Processing {
            span: tracing::Span::none(),
            started: Instant::now(),
            attributes: self.attributes(&self.destination(delivery)),
        }
    }

    async fn apply(
        &self,
        channel: &Channel,
        dead_letter_key: &str,
        delivery: &Delivery,
        headers: &FieldTable,
        attempts_made: u32,
    ) -> anyhow::Result<Outcome> {
        // Quorum queues count earlier deliveries that were never acknowledged.
        if let Some(earlier) = header_count(headers, DELIVERY_COUNT_HEADER)
            && earlier >= u64::from(self.delivery_limit)
        {
            let reason = format!(
                "delivered {} times without being finished (amqp.delivery_limit {})",
                earlier + 1,
                self.delivery_limit
            );
            self.dead_letter(channel, dead_letter_key, delivery, &reason)
                .await?;
            return Ok(Outcome::DeadLettered);
        }
        let event = match parse_envelope(delivery, headers, &self.publishers) {
            Ok(event) => event,
            Err(reason) => {
                self.dead_letter(channel, dead_letter_key, delivery, &reason)
                    .await?;
                return Ok(Outcome::DeadLettered);
            }
        };
        let mut attempt = attempts_made + 1;
        // A redelivery of an event that failed before waits as a retry would.
        tokio::time::sleep(retry_delay(self.retry_base_delay, attempts_made)).await;
        let mut outage_wait = Duration::from_millis(500);
        loop {
            match self.apply_once(&event).await {
                Ok(outcome) => {
                    self.readiness.set_consumer(true);
                    return Ok(outcome);
                }
                Err(HandleError::Malformed(reason)) => {
                    self.dead_letter(channel, dead_letter_key, delivery, &reason)
                        .await?;
                    return Ok(Outcome::DeadLettered);
                }
                Err(HandleError::Retry(error)) if attempt >= self.max_attempts => {
                    let reason = format!("gave up after {attempt} attempts: {error:#}");
                    self.dead_letter(channel, dead_letter_key, delivery, &reason)
                        .await?;
                    return Ok(Outcome::DeadLettered);
                }
                Err(HandleError::Unavailable(reason)) => {
                    // Not the event's fault: wait for the database, do not count the attempt.
                    self.readiness.set_consumer(false);
                    if self.shutdown.is_cancelled() {
                        anyhow::bail!("shutting down while the database is unavailable: {reason}");
                    }
                    tracing::warn!(%reason, retry_in = ?outage_wait, "database unavailable; the event waits");
                    tokio::select! {
                        () = self.shutdown.cancelled() => {}
                        () = tokio::time::sleep(outage_wait) => {}
                    }
                    outage_wait = super::next_backoff(outage_wait);
                }
                Err(HandleError::Retry(error)) => {
                    let delay = retry_delay(self.retry_base_delay, attempt);
                    tracing::warn!(error = %format!("{error:#}"), attempt, retry_in = ?delay, "handler failed; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn apply_once(&self, event: &IncomingEvent) -> Result<Outcome, HandleError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| HandleError::Unavailable(e.to_string()))?;
        conn.transaction::<_, HandleError, _>(async |conn| self.apply_in(conn, event).await)
            .await
    }

    /// Records the event in the inbox and applies it, in the caller's transaction; an
    /// event already in the inbox is a duplicate and changes nothing.
    pub(super) async fn apply_in(
        &self,
        conn: &mut AsyncPgConnection,
        event: &IncomingEvent,
    ) -> Result<Outcome, HandleError> {
        let inserted = diesel::insert_into(inbox::table)
            .values((
                inbox::event_id.eq(event.id),
                inbox::routing_key.eq(&event.routing_key),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 0 {
            return Ok(Outcome::Duplicate);
        }
        self.handler.handle(conn, event).await?;
        Ok(Outcome::Applied)
    }

    /// Records a batch's events in the inbox with one statement, in the caller's
    /// transaction. `false`: a duplicate (in the inbox already, or earlier in the batch
    /// — a message the relay published twice).
    pub(super) async fn claim(
        conn: &mut AsyncPgConnection,
        events: &[&IncomingEvent],
    ) -> diesel::QueryResult<Vec<bool>> {
        let rows: Vec<_> = events
            .iter()
            .map(|e| {
                (
                    inbox::event_id.eq(e.id),
                    inbox::routing_key.eq(e.routing_key.as_str()),
                )
            })
            .collect();
        let inserted: std::collections::HashSet<Uuid> = diesel::insert_into(inbox::table)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(inbox::event_id)
            .get_results::<Uuid>(conn)
            .await?
            .into_iter()
            .collect();
        let mut seen = std::collections::HashSet::new();
        Ok(events
            .iter()
            .map(|e| inserted.contains(&e.id) && seen.insert(e.id))
            .collect())
    }

    /// Publishes a copy to the dead-letter exchange with the reason, confirmed, before
    /// the original is acked: a crash in between duplicates, never loses.
    pub(super) async fn dead_letter(
        &self,
        channel: &Channel,
        dead_letter_key: &str,
        delivery: &Delivery,
        reason: &str,
    ) -> anyhow::Result<()> {
        tracing::error!(reason, routing_key = %delivery.routing_key, "dead-lettering event");
        let mut headers = delivery.properties.headers().clone().unwrap_or_default();
        headers.insert(DEAD_LETTER_REASON_HEADER.into(), string(reason));
        headers.insert(
            ORIGINAL_ROUTING_KEY_HEADER.into(),
            string(delivery.routing_key.as_str()),
        );
        let properties: BasicProperties = delivery.properties.clone().with_headers(headers);
        super::publish_confirmed(
            self.deadlines.operation,
            channel,
            &self.topology.dead_letter_exchange,
            dead_letter_key,
            &delivery.data,
            properties,
        )
        .await?;
        telemetry::metrics().events_dead_lettered.add(
            1,
            &[KeyValue::new(
                "routing_key",
                delivery.routing_key.to_string(),
            )],
        );
        Ok(())
    }
}

/// One delivery being processed: its span, when it began, and the attributes of
/// `messaging.process.duration`.
pub(super) struct Processing {
    pub(super) span: tracing::Span,
    started: Instant,
    attributes: Vec<KeyValue>,
}

/// The RabbitMQ destination of a consumed message (semantic conventions):
/// `<exchange>:<routing key>:<queue>`, leaving out what is empty (the default exchange)
/// and the routing key where it is the queue's name.
pub fn consumer_destination(exchange: &str, routing_key: &str, queue: &str) -> String {
    let routing_key = if routing_key == queue {
        ""
    } else {
        routing_key
    };
    [exchange, routing_key, queue]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(":")
}

/// Records what became of a delivery (span, metrics) and acknowledges it.
pub(super) async fn finish(
    delivery: &Delivery,
    outcome: Outcome,
    processing: &Processing,
    deadline: Duration,
) -> anyhow::Result<()> {
    record(delivery, outcome, processing);
    super::within(
        deadline,
        "the ack",
        delivery.acker.ack(BasicAckOptions::default()),
    )
    .await?;
    Ok(())
}

/// Records what became of a delivery: its span and metrics.
pub(super) fn record(delivery: &Delivery, outcome: Outcome, processing: &Processing) {
    let span = &processing.span;
    span.record("llo.outcome", outcome.as_str());
    let mut attributes = processing.attributes.clone();
    if outcome == Outcome::DeadLettered {
        // The event could not be applied: the processing failed.
        span.record("error.type", "dead_lettered");
        span.record("otel.status_code", "ERROR");
        attributes.push(KeyValue::new(
            telemetry::semconv::attribute::ERROR_TYPE,
            "dead_lettered",
        ));
    }
    telemetry::metrics()
        .process_duration
        .record(processing.started.elapsed().as_secs_f64(), &attributes);
    telemetry::metrics().events_consumed.add(
        1,
        &[
            KeyValue::new("outcome", outcome.as_str()),
            KeyValue::new("routing_key", delivery.routing_key.to_string()),
        ],
    );
}

/// The pause before attempt `attempt + 1`: none before the first, then the base,
/// doubled per failed attempt.
pub fn retry_delay(base: Duration, failed_attempt: u32) -> Duration {
    if failed_attempt == 0 {
        return Duration::ZERO;
    }
    base.saturating_mul(2u32.saturating_pow(failed_attempt - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_back_off_starts_again_only_after_a_connection_that_worked() {
        let grown = Duration::from_secs(3);
        assert_eq!(backoff_after(WORKED_FOR, grown), FIRST_BACKOFF);
        assert_eq!(backoff_after(Duration::from_secs(60), grown), FIRST_BACKOFF);
        assert_eq!(
            backoff_after(WORKED_FOR - Duration::from_millis(1), grown),
            grown
        );
        assert_eq!(backoff_after(Duration::ZERO, grown), grown);
    }

    #[test]
    fn the_destination_of_a_consumed_event_names_exchange_routing_key_and_queue() {
        assert_eq!(
            consumer_destination(
                "llo.events",
                "intake.participant_enrolled.v1",
                "trajectories.events"
            ),
            "llo.events:intake.participant_enrolled.v1:trajectories.events"
        );
        // Re-driven through the default exchange, straight to the queue.
        assert_eq!(
            consumer_destination("", "trajectories.events", "trajectories.events"),
            "trajectories.events"
        );
        assert_eq!(consumer_destination("llo.events", "", "q"), "llo.events:q");
    }

    #[test]
    fn the_back_off_doubles_from_the_base() {
        let base = Duration::from_millis(200);
        let delays: Vec<u128> = (1..=5)
            .map(|attempt| retry_delay(base, attempt).as_millis())
            .collect();
        assert_eq!(delays, [200, 400, 800, 1_600, 3_200]);
        assert_eq!(
            retry_delay(base, 0),
            Duration::ZERO,
            "no wait before a first try"
        );
    }

    #[test]
    fn the_back_off_saturates_instead_of_overflowing() {
        assert_eq!(
            retry_delay(Duration::from_secs(1), 80),
            Duration::from_secs(1).saturating_mul(u32::MAX)
        );
    }
}
