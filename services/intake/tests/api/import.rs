use llo_proto::{common::v1 as common, intake::v1 as pb};

use crate::helpers::{Client, TestApp, register};

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
    let rows = tokio_stream::iter((0..10_000).map(move |n| row(&id, n)));
    let response = integrator
        .import_participants(rows)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.created_count, 10_000);
    assert_eq!(response.results.len(), 10_000);
}
