//! Phase three end to end: what the companies do in intake, trajectories and community
//! reaches reporting's figures, as the programme manager and an evaluator see them.
use llo_chassis::auth::Role;
use llo_proto::{community::v1 as community, reporting::v1 as rpb, trajectories::v1 as pb};

use crate::helpers::{Suite, baseline, company, eventually, plan, trajectory_of};

fn value(figure: &Option<rpb::Figure>) -> f64 {
    figure.as_ref().map_or(f64::NAN, |f| f.value)
}

fn shown(figure: &Option<rpb::Figure>) -> bool {
    figure
        .as_ref()
        .is_some_and(|f| f.status == rpb::CellStatus::Shown as i32)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_programme_overview_adds_up_what_the_services_recorded() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (organisation, people) = company(&mut intake_client, "35000001", 40, 6).await;
    baseline(&mut intake_client, &organisation, &people, "leiderschap").await;
    let (trajectory, _) = trajectory_of(&mut trajectories, &organisation).await;
    let id = trajectory.trajectory_id.clone();
    trajectories
        .assign_coach(pb::AssignCoachRequest {
            request_id: "r-coach".into(),
            trajectory_id: id.clone(),
            coach_id: "coach-anja".into(),
        })
        .await
        .unwrap();
    trajectories
        .start_trajectory(pb::StartTrajectoryRequest {
            request_id: "r-start".into(),
            trajectory_id: id.clone(),
        })
        .await
        .unwrap();
    trajectories
        .record_coaching_session(pb::RecordCoachingSessionRequest {
            request_id: "r-session".into(),
            trajectory_id: id.clone(),
            held_time: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() - 3600,
                nanos: 0,
            }),
            duration_minutes: 90,
            topic: "Kick-off met de directie".into(),
        })
        .await
        .unwrap();
    // A 40-hour course for each of the six; three complete it in 38 hours.
    for (n, person) in people.iter().enumerate() {
        plan(&mut trajectories, person).await;
        let activity = trajectories
            .plan_learning_activity(pb::PlanLearningActivityRequest {
                request_id: format!("r-activity-{n}"),
                participant_id: person.clone(),
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
        if n < 3 {
            trajectories
                .complete_learning_activity(pb::CompleteLearningActivityRequest {
                    request_id: format!("r-complete-{n}"),
                    activity_id: activity.activity_id,
                    actual_hours: 38,
                    credential: None,
                    complete_time: None,
                })
                .await
                .unwrap();
        }
    }
    let mut community_client = suite.community(Role::Coach, None).await;
    eventually(|| {
        let mut client = community_client.clone();
        let organisation = organisation.clone();
        async move {
            client
                .get_member(community::GetMemberRequest {
                    member_id: organisation,
                })
                .await
                .ok()
        }
    })
    .await;
    community_client
        .publish_knowledge_item(community::PublishKnowledgeItemRequest {
            request_id: "r-knowledge".into(),
            region: "achterhoek".into(),
            kind: community::KnowledgeItemKind::LearningExperience as i32,
            title: "Meester en gezel".into(),
            body: "Oudere vakmensen geven hun kennis door.".into(),
            themes: vec!["instrumenten-leercultuur".into()],
            author_member_id: organisation.clone(),
            visibility: community::KnowledgeVisibility::Community as i32,
        })
        .await
        .unwrap();

    // Reporting catches up: ask until the last fact is in.
    let manager = suite.reporting(Role::ProgrammeManager, None).await;
    let (overview, _) = eventually(|| {
        let mut client = manager.clone();
        async move {
            let o = client
                .get_programme_overview(rpb::GetProgrammeOverviewRequest {
                    region: "achterhoek".into(),
                    sector: String::new(),
                    release: 0,
                })
                .await
                .ok()?
                .into_inner();
            (value(&o.learning_activities_completed) == 3.0
                && o.knowledge_items == 1
                && o.coaching_sessions == 1)
                .then_some(o)
        }
    })
    .await;
    let companies = overview.companies.unwrap();
    assert_eq!(
        (companies.small, companies.total),
        (1, 1),
        "40 employees: small"
    );
    assert_eq!(value(&overview.employees_reached), 6.0);
    assert_eq!(value(&overview.uwv_referrals), 0.0);
    assert_eq!(value(&overview.development_plans), 6.0);
    assert_eq!(value(&overview.learning_activities_planned), 6.0);
    assert_eq!(value(&overview.learning_hours_planned), 240.0);
    assert_eq!(value(&overview.learning_hours_attended), 114.0);
    assert_eq!(overview.coaching_hours, 1.5);
    let active = overview
        .trajectories
        .iter()
        .find(|t| t.state == rpb::TrajectoryState::Active as i32)
        .map_or(0, |t| t.count);
    assert_eq!(active, 1);

    // The programme manager publishes a release; an evaluator sees the same figures
    // there where they describe enough people: the six reached are shown, the three who
    // completed are too few and are suppressed.
    let release = manager
        .clone()
        .publish_release(rpb::PublishReleaseRequest {
            region: "achterhoek".into(),
            note: "Tussenrapportage".into(),
            request_id: "r-release".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(release.number, 1);
    let mut evaluator = suite.reporting(Role::Evaluator, None).await;
    let anonymised = evaluator
        .get_programme_overview(rpb::GetProgrammeOverviewRequest {
            region: "achterhoek".into(),
            sector: String::new(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(shown(&anonymised.employees_reached));
    assert_eq!(value(&anonymised.employees_reached), 6.0);
    assert!(
        !shown(&anonymised.learning_activities_completed),
        "three people are fewer than the region's minimum of five"
    );
    assert!(anonymised.suppression.unwrap().applied);
    assert_eq!(
        anonymised.release.map(|r| r.note),
        Some("Tussenrapportage".into())
    );
}
