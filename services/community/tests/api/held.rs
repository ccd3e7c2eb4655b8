//! A workshop recorded afterwards, as a programme's history is entered: held on a day of
//! the programme's calendar (the Achterhoek's runs 2021-03-01 to 2022-12-31), its
//! registrations, wait list, cancellation and attendance taken as records of what
//! happened, and its attendance dated on the day it was held.
use llo_proto::{common::v1 as common, community::v1 as pb, events::v1 as events};
use prost::Message as _;
use tonic::Code;

use crate::helpers::*;

fn at(rfc3339: &str) -> prost_types::Timestamp {
    let at: chrono::DateTime<chrono::Utc> = rfc3339.parse().unwrap();
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

fn held(host: &str, capacity: i32, start: &str, end: &str) -> pb::ScheduleWorkshopRequest {
    pb::ScheduleWorkshopRequest {
        start_time: Some(at(start)),
        end_time: Some(at(end)),
        registration_cutoff_time: None,
        already_held: true,
        ..workshop_request(host, capacity, 0)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workshop_held_on_the_calendar_is_recorded_with_its_wait_list_and_attendance() {
    let app = TestApp::spawn().await;
    let mut attended = app.env.probe("community.workshop_attended.v1").await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Nijhuis").await;
    let people = app.participants(&company, 3).await;
    let workshop = coach
        .schedule_workshop(held(
            &host,
            2,
            "2022-03-17T13:00:00Z",
            "2022-03-17T15:00:00Z",
        ))
        .await
        .unwrap()
        .into_inner()
        .workshop
        .unwrap();
    assert!(workshop.already_held);
    assert_eq!(workshop.start_time, Some(at("2022-03-17T13:00:00Z")));

    // Registered long after its cut-off: the record of who signed up, first come first
    // served as then.
    let id = &workshop.workshop_id;
    let first = register(&mut coach, id, &people[0]).await;
    let second = register(&mut coach, id, &people[1]).await;
    let third = register(&mut coach, id, &people[2]).await;
    assert_eq!(
        (first.status, second.status, third.status),
        (BOOKED, BOOKED, WAIT_LISTED)
    );
    // The first cancelled before the day; the one waiting moved up.
    let promoted = coach
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: String::new(),
            registration_id: first.registration_id.clone(),
            reason: "ziek gemeld".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .promoted
        .expect("the first one waiting moves up");
    assert_eq!(promoted.registration_id, third.registration_id);

    // Attendance at once: the workshop is over.
    for registration in [&second, &third] {
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
    let delivery = attended
        .next(std::time::Duration::from_secs(15))
        .await
        .expect("WorkshopAttended");
    let event = events::WorkshopAttended::decode(delivery.data.as_slice()).unwrap();
    assert_eq!(
        event.workshop_start_time,
        Some(at("2022-03-17T13:00:00Z")),
        "the plan dates the activity on the day it was held"
    );
    assert_eq!(event.hours_attended, 2.0);

    // Held: it can no longer be cancelled.
    let status = coach
        .cancel_workshop(pb::CancelWorkshopRequest {
            request_id: String::new(),
            workshop_id: id.clone(),
            reason: "te laat".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "WORKSHOP_STARTED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_workshop_lies_in_the_past_and_on_the_calendar_or_nothing_is_recorded() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;

    // Not over yet: still going, or ahead.
    let mut going = held(&host, 5, "2022-03-17T13:00:00Z", "2022-03-17T15:00:00Z");
    going.start_time = Some(in_hours(-1));
    going.end_time = Some(in_hours(1));
    let status = coach.schedule_workshop(going).await.unwrap_err();
    assert_eq!(
        violation_details(&status)[0],
        (
            "end_time".to_owned(),
            "must lie in the past for a workshop recorded as held".to_owned()
        ),
        "(today also lies after the Achterhoek's programme)"
    );

    // Before the programme, and after it: both times named.
    for (start, end, why) in [
        (
            "2020-06-01T13:00:00Z",
            "2020-06-01T15:00:00Z",
            "lies before the programme's start (2021-03-01)",
        ),
        (
            "2023-01-05T13:00:00Z",
            "2023-01-05T15:00:00Z",
            "lies after the programme's end (2022-12-31)",
        ),
    ] {
        let status = coach
            .schedule_workshop(held(&host, 5, start, end))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            violation_details(&status),
            [
                ("start_time".to_owned(), why.to_owned()),
                ("end_time".to_owned(), why.to_owned())
            ]
        );
    }

    // Scheduled ahead (not held) in the past: refused as before.
    let mut ahead = held(&host, 5, "2022-03-17T13:00:00Z", "2022-03-17T15:00:00Z");
    ahead.already_held = false;
    let status = coach.schedule_workshop(ahead).await.unwrap_err();
    assert_eq!(violations(&status), ["start_time"]);

    let listed = coach
        .list_workshops(pb::ListWorkshopsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.workshops.is_empty(), "nothing was recorded");
}
