use llo_proto::{common::v1 as common, community::v1 as pb, events::v1 as events};

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn erasure_unlinks_registrations_blanks_comments_keeps_ratings_and_frees_seats() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Wiggers").await;
    let people = app.participants(&company, 3).await;
    let (erased, other, waiting) = (&people[0], &people[1], &people[2]);

    // A workshop they attended and gave feedback on...
    let past = schedule(&mut coach, &host, 5, 0).await.workshop_id;
    let attended = register(&mut coach, &past, erased).await;
    let colleague = register(&mut coach, &past, other).await;
    app.start(&past).await;
    for registration in [&attended, &colleague] {
        coach
            .record_attendance(pb::RecordAttendanceRequest {
                request_id: String::new(),
                registration_id: registration.registration_id.clone(),
                attendance: common::WorkshopAttendance::FullyAttended as i32,
                hours_attended: 0.0,
            })
            .await
            .unwrap();
    }
    for (registration, rating) in [(&attended, 2), (&colleague, 4)] {
        coach
            .submit_workshop_feedback(pb::SubmitWorkshopFeedbackRequest {
                request_id: String::new(),
                registration_id: registration.registration_id.clone(),
                rating,
                comment: "Mijn leidinggevende Jan vond het ook goed".into(),
            })
            .await
            .unwrap();
    }
    // ...and a seat in a coming one, with someone waiting for it (and a retry-safe call
    // about them, whose stored answer must go).
    let coming = schedule(&mut coach, &host, 1, 0).await.workshop_id;
    coach
        .register_for_workshop(pb::RegisterForWorkshopRequest {
            request_id: "seat-of-the-erased".into(),
            workshop_id: coming.clone(),
            participant_id: erased.clone(),
        })
        .await
        .unwrap();
    let next = register(&mut coach, &coming, waiting).await;
    assert_eq!(next.status, WAIT_LISTED);

    app.publish(&events::ParticipantErased {
        participant_id: erased.clone(),
        organisation_id: company.clone(),
        region: REGION.into(),
        occur_time: None,
    })
    .await;
    let sql = format!("SELECT count(*) AS n FROM registrations WHERE participant_id = '{erased}'");
    eventually("the erasure", || {
        let sql = sql.clone();
        let app = &app;
        async move { (app.count(&sql).await == 0).then_some(()) }
    })
    .await;

    let listed = registrations(&mut coach, &past).await;
    let mine = listed
        .iter()
        .find(|r| r.registration_id == attended.registration_id)
        .unwrap();
    assert!(mine.participant_id.is_empty());
    assert_eq!(
        mine.status,
        common::WorkshopRegistrationStatus::AttendedFully as i32,
        "the figures keep their status"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM feedback WHERE registration_id = '{}' AND comment = '' AND rating = 2",
            attended.registration_id
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM feedback WHERE registration_id = '{}' AND comment <> ''",
            colleague.registration_id
        ))
        .await,
        1,
        "only the erased person's words go"
    );
    let figures = coach
        .get_workshop(pb::GetWorkshopRequest {
            workshop_id: past.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .workshop
        .unwrap();
    assert_eq!(
        figures.average_rating, 3.0,
        "ratings stay, so the mean adds up"
    );

    // The seat went to the one waiting.
    let coming_list = registrations(&mut coach, &coming).await;
    let promoted = coming_list
        .iter()
        .find(|r| r.registration_id == next.registration_id)
        .unwrap();
    assert_eq!(promoted.status, BOOKED);
    // Stored answers about them are forgotten; a late enrolment does not revive them.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM idempotent_requests WHERE about = '{erased}'"
        ))
        .await,
        0
    );
    let status = coach
        .register_for_workshop(pb::RegisterForWorkshopRequest {
            request_id: String::new(),
            workshop_id: coming,
            participant_id: erased.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound);
}
