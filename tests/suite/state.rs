use llo_proto::trajectories::v1 as pb;
use tonic::Code;

use crate::helpers::{Suite, baseline, company, reason, trajectory_of, violations};

#[tokio::test(flavor = "multi_thread")]
async fn the_life_cycle_refuses_illegal_transitions_naming_the_current_state() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (organisation, people) = company(&mut intake_client, "32000001", 40, 1).await;
    baseline(&mut intake_client, &organisation, &people, "leiderschap").await;
    let (trajectory, _) = trajectory_of(&mut trajectories, &organisation).await;
    let id = trajectory.trajectory_id.clone();

    let status = trajectories
        .start_trajectory(pb::StartTrajectoryRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(reason(&status), "COACH_REQUIRED");
    let status = trajectories
        .complete_trajectory(pb::CompleteTrajectoryRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "ILLEGAL_TRANSITION");
    assert!(
        status.message().contains("proposed"),
        "{}",
        status.message()
    );

    let status = trajectories
        .record_coaching_session(pb::RecordCoachingSessionRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
            held_time: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() - 3600,
                nanos: 0,
            }),
            duration_minutes: 90,
            topic: "Kick-off met de directie".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "TRAJECTORY_NOT_ACTIVE");

    trajectories
        .assign_coach(pb::AssignCoachRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
            coach_id: "coach-anja".into(),
        })
        .await
        .unwrap();
    let active = trajectories
        .start_trajectory(pb::StartTrajectoryRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .trajectory
        .unwrap();
    assert_eq!(active.status, pb::TrajectoryStatus::Active as i32);
    assert_eq!(active.coach_id, "coach-anja");

    let session = pb::RecordCoachingSessionRequest {
        request_id: "session-1".into(),
        trajectory_id: id.clone(),
        held_time: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() - 3600,
            nanos: 0,
        }),
        duration_minutes: 90,
        topic: "Coaching van de ploegleiders".into(),
    };
    trajectories
        .record_coaching_session(session.clone())
        .await
        .unwrap();
    let again = trajectories
        .record_coaching_session(session)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        again.trajectory.unwrap().coaching_session_count,
        1,
        "a retried request_id logs nothing new"
    );

    let bad = trajectories
        .record_coaching_session(pb::RecordCoachingSessionRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
            held_time: None,
            duration_minutes: 0,
            topic: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), ["held_time", "duration_minutes", "topic"]);

    let intervention = trajectories
        .plan_intervention(pb::PlanInterventionRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
            kind: 0,
            kind_id: "team_workshop".into(),
            title: "Teamsessie kennisdeling".into(),
            description: String::new(),
            planned_hours: 4,
        })
        .await
        .unwrap()
        .into_inner()
        .intervention
        .unwrap();
    assert_eq!(
        (intervention.kind_id.as_str(), intervention.kind),
        ("team_workshop", pb::InterventionKind::TeamWorkshop as i32)
    );

    let done = trajectories
        .complete_trajectory(pb::CompleteTrajectoryRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .trajectory
        .unwrap();
    assert_eq!(done.status, pb::TrajectoryStatus::Completed as i32);
    let status = trajectories
        .cancel_trajectory(pb::CancelTrajectoryRequest {
            request_id: String::new(),
            trajectory_id: id.clone(),
            reason: String::new(),
        })
        .await
        .unwrap_err();
    assert!(
        status.message().contains("completed"),
        "{}",
        status.message()
    );
    let status = trajectories
        .plan_intervention(pb::PlanInterventionRequest {
            request_id: String::new(),
            trajectory_id: id,
            kind: pb::InterventionKind::Training as i32,
            kind_id: String::new(),
            title: "Te laat".into(),
            description: String::new(),
            planned_hours: 1,
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "TRAJECTORY_CLOSED");
}
