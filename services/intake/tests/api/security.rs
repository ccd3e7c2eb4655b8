use llo_chassis::auth::{Role, TokenRequest, mint_development_token};
use llo_proto::intake::v1 as pb;
use tonic::Code;

use crate::helpers::{OTHER_REGION, REGION, TestApp, enrol, organisation_request, register};

fn token(role: Role, region: &str, tweak: impl FnOnce(&mut TokenRequest)) -> String {
    let mut request = TokenRequest {
        subject: "tester".into(),
        roles: vec![role],
        regions: vec![region.into()],
        organisation_id: None,
        issuer: "llo".into(),
        audience: "llo-suite".into(),
        valid_for_seconds: 600,
    };
    tweak(&mut request);
    mint_development_token(&request).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_without_a_valid_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let expired = token(Role::Coach, REGION, |t| t.valid_for_seconds = -3600);
    let wrong_audience = token(Role::Coach, REGION, |t| t.audience = "someone-else".into());
    let wrong_issuer = token(Role::Coach, REGION, |t| t.issuer = "evil".into());
    // Signed with a key the server does not trust.
    let forged = {
        let claims = serde_json::json!({"sub": "x", "iss": "llo", "aud": "llo-suite", "exp": 4102444800_i64, "roles": ["programme_manager"], "regions": ["achterhoek"]});
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"guess"),
        )
        .unwrap()
    };
    let not_yet_valid = {
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({"sub": "x", "iss": "llo", "aud": "llo-suite", "exp": now + 7200, "nbf": now + 3600, "roles": ["coach"], "regions": ["achterhoek"]});
        let header = jsonwebtoken::Header {
            kid: Some(llo_chassis::auth::DEVELOPMENT_KEY_ID.into()),
            ..Default::default()
        };
        jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(llo_chassis::auth::DEVELOPMENT_KEY),
        )
        .unwrap()
    };
    for (what, bearer) in [
        ("none", None),
        ("garbage", Some("not-a-jwt".to_owned())),
        ("expired", Some(expired)),
        ("wrong audience", Some(wrong_audience)),
        ("wrong issuer", Some(wrong_issuer)),
        ("forged", Some(forged)),
        ("not yet valid", Some(not_yet_valid)),
    ] {
        let mut client = app.client_with(bearer).await;
        let status = client
            .list_organisations(pb::ListOrganisationsRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{what}");
        assert_eq!(
            status.message(),
            "a valid bearer token is required",
            "{what}: no detail for an attacker"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coach_sees_only_their_own_region() {
    let app = TestApp::spawn().await;
    let mut achterhoek = app.coach().await;
    let mut twente = app.as_role(Role::Coach, OTHER_REGION, None).await;
    let ours = register(&mut achterhoek, "14141414").await;
    let mut theirs = organisation_request("15151515", "Twentse Metaal");
    theirs.region = OTHER_REGION.into();
    let theirs = twente
        .register_organisation(theirs)
        .await
        .unwrap()
        .into_inner()
        .organisation
        .unwrap();

    let status = achterhoek
        .list_organisations(pb::ListOrganisationsRequest {
            region: OTHER_REGION.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let all = achterhoek
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        all.organisations
            .iter()
            .map(|o| o.organisation_id.clone())
            .collect::<Vec<_>>(),
        [ours.organisation_id]
    );
    let status = achterhoek
        .get_organisation(pb::GetOrganisationRequest {
            organisation_id: theirs.organisation_id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::NotFound,
        "another region's data is not revealed"
    );
    let mut elsewhere = organisation_request("16161616", "X");
    elsewhere.region = OTHER_REGION.into();
    assert_eq!(
        achterhoek
            .register_organisation(elsewhere)
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn company_hr_cannot_read_another_companys_participants() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let ours = register(&mut coach, "17171717").await;
    let theirs = register(&mut coach, "18181818").await;
    let stranger = enrol(&mut coach, &theirs.organisation_id, 1).await;
    let colleague = enrol(&mut coach, &ours.organisation_id, 2).await;
    let mut hr = app
        .as_role(Role::CompanyHr, REGION, Some(&ours.organisation_id))
        .await;

    let status = hr
        .list_participants(pb::ListParticipantsRequest {
            organisation_id: theirs.organisation_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = hr
        .get_participant(pb::GetParticipantRequest {
            participant_id: stranger.participant_id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let own = hr
        .get_participant(pb::GetParticipantRequest {
            participant_id: colleague.participant_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        own.participant.unwrap().participant_id,
        colleague.participant_id
    );
    let listed = hr
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed.organisations.len(),
        1,
        "company HR sees its own company only"
    );
}

/// A sample of the matrix in access.rs (and the README): allowed calls pass the gate,
/// forbidden ones are PERMISSION_DENIED before any handler runs.
#[tokio::test(flavor = "multi_thread")]
async fn each_role_gets_what_the_matrix_says() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let organisation = register(&mut coach, "19191919").await;
    let participant = enrol(&mut coach, &organisation.organisation_id, 1).await;
    let org = organisation.organisation_id.clone();

    let cases: Vec<(Role, &str, Code)> = vec![
        (
            Role::Evaluator,
            "RegisterOrganisation",
            Code::PermissionDenied,
        ),
        (
            Role::CompanyHr,
            "RegisterOrganisation",
            Code::PermissionDenied,
        ),
        (
            Role::Integrator,
            "RegisterOrganisation",
            Code::PermissionDenied,
        ),
        (Role::ProgrammeManager, "RegisterOrganisation", Code::Ok),
        (Role::Evaluator, "GetParticipant", Code::PermissionDenied),
        (Role::Integrator, "GetParticipant", Code::PermissionDenied),
        (Role::ProgrammeManager, "GetParticipant", Code::Ok),
        (Role::Evaluator, "ListOrganisations", Code::Ok),
        (Role::Integrator, "ListOrganisations", Code::Ok),
        (Role::Evaluator, "EnrolParticipant", Code::PermissionDenied),
        (Role::Integrator, "EnrolParticipant", Code::Ok),
        (Role::Coach, "EraseParticipant", Code::PermissionDenied),
        // A company's own scan scores reach evaluators only through reporting, anonymised.
        (Role::Evaluator, "GetAssessment", Code::PermissionDenied),
        (Role::Integrator, "EraseParticipant", Code::PermissionDenied),
    ];
    for (n, (role, method, expected)) in cases.into_iter().enumerate() {
        let mut client = app
            .as_role(
                role,
                REGION,
                (role == Role::CompanyHr).then_some(org.as_str()),
            )
            .await;
        let result = match method {
            "RegisterOrganisation" => client
                .register_organisation(organisation_request(&format!("2000000{n}"), "X"))
                .await
                .map(|_| ()),
            "GetParticipant" => client
                .get_participant(pb::GetParticipantRequest {
                    participant_id: participant.participant_id.clone(),
                })
                .await
                .map(|_| ()),
            "ListOrganisations" => client
                .list_organisations(pb::ListOrganisationsRequest::default())
                .await
                .map(|_| ()),
            "EnrolParticipant" => client
                .enrol_participant(crate::helpers::participant_request(&org, 100 + n))
                .await
                .map(|_| ()),
            "EraseParticipant" => client
                .erase_participant(pb::EraseParticipantRequest {
                    request_id: String::new(),
                    participant_id: participant.participant_id.clone(),
                    reason: String::new(),
                })
                .await
                .map(|_| ()),
            "GetAssessment" => client
                .get_assessment(pb::GetAssessmentRequest {
                    assessment_id: uuid::Uuid::now_v7().to_string(),
                })
                .await
                .map(|_| ()),
            other => panic!("no case for {other}"),
        };
        let code = result.map_or_else(|s| s.code(), |()| Code::Ok);
        assert_eq!(code, expected, "{role} → {method}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_role_does_not_widen_the_first_ones_scope() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let ours = register(&mut coach, "21212121").await;
    let theirs = register(&mut coach, "23232323").await;
    let stranger = enrol(&mut coach, &theirs.organisation_id, 1).await;
    let request = TokenRequest {
        subject: "hr-and-evaluator".into(),
        roles: vec![Role::CompanyHr, Role::Evaluator],
        regions: vec![REGION.into()],
        organisation_id: Some(ours.organisation_id.clone()),
        issuer: "llo".into(),
        audience: "llo-suite".into(),
        valid_for_seconds: 600,
    };
    let mut both = app
        .client_with(Some(mint_development_token(&request).unwrap()))
        .await;
    let status = both
        .get_participant(pb::GetParticipantRequest {
            participant_id: stranger.participant_id,
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::NotFound,
        "GetParticipant is open through company_hr only"
    );
    // An HR system's integrator token names its company and stays there.
    let mut hr_system = app
        .as_role(Role::Integrator, REGION, Some(&ours.organisation_id))
        .await;
    let status = hr_system
        .enrol_participant(crate::helpers::participant_request(
            &theirs.organisation_id,
            9,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    hr_system
        .enrol_participant(crate::helpers::participant_request(
            &ours.organisation_id,
            9,
        ))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn request_ids_belong_to_their_caller() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let mut manager = app.as_role(Role::ProgrammeManager, REGION, None).await;
    let mut first = organisation_request("24242424", "Eerste");
    first.request_id = "same-id".into();
    let mut second = organisation_request("25252525", "Tweede");
    second.request_id = "same-id".into();
    let a = coach
        .register_organisation(first)
        .await
        .unwrap()
        .into_inner()
        .organisation
        .unwrap();
    let b = manager
        .register_organisation(second.clone())
        .await
        .unwrap()
        .into_inner()
        .organisation
        .unwrap();
    assert_ne!(
        a.organisation_id, b.organisation_id,
        "another caller's request id is another request"
    );
    let mut reused = second;
    reused.kvk_number = "26262626".into();
    let status = manager.register_organisation(reused).await.unwrap_err();
    assert_eq!(
        (status.code(), crate::helpers::reason(&status).as_str()),
        (Code::AlreadyExists, "REQUEST_ID_REUSED")
    );
}

#[test]
fn the_readme_matrix_is_what_the_server_applies() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let documented = llo_chassis::auth_matrix::from_readme(&readme, "IntakeService");
    assert_eq!(
        documented,
        llo_chassis::auth_matrix::from_policy(llo_intake::access::POLICY)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_with_a_narrower_token_is_refused_not_answered_from_the_first_call() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let ours = register(&mut coach, "27272727").await;
    let theirs = register(&mut coach, "28282828").await;
    // A region-wide integrator enrols someone of `theirs`, with a request id.
    let mut regional = app.as_role(Role::Integrator, REGION, None).await;
    let mut request = crate::helpers::participant_request(&theirs.organisation_id, 3);
    request.request_id = "scoped-1".into();
    let first = regional
        .enrol_participant(request.clone())
        .await
        .unwrap()
        .into_inner();
    // The same subject with a token for `ours` only retries it: the stored answer (a
    // person of another company, with name and e-mail) is not theirs to see.
    let mut narrow = app
        .as_role(Role::Integrator, REGION, Some(&ours.organisation_id))
        .await;
    let status = narrow.enrol_participant(request.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    // The first token's retry still gets its answer.
    let again = regional
        .enrol_participant(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, first);
}
