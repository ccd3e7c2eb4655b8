//! The raw broker ceiling: persistent messages of the pipeline's mean event size
//! through a private durable quorum queue (the services' queue type), published with
//! publisher confirms and consumed with a manual ack per message; no database.
use std::time::Instant;

use futures_util::StreamExt as _;
use lapin::{
    BasicProperties,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
        ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable},
};
use llo_chassis::testing::{AMQP_URL, TestEnv};

/// Unconfirmed messages in flight (the relay confirms batches of 200).
const CONFIRM_WINDOW: usize = 200;
/// Unacknowledged deliveries the consumer holds (the services' prefetch is 32).
const PREFETCH: u16 = 200;

/// Messages per second from the first publish to the last ack.
pub async fn ceiling(env: &TestEnv, messages: usize, size: usize) -> anyhow::Result<f64> {
    let queue = format!("{}bench.broker-ceiling", env.queue_prefix());
    env.track_queue(&queue);
    let publisher = llo_chassis::bus::connect(&AMQP_URL, "llo-bench-publisher", 5).await?;
    let consumer = llo_chassis::bus::connect(&AMQP_URL, "llo-bench-consumer", 5).await?;
    let channel = publisher.create_channel().await?;
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            arguments,
        )
        .await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;

    let receiving = consumer.create_channel().await?;
    receiving
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await?;
    let mut deliveries = receiving
        .basic_consume(
            queue.as_str().into(),
            "llo-bench".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let consumed = tokio::spawn(async move {
        let mut count = 0;
        while count < messages {
            let Some(delivery) = deliveries.next().await else {
                break;
            };
            delivery?.acker.ack(BasicAckOptions::default()).await?;
            count += 1;
        }
        anyhow::Ok((count, Instant::now()))
    });

    let payload = vec![0x5a_u8; size];
    let started = Instant::now();
    let mut sent = 0;
    while sent < messages {
        let mut confirms = Vec::with_capacity(CONFIRM_WINDOW);
        for _ in 0..CONFIRM_WINDOW.min(messages - sent) {
            let properties = BasicProperties::default()
                .with_message_id(uuid_like(sent).into())
                .with_content_type("application/protobuf".into())
                .with_delivery_mode(2);
            confirms.push(
                channel
                    .basic_publish(
                        "".into(),
                        queue.as_str().into(),
                        BasicPublishOptions::default(),
                        &payload,
                        properties,
                    )
                    .await?,
            );
            sent += 1;
        }
        for confirm in confirms {
            anyhow::ensure!(confirm.await?.is_ack(), "the broker refused a message");
        }
    }
    let published = started.elapsed();
    let (count, last) = consumed.await??;
    let elapsed = last.duration_since(started);
    // The consumer goes first: a queue deleted under it cancels it from the broker's side.
    let _ = consumer.close(200, "done".into()).await;
    let _ = channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await;
    let _ = publisher.close(200, "done".into()).await;
    anyhow::ensure!(
        count == messages,
        "{count} of {messages} messages came back"
    );
    let rate = messages as f64 / elapsed.as_secs_f64();
    println!(
        "raw broker: {messages} persistent messages of {size} bytes through a quorum queue, \
         confirms in windows of {CONFIRM_WINDOW}, one ack per message (prefetch {PREFETCH}): \
         all confirmed in {:.2} s, all acknowledged in {:.2} s = {rate:.0} messages/s",
        published.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    Ok(rate)
}

/// A message id as long as the pipeline's (a UUID's 36 characters).
fn uuid_like(n: usize) -> String {
    format!("00000000-0000-0000-0000-{n:012}")
}
