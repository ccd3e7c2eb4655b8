use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use llo_chassis::auth::Role;
use llo_proto::{common::v1 as common, intake::v1 as pb};
use tonic::Code;

use crate::helpers::{REGION, TestApp, enrol, participant_request, reason, register, violations};

#[tokio::test(flavor = "multi_thread")]
async fn an_enrolment_without_consent_or_with_a_bad_email_is_refused() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "55555555").await;
    let mut request = participant_request(&organisation.organisation_id, 1);
    request.consent_given = false;
    request.email = "geen-email".into();
    let status = client.enrol_participant(request).await.unwrap_err();
    assert_eq!(violations(&status), ["email", "consent_given"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_uwv_referral_keeps_uwvs_reference() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "66666666").await;
    let mut request = participant_request(&organisation.organisation_id, 1);
    request.source = common::ParticipantSource::UwvReferral as i32;
    let status = client.enrol_participant(request.clone()).await.unwrap_err();
    assert_eq!(violations(&status), ["uwv_reference"]);
    request.uwv_reference = "UWV-2026-0042".into();
    let participant = client
        .enrol_participant(request)
        .await
        .unwrap()
        .into_inner()
        .participant
        .unwrap();
    assert_eq!(
        participant.source,
        common::ParticipantSource::UwvReferral as i32
    );
    assert_eq!(participant.uwv_reference, "UWV-2026-0042");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_email_twice_in_a_company_already_exists() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "77777777").await;
    enrol(&mut client, &organisation.organisation_id, 1).await;
    let status = client
        .enrol_participant(participant_request(&organisation.organisation_id, 1))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert_eq!(reason(&status), "PARTICIPANT_ALREADY_ENROLLED");
}

#[tokio::test(flavor = "multi_thread")]
async fn learning_needs_are_recorded_once_per_request_id() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "88888888").await;
    let participant = enrol(&mut client, &organisation.organisation_id, 1).await;
    let request = pb::RecordLearningNeedsRequest {
        request_id: "needs-1".into(),
        participant_id: participant.participant_id.clone(),
        needs: vec![
            pb::LearningNeedInput {
                theme: "lassen".into(),
                description: "TIG-lassen van RVS".into(),
            },
            pb::LearningNeedInput {
                theme: "leidinggeven".into(),
                description: "Werkoverleg leiden".into(),
            },
        ],
    };
    let first = client
        .record_learning_needs(request.clone())
        .await
        .unwrap()
        .into_inner();
    let again = client
        .record_learning_needs(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.needs.len(), 2);
    assert_eq!(first, again);
    let status = client
        .record_learning_needs(pb::RecordLearningNeedsRequest {
            request_id: String::new(),
            participant_id: participant.participant_id,
            needs: vec![pb::LearningNeedInput {
                theme: String::new(),
                description: "x".into(),
            }],
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["needs[0].theme"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_leaves_no_name_or_email_in_intakes_tables_and_is_audited() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "99999999").await;
    let participant = enrol(&mut client, &organisation.organisation_id, 7).await;
    client
        .record_learning_needs(pb::RecordLearningNeedsRequest {
            request_id: String::new(),
            participant_id: participant.participant_id.clone(),
            needs: vec![pb::LearningNeedInput {
                theme: "cnc".into(),
                description: "Voornaam7 wil CNC leren".into(),
            }],
        })
        .await
        .unwrap();

    // A coach may not erase; the company's own HR may.
    let status = client
        .erase_participant(pb::EraseParticipantRequest {
            participant_id: participant.participant_id.clone(),
            reason: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut hr = app
        .as_role(Role::CompanyHr, REGION, Some(&organisation.organisation_id))
        .await;
    hr.erase_participant(pb::EraseParticipantRequest {
        participant_id: participant.participant_id.clone(),
        reason: "AVG-verzoek".into(),
    })
    .await
    .unwrap();

    let erased = client
        .get_participant(pb::GetParticipantRequest {
            participant_id: participant.participant_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .participant
        .unwrap();
    assert!(erased.erased);
    assert!(erased.given_name.is_empty() && erased.email.is_empty());

    let mut conn = AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
    #[derive(QueryableByName)]
    struct Dump {
        #[diesel(sql_type = diesel::sql_types::Text)]
        dump: String,
    }
    // Every row of every table, as text.
    for table in [
        "participants",
        "learning_needs",
        "erasure_audit",
        "outbox",
        "organisations",
    ] {
        let rows: Vec<Dump> = diesel::sql_query(format!("SELECT t::text AS dump FROM {table} t"))
            .load(&mut conn)
            .await
            .unwrap();
        for row in rows {
            for personal in [
                &participant.given_name,
                &participant.family_name,
                &participant.email,
            ] {
                assert!(
                    !row.dump.contains(personal.as_str()),
                    "{table} still holds {personal}: {}",
                    row.dump
                );
            }
        }
    }
    let audited: i64 = diesel::sql_query(
        "SELECT count(*) AS n FROM erasure_audit WHERE erased_by = 'test-company_hr'",
    )
    .get_result::<Count>(&mut conn)
    .await
    .unwrap()
    .n;
    assert_eq!(audited, 1);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
