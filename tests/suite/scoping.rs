//! A token covers its regions only: another region's trajectory, plan and budget are
//! neither shown nor changed.
use llo_chassis::auth::Role;
use llo_proto::trajectories::v1 as pb;
use tonic::Code;

use crate::helpers::{Suite, baseline, company, plan, trajectory_of};

/// A Twente coach cannot read or change an Achterhoek company's trajectory, plan or budget.
/// What names a resource answers NOT_FOUND (its existence is not revealed); what names the
/// region answers PERMISSION_DENIED; a listing without a region shows only Twente's. The
/// Achterhoek coach then sees everything as it was.
#[tokio::test(flavor = "multi_thread")]
async fn a_coach_of_another_region_can_neither_see_nor_change_a_trajectory_plan_or_budget() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut coach) = suite.coach().await;
    let (organisation, people) = company(&mut intake_client, "35000001", 40, 1).await;
    baseline(&mut intake_client, &organisation, &people, "leiderschap").await;
    let (proposed, _) = trajectory_of(&mut coach, &organisation).await;
    let id = proposed.trajectory_id.clone();
    plan(&mut coach, &people[0]).await;
    let course = coach
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            participant_id: people[0].clone(),
            kind: pb::ActivityKind::Course as i32,
            title: "MIG/MAG-lassen".into(),
            provider: "Graafschap College".into(),
            theme: "lassen".into(),
            planned_hours: 40,
            cost_cents: 100_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap()
        .activity_id;
    let mut twente = suite.trajectories_in(Role::Coach, "twente", None).await;

    let status = twente
        .get_trajectory(pb::GetTrajectoryRequest {
            trajectory_id: id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "GetTrajectory: {status:?}");

    let status = twente
        .list_trajectories(pb::ListTrajectoriesRequest {
            region: "achterhoek".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::PermissionDenied,
        "ListTrajectories naming achterhoek: {status:?}"
    );
    let listed = twente
        .list_trajectories(pb::ListTrajectoriesRequest {
            organisation_id: organisation.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed.trajectories.is_empty(),
        "a listing without a region covers Twente only: {:?}",
        listed.trajectories
    );

    let status = twente
        .assign_coach(pb::AssignCoachRequest {
            trajectory_id: id.clone(),
            coach_id: "coach-twente".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "AssignCoach: {status:?}");

    // With a coach assigned, starting would be a legal transition for the Achterhoek.
    coach
        .assign_coach(pb::AssignCoachRequest {
            trajectory_id: id.clone(),
            coach_id: "coach-anja".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let status = twente
        .start_trajectory(pb::StartTrajectoryRequest {
            trajectory_id: id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "StartTrajectory: {status:?}");
    let status = twente
        .cancel_trajectory(pb::CancelTrajectoryRequest {
            trajectory_id: id.clone(),
            reason: "niet van ons".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::NotFound,
        "CancelTrajectory: {status:?}"
    );

    let status = twente
        .get_development_plan(pb::GetDevelopmentPlanRequest {
            participant_id: people[0].clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::NotFound,
        "GetDevelopmentPlan: {status:?}"
    );
    let status = twente
        .add_learning_goal(pb::AddLearningGoalRequest {
            participant_id: people[0].clone(),
            theme: "lassen".into(),
            description: "Door Twente toegevoegd".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "AddLearningGoal: {status:?}");
    let status = twente
        .allocate_funding(pb::AllocateFundingRequest {
            request_id: String::new(),
            activity_id: course.clone(),
            source: "mkb-idee".into(),
            amount_cents: 10_000,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "AllocateFunding: {status:?}");

    let status = twente
        .get_budget(pb::GetBudgetRequest {
            region: "achterhoek".into(),
            organisation_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::PermissionDenied,
        "GetBudget for achterhoek: {status:?}"
    );

    // The Achterhoek sees its trajectory, plan and budget as it left them.
    let trajectory = coach
        .get_trajectory(pb::GetTrajectoryRequest {
            trajectory_id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .trajectory
        .unwrap();
    assert_eq!(
        (trajectory.status, trajectory.coach_id.as_str()),
        (pb::TrajectoryStatus::Proposed as i32, "coach-anja")
    );
    let unchanged = plan(&mut coach, &people[0]).await;
    assert!(unchanged.goals.is_empty(), "{:?}", unchanged.goals);
    assert_eq!(
        unchanged
            .activities
            .iter()
            .map(|a| (a.activity_id.as_str(), a.funded_cents))
            .collect::<Vec<_>>(),
        [(course.as_str(), 0)]
    );
    let budget = coach
        .get_budget(pb::GetBudgetRequest {
            region: "achterhoek".into(),
            organisation_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        budget.sources.iter().all(|s| s.committed_cents == 0),
        "{:?}",
        budget.sources
    );
}
