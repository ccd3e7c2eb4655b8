//! Enrolments that arrive together are applied together (one statement for their
//! plans): each participant still gets exactly one plan and one `DevelopmentPlanCreated`,
//! and a second enrolment event of the same people changes nothing.
use std::{collections::BTreeSet, time::Duration};

use lapin::{BasicProperties, options::BasicPublishOptions, types::FieldTable};
use llo_chassis::testing::{AMQP_URL, app::eventually_within};
use llo_proto::{IntegrationEvent as _, common::v1 as common, events::v1 as events};
use prost::Message as _;
use uuid::Uuid;

use super::helpers::TestApp;

/// Publishes every event on one channel at once, so the consumer takes them in batches.
async fn publish_all(app: &TestApp, enrolments: &[events::ParticipantEnrolled]) {
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut confirms = Vec::new();
    for event in enrolments {
        let properties = BasicProperties::default()
            .with_message_id(Uuid::now_v7().to_string().into())
            .with_type(events::ParticipantEnrolled::ROUTING_KEY.into())
            .with_content_type("application/x-protobuf".into())
            .with_headers(FieldTable::default());
        confirms.push(
            channel
                .basic_publish(
                    app.env.exchange.as_str().into(),
                    events::ParticipantEnrolled::ROUTING_KEY.into(),
                    BasicPublishOptions::default(),
                    &event.encode_to_vec(),
                    properties,
                )
                .await
                .unwrap(),
        );
    }
    for confirm in confirms {
        confirm.await.unwrap();
    }
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn enrolments_that_arrive_together_get_one_plan_and_one_event_each() {
    let app = TestApp::spawn().await;
    let mut created = app
        .env
        .probe(events::DevelopmentPlanCreated::ROUTING_KEY)
        .await;
    let organisation = Uuid::now_v7().to_string();
    let people: Vec<String> = (0..60).map(|_| Uuid::now_v7().to_string()).collect();
    let enrolments: Vec<events::ParticipantEnrolled> = people
        .iter()
        .map(|participant| events::ParticipantEnrolled {
            participant_id: participant.clone(),
            organisation_id: organisation.clone(),
            region: "achterhoek".into(),
            role: common::ParticipantRole::Employee as i32,
            source: common::ParticipantSource::Company as i32,
            occur_time: None,
        })
        .collect();
    // The same people twice (a second enrolment event of each, other event ids).
    publish_all(&app, &enrolments).await;
    publish_all(&app, &enrolments).await;
    // Beyond the consumer watchdog's 30 s: one CI run on a loaded machine saw these 120
    // events not applied within 20 s (cause not found; see the stop-35 note).
    eventually_within("both rounds applied", Duration::from_secs(60), || async {
        (app.count("SELECT count(*) AS n FROM inbox").await == 120).then_some(())
    })
    .await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM development_plans")
            .await,
        60
    );
    let announced: Vec<String> = created
        .drain(Duration::from_secs(2))
        .await
        .iter()
        .map(|delivery| {
            events::DevelopmentPlanCreated::decode(delivery.data.as_slice())
                .unwrap()
                .participant_id
        })
        .collect();
    assert_eq!(announced.len(), 60, "one DevelopmentPlanCreated per plan");
    assert_eq!(
        announced.iter().cloned().collect::<BTreeSet<_>>(),
        people.iter().cloned().collect::<BTreeSet<_>>()
    );
}
