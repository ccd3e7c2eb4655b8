//! Exchanges, queues and bindings, declared idempotently by every service at start.
//!
//! Nothing an operator tunes is a queue argument (RabbitMQ refuses to re-declare a queue
//! with other arguments, which would stop a restarted service for good): the consumer
//! enforces `amqp.delivery_limit` itself from the broker's `x-delivery-count`, and the
//! queues carry only fixed limits. A queue that exists with other arguments (declared by
//! an older version, or by an operator) is used as it is, with a warning.
use lapin::{
    Channel, Connection, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable},
};

use crate::settings::AmqpSettings;

/// What one service declares: the shared exchanges, and its own queue when it consumes.
#[derive(Debug, Clone)]
pub struct Topology {
    pub exchange: String,
    pub dead_letter_exchange: String,
    pub unrouted_exchange: String,
    /// `<prefix>unrouted`: keeps what no service subscribes to (yet).
    pub unrouted_queue: String,
    pub queue: Option<ConsumerQueue>,
}

#[derive(Debug, Clone)]
pub struct ConsumerQueue {
    pub name: String,
    pub dead_letter_queue: String,
    /// Routing key for dead letters on the dead-letter exchange (`<service>.dead`).
    pub dead_letter_routing_key: String,
    pub bindings: Vec<String>,
}

/// The broker's own delivery limit on a consumer queue: a backstop far above any
/// `amqp.delivery_limit` (the consumer dead-letters first), fixed so that it never makes
/// a re-declaration fail. Set explicitly because RabbitMQ 4 otherwise applies 20.
pub const BROKER_DELIVERY_LIMIT: i64 = 1_000;

/// The delivery limit of the queues people inspect (dead letters, unrouted events):
/// `llo dead-letters list` returns each message it shows, which counts as a delivery,
/// so the budget must outlast any number of inspections. (RabbitMQ 4 would apply 20;
/// `-1`, "unlimited" on 4, drops a message at its first return on 3.x.)
pub const INSPECTED_DELIVERY_LIMIT: i64 = 1_000_000_000;

impl Topology {
    /// The topology of a service: `service` names its queue (`<prefix><service>.events`);
    /// `bindings` are the routing-key patterns it subscribes to (none: it only publishes).
    pub fn for_service(settings: &AmqpSettings, service: &str, bindings: &[String]) -> Topology {
        let prefix = &settings.queue_prefix;
        let queue = (!bindings.is_empty()).then(|| ConsumerQueue {
            name: format!("{prefix}{service}.events"),
            dead_letter_queue: format!("{prefix}{service}.events.dead"),
            dead_letter_routing_key: format!("{prefix}{service}.dead"),
            bindings: bindings.to_vec(),
        });
        Topology {
            exchange: settings.exchange.clone(),
            dead_letter_exchange: settings.dead_letter_exchange.clone(),
            unrouted_exchange: settings.unrouted_exchange.clone(),
            unrouted_queue: format!("{prefix}llo.events.unrouted"),
            queue,
        }
    }

    /// Declares everything on its own channel(s) of `connection`.
    pub async fn declare(&self, connection: &Connection) -> lapin::Result<()> {
        let channel = connection.create_channel().await?;
        let channel = self.declare_on(connection, channel).await?;
        // Closed before the caller closes the connection, which would log a spurious
        // error under an open channel.
        let _ = channel.close(200, "declared".into()).await;
        Ok(())
    }

    async fn declare_on(
        &self,
        connection: &Connection,
        channel: Channel,
    ) -> lapin::Result<Channel> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        // Unroutable events land here instead of vanishing.
        channel
            .exchange_declare(
                self.unrouted_exchange.as_str().into(),
                ExchangeKind::Fanout,
                durable,
                FieldTable::default(),
            )
            .await?;
        let channel = declare_queue(connection, channel, &self.unrouted_queue, inspected()).await?;
        channel
            .queue_bind(
                self.unrouted_queue.as_str().into(),
                self.unrouted_exchange.as_str().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let mut exchange_arguments = FieldTable::default();
        exchange_arguments.insert("alternate-exchange".into(), string(&self.unrouted_exchange));
        channel
            .exchange_declare(
                self.exchange.as_str().into(),
                ExchangeKind::Topic,
                durable,
                exchange_arguments,
            )
            .await?;
        channel
            .exchange_declare(
                self.dead_letter_exchange.as_str().into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await?;
        if let Some(queue) = &self.queue {
            let channel =
                declare_queue(connection, channel, &queue.dead_letter_queue, inspected()).await?;
            channel
                .queue_bind(
                    queue.dead_letter_queue.as_str().into(),
                    self.dead_letter_exchange.as_str().into(),
                    queue.dead_letter_routing_key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            let mut arguments = FieldTable::default();
            arguments.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongLongInt(BROKER_DELIVERY_LIMIT),
            );
            arguments.insert(
                "x-dead-letter-exchange".into(),
                string(&self.dead_letter_exchange),
            );
            arguments.insert(
                "x-dead-letter-routing-key".into(),
                string(&queue.dead_letter_routing_key),
            );
            let channel = declare_queue(connection, channel, &queue.name, arguments).await?;
            for binding in &queue.bindings {
                channel
                    .queue_bind(
                        queue.name.as_str().into(),
                        self.exchange.as_str().into(),
                        binding.as_str().into(),
                        QueueBindOptions::default(),
                        FieldTable::default(),
                    )
                    .await?;
            }
            return Ok(channel);
        }
        Ok(channel)
    }
}

fn inspected() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongLongInt(INSPECTED_DELIVERY_LIMIT),
    );
    arguments
}

/// A durable quorum queue. If it exists with other arguments, the broker closes the
/// channel (PRECONDITION_FAILED): the queue is then used as it is, on a new channel,
/// which is returned for the rest of the declaration.
async fn declare_queue(
    connection: &Connection,
    channel: Channel,
    name: &str,
    mut arguments: FieldTable,
) -> lapin::Result<Channel> {
    arguments.insert("x-queue-type".into(), string("quorum"));
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    match channel.queue_declare(name.into(), durable, arguments).await {
        Ok(_) => Ok(channel),
        Err(error) if is_precondition_failed(&error) => {
            tracing::warn!(
                queue = name,
                %error,
                "the queue exists with other arguments and is used as it is; \
                 to change them, use a policy or recreate the queue"
            );
            let channel = connection.create_channel().await?;
            let passive = QueueDeclareOptions {
                passive: true,
                ..Default::default()
            };
            channel
                .queue_declare(name.into(), passive, FieldTable::default())
                .await?;
            Ok(channel)
        }
        Err(error) => Err(error),
    }
}

fn is_precondition_failed(error: &lapin::Error) -> bool {
    matches!(error.kind(), lapin::ErrorKind::ProtocolError(e) if e.get_id() == 406)
}

pub(crate) fn string(value: &str) -> AMQPValue {
    AMQPValue::LongString(value.into())
}
