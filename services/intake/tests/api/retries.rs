//! AIP-155 on intake's state changes: a retried erasure returns its first answer.
use llo_chassis::auth::Role;
use llo_proto::intake::v1 as pb;
use tonic::Code;

use crate::helpers::{REGION, TestApp, enrol, reason, register};

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_erasure_returns_its_first_answer_and_a_reused_id_is_refused() {
    let app = TestApp::spawn().await;
    let mut erased_events = app.env.probe("intake.participant_erased.v1").await;
    let mut coach = app.coach().await;
    let organisation = register(&mut coach, "46464646").await;
    let person = enrol(&mut coach, &organisation.organisation_id, 1).await;
    let mut manager = app.as_role(Role::ProgrammeManager, REGION, None).await;
    let erase = pb::EraseParticipantRequest {
        request_id: "erase-1".into(),
        participant_id: person.participant_id.clone(),
        reason: "AVG-verzoek".into(),
    };
    let first = manager
        .erase_participant(erase.clone())
        .await
        .unwrap()
        .into_inner();
    let retried = manager
        .erase_participant(erase.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, retried);
    let reused = manager
        .erase_participant(pb::EraseParticipantRequest {
            reason: "een andere reden".into(),
            ..erase
        })
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::AlreadyExists);
    assert_eq!(reason(&reused), "REQUEST_ID_REUSED");
    assert!(
        erased_events
            .next(std::time::Duration::from_secs(10))
            .await
            .is_some()
    );
    assert!(
        erased_events
            .next(std::time::Duration::from_secs(1))
            .await
            .is_none(),
        "one ParticipantErased"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_id_longer_than_128_characters_is_refused_on_its_field() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let organisation = register(&mut coach, "47474747").await;
    let person = enrol(&mut coach, &organisation.organisation_id, 1).await;
    let mut manager = app.as_role(Role::ProgrammeManager, REGION, None).await;
    let status = manager
        .erase_participant(pb::EraseParticipantRequest {
            request_id: "x".repeat(129),
            participant_id: person.participant_id.clone(),
            reason: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(crate::helpers::violations(&status), ["request_id"]);
    // Bad input changes nothing.
    let still = coach
        .get_participant(pb::GetParticipantRequest {
            participant_id: person.participant_id,
        })
        .await
        .unwrap()
        .into_inner()
        .participant
        .unwrap();
    assert!(!still.erased);
}
