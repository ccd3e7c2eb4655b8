//! An erasure's purge and a write to the same plan never interleave: every write
//! locks the plan first, so a goal cannot survive beside an erased plan.
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use llo_proto::trajectories::v1 as pb;
use llo_trajectories::store::{plans, schema::learning_goals};
use tonic::Code;
use tonic_types::StatusExt;
use uuid::Uuid;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn a_goal_written_while_the_purge_runs_does_not_survive_on_the_erased_plan() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let participant: Uuid = seeded.participant_id.parse().unwrap();
    let mut purge = app.database().await;
    diesel::sql_query("BEGIN")
        .execute(&mut purge)
        .await
        .unwrap();
    // The purge has run but not committed (as if ParticipantErased were being applied).
    assert!(plans::purge(&mut purge, participant).await.unwrap());

    let mut client = app.manager().await;
    let goal = tokio::spawn(async move {
        client
            .add_learning_goal(pb::AddLearningGoalRequest {
                request_id: String::new(),
                participant_id: participant.to_string(),
                theme: "lassen".into(),
                description: "TIG-lassen van RVS".into(),
                skill_uris: Vec::new(),
            })
            .await
    });
    // The write waits for the purge's lock instead of slipping in beside it.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(!goal.is_finished(), "the goal was written beside the purge");
    diesel::sql_query("COMMIT")
        .execute(&mut purge)
        .await
        .unwrap();

    let refused = goal.await.unwrap().unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(
        refused.get_details_error_info().map(|i| i.reason),
        Some("PARTICIPANT_ERASED".to_owned())
    );
    let mut conn = app.database().await;
    let goals: i64 = learning_goals::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(goals, 0, "nothing of the person is left on the erased plan");
}

/// After the purge, the credentials a person earned keep no name, issuer or link; that
/// one was earned, and the hours, stay for the programme's figures.
#[tokio::test(flavor = "multi_thread")]
async fn the_purge_leaves_no_credential_name_issuer_or_link() {
    use llo_trajectories::store::schema::learning_activities as activities;
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let participant: Uuid = seeded.participant_id.parse().unwrap();
    let mut client = app.manager().await;
    let activity = client
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            participant_id: seeded.participant_id.clone(),
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
        .unwrap();
    client
        .complete_learning_activity(pb::CompleteLearningActivityRequest {
            activity_id: activity.activity_id.clone(),
            actual_hours: 38,
            credential: Some(pb::Credential {
                name: "Certificaat TIG-lassen J. Jansen".into(),
                issuer: "Graafschap College".into(),
                url: "https://badges.example.nl/jjansen/tig".into(),
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut conn = app.database().await;
    assert!(plans::purge(&mut conn, participant).await.unwrap());
    let (title, name, issuer, url, hours): (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i32>,
    ) = activities::table
        .select((
            activities::title,
            activities::credential_name,
            activities::credential_issuer,
            activities::credential_url,
            activities::actual_hours,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (title.as_str(), name.as_deref(), issuer, url, hours),
        ("", Some(""), None, None, Some(38))
    );
}
