//! (d) Poison messages arrive mid-stream: a body that does not decode, an envelope
//! without an id, and a good event that (as after a crash loop) was delivered too often.
//! Each consumer dead-letters all three with their reason and goes on with the stream;
//! a re-drive (what `llo dead-letters redrive` runs) brings back the good one, and the
//! two that can never be applied return to the dead-letter queue.
use std::time::{Duration, Instant};

use lapin::{
    BasicProperties,
    options::ConfirmSelectOptions,
    types::{AMQPValue, FieldTable},
};
use llo_chassis::{
    ServiceName,
    bus::{self, CONTENT_TYPE, REGION_HEADER, Topology, dead_letters},
    testing::{AMQP_URL, TestEnv},
};
use llo_proto::{common::v1 as common, events::v1 as events};
use prost::Message as _;
use uuid::Uuid;

use crate::{
    checks::{self, CONSUMERS, ENROLLED},
    harness::FaultSuite,
    shared::LeaveRunning,
    stream::{self, EVENTS},
};

fn properties(id: Option<Uuid>, extra: &[(&str, AMQPValue)]) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(
        REGION_HEADER.into(),
        AMQPValue::LongString("achterhoek".into()),
    );
    for (key, value) in extra {
        headers.insert((*key).into(), value.clone());
    }
    let properties = BasicProperties::default()
        .with_content_type(CONTENT_TYPE.into())
        .with_type(ENROLLED.into())
        .with_delivery_mode(2)
        .with_headers(headers);
    match id {
        Some(id) => properties.with_message_id(id.to_string().into()),
        None => properties,
    }
}

/// The good event of the three: an employee enrolled, with the count of a message the
/// consumer already failed to finish five times.
fn worn_out(organisation_id: &str, participant_id: Uuid) -> (Vec<u8>, BasicProperties) {
    let body = events::ParticipantEnrolled {
        participant_id: participant_id.to_string(),
        organisation_id: organisation_id.into(),
        region: "achterhoek".into(),
        role: common::ParticipantRole::Employee as i32,
        source: common::ParticipantSource::Company as i32,
        occur_time: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp(),
            nanos: 0,
        }),
    }
    .encode_to_vec();
    let id = Uuid::now_v7();
    (
        body,
        properties(Some(id), &[("x-delivery-count", AMQPValue::LongLongInt(5))]),
    )
}

fn topology(env: &TestEnv, service: ServiceName) -> Topology {
    let settings = env.settings(service);
    Topology::for_service(&settings.amqp, service.as_str(), &["#".to_owned()])
}

async fn dead_letter_reasons(env: &TestEnv, service: ServiceName) -> Vec<String> {
    let letters = dead_letters::inspect(&AMQP_URL, &topology(env, service), 10)
        .await
        .expect("inspect");
    let mut reasons: Vec<String> = letters
        .into_iter()
        .map(|l| l.reason.unwrap_or_default())
        .collect();
    reasons.sort();
    reasons
}

/// Until each consumer's dead-letter queue holds `count` letters.
async fn wait_dead_letters(env: &TestEnv, count: usize) -> Vec<Vec<String>> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut all = Vec::new();
        for service in CONSUMERS {
            all.push(dead_letter_reasons(env, service).await);
        }
        if all.iter().all(|r| r.len() == count) || Instant::now() > deadline {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_messages_are_dead_lettered_with_their_reason_and_the_good_one_redriven() {
    let suite = FaultSuite::start("poison").await;
    let _leave = LeaveRunning;
    let stream = stream::begin(&suite).await;
    stream.reached_part(3).await;

    let exchange = suite.env.settings(ServiceName::Intake).amqp.exchange;
    let connection = bus::connect(&AMQP_URL, "llo-fault-poison", 5)
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let participant = Uuid::now_v7();
    let (good, good_properties) = worn_out(&stream.organisation_id, participant);
    let good_id = good_properties
        .message_id()
        .as_ref()
        .map(|id| id.to_string())
        .unwrap();
    let poison = [
        (
            b"\xff\xfe not protobuf".to_vec(),
            properties(Some(Uuid::now_v7()), &[]),
        ),
        (good.clone(), properties(None, &[])),
        (good, good_properties),
    ];
    for (body, properties) in poison {
        bus::publish_confirmed(
            Duration::from_secs(10),
            &channel,
            &exchange,
            ENROLLED,
            &body,
            properties,
        )
        .await
        .unwrap();
    }
    let _ = connection.close(200, "done".into()).await;

    stream.finish().await;
    checks::wait_consumed(&suite.env, EVENTS, Duration::from_secs(300)).await;
    for (service, reasons) in CONSUMERS.iter().zip(wait_dead_letters(&suite.env, 3).await) {
        let name = service.as_str();
        assert_eq!(reasons.len(), 3, "{name}: {reasons:?}");
        for expected in [
            "does not decode",
            "message_id is missing",
            "delivered 6 times",
        ] {
            assert!(
                reasons.iter().any(|r| r.contains(expected)),
                "{name}: no dead letter for {expected:?} in {reasons:?}"
            );
        }
    }

    for service in CONSUMERS {
        let moved = dead_letters::redrive(&AMQP_URL, &topology(&suite.env, service), 10)
            .await
            .unwrap();
        assert_eq!(moved, 3, "{}", service.as_str());
    }
    eprintln!("re-driven");
    checks::wait_consumed(&suite.env, EVENTS + 1, Duration::from_secs(60)).await;
    for (service, reasons) in CONSUMERS.iter().zip(wait_dead_letters(&suite.env, 2).await) {
        assert_eq!(
            reasons.len(),
            2,
            "{}: the two that can never be applied are back: {reasons:?}",
            service.as_str()
        );
    }
    checks::assert_exactly_once(&suite.env, EVENTS, &[good_id], &[participant.to_string()]).await;
    // Poison takes no service out of service.
    for service in ServiceName::ALL {
        suite.watch.assert_stayed_serving(service);
    }
}
