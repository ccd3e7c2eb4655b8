//! The event bus: topology, transactional outbox and its relay, and the consumer
//! with its inbox, retries and dead letters. AMQP lives here and nowhere else.
mod batch;
pub mod consumer;
pub mod dead_letters;
mod envelope;
pub mod erasure;
mod handler;
pub mod outbox;
pub mod relay;
pub mod subscriptions;
pub mod topology;
pub mod watchdog;

use std::time::Duration;

use lapin::{
    BasicProperties, Channel, Connection, ConnectionProperties, PublisherConfirm,
    options::{BasicPublishOptions, QueueDeclareOptions},
    types::FieldTable,
};

pub use envelope::Publishers;
pub use handler::{BatchError, EventHandler, HandleError, IncomingEvent};
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

/// Why the broker did not take a published message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// `mandatory` and no queue took it: the message came back.
    #[error("returned by the broker: {0}")]
    Returned(String),
    #[error("negatively acknowledged by the broker")]
    Nacked,
    /// The channel failed before the broker answered.
    #[error("confirm failed: {0}")]
    ConfirmFailed(String),
}

impl Refused {
    /// `error.type` of the publish span and of `messaging.client.sent.messages`.
    pub fn error_type(&self) -> &'static str {
        match self {
            Refused::Returned(_) => "returned",
            Refused::Nacked => "nacked",
            Refused::ConfirmFailed(_) => "confirm_failed",
        }
    }
}

/// What the broker's confirm says: taken, or why not. With `mandatory`, a message no
/// queue takes still comes back as an ack, with the message returned: that is a refusal.
pub async fn confirmed(confirm: PublisherConfirm) -> Result<(), Refused> {
    match confirm.await {
        Ok(confirmation) if confirmation.is_ack() => match confirmation.take_message() {
            None => Ok(()),
            Some(returned) => Err(Refused::Returned(returned.reply_text.to_string())),
        },
        Ok(_) => Err(Refused::Nacked),
        Err(error) => Err(Refused::ConfirmFailed(error.to_string())),
    }
}

/// The broker's host and port in an AMQP URL (`server.address`, `server.port` of the
/// messaging spans and metrics); the port defaults to 5672 (`amqps`: 5671).
pub fn broker_address(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let default_port = if scheme.eq_ignore_ascii_case("amqps") {
        5671
    } else {
        5672
    };
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        // An IPv6 address: [::1]:5672
        let (host, after) = bracketed.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default_port,
    };
    Some((host.to_owned(), port))
}

/// The broker user a URL logs in as (`guest` when it names none, as the broker's own
/// default): what a publish carries as `user_id`, which the broker checks against the
/// connection's user and a consumer then trusts. Empty when the broker takes the user
/// from a client certificate (`auth_mechanism=external`): nothing to stamp then.
pub fn broker_user(url: &str) -> String {
    match url.parse::<lapin::uri::AMQPUri>() {
        Ok(uri) if uri.query.auth_mechanism == Some(lapin::uri::SASLMechanism::External) => {
            String::new()
        }
        Ok(uri) => uri.authority.userinfo.username,
        Err(_) => "guest".to_owned(),
    }
}

/// `properties` stamped with the broker user `url` logs in as, when there is one.
pub fn stamped(properties: BasicProperties, url: &str) -> BasicProperties {
    match broker_user(url) {
        user if user.is_empty() => properties,
        user => properties.with_user_id(user.into()),
    }
}

/// Publishes and waits until the broker took the message, both within `deadline`.
pub async fn publish_confirmed(
    deadline: Duration,
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    payload: &[u8],
    properties: BasicProperties,
) -> anyhow::Result<()> {
    let publish = async {
        let confirm =
            publish_mandatory(channel, exchange, routing_key, payload, properties).await?;
        confirmed(confirm)
            .await
            .map_err(|reason| anyhow::anyhow!("{exchange}/{routing_key}: {reason}"))
    };
    within(deadline, "a publish and its confirm", publish).await
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
    let deadline = BrokerDeadlines::default().operation;
    if let Err(error) = within(
        deadline,
        "the topology declare",
        topology.declare(&connection),
    )
    .await
    {
        tracing::warn!(error = %format!("{error:#}"), "declaring the topology failed");
    }
    close_quietly(&connection, "declared").await;
}

/// Closes a connection politely without waiting long: on a connection the broker has
/// already dropped, lapin's close can wait forever for an answer that never comes (seen
/// in the fault tests: a consumer hung here after a broker stop and never reconnected).
pub async fn close_quietly(connection: &Connection, reason: &str) {
    let close = connection.close(200, reason.into());
    let _ = tokio::time::timeout(Duration::from_secs(2), close).await;
}

