//! AIP-155: an integrator that retries a state transition after a timeout gets the
//! first answer, not FAILED_PRECONDITION, and nothing happens twice.
use std::time::Duration;

use llo_proto::trajectories::v1 as pb;
use tonic::Code;

use crate::helpers::{Suite, baseline, company, reason, trajectory_of};

#[tokio::test(flavor = "multi_thread")]
async fn every_retried_transition_returns_its_first_answer_and_happens_once() {
    let suite = Suite::spawn().await;
    let mut changes = suite
        .env
        .probe("trajectories.trajectory_status_changed.v1")
        .await;
    let mut coaches = suite.env.probe("trajectories.coach_assigned.v1").await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (organisation, people) = company(&mut intake_client, "33000001", 40, 1).await;
    baseline(&mut intake_client, &organisation, &people, "leiderschap").await;
    let (trajectory, _) = trajectory_of(&mut trajectories, &organisation).await;
    let id = trajectory.trajectory_id.clone();

    let assign = pb::AssignCoachRequest {
        request_id: "assign-1".into(),
        trajectory_id: id.clone(),
        coach_id: "coach-anja".into(),
    };
    let first = trajectories.assign_coach(assign.clone()).await.unwrap();
    let again = trajectories.assign_coach(assign.clone()).await.unwrap();
    assert_eq!(first.into_inner(), again.into_inner());
    // The same id for another coach is a different request.
    let reused = trajectories
        .assign_coach(pb::AssignCoachRequest {
            coach_id: "coach-erik".into(),
            ..assign
        })
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::AlreadyExists);
    assert_eq!(reason(&reused), "REQUEST_ID_REUSED");

    let start = pb::StartTrajectoryRequest {
        request_id: "start-1".into(),
        trajectory_id: id.clone(),
    };
    let started = trajectories
        .start_trajectory(start.clone())
        .await
        .unwrap()
        .into_inner();
    let retried = trajectories
        .start_trajectory(start)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        started, retried,
        "the first answer, not FAILED_PRECONDITION"
    );
    // Without a request id a second start is an illegal transition, as before.
    let unkeyed = trajectories
        .start_trajectory(pb::StartTrajectoryRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&unkeyed), "ILLEGAL_TRANSITION");
    // Another method may not reuse the id either.
    let other_method = trajectories
        .complete_trajectory(pb::CompleteTrajectoryRequest {
            request_id: "start-1".into(),
            trajectory_id: id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&other_method), "REQUEST_ID_REUSED");

    let complete = pb::CompleteTrajectoryRequest {
        request_id: "complete-1".into(),
        trajectory_id: id.clone(),
    };
    let completed = trajectories
        .complete_trajectory(complete.clone())
        .await
        .unwrap()
        .into_inner();
    let retried = trajectories
        .complete_trajectory(complete)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(completed, retried);
    assert_eq!(
        completed.trajectory.unwrap().status,
        pb::TrajectoryStatus::Completed as i32
    );

    // One event per transition, whatever the retries.
    assert_eq!(
        changes.drain(Duration::from_secs(2)).await.len(),
        2,
        "started, completed"
    );
    assert_eq!(coaches.drain(Duration::from_secs(1)).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_cancellation_returns_its_first_answer() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (organisation, people) = company(&mut intake_client, "33000002", 40, 1).await;
    baseline(&mut intake_client, &organisation, &people, "leiderschap").await;
    let (trajectory, _) = trajectory_of(&mut trajectories, &organisation).await;
    let cancel = pb::CancelTrajectoryRequest {
        request_id: "cancel-1".into(),
        trajectory_id: trajectory.trajectory_id.clone(),
        reason: "bedrijf stopt met het programma".into(),
    };
    let first = trajectories
        .cancel_trajectory(cancel.clone())
        .await
        .unwrap()
        .into_inner();
    let again = trajectories
        .cancel_trajectory(cancel.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, again);
    let reused = trajectories
        .cancel_trajectory(pb::CancelTrajectoryRequest {
            reason: "een andere reden".into(),
            ..cancel
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&reused), "REQUEST_ID_REUSED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_id_is_the_callers_own() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (organisation, people) = company(&mut intake_client, "33000003", 40, 1).await;
    baseline(&mut intake_client, &organisation, &people, "leiderschap").await;
    let (trajectory, _) = trajectory_of(&mut trajectories, &organisation).await;
    let assign = pb::AssignCoachRequest {
        request_id: "same-id".into(),
        trajectory_id: trajectory.trajectory_id.clone(),
        coach_id: "coach-anja".into(),
    };
    trajectories.assign_coach(assign.clone()).await.unwrap();
    // A programme manager choosing the same id does their own call, not a replay.
    let mut manager = suite
        .trajectories(llo_chassis::auth::Role::ProgrammeManager, None)
        .await;
    let theirs = manager
        .assign_coach(pb::AssignCoachRequest {
            coach_id: "coach-erik".into(),
            ..assign
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(theirs.trajectory.unwrap().coach_id, "coach-erik");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_course_completion_returns_its_first_answer() {
    let suite = Suite::spawn().await;
    let mut completions = suite
        .env
        .probe("trajectories.learning_activity_completed.v1")
        .await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "33000004", 40, 1).await;
    crate::helpers::plan(&mut trajectories, &people[0]).await;
    let activity = trajectories
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            request_id: String::new(),
            participant_id: people[0].clone(),
            goal_id: String::new(),
            kind: pb::ActivityKind::Course as i32,
            title: "MIG/MAG-lassen".into(),
            provider: "Graafschap College".into(),
            theme: "lassen".into(),
            planned_hours: 40,
            cost_cents: 100_000,
            offering_id: String::new(),
            run_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap();
    let complete = pb::CompleteLearningActivityRequest {
        request_id: "school-sync-7".into(),
        activity_id: activity.activity_id.clone(),
        actual_hours: 38,
        credential: Some(pb::Credential {
            name: "Lascertificaat MIG/MAG".into(),
            issuer: "Graafschap College".into(),
            url: "https://example.nl/c/7".into(),
        }),
        complete_time: None,
    };
    let first = trajectories
        .complete_learning_activity(complete.clone())
        .await
        .unwrap()
        .into_inner();
    // The school's system timed out and sends the same completion again.
    let retried = trajectories
        .complete_learning_activity(complete.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, retried, "the first answer, not ACTIVITY_COMPLETED");
    let reused = trajectories
        .complete_learning_activity(pb::CompleteLearningActivityRequest {
            actual_hours: 12,
            ..complete
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&reused), "REQUEST_ID_REUSED");
    assert_eq!(completions.drain(Duration::from_secs(2)).await.len(), 1);
}
