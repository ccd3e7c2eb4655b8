use llo_chassis::auth::Role;
use llo_proto::{common::v1 as common, community::v1 as pb, events::v1 as events};
use prost::Message as _;
use tonic::Code;

use crate::helpers::*;

fn attendance(
    id: &str,
    kind: common::WorkshopAttendance,
    hours: f64,
) -> pb::RecordAttendanceRequest {
    pb::RecordAttendanceRequest {
        request_id: String::new(),
        registration_id: id.into(),
        attendance: kind as i32,
        hours_attended: hours,
    }
}

fn feedback(id: &str, rating: i32, comment: &str) -> pb::SubmitWorkshopFeedbackRequest {
    pb::SubmitWorkshopFeedbackRequest {
        request_id: String::new(),
        registration_id: id.into(),
        rating,
        comment: comment.into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn attendance_is_announced_with_what_a_plan_needs_and_feedback_comes_once_after_it() {
    let app = TestApp::spawn().await;
    let mut attended = app.env.probe("community.workshop_attended.v1").await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("De Lepper").await;
    let people = app.participants(&company, 3).await;
    let workshop = schedule(&mut coach, &host, 5, 0).await;
    let full = register(&mut coach, &workshop.workshop_id, &people[0]).await;
    let part = register(&mut coach, &workshop.workshop_id, &people[1]).await;
    let absent = register(&mut coach, &workshop.workshop_id, &people[2]).await;

    // Not before it started.
    let status = coach
        .record_attendance(attendance(
            &full.registration_id,
            common::WorkshopAttendance::FullyAttended,
            0.0,
        ))
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "WORKSHOP_NOT_STARTED");
    // No feedback before attending.
    let status = coach
        .submit_workshop_feedback(feedback(&full.registration_id, 5, "Top"))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), reason(&status).as_str()),
        (Code::FailedPrecondition, "NOT_ATTENDED")
    );

    app.start(&workshop.workshop_id).await;
    let recorded = coach
        .record_attendance(attendance(
            &full.registration_id,
            common::WorkshopAttendance::FullyAttended,
            0.0,
        ))
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(
        recorded.status,
        common::WorkshopRegistrationStatus::AttendedFully as i32
    );
    assert_eq!(recorded.hours_attended, 3.0, "fully: the workshop's length");
    // Bad hours change nothing.
    let status = coach
        .record_attendance(attendance(
            &part.registration_id,
            common::WorkshopAttendance::PartiallyAttended,
            3.0,
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["hours_attended"]);
    coach
        .record_attendance(attendance(
            &part.registration_id,
            common::WorkshopAttendance::PartiallyAttended,
            1.5,
        ))
        .await
        .unwrap();
    coach
        .record_attendance(attendance(
            &absent.registration_id,
            common::WorkshopAttendance::NoShow,
            0.0,
        ))
        .await
        .unwrap();
    // Attendance is recorded once.
    let status = coach
        .record_attendance(attendance(
            &full.registration_id,
            common::WorkshopAttendance::NoShow,
            0.0,
        ))
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "ILLEGAL_TRANSITION");
    assert!(
        status.message().contains("attended-fully"),
        "{}",
        status.message()
    );

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let delivery = attended
            .next(std::time::Duration::from_secs(15))
            .await
            .expect("WorkshopAttended");
        seen.push(events::WorkshopAttended::decode(delivery.data.as_slice()).unwrap());
    }
    let event = seen
        .iter()
        .find(|e| e.registration_id == full.registration_id)
        .unwrap();
    assert_eq!(event.workshop_id, workshop.workshop_id);
    assert_eq!(event.participant_id, people[0]);
    assert_eq!(event.organisation_id, company);
    assert_eq!(event.region, REGION);
    assert_eq!(event.theme, THEME);
    assert_eq!(event.workshop_title, workshop.title);
    assert_eq!(
        event.attendance,
        common::WorkshopAttendance::FullyAttended as i32
    );
    assert_eq!(event.hours_attended, 3.0);
    assert!(event.occur_time.is_some());
    // What the grant's books need to propose the facilitators' time.
    assert_eq!(event.facilitator_ids, ["test-coach"]);
    let seconds = |t: &Option<prost_types::Timestamp>| t.as_ref().unwrap().seconds;
    assert_eq!(
        seconds(&event.workshop_end_time) - seconds(&event.workshop_start_time),
        3 * 3600
    );
    assert_eq!(workshop.facilitator_ids, ["test-coach"]);
    let partial = seen
        .iter()
        .find(|e| e.registration_id == part.registration_id)
        .unwrap();
    assert_eq!(partial.hours_attended, 1.5);

    // Feedback: a rating 1–5, once, only from those who attended.
    let status = coach
        .submit_workshop_feedback(feedback(&full.registration_id, 6, "Top"))
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["rating"]);
    coach
        .submit_workshop_feedback(feedback(&full.registration_id, 5, "Heel nuttig"))
        .await
        .unwrap();
    coach
        .submit_workshop_feedback(feedback(&part.registration_id, 4, ""))
        .await
        .unwrap();
    let status = coach
        .submit_workshop_feedback(feedback(&full.registration_id, 1, "Toch niet"))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), reason(&status).as_str()),
        (Code::AlreadyExists, "FEEDBACK_ALREADY_GIVEN")
    );
    let status = coach
        .submit_workshop_feedback(feedback(&absent.registration_id, 3, ""))
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "NOT_ATTENDED");
    let figures = coach
        .get_workshop(pb::GetWorkshopRequest {
            workshop_id: workshop.workshop_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .workshop
        .unwrap();
    assert_eq!((figures.attended_count, figures.feedback_count), (2, 2));
    assert_eq!(figures.average_rating, 4.5);

    // Issue 22, finding 6: one rating is one person's; those who do not run the
    // programme see neither the average nor the count, in a workshop or a listing.
    let mut others = vec![
        app.as_role(Role::Evaluator, REGION, None).await,
        app.as_role(Role::Integrator, REGION, None).await,
    ];
    others.push(app.as_role(Role::CompanyHr, REGION, Some(&company)).await);
    for client in &mut others {
        let one = client
            .get_workshop(pb::GetWorkshopRequest {
                workshop_id: workshop.workshop_id.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .workshop
            .unwrap();
        let listed = client
            .list_workshops(pb::ListWorkshopsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .workshops;
        assert_eq!(listed.len(), 1);
        for shown in [&one, &listed[0]] {
            assert_eq!((shown.feedback_count, shown.average_rating), (0, 0.0));
            assert_eq!(shown.attended_count, 2, "attendance is no one's rating");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn attendance_and_feedback_name_every_bad_field_at_once() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let status = coach
        .record_attendance(pb::RecordAttendanceRequest {
            request_id: "r".repeat(129),
            registration_id: String::new(),
            attendance: 0,
            hours_attended: -1.0,
        })
        .await
        .unwrap_err();
    // The hours are judged by the kind of attendance, which is missing.
    assert_eq!(
        violations(&status),
        ["request_id", "registration_id", "attendance"]
    );
    let status = coach
        .record_attendance(attendance("x", common::WorkshopAttendance::NoShow, 1.0))
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["registration_id", "hours_attended"]);

    let status = coach
        .submit_workshop_feedback(pb::SubmitWorkshopFeedbackRequest {
            request_id: "r".repeat(129),
            registration_id: "x".into(),
            rating: 0,
            comment: "c".repeat(2_001),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violation_details(&status),
        [
            ("request_id", "must be at most 128 characters"),
            ("registration_id", "is not a valid id"),
            ("rating", "must be from 1 to 5"),
            ("comment", "must be at most 2000 characters"),
        ]
        .map(|(f, d)| (f.to_owned(), d.to_owned()))
    );
}
