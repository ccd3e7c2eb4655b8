use std::time::Duration;

use lapin::types::AMQPValue;
use llo_proto::{events::v1 as events, intake::v1 as pb};
use prost::Message as _;

use crate::helpers::{TestApp, enrol, register};

fn header(delivery: &lapin::message::Delivery, key: &str) -> Option<String> {
    match delivery.properties.headers().as_ref()?.inner().get(key)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registered_organisation_publishes_exactly_one_event_as_specified() {
    let app = TestApp::spawn().await;
    let mut probe = app.env.probe("intake.#").await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "45678901").await;

    let delivery = probe
        .next(Duration::from_secs(10))
        .await
        .expect("an event arrives");
    assert_eq!(
        delivery.routing_key.as_str(),
        "intake.organisation_registered.v1"
    );
    let properties = &delivery.properties;
    assert_eq!(
        properties.kind().as_ref().map(|t| t.as_str()),
        Some("intake.organisation_registered.v1")
    );
    assert_eq!(
        properties.app_id().as_ref().map(|t| t.as_str()),
        Some("intake")
    );
    assert_eq!(
        properties.content_type().as_ref().map(|t| t.as_str()),
        Some("application/x-protobuf")
    );
    assert_eq!(*properties.delivery_mode(), Some(2));
    assert!(properties.timestamp().is_some());
    let message_id: uuid::Uuid = properties
        .message_id()
        .as_ref()
        .unwrap()
        .as_str()
        .parse()
        .unwrap();
    assert_eq!(message_id.get_version_num(), 7);
    let traceparent = header(&delivery, "traceparent").expect("traceparent header");
    assert_eq!(traceparent.split('-').count(), 4, "{traceparent}");
    assert_eq!(header(&delivery, "region").as_deref(), Some("achterhoek"));

    let event = events::OrganisationRegistered::decode(delivery.data.as_slice()).unwrap();
    assert_eq!(event.organisation_id, organisation.organisation_id);
    assert_eq!(event.region, "achterhoek");

    assert!(
        probe.next(Duration::from_secs(1)).await.is_none(),
        "exactly one event"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_callers_trace_continues_in_the_event() {
    let app = TestApp::spawn().await;
    let mut probe = app.env.probe("intake.#").await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let mut request = tonic::Request::new(crate::helpers::organisation_request("56789012", "ETI"));
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{trace_id}-00f067aa0ba902b7-01")
            .parse()
            .unwrap(),
    );
    let mut client = app.coach().await;
    client.register_organisation(request).await.unwrap();
    let delivery = probe.next(Duration::from_secs(10)).await.unwrap();
    let traceparent = header(&delivery, "traceparent").unwrap();
    assert!(traceparent.contains(trace_id), "{traceparent}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_event_carries_personal_data() {
    let app = TestApp::spawn().await;
    let mut probe = app.env.probe("#").await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "67890123").await;
    let participant = enrol(&mut client, &organisation.organisation_id, 1).await;
    client
        .record_learning_needs(pb::RecordLearningNeedsRequest {
            request_id: String::new(),
            participant_id: participant.participant_id.clone(),
            needs: vec![pb::LearningNeedInput {
                theme: "cnc".into(),
                description: "Programmeren van een 5-assige freesbank".into(),
            }],
        })
        .await
        .unwrap();
    let mut manager = app
        .as_role(
            llo_chassis::auth::Role::ProgrammeManager,
            "achterhoek",
            None,
        )
        .await;
    manager
        .erase_participant(pb::EraseParticipantRequest {
            request_id: String::new(),
            participant_id: participant.participant_id.clone(),
            reason: "verzoek".into(),
        })
        .await
        .unwrap();

    let deliveries = probe.drain(Duration::from_secs(3)).await;
    let keys: Vec<_> = deliveries
        .iter()
        .map(|d| d.routing_key.to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "intake.organisation_registered.v1",
            "intake.participant_enrolled.v1",
            "intake.learning_needs_recorded.v1",
            "intake.participant_erased.v1"
        ]
    );
    for delivery in &deliveries {
        let body = String::from_utf8_lossy(&delivery.data);
        for personal in [
            &participant.given_name,
            &participant.family_name,
            &participant.email,
        ] {
            assert!(
                !body.contains(personal.as_str()),
                "{} carries {personal}",
                delivery.routing_key
            );
        }
    }
    let enrolled = events::ParticipantEnrolled::decode(deliveries[1].data.as_slice()).unwrap();
    assert_eq!(enrolled.participant_id, participant.participant_id);
}
