use llo_proto::intake::v1 as pb;
use tonic::Code;

use crate::helpers::{
    Client, TestApp, organisation_request, reason, register, register_as, violations,
};

async fn read_back(client: &mut Client, organisation: &pb::Organisation) -> pb::Organisation {
    client
        .get_organisation(pb::GetOrganisationRequest {
            organisation_id: organisation.organisation_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .organisation
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registered_organisation_can_be_read_back() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let created = register(&mut client, "12345678").await;
    assert_eq!(created.region, "achterhoek");
    assert_eq!(read_back(&mut client, &created).await, created);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_kvk_number_is_refused_on_that_field_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let status = client
        .register_organisation(organisation_request("1234567", "Lensink"))
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["kvk_number"]);
    let list = client
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(list.organisations.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_hr_contact_is_kept_and_a_malformed_one_is_refused_on_its_field() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let status = client
        .register_organisation(pb::RegisterOrganisationRequest {
            hr_contact_email: "hr@@lensink".into(),
            hr_contact_name: "Petra Lensink".into(),
            ..organisation_request("45678901", "Lensink")
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violations(&status), ["hr_contact_email"]);
    let too_long = format!("{}@lensink.nl", "p".repeat(250));
    let status = client
        .register_organisation(pb::RegisterOrganisationRequest {
            hr_contact_email: too_long,
            ..organisation_request("45678901", "Lensink")
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["hr_contact_email"]);
    let list = client
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(list.organisations.is_empty(), "nothing stored");

    let created = register_as(
        &mut client,
        pb::RegisterOrganisationRequest {
            hr_contact_email: " P.Lensink@Lensink.NL ".into(),
            hr_contact_name: " Petra Lensink ".into(),
            ..organisation_request("45678901", "Lensink")
        },
    )
    .await;
    assert_eq!(created.hr_contact_email, "p.lensink@lensink.nl");
    assert_eq!(created.hr_contact_name, "Petra Lensink");
    assert_eq!(read_back(&mut client, &created).await, created);
    // None given: none kept.
    let without = register(&mut client, "45678902").await;
    assert_eq!(without.hr_contact_email, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_field_gets_its_own_violation() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let request = pb::RegisterOrganisationRequest {
        request_id: String::new(),
        region: "achterhoek".into(),
        sector: "bakkerij".into(),
        name: " ".into(),
        kvk_number: "abc".into(),
        municipality: String::new(),
        employee_count: 0,
        ..Default::default()
    };
    let status = client.register_organisation(request).await.unwrap_err();
    let mut fields = violations(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "employee_count",
            "kvk_number",
            "municipality",
            "name",
            "sector",
            "sector"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_request_id_creates_nothing_new() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let mut request = organisation_request("23456789", "Nijhuis");
    request.request_id = "retry-me".into();
    let first = client
        .register_organisation(request.clone())
        .await
        .unwrap()
        .into_inner();
    let second = client
        .register_organisation(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, second);
    let list = client
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.organisations.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_kvk_number_twice_in_a_region_already_exists() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    register(&mut client, "34567890").await;
    let status = client
        .register_organisation(organisation_request("34567890", "Wiggers"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert_eq!(reason(&status), "ORGANISATION_ALREADY_REGISTERED");
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_page_through_every_organisation_once() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    for n in 0..5 {
        register(&mut client, &format!("1000000{n}")).await;
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_organisations(pb::ListOrganisationsRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        seen.extend(page.organisations.into_iter().map(|o| o.kvk_number));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(pages, 3);
    seen.sort();
    assert_eq!(
        seen,
        ["10000000", "10000001", "10000002", "10000003", "10000004"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_organisation_is_not_found() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let status = client
        .get_organisation(pb::GetOrganisationRequest {
            organisation_id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = client
        .get_organisation(pb::GetOrganisationRequest {
            organisation_id: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["organisation_id"]);
}
