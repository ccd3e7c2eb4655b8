use llo_chassis::auth::Role;
use llo_proto::{common::v1 as common, intake::v1 as pb};

use crate::helpers::{Client, OTHER_REGION, REGION, TestApp, organisation_request, register};

pub fn row(organisation_id: &str, n: usize) -> pb::ImportParticipantsRequest {
    pb::ImportParticipantsRequest {
        external_reference: format!("HR-{n}"),
        organisation_id: organisation_id.into(),
        given_name: format!("Import{n}"),
        family_name: "Medewerker".into(),
        email: format!("import{n}@bedrijf.nl"),
        role: common::ParticipantRole::Employee as i32,
        job_title: "Operator".into(),
        consent_given: true,
        source: common::ParticipantSource::Company as i32,
        uwv_reference: String::new(),
    }
}

async fn import(
    client: &mut Client,
    rows: Vec<pb::ImportParticipantsRequest>,
) -> pb::ImportParticipantsResponse {
    client
        .import_participants(tokio_stream::iter(rows))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_rows_are_rejected_with_their_reason_while_good_rows_go_in() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "12121212").await;
    let mut manager = app
        .as_role(
            llo_chassis::auth::Role::ProgrammeManager,
            "achterhoek",
            None,
        )
        .await;
    let mut bad_email = row(&organisation.organisation_id, 2);
    bad_email.email = "kapot".into();
    let mut no_reference = row(&organisation.organisation_id, 3);
    no_reference.external_reference.clear();
    let rows = vec![
        row(&organisation.organisation_id, 1),
        bad_email,
        no_reference,
        row(&organisation.organisation_id, 4),
    ];

    let response = import(&mut manager, rows.clone()).await;
    assert_eq!(
        (
            response.created_count,
            response.already_imported_count,
            response.rejected_count
        ),
        (2, 0, 2)
    );
    let outcomes: Vec<_> = response
        .results
        .iter()
        .map(|r| (r.row_number, r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            (1, pb::ImportOutcome::Created as i32),
            (2, pb::ImportOutcome::Rejected as i32),
            (3, pb::ImportOutcome::Rejected as i32),
            (4, pb::ImportOutcome::Created as i32)
        ]
    );
    assert_eq!(response.results[1].violations[0].field, "email");
    assert_eq!(
        response.results[2].violations[0].field,
        "external_reference"
    );

    // The same stream again: nothing new.
    let again = import(&mut manager, rows).await;
    assert_eq!(
        (
            again.created_count,
            again.already_imported_count,
            again.rejected_count
        ),
        (0, 2, 2)
    );
    assert_eq!(
        again.results[0].participant_id,
        response.results[0].participant_id
    );
    let listed = client
        .list_participants(pb::ListParticipantsRequest {
            organisation_id: organisation.organisation_id,
            page_size: 100,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.participants.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_rows_go_in_in_one_call() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "13131313").await;
    let mut integrator = app
        .as_role(llo_chassis::auth::Role::Integrator, "achterhoek", None)
        .await;
    let id = organisation.organisation_id.clone();
    let rows = tokio_stream::iter((1..=10_000).map(move |n| {
        let mut row = row(&id, n);
        if n == 5_000 || n == 9_999 {
            row.email = "kapot".into();
        }
        row
    }));
    let response = integrator
        .import_participants(rows)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (response.created_count, response.rejected_count),
        (9_998, 2)
    );
    // The answer stays small: every row of the first thousand, then only the rows that
    // were not created; the rest is counted.
    assert_eq!(response.results.len(), 1_002);
    assert!(
        response.results[..1_000]
            .iter()
            .enumerate()
            .all(|(i, r)| r.row_number == i as i64 + 1)
    );
    let later: Vec<_> = response.results[1_000..]
        .iter()
        .map(|r| (r.row_number, r.outcome))
        .collect();
    let rejected = pb::ImportOutcome::Rejected as i32;
    assert_eq!(later, [(5_000, rejected), (9_999, rejected)]);
    assert_eq!(response.omitted_result_count, 10_000 - 1_002);
}

/// The import key is the importer, the organisation and the reference: an HR vendor
/// importing for two companies may use the same employee number in both.
#[tokio::test(flavor = "multi_thread")]
async fn the_same_reference_in_two_companies_is_two_people() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let first = register(&mut client, "17171717").await.organisation_id;
    let second = register(&mut client, "18181818").await.organisation_id;
    let mut vendor = app.as_role(Role::Integrator, REGION, None).await;
    let mut for_second = row(&second, 1);
    for_second.email = "ander@bedrijf.nl".into();
    let response = import(&mut vendor, vec![row(&first, 1), for_second.clone()]).await;
    assert_eq!((response.created_count, response.rejected_count), (2, 0));
    assert_ne!(
        response.results[0].participant_id,
        response.results[1].participant_id
    );
    // Again, in separate streams: each company's row is recognised as its own.
    let again = import(&mut vendor, vec![for_second]).await;
    assert_eq!(again.already_imported_count, 1);
    assert_eq!(
        again.results[0].participant_id,
        response.results[1].participant_id
    );
}

