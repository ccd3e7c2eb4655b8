//! Exchanges, queues and bindings, declared idempotently by every service at start.
use lapin::{
    Channel, ExchangeKind,
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
    pub delivery_limit: u32,
    pub bindings: Vec<String>,
}

impl Topology {
    /// The topology of a service: `service` names its queue (`<prefix><service>.events`);
    /// `bindings` are the routing-key patterns it subscribes to (none: it only publishes).
    pub fn for_service(settings: &AmqpSettings, service: &str, bindings: &[String]) -> Topology {
        let prefix = &settings.queue_prefix;
        let queue = (!bindings.is_empty()).then(|| ConsumerQueue {
            name: format!("{prefix}{service}.events"),
            dead_letter_queue: format!("{prefix}{service}.events.dead"),
            dead_letter_routing_key: format!("{prefix}{service}.dead"),
            delivery_limit: settings.delivery_limit,
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

    pub async fn declare(&self, channel: &Channel) -> lapin::Result<()> {
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
        declare_queue(channel, &self.unrouted_queue, FieldTable::default()).await?;
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
            declare_queue(channel, &queue.dead_letter_queue, FieldTable::default()).await?;
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
                AMQPValue::LongLongInt(i64::from(queue.delivery_limit)),
            );
            arguments.insert(
                "x-dead-letter-exchange".into(),
                string(&self.dead_letter_exchange),
            );
            arguments.insert(
                "x-dead-letter-routing-key".into(),
                string(&queue.dead_letter_routing_key),
            );
            declare_queue(channel, &queue.name, arguments).await?;
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
        }
        Ok(())
    }
}

/// A durable quorum queue.
async fn declare_queue(
    channel: &Channel,
    name: &str,
    mut arguments: FieldTable,
) -> lapin::Result<()> {
    arguments.insert("x-queue-type".into(), string("quorum"));
    channel
        .queue_declare(
            name.into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            arguments,
        )
        .await?;
    Ok(())
}

pub(crate) fn string(value: &str) -> AMQPValue {
    AMQPValue::LongString(value.into())
}
