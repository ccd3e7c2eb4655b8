use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use llo_chassis::{auth::Role, testing::personal_data::find_everywhere};
use llo_proto::{common::v1 as common, intake::v1 as pb};
use tonic::Code;

use crate::helpers::{
    OTHER_REGION, REGION, TestApp, enrol, organisation_request, participant_request, reason,
    register, violations,
};

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

/// After an erasure no column of any table of intake's database (found in the catalogue,
/// event payloads searched as bytes) holds the person's name, e-mail address, job title
/// or the text of their learning need; who erased whom is audited.
#[tokio::test(flavor = "multi_thread")]
async fn erasure_leaves_no_personal_data_in_any_intake_table_and_is_audited() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "99999999").await;
    let participant = client
        .enrol_participant(pb::EnrolParticipantRequest {
            request_id: "wisproef-7".into(),
            job_title: "Hoofdmonteur Voornaam7-lijn".into(),
            ..participant_request(&organisation.organisation_id, 7)
        })
        .await
        .unwrap()
        .into_inner()
        .participant
        .unwrap();
    let need = "Voornaam7 wil CNC leren";
    client
        .record_learning_needs(pb::RecordLearningNeedsRequest {
            request_id: "wisproef-7-behoeften".into(),
            participant_id: participant.participant_id.clone(),
            needs: vec![pb::LearningNeedInput {
                theme: "cnc".into(),
                description: need.into(),
            }],
        })
        .await
        .unwrap();

    // The search sees each of them before the erasure: the need's text in its event's
    // payload (bytea) too.
    let personal: Vec<String> = vec![
        participant.given_name.clone(),
        participant.family_name.clone(),
        participant.email.clone(),
        participant.job_title.clone(),
        need.into(),
    ];
    let before = find_everywhere(&app.env, &personal).await;
    for needle in &personal {
        assert!(
            before.iter().any(|f| &f.needle == needle),
            "{needle:?} is not found even before the erasure; found: {before:#?}"
        );
    }
    assert!(
        before
            .iter()
            .any(|f| f.table == "outbox" && f.column == "payload" && f.needle == need),
        "the search reads the bytes of event payloads; found: {before:#?}"
    );

    // A coach may not erase; the company's own HR may.
    let status = client
        .erase_participant(pb::EraseParticipantRequest {
            participant_id: participant.participant_id.clone(),
            reason: String::new(),
            ..Default::default()
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
        ..Default::default()
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

    let after = find_everywhere(&app.env, &personal).await;
    assert!(
        after.is_empty(),
        "personal data left after the erasure:\n{}",
        after
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let mut conn = AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
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

/// Every string is bounded and every list counted at the edge: one call names every
/// bad field, and nothing of it is stored.
#[tokio::test(flavor = "multi_thread")]
async fn oversized_or_control_character_input_is_refused_field_by_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "12121212").await;
    let mut request = participant_request(&organisation.organisation_id, 1);
    request.given_name = "x".repeat(201);
    request.family_name = "Jan\0sen".into();
    request.job_title = "y".repeat(10_000);
    let status = client.enrol_participant(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&status),
        ["given_name", "family_name", "job_title"]
    );
    let listed = client
        .list_participants(pb::ListParticipantsRequest {
            organisation_id: organisation.organisation_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(listed.participants.is_empty());

    let participant = enrol(&mut client, &organisation.organisation_id, 1).await;
    let need = |theme: &str, description: &str| pb::LearningNeedInput {
        theme: theme.into(),
        description: description.into(),
    };
    let too_many = pb::RecordLearningNeedsRequest {
        participant_id: participant.participant_id.clone(),
        needs: vec![need("lassen", "TIG"); 21],
        ..Default::default()
    };
    let status = client.record_learning_needs(too_many).await.unwrap_err();
    assert_eq!(violations(&status), ["needs"]);
    let too_long = pb::RecordLearningNeedsRequest {
        participant_id: "not-an-id".into(),
        needs: vec![need(&"t".repeat(101), &"d".repeat(2_001))],
        ..Default::default()
    };
    let status = client.record_learning_needs(too_long).await.unwrap_err();
    assert_eq!(
        violations(&status),
        ["participant_id", "needs[0].theme", "needs[0].description"]
    );
}

/// How many learning needs intake holds.
async fn stored_needs(app: &TestApp) -> i64 {
    let mut conn = AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
    llo_intake::store::schema::learning_needs::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

/// A need's theme is one of the learning themes of the company's sector pack, or
/// `other`: a free phrase or another sector's theme is refused on its own field, naming
/// the themes, and nothing of the request is recorded.
#[tokio::test(flavor = "multi_thread")]
async fn a_learning_need_on_a_theme_outside_the_sector_pack_is_refused_and_nothing_is_recorded() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "12121212").await;
    let participant = enrol(&mut client, &organisation.organisation_id, 1).await;
    let need = |theme: &str| pb::LearningNeedInput {
        theme: theme.into(),
        description: "Iets nieuws leren".into(),
    };
    let request = |themes: &[&str]| pb::RecordLearningNeedsRequest {
        request_id: String::new(),
        participant_id: participant.participant_id.clone(),
        needs: themes.iter().map(|t| need(t)).collect(),
    };
    let status = client
        .record_learning_needs(request(&[
            "lassen",
            "other",
            "TIG-lassen van RVS",
            "zorgtechnologie",
        ]))
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["needs[2].theme", "needs[3].theme"]);
    let described = status.message().to_owned();
    let details = tonic_types::StatusExt::get_details_bad_request(&status).unwrap();
    let reason = &details.field_violations[1].description;
    assert!(
        reason.starts_with(
            "\"zorgtechnologie\" is not a learning theme of the sector pack; one of: cnc, lassen, "
        ) && reason.ends_with(", or \"other\""),
        "{described}: {reason}"
    );
    assert_eq!(stored_needs(&app).await, 0);

    let recorded = client
        .record_learning_needs(request(&["lassen", "other"]))
        .await
        .unwrap()
        .into_inner();
    let themes: Vec<&str> = recorded.needs.iter().map(|n| n.theme.as_str()).collect();
    assert_eq!(themes, ["lassen", "other"]);
    assert_eq!(stored_needs(&app).await, 2);

    // A care company in Twente: its sector's themes, not the metal sector's.
    let mut twente = app.as_role(Role::Coach, OTHER_REGION, None).await;
    let care = twente
        .register_organisation(pb::RegisterOrganisationRequest {
            region: OTHER_REGION.into(),
            sector: "zorg-welzijn".into(),
            ..organisation_request("13131313", "Zorggroep Het Hofland")
        })
        .await
        .unwrap()
        .into_inner()
        .organisation
        .unwrap();
    let carer = enrol(&mut twente, &care.organisation_id, 1).await;
    let mut care_request = request(&["zorgtechnologie", "lassen"]);
    care_request.participant_id = carer.participant_id;
    let status = twente
        .record_learning_needs(care_request)
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["needs[1].theme"]);
    assert_eq!(stored_needs(&app).await, 2);
}
