//! The event bus: topology, transactional outbox and its relay, and the consumer
//! with its inbox, retries and dead letters. AMQP lives here and nowhere else.
mod batch;
pub mod consumer;
pub mod dead_letters;
pub mod erasure;
pub mod outbox;
pub mod relay;
pub mod subscriptions;
pub mod topology;

use std::time::Duration;

use lapin::{
    BasicProperties, Channel, Connection, ConnectionProperties, PublisherConfirm,
    options::BasicPublishOptions,
};

pub use consumer::{EventHandler, HandleError, IncomingEvent};
pub use outbox::{OutboxEvent, record, record_all};
pub use subscriptions::Subscriptions;
pub use topology::Topology;

/// AMQP `content_type` of every integration event.
pub const CONTENT_TYPE: &str = "application/x-protobuf";
/// Header carrying the region the event belongs to.
pub const REGION_HEADER: &str = "region";
/// Header carrying why a message was dead-lettered.
pub const DEAD_LETTER_REASON_HEADER: &str = "x-llo-dead-letter-reason";
/// Header carrying the routing key a dead-lettered message was published with.
pub const ORIGINAL_ROUTING_KEY_HEADER: &str = "x-llo-original-routing-key";

/// Publishes `mandatory` on a channel in confirm mode. The returned confirm tells
/// whether the broker took the message (see `confirmed`); awaiting it later lets a
/// caller keep many publishes in flight.
pub async fn publish_mandatory(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    payload: &[u8],
    properties: BasicProperties,
) -> lapin::Result<PublisherConfirm> {
    channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            payload,
            properties,
        )
        .await
}

/// What the broker's confirm says: taken, or why not. With `mandatory`, a message no
/// queue takes still comes back as an ack, with the message returned: that is a refusal.
pub async fn confirmed(confirm: PublisherConfirm) -> Result<(), String> {
    match confirm.await {
        Ok(confirmation) if confirmation.is_ack() => match confirmation.take_message() {
            None => Ok(()),
            Some(returned) => Err(format!("returned by the broker: {}", returned.reply_text)),
        },
        Ok(_) => Err("negatively acknowledged by the broker".into()),
        Err(error) => Err(format!("confirm failed: {error}")),
    }
}

/// Publishes and waits until the broker took the message.
pub async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    payload: &[u8],
    properties: BasicProperties,
) -> anyhow::Result<()> {
    let confirm = publish_mandatory(channel, exchange, routing_key, payload, properties).await?;
    confirmed(confirm)
        .await
        .map_err(|reason| anyhow::anyhow!("{exchange}/{routing_key}: {reason}"))
}

/// Declares the topology now, at build time, so that a consumer's queue exists before
/// anything is published. Best effort: the relay and the consumer declare it again
/// whenever they connect.
pub async fn declare_now(url: &str, topology: &Topology) {
    let connection = match connect(url, "llo-declare", 1).await {
        Ok(connection) => connection,
        Err(error) => {
            tracing::warn!(%error, "broker not reachable at start; the topology is declared on connect");
            return;
        }
    };
    if let Err(error) = topology.declare(&connection).await {
        tracing::warn!(%error, "declaring the topology failed");
    }
    close_quietly(&connection, "declared").await;
}

/// The next wait of a reconnect or outage back-off: doubled, at most five seconds.
/// Closes a connection politely without waiting long: on a connection the broker has
/// already dropped, lapin's close can wait forever for an answer that never comes (seen
/// in the fault tests: a consumer hung here after a broker stop and never reconnected).
pub async fn close_quietly(connection: &Connection, reason: &str) {
    let close = connection.close(200, reason.into());
    let _ = tokio::time::timeout(Duration::from_secs(2), close).await;
}

pub fn next_backoff(current: Duration) -> Duration {
    current.saturating_mul(2).min(Duration::from_secs(5))
}

/// Connects, retrying with back-off until it works or `attempts` runs out (0 = forever).
pub async fn connect(url: &str, name: &str, attempts: u32) -> anyhow::Result<Connection> {
    let mut delay = Duration::from_millis(200);
    let mut tried = 0;
    loop {
        let properties = ConnectionProperties::default().with_connection_name(name.into());
        match Connection::connect(url, properties).await {
            Ok(connection) => return Ok(connection),
            Err(error) => {
                tried += 1;
                if attempts != 0 && tried >= attempts {
                    return Err(anyhow::anyhow!(
                        "amqp.url: cannot connect to the broker: {error}"
                    ));
                }
                tracing::warn!(%error, retry_in = ?delay, "broker unreachable");
                tokio::time::sleep(delay).await;
                delay = next_backoff(delay);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reconnect_back_off_doubles_up_to_five_seconds() {
        let waits: Vec<u128> =
            std::iter::successors(Some(Duration::from_millis(200)), |d| Some(next_backoff(*d)))
                .take(7)
                .map(|d| d.as_millis())
                .collect();
        assert_eq!(waits, [200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
    }
}
