//! What an operator does with dead letters: look at them, and re-drive them into
//! the service's queue once the cause is fixed (`llo dead-letters`).
use lapin::{
    options::{BasicAckOptions, BasicGetOptions, BasicNackOptions, ConfirmSelectOptions},
    types::FieldTable,
};

use super::{
    DEAD_LETTER_REASON_HEADER, ORIGINAL_ROUTING_KEY_HEADER, Topology,
    envelope::{DELIVERY_COUNT_HEADER, header_str},
    within,
};

/// Each wait on the broker of these operator commands (one message at a time).
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub message_id: Option<String>,
    pub routing_key: Option<String>,
    pub reason: Option<String>,
    pub size: usize,
}

/// Lists up to `limit` dead letters without removing them.
pub async fn inspect(
    url: &str,
    topology: &Topology,
    limit: usize,
) -> anyhow::Result<Vec<DeadLetter>> {
    let queue = topology
        .queue
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("this service consumes no events"))?;
    let connection = super::connect(url, "llo-dead-letters", 1).await?;
    let channel = within(DEADLINE, "channel open", connection.create_channel()).await?;
    let mut seen = Vec::new();
    let mut tags = Vec::new();
    while seen.len() < limit {
        let Some(message) = get(&channel, queue.dead_letter_queue.as_str()).await? else {
            break;
        };
        let delivery = &message.delivery;
        let headers = delivery.properties.headers().clone().unwrap_or_default();
        seen.push(DeadLetter {
            message_id: delivery
                .properties
                .message_id()
                .as_ref()
                .map(|m| m.to_string()),
            routing_key: header_str(&headers, ORIGINAL_ROUTING_KEY_HEADER).map(str::to_owned),
            reason: header_str(&headers, DEAD_LETTER_REASON_HEADER).map(str::to_owned),
            size: delivery.data.len(),
        });
        tags.push(delivery.acker.clone());
    }
    // Unacked gets are requeued when the channel closes; nack explicitly to be sure.
    for acker in tags {
        let requeue = BasicNackOptions {
            requeue: true,
            ..Default::default()
        };
        within(DEADLINE, "the nack", acker.nack(requeue)).await?;
    }
    super::close_quietly(&connection, "done").await;
    Ok(seen)
}

/// Moves up to `limit` dead letters back into the service's queue; returns how many.
/// Only the letters there when it starts: one that fails again and returns while the
/// re-drive runs is not moved a second time.
pub async fn redrive(url: &str, topology: &Topology, limit: usize) -> anyhow::Result<usize> {
    let queue = topology
        .queue
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("this service consumes no events"))?;
    let (connection, channel) = confirming(url, "llo-dead-letters").await?;
    let waiting = waiting(&channel, queue.dead_letter_queue.as_str()).await?;
    let mut moved = 0;
    while moved < limit.min(waiting) {
        let Some(message) = get(&channel, queue.dead_letter_queue.as_str()).await? else {
            break;
        };
        let delivery = message.delivery;
        let mut headers: FieldTable = delivery.properties.headers().clone().unwrap_or_default();
        let mut inner = headers.inner().clone();
        inner.remove(DEAD_LETTER_REASON_HEADER);
        inner.remove(ORIGINAL_ROUTING_KEY_HEADER);
        // A re-driven event starts afresh: one dead-lettered for being delivered too
        // often (a crash loop, since fixed) would otherwise be refused again at once.
        inner.remove(DELIVERY_COUNT_HEADER);
        headers = FieldTable::from(inner);
        // Sent again as the operators' user: the broker takes no other (consumers trust
        // `amqp.operator_user` for any routing key).
        let properties = super::stamped(delivery.properties.clone().with_headers(headers), url);
        // Straight into this service's queue, not the exchange: others have it already.
        super::publish_confirmed(
            DEADLINE,
            &channel,
            "",
            &queue.name,
            &delivery.data,
            properties,
        )
        .await?;
        ack(&delivery).await?;
        moved += 1;
    }
    super::close_quietly(&connection, "done").await;
    Ok(moved)
}

