//! Erasure across the suite: after `EraseParticipant`, no database of any service holds
//! the person's name, e-mail address, job title or the free text written about them.
use llo_chassis::{
    auth::Role,
    testing::personal_data::{databases_of, find_everywhere},
};
use llo_proto::{common::v1 as common, intake::v1 as intake, trajectories::v1 as pb};

use crate::helpers::{Suite, company, eventually};

/// An employee with a distinctive name, e-mail address and job title records two learning
/// needs (trajectories turns them into goals); the coach adds a goal and a course in their
/// own words. Before the erasure every one of these strings is found by the search (so the
/// search can see them, event payloads included); after HR erased the employee and
/// trajectories applied it, none is found in any column of any table of intake's or
/// trajectories' database.
#[tokio::test(flavor = "multi_thread")]
async fn after_an_erasure_no_database_of_the_suite_holds_the_persons_data() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut coach) = suite.coach().await;
    let (organisation, _) = company(&mut intake_client, "36000001", 40, 0).await;
    let person = intake_client
        .enrol_participant(intake::EnrolParticipantRequest {
            request_id: "wisproef-inschrijving".into(),
            organisation_id: organisation.clone(),
            given_name: "Quirijntje".into(),
            family_name: "Vlasbloemhorst".into(),
            email: "q.vlasbloemhorst@wisproef.nl".into(),
            role: common::ParticipantRole::Employee as i32,
            job_title: "Kantbankmeester Zuidvleugel".into(),
            consent_given: true,
            source: common::ParticipantSource::Company as i32,
            uwv_reference: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .participant
        .unwrap();
    let id = person.participant_id.clone();
    let needs = [
        "Quirijntje wil na zijn burn-out TIG-lassen leren",
        "Vlasbloemhorst heeft dyslexie en zoekt hulp bij lezen",
    ];
    intake_client
        .record_learning_needs(intake::RecordLearningNeedsRequest {
            request_id: "wisproef-leerbehoeften".into(),
            participant_id: id.clone(),
            needs: vec![
                intake::LearningNeedInput {
                    theme: "lassen".into(),
                    description: needs[0].into(),
                },
                intake::LearningNeedInput {
                    theme: "taal".into(),
                    description: needs[1].into(),
                },
            ],
        })
        .await
        .unwrap();
    // Trajectories made the needs goals of the plan.
    eventually(|| {
        let mut client = coach.clone();
        let id = id.clone();
        async move {
            let plan = client
                .get_development_plan(pb::GetDevelopmentPlanRequest { participant_id: id })
                .await
                .ok()?
                .into_inner()
                .plan?;
            (plan.goals.len() == 2).then_some(())
        }
    })
    .await;
    let goal = "Begeleiding voor Quirijntje bij zijn rugklachten";
    coach
        .add_learning_goal(pb::AddLearningGoalRequest {
            request_id: "wisproef-doel".into(),
            participant_id: id.clone(),
            theme: "vitaliteit".into(),
            description: goal.into(),
            skill_uris: Vec::new(),
        })
        .await
        .unwrap();
    let course = "Taalmaatje voor Quirijntje Vlasbloemhorst";
    coach
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            request_id: "wisproef-cursus".into(),
            participant_id: id.clone(),
            kind: pb::ActivityKind::Course as i32,
            title: course.into(),
            provider: "Graafschap College".into(),
            theme: "taal".into(),
            planned_hours: 20,
            cost_cents: 50_000,
            ..Default::default()
        })
        .await
        .unwrap();

    // As stored (the e-mail address is kept in lower case).
    let personal: Vec<String> = [
        person.given_name.as_str(),
        &person.family_name,
        &person.email,
        &person.job_title,
        needs[0],
        needs[1],
        goal,
        course,
    ]
    .map(str::to_owned)
    .to_vec();
    let databases = databases_of(&suite.env).await;
    assert!(
        ["intake", "trajectories"]
            .iter()
            .all(|service| databases.iter().any(|d| d.contains(service))),
        "the suite's databases: {databases:?}"
    );

    // The search sees every one of them before the erasure, in an event payload too.
    let before = find_everywhere(&suite.env, &personal).await;
    for needle in &personal {
        assert!(
            before.iter().any(|f| &f.needle == needle),
            "{needle:?} is not found even before the erasure; found: {before:#?}"
        );
    }
    assert!(
        before.iter().any(|f| f.database.contains("intake")
            && (f.table.as_str(), f.column.as_str()) == ("outbox", "payload")
            && f.needle == needs[0]),
        "the search reads the bytes of event payloads; found: {before:#?}"
    );
    assert!(
        before.iter().any(|f| f.database.contains("trajectories")
            && f.table == "learning_goals"
            && f.needle == needs[1]),
        "the need reached trajectories as a goal; found: {before:#?}"
    );

    let mut hr = suite.intake(Role::CompanyHr, Some(&organisation)).await;
    hr.erase_participant(intake::EraseParticipantRequest {
        participant_id: id.clone(),
        reason: "AVG-verzoek".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    eventually(|| {
        let mut client = coach.clone();
        let id = id.clone();
        async move {
            client
                .get_development_plan(pb::GetDevelopmentPlanRequest { participant_id: id })
                .await
                .ok()?
                .into_inner()
                .plan
                .filter(|p| p.erased)
        }
    })
    .await;

    let after = find_everywhere(&suite.env, &personal).await;
    assert!(
        after.is_empty(),
        "personal data left after the erasure:\n{}",
        after
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
