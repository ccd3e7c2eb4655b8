//! A completion recorded afterwards keeps its date: within the programme's calendar (the
//! region pack's) it is stored and published with that date; before the programme, after
//! it, or in the future it is refused, naming the field, and nothing changes.
use std::time::Duration;

use llo_proto::{IntegrationEvent, events::v1 as events, trajectories::v1 as pb};
use prost::Message as _;

use crate::helpers::{Client, TestApp, violations};

fn at(rfc3339: &str) -> prost_types::Timestamp {
    let at: chrono::DateTime<chrono::Utc> = rfc3339.parse().unwrap();
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

async fn planned_course(client: &mut Client, participant: &str) -> pb::LearningActivity {
    client
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            participant_id: participant.into(),
            kind: pb::ActivityKind::Course as i32,
            title: "Lassen niveau 2".into(),
            provider: "Graafschap College".into(),
            theme: "lassen".into(),
            planned_hours: 40,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap()
}

fn completion(activity: &pb::LearningActivity, when: &str) -> pb::CompleteLearningActivityRequest {
    pb::CompleteLearningActivityRequest {
        activity_id: activity.activity_id.clone(),
        actual_hours: 38,
        complete_time: Some(at(when)),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_completion_recorded_afterwards_keeps_its_date_in_the_plan_and_the_event() {
    let app = TestApp::spawn().await;
    let mut probe = app
        .env
        .probe(events::LearningActivityCompleted::ROUTING_KEY)
        .await;
    let seeded = app.seed().await;
    let mut client = app.manager().await;
    let activity = planned_course(&mut client, &seeded.participant_id).await;

    let completed = client
        .complete_learning_activity(completion(&activity, "2022-03-15T10:00:00Z"))
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap();
    assert_eq!(
        completed.complete_time.map(|t| t.seconds),
        Some(at("2022-03-15T10:00:00Z").seconds)
    );
    let delivery = probe
        .next(Duration::from_secs(20))
        .await
        .expect("published");
    let event = events::LearningActivityCompleted::decode(delivery.data.as_slice()).unwrap();
    assert_eq!(
        event.occur_time().map(|t| t.seconds),
        Some(at("2022-03-15T10:00:00Z").seconds),
        "reporting places it in March 2022"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_completion_outside_the_programme_or_in_the_future_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let mut client = app.manager().await;
    let activity = planned_course(&mut client, &seeded.participant_id).await;
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
    for (when, why) in [
        (
            "2021-02-28T12:00:00Z",
            "lies before the programme's start (2021-03-01)",
        ),
        (
            "2023-01-02T12:00:00Z",
            "lies after the programme's end (2022-12-31)",
        ),
        (tomorrow.as_str(), "lies in the future"),
    ] {
        let refused = client
            .complete_learning_activity(completion(&activity, when))
            .await
            .unwrap_err();
        assert_eq!(
            violations(&refused),
            [("complete_time".to_owned(), why.to_owned())],
            "{when}"
        );
    }
    let plan = client
        .get_development_plan(pb::GetDevelopmentPlanRequest {
            participant_id: seeded.participant_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .plan
        .unwrap();
    assert!(plan.activities.iter().all(|a| a.complete_time.is_none()));
}
