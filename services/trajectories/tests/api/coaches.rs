//! The coach registry: a programme manager registers the region's coaches, AssignCoach
//! accepts no one else, and ListCoaches shows each coach's open trajectories.
use std::time::Duration;

use llo_chassis::auth::Role;
use llo_proto::{IntegrationEvent as _, events::v1 as events, trajectories::v1 as pb};
use prost::Message as _;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::helpers::{Client, REGION, TestApp, fields};

fn registration(coach_id: &str, regions: &[&str]) -> pb::RegisterCoachRequest {
    pb::RegisterCoachRequest {
        request_id: String::new(),
        coach_id: coach_id.into(),
        name: "Anja Hulshof".into(),
        organisation_name: "Loopbaanhuis Achterhoek".into(),
        email: "Anja@Loopbaanhuis.example ".into(),
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
    }
}

fn reason(status: &Status) -> String {
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    status.get_details_error_info().expect("ErrorInfo").reason
}

async fn assign(
    client: &mut Client,
    trajectory_id: &str,
    coach_id: &str,
) -> Result<pb::Trajectory, Status> {
    client
        .assign_coach(pb::AssignCoachRequest {
            request_id: String::new(),
            trajectory_id: trajectory_id.into(),
            coach_id: coach_id.into(),
        })
        .await
        .map(|r| r.into_inner().trajectory.unwrap())
}

async fn coaches(client: &mut Client) -> Vec<pb::Coach> {
    client
        .list_coaches(pb::ListCoachesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .coaches
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_coach_registered_for_the_trajectorys_region_can_be_assigned() {
    let app = TestApp::spawn().await;
    let mut probe = app.env.probe(events::CoachAssigned::ROUTING_KEY).await;
    let seeded = app.seed().await;
    let mut manager = app.manager().await;

    let unknown = assign(&mut manager, &seeded.trajectory_id, "coach-anja")
        .await
        .unwrap_err();
    assert_eq!(reason(&unknown), "COACH_NOT_REGISTERED");
    assert!(unknown.message().contains("registry"), "{unknown:?}");

    // Registered, but for another region only (by that region's manager).
    let mut twente = app.client(Role::ProgrammeManager, "twente").await;
    twente
        .register_coach(registration("coach-anja", &["twente"]))
        .await
        .unwrap();
    let elsewhere = assign(&mut manager, &seeded.trajectory_id, "coach-anja")
        .await
        .unwrap_err();
    assert_eq!(reason(&elsewhere), "COACH_NOT_REGISTERED");
    assert!(
        elsewhere.message().contains("region achterhoek"),
        "{elsewhere:?}"
    );
    let unchanged = manager
        .get_trajectory(pb::GetTrajectoryRequest {
            trajectory_id: seeded.trajectory_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .trajectory
        .unwrap();
    assert!(
        unchanged.coach_id.is_empty(),
        "a refused assignment changes nothing"
    );

    // The Achterhoek's manager adds the region; Twente stays (it is not theirs to drop).
    let coach = manager
        .register_coach(registration("coach-anja", &[REGION]))
        .await
        .unwrap()
        .into_inner()
        .coach
        .unwrap();
    assert_eq!(coach.regions, [REGION, "twente"]);
    assert_eq!(coach.email, "anja@loopbaanhuis.example");
    let assigned = assign(&mut manager, &seeded.trajectory_id, "coach-anja")
        .await
        .unwrap();
    assert_eq!(assigned.coach_id, "coach-anja");
    // The event names the coach as the registry knows them (intake tells the company).
    let delivery = probe
        .next(Duration::from_secs(20))
        .await
        .expect("CoachAssigned published");
    let event = events::CoachAssigned::decode(delivery.data.as_slice()).unwrap();
    assert_eq!(event.trajectory_id, seeded.trajectory_id);
    assert_eq!(event.coach_id, "coach-anja");
    assert_eq!(event.coach_name, "Anja Hulshof");
    assert_eq!(event.coach_organisation_name, "Loopbaanhuis Achterhoek");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_coaches_shows_each_coachs_open_trajectories() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let mut manager = app.manager().await;
    for coach_id in ["coach-anja", "coach-erik"] {
        manager
            .register_coach(registration(coach_id, &[REGION]))
            .await
            .unwrap();
    }
    assign(&mut manager, &seeded.trajectory_id, "coach-anja")
        .await
        .unwrap();

    let mut coach = app.client(Role::Coach, REGION).await;
    let listed = coaches(&mut coach).await;
    let open: Vec<(&str, i32, &[String])> = listed
        .iter()
        .map(|c| {
            (
                c.coach_id.as_str(),
                c.open_trajectory_count,
                &c.open_trajectory_ids[..],
            )
        })
        .collect();
    assert_eq!(
        open,
        [
            ("coach-anja", 1, &[seeded.trajectory_id.clone()][..]),
            ("coach-erik", 0, &[][..]),
        ]
    );

    // A cancelled trajectory is no longer the coach's load.
    manager
        .cancel_trajectory(pb::CancelTrajectoryRequest {
            request_id: String::new(),
            trajectory_id: seeded.trajectory_id.clone(),
            reason: "bedrijf gestopt".into(),
        })
        .await
        .unwrap();
    let listed = coaches(&mut coach).await;
    assert_eq!(listed[0].open_trajectory_count, 0);

    // Another region's staff see none of the Achterhoek's coaches.
    let mut twente = app.client(Role::Coach, "twente").await;
    assert!(coaches(&mut twente).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_registration_names_every_field_and_registers_nothing() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let status = manager
        .register_coach(pb::RegisterCoachRequest {
            request_id: String::new(),
            coach_id: " ".into(),
            name: String::new(),
            organisation_name: "o".repeat(201),
            email: "anja@".into(),
            regions: vec![REGION.into(), "atlantis".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(
        fields(&status),
        [
            "coach_id",
            "name",
            "organisation_name",
            "email",
            "regions[1]"
        ]
    );
    let none = manager
        .register_coach(pb::RegisterCoachRequest {
            regions: vec![],
            ..registration("coach-anja", &[])
        })
        .await
        .unwrap_err();
    assert_eq!(fields(&none), ["regions"]);

    // A region the token does not cover is the caller's limit, not a bad field.
    let denied = manager
        .register_coach(registration("coach-anja", &["twente"]))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");

    // Coaches do not register coaches.
    let mut coach = app.client(Role::Coach, REGION).await;
    let refused = coach
        .register_coach(registration("coach-anja", &[REGION]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert!(coaches(&mut manager).await.is_empty());
}
