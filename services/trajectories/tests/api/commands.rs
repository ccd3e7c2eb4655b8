//! Each request is parsed into a command at the edge: every bad field is named at once,
//! text and lists are bounded, times lie between 2000 and 2100, and a refused request
//! changes nothing.
use diesel_async::RunQueryDsl;
use llo_proto::trajectories::v1 as pb;
use tonic::Code;

use crate::helpers::{Client, REGION, TestApp, fields, violations};

fn at(seconds: i64) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds, nanos: 0 }
}

/// 1 January 10000: a typo that would break every query over the column once stored.
const YEAR_10000: i64 = 253_402_300_800;

async fn trajectory(client: &mut Client, id: &str) -> pb::Trajectory {
    client
        .get_trajectory(pb::GetTrajectoryRequest {
            trajectory_id: id.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .trajectory
        .unwrap()
}

async fn plan(client: &mut Client, participant: &str) -> pb::DevelopmentPlan {
    client
        .get_development_plan(pb::GetDevelopmentPlanRequest {
            participant_id: participant.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .plan
        .unwrap()
}

async fn offerings(client: &mut Client) -> Vec<pb::CourseOffering> {
    client
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            region: REGION.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .offerings
}

fn offering() -> pb::PublishCourseOfferingRequest {
    pb::PublishCourseOfferingRequest {
        region: REGION.into(),
        provider: "graafschap-college".into(),
        course_code: "GC-1".into(),
        title: "TIG-lassen".into(),
        themes: vec!["lassen".into()],
        hours: 24,
        price_cents: 95_000,
        start_times: vec![at(1_800_000_000)],
        esco_skill_uris: vec![
            "http://data.europa.eu/esco/skill/a51adea8-bf02-488a-a0d8-b0961caca5b0".into(),
        ],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trajectory_command_names_every_bad_field_at_once() {
    let app = TestApp::spawn().await;
    let mut client = app.manager().await;
    let status = client
        .plan_intervention(pb::PlanInterventionRequest {
            request_id: String::new(),
            trajectory_id: "not-an-id".into(),
            kind: 0,
            title: " ".into(),
            description: "x".repeat(2_001),
            planned_hours: 1_001,
            kind_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violations(&status),
        [
            ("trajectory_id".into(), "is not a valid id".into()),
            (
                "kind_id".into(),
                "is required (an intervention kind of the sector pack)".into()
            ),
            ("title".into(), "is required".into()),
            (
                "description".into(),
                "must be at most 2000 characters".into()
            ),
            ("planned_hours".into(), "must be from 0 to 1000".into()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn too_long_text_on_a_trajectory_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let mut client = app.manager().await;
    let status = client
        .plan_intervention(pb::PlanInterventionRequest {
            request_id: String::new(),
            trajectory_id: seeded.trajectory_id.clone(),
            kind: 0,
            title: "t".repeat(201),
            description: String::new(),
            planned_hours: 8,
            kind_id: "training".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violations(&status),
        [("title".into(), "must be at most 200 characters".into())]
    );
    let coach = client
        .assign_coach(pb::AssignCoachRequest {
            request_id: String::new(),
            trajectory_id: seeded.trajectory_id.clone(),
            coach_id: "c".repeat(129),
        })
        .await
        .unwrap_err();
    assert_eq!(fields(&coach), ["coach_id"]);
    let cancel = client
        .cancel_trajectory(pb::CancelTrajectoryRequest {
            request_id: String::new(),
            trajectory_id: seeded.trajectory_id.clone(),
            reason: "r".repeat(2_001),
        })
        .await
        .unwrap_err();
    assert_eq!(fields(&cancel), ["reason"]);

    let unchanged = trajectory(&mut client, &seeded.trajectory_id).await;
    assert!(unchanged.interventions.is_empty());
    assert!(unchanged.coach_id.is_empty());
    assert_eq!(unchanged.status, pb::TrajectoryStatus::Proposed as i32);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coaching_session_outside_2000_to_2100_is_refused_and_logs_nothing() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let mut client = app.manager().await;
    for held in [at(946_684_799), at(YEAR_10000)] {
        let status = client
            .record_coaching_session(pb::RecordCoachingSessionRequest {
                request_id: String::new(),
                trajectory_id: seeded.trajectory_id.clone(),
                held_time: Some(held),
                duration_minutes: 60,
                topic: "Leiderschap".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(
            violations(&status),
            [(
                "held_time".into(),
                "must lie between the years 2000 and 2100".into()
            )]
        );
    }
    let unchanged = trajectory(&mut client, &seeded.trajectory_id).await;
    assert_eq!(unchanged.coaching_session_count, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_command_names_every_bad_field_at_once_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let mut client = app.manager().await;
    let activity = client
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            request_id: String::new(),
            participant_id: seeded.participant_id.clone(),
            goal_id: "nope".into(),
            kind: 0,
            title: String::new(),
            provider: "p".repeat(201),
            theme: String::new(),
            offering_id: String::new(),
            planned_hours: 0,
            cost_cents: -1,
            run_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        fields(&activity),
        [
            "goal_id",
            "kind",
            "title",
            "provider",
            "planned_hours",
            "cost_cents",
            "theme"
        ]
    );
    let goal = client
        .add_learning_goal(pb::AddLearningGoalRequest {
            request_id: String::new(),
            participant_id: seeded.participant_id.clone(),
            theme: "lassen".into(),
            description: "d".repeat(2_001),
            skill_uris: Vec::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violations(&goal),
        [(
            "description".into(),
            "must be at most 2000 characters".into()
        )]
    );
    let completion = client
        .complete_learning_activity(pb::CompleteLearningActivityRequest {
            request_id: String::new(),
            activity_id: String::new(),
            actual_hours: -1,
            credential: Some(pb::Credential {
                name: String::new(),
                issuer: "i".repeat(201),
                url: "ftp://example.com/diploma".into(),
            }),
            complete_time: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() + 86_400,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(
        fields(&completion),
        [
            "activity_id",
            "actual_hours",
            "credential.name",
            "credential.issuer",
            "credential.url",
            "complete_time"
        ]
    );

    let unchanged = plan(&mut client, &seeded.participant_id).await;
    assert!(unchanged.goals.is_empty() && unchanged.activities.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_funding_command_names_every_bad_field_at_once() {
    let app = TestApp::spawn().await;
    let mut client = app.manager().await;
    let status = client
        .allocate_funding(pb::AllocateFundingRequest {
            request_id: String::new(),
            activity_id: "x".into(),
            source: "s".repeat(101),
            amount_cents: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        violations(&status),
        [
            ("activity_id".into(), "is not a valid id".into()),
            ("source".into(), "must be at most 100 characters".into()),
            (
                "amount_cents".into(),
                "must be from 1 to 100000000 (whole euro cents)".into()
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offering_names_every_bad_field_and_bounds_its_lists_and_times() {
    let app = TestApp::spawn().await;
    let mut client = app.manager().await;
    let everything_wrong = pb::PublishCourseOfferingRequest {
        region: "atlantis".into(),
        provider: String::new(),
        course_code: "c".repeat(101),
        title: String::new(),
        themes: Vec::new(),
        hours: 0,
        price_cents: -1,
        start_times: vec![at(YEAR_10000)],
        esco_skill_uris: vec!["https://example.com/skill".into()],
        ..Default::default()
    };
    let status = client
        .publish_course_offering(everything_wrong)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&status),
        [
            "region",
            "provider",
            "course_code",
            "title",
            "themes",
            "hours",
            "price_cents",
            "start_times[0]",
            "esco_skill_uris[0]"
        ]
    );

    let too_many_themes = pb::PublishCourseOfferingRequest {
        themes: (0..21).map(|n| format!("thema {n}")).collect(),
        ..offering()
    };
    let status = client
        .publish_course_offering(too_many_themes)
        .await
        .unwrap_err();
    assert_eq!(
        violations(&status),
        [("themes".into(), "must have at most 20 items".into())]
    );
    let in_the_year_10000 = pb::PublishCourseOfferingRequest {
        start_times: vec![at(1_800_000_000), at(YEAR_10000)],
        ..offering()
    };
    let status = client
        .publish_course_offering(in_the_year_10000)
        .await
        .unwrap_err();
    assert_eq!(
        violations(&status),
        [(
            "start_times[1]".into(),
            "must lie between the years 2000 and 2100".into()
        )]
    );
    assert!(offerings(&mut client).await.is_empty());

    // The same bounds hold per row of a catalogue sync; the good row goes in.
    let rows = vec![
        offering(),
        pb::PublishCourseOfferingRequest {
            course_code: "GC-2".into(),
            start_times: vec![at(1_800_000_000); 201],
            ..offering()
        },
    ];
    let response = client
        .import_course_offerings(tokio_stream::iter(rows.into_iter().map(|offering| {
            pb::ImportCourseOfferingsRequest {
                offering: Some(offering),
            }
        })))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((response.created_count, response.rejected_count), (1, 1));
    let rejected = &response.results[1];
    assert_eq!(
        (
            rejected.violations[0].field.as_str(),
            rejected.violations[0].description.as_str()
        ),
        ("start_times", "must have at most 200 items")
    );
    let published: Vec<String> = offerings(&mut client)
        .await
        .into_iter()
        .map(|o| o.course_code)
        .collect();
    assert_eq!(published, ["GC-1"]);
}

/// A status the code does not know is a fault the operator sees in the log, never a
/// silent default: the caller gets INTERNAL, and nothing is changed on top of it.
#[tokio::test(flavor = "multi_thread")]
async fn a_stored_status_the_code_does_not_know_is_an_error() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let mut conn = app.database().await;
    diesel::sql_query("UPDATE trajectories SET status = 'paused'")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut client = app.manager().await;
    let read = client
        .get_trajectory(pb::GetTrajectoryRequest {
            trajectory_id: seeded.trajectory_id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(read.code(), Code::Internal);
    let change = client
        .assign_coach(pb::AssignCoachRequest {
            request_id: String::new(),
            trajectory_id: seeded.trajectory_id.clone(),
            coach_id: "coach-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(change.code(), Code::Internal);
}