/// Drops the service's dead letters that are about `participant` (an event of the suite
/// naming them, whatever text it carries): an erasure must not leave them waiting there
/// until someone re-drives or purges the queue. Returns how many it dropped; the others
/// stay, in their order.
pub async fn purge_about(
    url: &str,
    topology: &Topology,
    participant: &str,
) -> anyhow::Result<usize> {
    let Some(queue) = topology.queue.as_ref() else {
        return Ok(0);
    };
    let (connection, channel) = confirming(url, "llo-erasure").await?;
    let waiting = waiting(&channel, queue.dead_letter_queue.as_str()).await?;
    let (mut dropped, mut kept) = (0, Vec::new());
    for _ in 0..waiting {
        let Some(message) = get(&channel, queue.dead_letter_queue.as_str()).await? else {
            break;
        };
        let delivery = message.delivery;
        if is_about(&delivery, participant) {
            ack(&delivery).await?;
            dropped += 1;
        } else {
            kept.push(delivery);
        }
    }
    // Held unacknowledged until here, so each letter is looked at once.
    for delivery in kept {
        let requeue = BasicNackOptions {
            requeue: true,
            ..Default::default()
        };
        within(DEADLINE, "the nack", delivery.acker.nack(requeue)).await?;
    }
    super::close_quietly(&connection, "done").await;
    Ok(dropped)
}

/// Is a dead letter an event of the suite about this participant?
fn is_about(delivery: &lapin::message::Delivery, participant: &str) -> bool {
    let headers = delivery.properties.headers().clone().unwrap_or_default();
    let routing_key = header_str(&headers, ORIGINAL_ROUTING_KEY_HEADER)
        .map(str::to_owned)
        .or_else(|| delivery.properties.kind().as_ref().map(|k| k.to_string()))
        .unwrap_or_else(|| delivery.routing_key.to_string());
    llo_proto::SuiteEvent::decode(&routing_key, &delivery.data)
        .is_ok_and(|event| event.participant_id() == Some(participant))
}

/// Publishes up to `limit` events from the unrouted queue again, with their original
/// routing keys: after a consumer's queue was created, it receives what it missed.
/// What is still unroutable returns to the unrouted queue.
pub async fn redrive_unrouted(
    url: &str,
    topology: &Topology,
    limit: usize,
) -> anyhow::Result<usize> {
    let (connection, channel) = confirming(url, "llo-redrive-unrouted").await?;
    let waiting = waiting(&channel, topology.unrouted_queue.as_str()).await?;
    let mut moved = 0;
    while moved < limit.min(waiting) {
        let Some(message) = get(&channel, topology.unrouted_queue.as_str()).await? else {
            break;
        };
        let delivery = message.delivery;
        // Still unroutable, it goes back to the unrouted queue through the alternate
        // exchange, which counts as taken.
        super::publish_confirmed(
            DEADLINE,
            &channel,
            &topology.exchange,
            delivery.routing_key.as_str(),
            &delivery.data,
            super::stamped(delivery.properties.clone(), url),
        )
        .await?;
        ack(&delivery).await?;
        moved += 1;
    }
    super::close_quietly(&connection, "done").await;
    Ok(moved)
}

/// The next message of `queue`, if any (unacknowledged).
async fn get(
    channel: &lapin::Channel,
    queue: &str,
) -> anyhow::Result<Option<lapin::message::BasicGetMessage>> {
    let get = channel.basic_get(queue.into(), BasicGetOptions::default());
    within(DEADLINE, "basic_get", get).await
}

/// Acknowledges a message taken with [`get`], once it is safe elsewhere.
async fn ack(delivery: &lapin::message::Delivery) -> anyhow::Result<()> {
    let ack = delivery.acker.ack(BasicAckOptions::default());
    within(DEADLINE, "the ack", ack).await.map(drop)
}

/// A connection and a channel in confirm mode, for moving messages.
async fn confirming(url: &str, name: &str) -> anyhow::Result<(lapin::Connection, lapin::Channel)> {
    let connection = super::connect(url, name, 1).await?;
    let channel = within(DEADLINE, "channel open", connection.create_channel()).await?;
    let confirm = channel.confirm_select(ConfirmSelectOptions::default());
    within(DEADLINE, "confirm_select", confirm).await?;
    Ok((connection, channel))
}

/// How many messages `queue` holds now: a re-drive moves at most these, so one that
/// fails again while it runs is not moved a second time.
async fn waiting(channel: &lapin::Channel, queue: &str) -> anyhow::Result<usize> {
    Ok(super::ready_messages(channel, queue, DEADLINE).await? as usize)
}
