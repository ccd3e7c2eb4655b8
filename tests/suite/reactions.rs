use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use lapin::{BasicProperties, options::BasicPublishOptions, types::FieldTable};
use llo_chassis::testing::AMQP_URL;
use llo_proto::{common::v1 as common, events::v1 as events, trajectories::v1 as pb};
use prost::Message as _;

use crate::helpers::{Suite, eventually};

async fn publish(exchange: &str, routing_key: &str, id: uuid::Uuid, body: Vec<u8>) {
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let properties = BasicProperties::default()
        .with_message_id(id.to_string().into())
        .with_type(routing_key.into())
        .with_content_type("application/x-protobuf".into())
        .with_headers(FieldTable::default());
    channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            &body,
            properties,
        )
        .await
        .unwrap()
        .await
        .unwrap();
    connection.close(200, "done".into()).await.unwrap();
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(url: &str, table: &str) -> i64 {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread")]
async fn every_reaction_is_applied_once_when_its_event_arrives_twice() {
    let suite = Suite::spawn().await;
    let mut plans_created = suite
        .env
        .probe("trajectories.development_plan_created.v1")
        .await;
    let organisation = uuid::Uuid::now_v7().to_string();
    let participant = uuid::Uuid::now_v7().to_string();
    let assessment = uuid::Uuid::now_v7().to_string();
    let sent: Vec<(&str, Vec<u8>)> = vec![
        (
            "intake.organisation_registered.v1",
            events::OrganisationRegistered {
                organisation_id: organisation.clone(),
                region: "achterhoek".into(),
                sector: "techniek-metaal".into(),
                organisation_name: "Dubbel BV".into(),
                municipality: "Ulft".into(),
                employee_count: 30,
                occur_time: None,
            }
            .encode_to_vec(),
        ),
        (
            "intake.participant_enrolled.v1",
            events::ParticipantEnrolled {
                participant_id: participant.clone(),
                organisation_id: organisation.clone(),
                region: "achterhoek".into(),
                role: common::ParticipantRole::Employee as i32,
                source: common::ParticipantSource::Company as i32,
                occur_time: None,
            }
            .encode_to_vec(),
        ),
        (
            "intake.learning_needs_recorded.v1",
            events::LearningNeedsRecorded {
                participant_id: participant.clone(),
                organisation_id: organisation.clone(),
                region: "achterhoek".into(),
                needs: vec![
                    common::LearningNeed {
                        need_id: uuid::Uuid::now_v7().to_string(),
                        theme: "lassen".into(),
                        description: "a".into(),
                    },
                    common::LearningNeed {
                        need_id: uuid::Uuid::now_v7().to_string(),
                        theme: "cnc".into(),
                        description: "b".into(),
                    },
                ],
                occur_time: None,
            }
            .encode_to_vec(),
        ),
        (
            "intake.needs_assessment_completed.v1",
            events::NeedsAssessmentCompleted {
                assessment_id: assessment.clone(),
                organisation_id: organisation.clone(),
                region: "achterhoek".into(),
                sector: "techniek-metaal".into(),
                round: common::AssessmentRound::Baseline as i32,
                scores: vec![],
                priority_dimension_ids: vec!["leiderschap".into()],
                priority_needs: vec![],
                respondent_count: 5,
                occur_time: None,
            }
            .encode_to_vec(),
        ),
    ];
    for (routing_key, body) in &sent {
        let id = uuid::Uuid::now_v7();
        // The same delivery twice (the inbox drops it)...
        publish(&suite.env.exchange, routing_key, id, body.clone()).await;
        publish(&suite.env.exchange, routing_key, id, body.clone()).await;
        // ...and the same fact under a new event id (the effects are idempotent too).
        publish(
            &suite.env.exchange,
            routing_key,
            uuid::Uuid::now_v7(),
            body.clone(),
        )
        .await;
    }
    let mut coach = suite
        .trajectories(llo_chassis::auth::Role::Coach, None)
        .await;
    let (trajectory, _) = eventually(|| {
        let mut client = coach.clone();
        let organisation = organisation.clone();
        async move {
            client
                .list_trajectories(pb::ListTrajectoriesRequest {
                    organisation_id: organisation,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .trajectories
                .into_iter()
                .next()
        }
    })
    .await;
    // Everything is consumed in order; give the last duplicates time to arrive.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let url = &suite.trajectories_database;
    assert_eq!(count(url, "organisations").await, 1);
    assert_eq!(count(url, "trajectories").await, 1);
    assert_eq!(count(url, "development_plans").await, 1);
    assert_eq!(count(url, "learning_goals").await, 2);
    assert_eq!(
        count(url, "inbox").await,
        8,
        "four events, each under two ids"
    );
    assert_eq!(
        count(url, "interventions").await,
        trajectory.interventions.len() as i64
    );
    let plan = coach
        .get_development_plan(pb::GetDevelopmentPlanRequest {
            participant_id: participant,
        })
        .await
        .unwrap()
        .into_inner()
        .plan
        .unwrap();
    assert_eq!(plan.goals.len(), 2);
    assert!(plans_created.next(Duration::from_secs(5)).await.is_some());
    assert!(
        plans_created.next(Duration::from_secs(1)).await.is_none(),
        "one DevelopmentPlanCreated"
    );
}