/// The next wait of a reconnect or outage back-off: doubled, at most five seconds.
pub fn next_backoff(current: Duration) -> Duration {
    current.saturating_mul(2).min(Duration::from_secs(5))
}

/// How long the broker may take: the deadline of each wait on it, and the heartbeat
/// asked of it (`amqp.operation_timeout_ms`, `amqp.heartbeat_seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokerDeadlines {
    pub operation: Duration,
    pub heartbeat_seconds: u16,
}

impl Default for BrokerDeadlines {
    fn default() -> Self {
        Self {
            operation: Duration::from_secs(10),
            heartbeat_seconds: 10,
        }
    }
}

impl BrokerDeadlines {
    pub fn from_settings(amqp: &crate::settings::AmqpSettings) -> Self {
        Self {
            operation: Duration::from_millis(amqp.operation_timeout_ms),
            heartbeat_seconds: amqp.heartbeat_seconds,
        }
    }
}

/// A wait on the broker that passed its deadline: the connection is to be treated as dead.
#[derive(Debug, thiserror::Error)]
#[error("the broker did not answer {what} within {deadline:?}")]
pub struct BrokerTimeout {
    pub what: &'static str,
    pub deadline: Duration,
}

/// Runs one broker operation under a deadline; its error or the deadline passing is an
/// error (for the caller: close the connection without waiting and open a new one).
pub async fn within<T, E>(
    deadline: Duration,
    what: &'static str,
    operation: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: Into<anyhow::Error>,
{
    match tokio::time::timeout(deadline, operation).await {
        Ok(result) => result.map_err(|e| anyhow::anyhow!("{what}: {:#}", e.into())),
        Err(_) => Err(BrokerTimeout { what, deadline }.into()),
    }
}

/// Messages ready in `queue` now: a passive declare within `deadline`. A queue that does
/// not exist is an error, and the broker closes the channel with it (404).
pub async fn ready_messages(
    channel: &Channel,
    queue: &str,
    deadline: Duration,
) -> anyhow::Result<u32> {
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let declare = channel.queue_declare(queue.into(), passive, FieldTable::default());
    let state = within(deadline, "the queue's passive declare", declare).await?;
    Ok(state.message_count())
}

/// Connects, retrying with back-off until it works or `attempts` runs out (0 = forever),
/// with the default deadlines.
pub async fn connect(url: &str, name: &str, attempts: u32) -> anyhow::Result<Connection> {
    connect_within(url, name, attempts, BrokerDeadlines::default()).await
}

/// Connects (TCP, AMQP handshake and the connection's open) within `deadlines.operation`
/// per attempt, asking for the heartbeat (unless the URL names one), and retries with
/// back-off until it works or `attempts` runs out (0 = forever).
pub async fn connect_within(
    url: &str,
    name: &str,
    attempts: u32,
    deadlines: BrokerDeadlines,
) -> anyhow::Result<Connection> {
    let mut uri: lapin::uri::AMQPUri = url
        .parse()
        .map_err(|e| anyhow::anyhow!("amqp.url: not an AMQP URL: {e}"))?;
    if uri.query.heartbeat.is_none() && deadlines.heartbeat_seconds > 0 {
        uri.query.heartbeat = Some(deadlines.heartbeat_seconds);
    }
    let mut delay = Duration::from_millis(200);
    let mut tried = 0;
    loop {
        let properties = ConnectionProperties::default().with_connection_name(name.into());
        let attempt = Connection::connect_uri(uri.clone(), properties);
        match within(deadlines.operation, "the connect and handshake", attempt).await {
            Ok(connection) => return Ok(connection),
            Err(error) => {
                tried += 1;
                if attempts != 0 && tried >= attempts {
                    return Err(anyhow::anyhow!(
                        "amqp.url: cannot connect to the broker: {error:#}"
                    ));
                }
                tracing::warn!(error = %format!("{error:#}"), retry_in = ?delay, "broker unreachable");
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
    fn the_broker_address_is_read_from_the_amqp_url_without_its_credentials() {
        let address = |url| broker_address(url);
        assert_eq!(
            address("amqp://guest:secret@rabbit.example:5673/%2f"),
            Some(("rabbit.example".to_owned(), 5673))
        );
        assert_eq!(
            address("amqp://u:p@llo-rabbitmq/%2f"),
            Some(("llo-rabbitmq".to_owned(), 5672))
        );
        assert_eq!(
            address("amqps://rabbit.example?heartbeat=10"),
            Some(("rabbit.example".to_owned(), 5671))
        );
        assert_eq!(
            address("amqp://[::1]:5674/%2f"),
            Some(("::1".to_owned(), 5674))
        );
        assert_eq!(address("amqp:///%2f"), None);
        assert_eq!(address("rabbit.example"), None);
        assert_eq!(address("amqp://host:port/"), None);
    }

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
