//! Skills are pack data too: a sector pack names a skills list (a subset of ESCO), goals
//! and offerings name skills of it, SearchSkills finds them by Dutch or English words,
//! and the catalogue filters on them.
use llo_proto::trajectories::v1 as pb;
use tonic::Code;

use crate::helpers::{Client, REGION, TestApp, fields, violations};

const ESCO: &str = "http://data.europa.eu/esco/skill/";
/// "MAG-lassen" and "technische tekeningen lezen" of the techniek-metaal list.
const MAG_WELDING: &str = "60ff3eac-7d4d-4e51-87b8-74c3b5d62498";
const DRAWINGS: &str = "b07daddc-8625-4360-946e-ad2b0e56ebf6";
/// "klinische richtlijnen en protocollen volgen": the care list's, not metal's.
const CLINICAL_GUIDELINES: &str = "76395873-7fe2-4f9a-b4b6-9932f8cbd0b4";

fn skill(id: &str) -> String {
    format!("{ESCO}{id}")
}

async fn search(client: &mut Client, region: &str, words: &str) -> Vec<pb::Skill> {
    client
        .search_skills(pb::SearchSkillsRequest {
            region: region.into(),
            query: words.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .skills
}

fn labels(skills: &[pb::Skill]) -> Vec<&str> {
    skills.iter().map(|s| s.label_nl.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_goal_names_skills_of_its_sectors_list_and_no_others() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let mut client = app.manager().await;
    let goal = |skills: Vec<String>| pb::AddLearningGoalRequest {
        participant_id: seeded.participant_id.clone(),
        theme: "lassen".into(),
        description: "Zelfstandig MAG-lassen op tekening".into(),
        skill_uris: skills,
        ..Default::default()
    };

    let added = client
        .add_learning_goal(goal(vec![skill(MAG_WELDING), skill(DRAWINGS)]))
        .await
        .unwrap()
        .into_inner()
        .goal
        .unwrap();
    assert_eq!(added.skill_uris, [skill(MAG_WELDING), skill(DRAWINGS)]);

    // A care skill for a metal company, and something that is not an ESCO URI.
    let status = client
        .add_learning_goal(goal(vec![
            skill(CLINICAL_GUIDELINES),
            "https://example.org/lassen".into(),
        ]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let found = violations(&status);
    assert_eq!(
        fields(&status),
        ["skill_uris[0]", "skill_uris[1]"],
        "{found:?}"
    );
    assert!(
        found[0].1.contains("not in the sector's skills list"),
        "{found:?}"
    );
    assert!(found[1].1.contains("must be an ESCO URI"), "{found:?}");

    let plan = client
        .get_development_plan(pb::GetDevelopmentPlanRequest {
            participant_id: seeded.participant_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .plan
        .unwrap();
    assert_eq!(plan.goals.len(), 1, "the refused goal stored nothing");
    assert_eq!(plan.goals[0].skill_uris.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn search_skills_finds_dutch_and_english_words_without_accents_and_on_parts_of_words() {
    let app = TestApp::spawn().await;
    let mut client = app.manager().await;

    // A Dutch word: its stem and the words it is part of ("MAG-lassen", "TIG-lassen").
    let welding = search(&mut client, REGION, "lassen").await;
    let found = labels(&welding);
    assert!(
        found.contains(&"MAG-lassen") && found.contains(&"TIG-lassen"),
        "{found:?}"
    );
    assert_eq!(welding[0].list_id, "esco-techniek-metaal");
    assert!(welding[0].list_version.starts_with("ESCO v1.2.0"));
    // Part of a compound word, and the English label.
    let drawings = labels(&search(&mut client, REGION, "tekening").await).join("; ");
    assert!(
        drawings.contains("technische tekeningen lezen"),
        "{drawings}"
    );
    // Part of a compound word that no stem gives: only the word-part match finds it.
    let arc = labels(&search(&mut client, REGION, "booglas").await).join("; ");
    assert!(arc.contains("booglastechnieken toepassen"), "{arc}");
    let english = search(&mut client, REGION, "engineering drawings").await;
    assert_eq!(english[0].uri, skill(DRAWINGS));
    // Without the accent: "client" finds the care list's "cliënten" in Twente (two sectors),
    // and nothing in the Achterhoek (metal only).
    let clients = labels(&search(&mut client, "twente", "client").await).join("; ");
    assert!(clients.contains("cliënten"), "{clients}");
    assert!(search(&mut client, REGION, "cliënt").await.is_empty());
    // A compound typed without its accent: the word-part match on unaccented labels.
    let safety = labels(&search(&mut client, "twente", "clientveiligheid").await).join("; ");
    assert!(
        safety.contains("de veiligheid van cliënten waarborgen"),
        "{safety}"
    );

    // One sector of the region only; a sector the region has not; no words.
    let care = client
        .search_skills(pb::SearchSkillsRequest {
            region: "twente".into(),
            query: "team".into(),
            sector: "zorg-welzijn".into(),
            page_size: 3,
        })
        .await
        .unwrap()
        .into_inner()
        .skills;
    assert!(!care.is_empty() && care.len() <= 3, "{care:?}");
    assert!(care.iter().all(|s| s.list_id == "esco-zorg-welzijn"));
    let status = client
        .search_skills(pb::SearchSkillsRequest {
            region: REGION.into(),
            query: " ".into(),
            sector: "zorg-welzijn".into(),
            page_size: 500,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(fields(&status), ["query", "page_size", "sector"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offering_names_listed_skills_and_the_catalogue_is_filtered_by_skill() {
    let app = TestApp::spawn().await;
    let mut client = app.manager().await;
    let offering = |code: &str, skills: Vec<String>| pb::PublishCourseOfferingRequest {
        region: REGION.into(),
        provider: "graafschap-college".into(),
        course_code: code.into(),
        title: "MIG/MAG-lassen niveau 2".into(),
        themes: vec!["lassen".into()],
        hours: 40,
        price_cents: 125_000,
        esco_skill_uris: skills,
        ..Default::default()
    };
    let status = client
        .publish_course_offering(offering("GC-1", vec![skill(CLINICAL_GUIDELINES)]))
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["esco_skill_uris[0]"]);
    client
        .publish_course_offering(offering("GC-2", vec![skill(MAG_WELDING)]))
        .await
        .unwrap();
    client
        .publish_course_offering(offering("GC-3", vec![skill(DRAWINGS)]))
        .await
        .unwrap();

    let teaching = |uri: String| pb::ListCourseOfferingsRequest {
        region: REGION.into(),
        skill_uri: uri,
        ..Default::default()
    };
    let codes = |list: pb::ListCourseOfferingsResponse| -> Vec<String> {
        list.offerings.into_iter().map(|o| o.course_code).collect()
    };
    let welding = client
        .list_course_offerings(teaching(skill(MAG_WELDING)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(codes(welding), ["GC-2"]);
    let all = client
        .list_course_offerings(teaching(String::new()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(codes(all), ["GC-2", "GC-3"]);
}