/// A message beyond the size every bounded field fits is refused before it is held.
#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_row_is_refused_before_it_is_read() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "19191919").await;
    let mut huge = row(&organisation.organisation_id, 1);
    huge.job_title = "x".repeat(llo_chassis::server::MAX_MESSAGE_BYTES + 1);
    let mut importer = app.as_role(Role::Integrator, REGION, None).await;
    let status = importer
        .import_participants(tokio_stream::iter(vec![huge]))
        .await
        .unwrap_err();
    // tonic answers OUT_OF_RANGE ("decoded message length too large").
    assert_eq!(status.code(), tonic::Code::OutOfRange);
    assert!(
        participants_of(&mut client, &organisation.organisation_id)
            .await
            .is_empty()
    );
}

/// (row number, outcome, the fields of its violations) per row, in order.
fn outcomes(response: &pb::ImportParticipantsResponse) -> Vec<(i64, i32, Vec<String>)> {
    response
        .results
        .iter()
        .map(|r| {
            let fields = r.violations.iter().map(|v| v.field.clone()).collect();
            (r.row_number, r.outcome, fields)
        })
        .collect()
}

async fn participants_of(client: &mut Client, organisation_id: &str) -> Vec<pb::Participant> {
    client
        .list_participants(pb::ListParticipantsRequest {
            organisation_id: organisation_id.into(),
            page_size: 100,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .participants
}

/// A company's HR system imports into its own company only, and a region's importer into
/// its own region only: a row naming another company's or another region's organisation
/// is rejected exactly like a row naming no organisation at all (nothing about the other
/// organisation is revealed), the good rows of the same stream go in, and nothing is
/// created for the rejected rows.
#[tokio::test(flavor = "multi_thread")]
async fn rows_for_another_company_or_another_region_are_rejected_while_good_rows_go_in() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let own = register(&mut coach, "14141414").await.organisation_id;
    let other_company = register(&mut coach, "15151515").await.organisation_id;
    let mut twente_coach = app.as_role(Role::Coach, OTHER_REGION, None).await;
    let twente = twente_coach
        .register_organisation(pb::RegisterOrganisationRequest {
            region: OTHER_REGION.into(),
            ..organisation_request("16161616", "Twentse Metaal")
        })
        .await
        .unwrap()
        .into_inner()
        .organisation
        .unwrap()
        .organisation_id;
    let nowhere = uuid::Uuid::now_v7().to_string();
    let rejected = pb::ImportOutcome::Rejected as i32;
    let created = pb::ImportOutcome::Created as i32;
    let organisation_id = || vec!["organisation_id".to_owned()];

    // The HR system of one company, with a row for another company of the same region.
    let mut hr = app.as_role(Role::CompanyHr, REGION, Some(&own)).await;
    let response = import(
        &mut hr,
        vec![
            row(&own, 1),
            row(&other_company, 2),
            row(&nowhere, 3),
            row(&own, 4),
        ],
    )
    .await;
    assert_eq!(
        outcomes(&response),
        [
            (1, created, vec![]),
            (2, rejected, organisation_id()),
            (3, rejected, organisation_id()),
            (4, created, vec![]),
        ]
    );
    assert_eq!((response.created_count, response.rejected_count), (2, 2));
    assert_eq!(
        response.results[1].violations, response.results[2].violations,
        "another company's organisation looks like no organisation at all"
    );
    assert!(response.results[1].participant_id.is_empty());

    // A region-wide importer (UWV) of the Achterhoek, with a row for a Twente organisation.
    let mut uwv = app.as_role(Role::Integrator, REGION, None).await;
    let response = import(
        &mut uwv,
        vec![row(&twente, 5), row(&other_company, 6), row(&nowhere, 7)],
    )
    .await;
    assert_eq!(
        outcomes(&response),
        [
            (1, rejected, organisation_id()),
            (2, created, vec![]),
            (3, rejected, organisation_id()),
        ]
    );
    assert_eq!(
        response.results[0].violations, response.results[2].violations,
        "another region's organisation looks like no organisation at all"
    );

    // Only the good rows exist.
    let emails = |people: Vec<pb::Participant>| -> Vec<String> {
        let mut emails: Vec<String> = people.into_iter().map(|p| p.email).collect();
        emails.sort();
        emails
    };
    assert_eq!(
        emails(participants_of(&mut coach, &own).await),
        ["import1@bedrijf.nl", "import4@bedrijf.nl"]
    );
    assert_eq!(
        emails(participants_of(&mut coach, &other_company).await),
        ["import6@bedrijf.nl"],
        "HR's row 2 for the other company created nobody"
    );
    assert_eq!(
        emails(participants_of(&mut twente_coach, &twente).await),
        Vec::<String>::new(),
        "the Achterhoek importer's row for Twente created nobody"
    );
}
