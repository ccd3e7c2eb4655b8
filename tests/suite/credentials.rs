//! A course completed at a school becomes an Open Badge in intake, across the services:
//! trajectories' completion event carries the credential, the activity and the
//! offering's ESCO skills; intake names the learner by a salted hash only.
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use llo_chassis::auth::Role;
use llo_proto::{intake::v1 as intake, trajectories::v1 as pb};

use crate::helpers::{Suite, company, eventually, plan};

const SKILL: &str = "http://data.europa.eu/esco/skill/60ff3eac-7d4d-4e51-87b8-74c3b5d62498";

#[tokio::test(flavor = "multi_thread")]
async fn a_course_completed_with_a_credential_becomes_an_open_badge_with_its_skills() {
    let suite = Suite::spawn().await;
    let mut school = suite
        .trajectories(Role::Integrator, Some("graafschap-college"))
        .await;
    let offering = school
        .publish_course_offering(pb::PublishCourseOfferingRequest {
            region: "achterhoek".into(),
            provider: "graafschap-college".into(),
            course_code: "GC-VCA".into(),
            title: "VCA Basis veiligheid".into(),
            themes: vec!["lassen".into()],
            hours: 16,
            price_cents: 45_000,
            start_times: vec![prost_types::Timestamp {
                seconds: 1_800_000_000,
                nanos: 0,
            }],
            esco_skill_uris: vec![SKILL.into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .offering
        .unwrap();
    let (mut intake_client, mut coach) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "34000077", 40, 1).await;
    plan(&mut coach, &people[0]).await;
    let activity = coach
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            participant_id: people[0].clone(),
            offering_id: offering.offering_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap();
    school
        .complete_learning_activity(pb::CompleteLearningActivityRequest {
            activity_id: activity.activity_id.clone(),
            actual_hours: 16,
            credential: Some(pb::Credential {
                name: "VCA Basis".into(),
                issuer: "Graafschap College".into(),
                url: String::new(),
            }),
            ..Default::default()
        })
        .await
        .unwrap();

    let (credential, _) = eventually(|| {
        let mut client = intake_client.clone();
        let participant = people[0].clone();
        async move {
            client
                .list_credentials(intake::ListCredentialsRequest {
                    participant_id: participant,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .credentials
                .pop()
        }
    })
    .await;
    assert_eq!(credential.activity_id, activity.activity_id);
    assert_eq!(credential.achievement_name, "VCA Basis");
    let payload = credential.jwt.split('.').nth(1).unwrap();
    let vc: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let achievement = &vc["credentialSubject"]["achievement"];
    assert_eq!(achievement["alignment"][0]["targetUrl"], SKILL);
    assert_eq!(achievement["creator"]["name"], "Graafschap College");
    assert!(
        achievement["criteria"]["narrative"]
            .as_str()
            .unwrap()
            .contains("VCA Basis veiligheid"),
        "{achievement}"
    );
    assert!(
        !vc.to_string().contains("@34000077.nl"),
        "no e-mail address"
    );
    let answer = intake_client
        .verify_credential(intake::VerifyCredentialRequest {
            jwt: credential.jwt.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(answer.valid, "{:?}", answer.reasons);
}
