//! Kinds and themes are pack data: an intervention's kind is one of the trajectory's
//! sector pack's kinds (a kind a pack adds works without a code change), and the themes
//! of learning goals, activities and course offerings are learning themes of the sector
//! pack, or `other`. Anything else is refused at the edge with its field, and stores
//! nothing.
use std::{path::PathBuf, time::Duration};

use llo_chassis::testing::packs_dir;
use llo_proto::{events::v1 as events, trajectories::v1 as pb};
use prost::Message as _;
use tokio_stream::iter;
use uuid::Uuid;

use crate::helpers::{Client, REGION, TestApp, fields, violations};

/// A copy of the shipped packs whose techniek-metaal pack has one more intervention
/// kind, `lerend_netwerk`, that no code knows.
struct PacksWithNewKind(PathBuf);

impl PacksWithNewKind {
    fn new() -> PacksWithNewKind {
        let dir = std::env::temp_dir().join(format!("llo-packs-kind-{}", Uuid::new_v4()));
        for folder in ["regions", "sectors", "skills"] {
            std::fs::create_dir_all(dir.join(folder)).unwrap();
            for entry in std::fs::read_dir(packs_dir().join(folder)).unwrap() {
                let path = entry.unwrap().path();
                std::fs::copy(&path, dir.join(folder).join(path.file_name().unwrap())).unwrap();
            }
        }
        let sector = dir.join("sectors/techniek-metaal.toml");
        let text = std::fs::read_to_string(&sector).unwrap();
        let text = text.replacen(
            "[[intervention_kinds]]",
            "[[intervention_kinds]]\nid = \"lerend_netwerk\"\nname = \"Lerend netwerk van \
             bedrijven\"\n\n[[intervention_kinds]]",
            1,
        );
        std::fs::write(&sector, text).unwrap();
        PacksWithNewKind(dir)
    }
}

