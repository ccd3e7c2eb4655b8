use llo_chassis::auth::Role;
use llo_proto::{intake::v1 as intake, trajectories::v1 as pb};
use tonic::Code;

use crate::helpers::{Suite, baseline, company, eventually, plan, trajectory_of};

#[tokio::test(flavor = "multi_thread")]
async fn a_completed_baseline_scan_becomes_a_proposed_trajectory_for_its_weakest_dimensions() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (organisation, people) = company(&mut intake_client, "31000001", 40, 3).await;
    let scan = baseline(&mut intake_client, &organisation, &people, "kennisdeling").await;
    let weakest = &scan.priority_themes[0].dimension_id;
    assert_eq!(weakest, "kennisdeling");

    let (trajectory, took) = trajectory_of(&mut trajectories, &organisation).await;
    println!("scan completed → proposed trajectory visible in {took:?}");
    assert_eq!(trajectory.status, pb::TrajectoryStatus::Proposed as i32);
    assert_eq!(trajectory.assessment_id, scan.assessment_id);
    assert_eq!(trajectory.priority_dimension_ids[0], "kennisdeling");
    assert!(!trajectory.interventions.is_empty());
    assert!(
        trajectory
            .interventions
            .iter()
            .all(|i| trajectory.priority_dimension_ids.contains(&i.dimension_id)),
        "{:?}",
        trajectory.interventions
    );
    assert!(
        trajectory
            .interventions
            .iter()
            .any(|i| i.dimension_id == "kennisdeling")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn enrolment_makes_a_plan_and_learning_needs_become_goals() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "31000002", 40, 1).await;
    let empty = plan(&mut trajectories, &people[0]).await;
    assert!(empty.goals.is_empty());
    intake_client
        .record_learning_needs(intake::RecordLearningNeedsRequest {
            request_id: String::new(),
            participant_id: people[0].clone(),
            needs: vec![
                intake::LearningNeedInput {
                    theme: "lassen".into(),
                    description: "TIG-lassen".into(),
                },
                intake::LearningNeedInput {
                    theme: "cnc".into(),
                    description: "Programmeren".into(),
                },
            ],
        })
        .await
        .unwrap();
    let participant = people[0].clone();
    let (goals, _) = eventually(|| {
        let mut client = trajectories.clone();
        let participant = participant.clone();
        async move {
            let plan = client
                .get_development_plan(pb::GetDevelopmentPlanRequest {
                    participant_id: participant,
                })
                .await
                .ok()?
                .into_inner()
                .plan?;
            (plan.goals.len() == 2).then_some(plan.goals)
        }
    })
    .await;
    assert!(goals.iter().all(|g| !g.need_id.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_in_intake_purges_the_plan_in_trajectories() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "31000003", 40, 1).await;
    intake_client
        .record_learning_needs(intake::RecordLearningNeedsRequest {
            request_id: String::new(),
            participant_id: people[0].clone(),
            needs: vec![intake::LearningNeedInput {
                theme: "lassen".into(),
                description: "Wil leren lassen".into(),
            }],
        })
        .await
        .unwrap();
    let participant = people[0].clone();
    eventually(|| {
        let mut client = trajectories.clone();
        let participant = participant.clone();
        async move {
            client
                .get_development_plan(pb::GetDevelopmentPlanRequest {
                    participant_id: participant,
                })
                .await
                .ok()?
                .into_inner()
                .plan
                .filter(|p| !p.goals.is_empty())
        }
    })
    .await;
    let mut manager = suite.intake(Role::ProgrammeManager, None).await;
    manager
        .erase_participant(intake::EraseParticipantRequest {
            request_id: String::new(),
            participant_id: people[0].clone(),
            reason: String::new(),
        })
        .await
        .unwrap();
    let (erased, _) = eventually(|| {
        let mut client = trajectories.clone();
        let participant = participant.clone();
        async move {
            client
                .get_development_plan(pb::GetDevelopmentPlanRequest {
                    participant_id: participant,
                })
                .await
                .ok()?
                .into_inner()
                .plan
                .filter(|p| p.erased)
        }
    })
    .await;
    assert!(erased.goals.is_empty());
    let status = trajectories
        .add_learning_goal(pb::AddLearningGoalRequest {
            request_id: String::new(),
            participant_id: participant,
            theme: "lassen".into(),
            description: "y".into(),
            skill_uris: Vec::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_company_and_the_wrong_roles_are_kept_out() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (ours, _) = company(&mut intake_client, "31000004", 40, 0).await;
    let (_, theirs) = company(&mut intake_client, "31000005", 40, 1).await;
    plan(&mut trajectories, &theirs[0]).await;
    let mut hr = suite.trajectories(Role::CompanyHr, Some(&ours)).await;
    let status = hr
        .get_development_plan(pb::GetDevelopmentPlanRequest {
            participant_id: theirs[0].clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let mut evaluator = suite.trajectories(Role::Evaluator, None).await;
    let status = evaluator
        .allocate_funding(pb::AllocateFundingRequest {
            request_id: String::new(),
            activity_id: uuid::Uuid::now_v7().to_string(),
            source: "slim".into(),
            amount_cents: 1,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut nobody =
        llo_proto::trajectories::v1::trajectory_service_client::TrajectoryServiceClient::new(
            tonic::transport::Channel::from_shared(format!(
                "http://127.0.0.1:{}",
                suite.trajectories_port
            ))
            .unwrap()
            .connect()
            .await
            .unwrap(),
        );
    let status = nobody
        .list_trajectories(pb::ListTrajectoriesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_migration_runs_up_down_and_up_again() {
    let suite = Suite::spawn().await;
    llo_chassis::db::redo_all(
        &suite.trajectories_database,
        llo_trajectories::store::MIGRATIONS,
    )
    .await
    .unwrap();
}

#[test]
fn the_readme_matrix_is_what_the_server_applies() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let documented = llo_chassis::auth_matrix::from_readme(&readme, "TrajectoryService");
    assert_eq!(
        documented,
        llo_chassis::auth_matrix::from_policy(llo_trajectories::access::POLICY)
    );
}
