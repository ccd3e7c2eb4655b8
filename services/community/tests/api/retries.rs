use llo_proto::community::v1 as pb;
use tonic::Code;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_registration_or_cancellation_gets_the_first_answer() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Lensink").await;
    let people = app.participants(&company, 3).await;
    let workshop = schedule(&mut coach, &host, 1, 0).await.workshop_id;
    let request = |participant: &str, id: &str| pb::RegisterForWorkshopRequest {
        request_id: id.into(),
        workshop_id: workshop.clone(),
        participant_id: participant.into(),
    };
    let first = coach
        .register_for_workshop(request(&people[0], "r-0"))
        .await
        .unwrap()
        .into_inner();
    let again = coach
        .register_for_workshop(request(&people[0], "r-0"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, again);
    let waiting = coach
        .register_for_workshop(request(&people[1], "r-1"))
        .await
        .unwrap()
        .into_inner();
    let waiting = waiting.registration.unwrap();
    assert_eq!(waiting.status, WAIT_LISTED);
    // The same id with another request is refused.
    let status = coach
        .register_for_workshop(request(&people[2], "r-0"))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), reason(&status).as_str()),
        (Code::AlreadyExists, "REQUEST_ID_REUSED")
    );

    let cancel = pb::CancelRegistrationRequest {
        request_id: "c-0".into(),
        registration_id: first.registration.unwrap().registration_id,
        reason: String::new(),
    };
    let first_cancel = coach
        .cancel_registration(cancel.clone())
        .await
        .unwrap()
        .into_inner();
    let retried = coach
        .cancel_registration(cancel)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first_cancel, retried);
    assert_eq!(
        first_cancel.promoted.unwrap().registration_id,
        waiting.registration_id
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM outbox WHERE routing_key = 'community.workshop_registration_changed.v1'"
        )
        .await,
        4,
        "two registrations, one cancellation, one promotion: nothing twice"
    );
}