impl Drop for PacksWithNewKind {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn intervention(
    trajectory: &str,
    kind_id: &str,
    kind: pb::InterventionKind,
) -> pb::PlanInterventionRequest {
    pb::PlanInterventionRequest {
        request_id: String::new(),
        trajectory_id: trajectory.into(),
        kind: kind as i32,
        kind_id: kind_id.into(),
        title: "Lerend netwerk met drie buurbedrijven".into(),
        description: String::new(),
        planned_hours: 12,
    }
}

async fn interventions(client: &mut Client, trajectory: &str) -> Vec<pb::Intervention> {
    client
        .get_trajectory(pb::GetTrajectoryRequest {
            trajectory_id: trajectory.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .trajectory
        .unwrap()
        .interventions
}

#[tokio::test(flavor = "multi_thread")]
async fn an_intervention_of_a_kind_only_the_pack_defines_is_planned_and_listed_with_its_kind_id() {
    let packs = PacksWithNewKind::new();
    let app = TestApp::spawn_with(&[("packs.dir", packs.0.display().to_string())]).await;
    let mut planned = app.env.probe("trajectories.intervention_planned.v1").await;
    let seeded = app.seed().await;
    let mut client = app.manager().await;

    let new = client
        .plan_intervention(intervention(
            &seeded.trajectory_id,
            "lerend_netwerk",
            pb::InterventionKind::Unspecified,
        ))
        .await
        .unwrap()
        .into_inner()
        .intervention
        .unwrap();
    assert_eq!(new.kind_id, "lerend_netwerk");
    // The deprecated enum has no value for it.
    assert_eq!(new.kind, pb::InterventionKind::Unspecified as i32);
    // A client of the deprecated enum still plans one of the five, by its id.
    let legacy = client
        .plan_intervention(intervention(
            &seeded.trajectory_id,
            "",
            pb::InterventionKind::Training,
        ))
        .await
        .unwrap()
        .into_inner()
        .intervention
        .unwrap();
    assert_eq!(
        (legacy.kind_id.as_str(), legacy.kind),
        ("training", pb::InterventionKind::Training as i32)
    );

    let kinds: Vec<(String, i32)> = interventions(&mut client, &seeded.trajectory_id)
        .await
        .into_iter()
        .map(|i| (i.kind_id, i.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("lerend_netwerk".to_owned(), 0),
            ("training".to_owned(), pb::InterventionKind::Training as i32)
        ]
    );
    let listed = client
        .list_trajectories(pb::ListTrajectoriesRequest {
            region: REGION.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed.trajectories[0].interventions[0].kind_id,
        "lerend_netwerk"
    );

    // The event carries the same id, as reporting stores it.
    let mut announced = Vec::new();
    while announced.len() < 2 {
        let delivery = planned
            .next(Duration::from_secs(15))
            .await
            .expect("InterventionPlanned published");
        let event = events::InterventionPlanned::decode(delivery.data.as_slice()).unwrap();
        announced.push(event.kind);
    }
    announced.sort();
    assert_eq!(announced, ["lerend_netwerk", "training"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_intervention_kind_not_in_the_pack_is_refused_naming_the_kinds_and_plans_nothing() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let mut client = app.manager().await;
    let kinds = "coaching_directors, coaching_supervisors, team_workshop, training, hr_instrument";

    // A kind another pack might have, but not techniek-metaal.
    let status = client
        .plan_intervention(intervention(
            &seeded.trajectory_id,
            "lerend_netwerk",
            pb::InterventionKind::Unspecified,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        violations(&status),
        [(
            "kind_id".to_owned(),
            format!(
                "\"lerend_netwerk\" is not an intervention kind of sector pack techniek-metaal; \
                 one of: {kinds}"
            )
        )]
    );
    // Neither of the two.
    let status = client
        .plan_intervention(intervention(
            &seeded.trajectory_id,
            "",
            pb::InterventionKind::Unspecified,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        violations(&status),
        [(
            "kind_id".to_owned(),
            format!("is required (an intervention kind of the sector pack: one of {kinds})")
        )]
    );
    // Both: which one was meant?
    let status = client
        .plan_intervention(intervention(
            &seeded.trajectory_id,
            "training",
            pb::InterventionKind::Training,
        ))
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["kind"]);
    // A number the enum does not have.
    let mut unknown = intervention(&seeded.trajectory_id, "", pb::InterventionKind::Unspecified);
    unknown.kind = 99;
    let status = client.plan_intervention(unknown).await.unwrap_err();
    assert_eq!(fields(&status), ["kind"]);

    assert!(
        interventions(&mut client, &seeded.trajectory_id)
            .await
            .is_empty()
    );
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

fn goal(participant: &str, theme: &str) -> pb::AddLearningGoalRequest {
    pb::AddLearningGoalRequest {
        request_id: String::new(),
        participant_id: participant.into(),
        theme: theme.into(),
        description: "Beter leren lassen".into(),
        skill_uris: Vec::new(),
    }
}

fn own_activity(participant: &str, theme: &str) -> pb::PlanLearningActivityRequest {
    pb::PlanLearningActivityRequest {
        request_id: String::new(),
        participant_id: participant.into(),
        kind: pb::ActivityKind::OnTheJob as i32,
        title: "Meelopen met de lasser".into(),
        provider: "Lensink Metaal".into(),
        theme: theme.into(),
        planned_hours: 8,
        ..Default::default()
    }
}

fn offering(code: &str, themes: &[&str]) -> pb::PublishCourseOfferingRequest {
    pb::PublishCourseOfferingRequest {
        region: REGION.into(),
        provider: "graafschap-college".into(),
        course_code: code.into(),
        title: "TIG-lassen".into(),
        themes: themes.iter().map(|t| (*t).to_owned()).collect(),
        hours: 24,
        price_cents: 95_000,
        start_times: Vec::new(),
        esco_skill_uris: Vec::new(),
        ..Default::default()
    }
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

#[tokio::test(flavor = "multi_thread")]
async fn a_theme_outside_the_sector_pack_is_refused_with_its_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let participant = seeded.participant_id.as_str();
    let mut client = app.manager().await;
    let refused = |status: &tonic::Status, field: &str, theme: &str| {
        let found = violations(status);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, field);
        assert!(
            found[0].1.starts_with(&format!(
                "\"{theme}\" is not a learning theme of the sector pack; one of: cnc, lassen, "
            )) && found[0].1.ends_with(", or \"other\""),
            "{found:?}"
        );
    };

    // A free phrase, and a theme of another sector than the company's.
    let status = client
        .add_learning_goal(goal(participant, "TIG-lassen op niveau 3"))
        .await
        .unwrap_err();
    refused(&status, "theme", "TIG-lassen op niveau 3");
    let status = client
        .plan_learning_activity(own_activity(participant, "zorgtechnologie"))
        .await
        .unwrap_err();
    refused(&status, "theme", "zorgtechnologie");
    // With the other bad fields, at once.
    let mut bad = own_activity(participant, "breien");
    bad.title = String::new();
    let status = client.plan_learning_activity(bad).await.unwrap_err();
    assert_eq!(fields(&status), ["title", "theme"]);
    let unchanged = plan(&mut client, participant).await;
    assert!(unchanged.goals.is_empty() && unchanged.activities.is_empty());

    // A course offering: each theme by its place in the list. The Achterhoek has only
    // techniek-metaal.
    let status = client
        .publish_course_offering(offering("GC-1", &["lassen", "zorgtechnologie"]))
        .await
        .unwrap_err();
    refused(&status, "themes[1]", "zorgtechnologie");
    let mut school = app
        .client(llo_chassis::auth::Role::ProgrammeManager, REGION)
        .await;
    let import = school
        .import_course_offerings(iter([
            pb::ImportCourseOfferingsRequest {
                offering: Some(offering("GC-2", &["lassen"])),
            },
            pb::ImportCourseOfferingsRequest {
                offering: Some(offering("GC-3", &["Lassen (TIG)"])),
            },
        ]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((import.created_count, import.rejected_count), (1, 1));
    let rejected = &import.results[1];
    assert_eq!(rejected.violations.len(), 1, "{rejected:?}");
    assert_eq!(rejected.violations[0].field, "themes[0]");
    let codes: Vec<String> = offerings(&mut client)
        .await
        .into_iter()
        .map(|o| o.course_code)
        .collect();
    assert_eq!(codes, ["GC-2"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_theme_other_is_accepted_wherever_a_learning_theme_is_asked_for() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let participant = seeded.participant_id.as_str();
    let mut client = app.manager().await;
    client
        .add_learning_goal(goal(participant, "other"))
        .await
        .unwrap();
    client
        .plan_learning_activity(own_activity(participant, "other"))
        .await
        .unwrap();
    client
        .add_learning_goal(goal(participant, "lassen"))
        .await
        .unwrap();
    let published = client
        .publish_course_offering(offering("GC-9", &["other", "cnc"]))
        .await
        .unwrap()
        .into_inner()
        .offering
        .unwrap();
    assert_eq!(published.themes, ["other", "cnc"]);
    let stored = plan(&mut client, participant).await;
    let themes: Vec<&str> = stored.goals.iter().map(|g| g.theme.as_str()).collect();
    assert_eq!(themes, ["other", "lassen"]);
    assert_eq!(stored.activities[0].theme, "other");
}

/// A plan can exist before OrganisationRegistered arrives (events need not come in
/// order): its themes are then those of every sector of the plan's region.
#[tokio::test(flavor = "multi_thread")]
async fn a_plan_of_a_company_not_yet_heard_of_takes_the_themes_of_its_region() {
    let app = TestApp::spawn().await;
    let participant = Uuid::now_v7();
    let mut conn = app.database().await;
    llo_trajectories::store::plans::ensure(&mut conn, participant, Uuid::now_v7(), REGION)
        .await
        .unwrap();
    let mut client = app.manager().await;
    let participant = participant.to_string();
    client
        .add_learning_goal(goal(&participant, "lassen"))
        .await
        .unwrap();
    let status = client
        .add_learning_goal(goal(&participant, "zorgtechnologie"))
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["theme"]);
    assert_eq!(plan(&mut client, &participant).await.goals.len(), 1);
}
