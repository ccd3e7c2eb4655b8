use std::collections::HashSet;

use llo_chassis::auth::Role;
use llo_proto::community::v1 as pb;
use tonic::Code;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn fifty_at_once_for_ten_seats_book_ten_and_queue_forty_in_arrival_order() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let mut people = Vec::new();
    for n in 0..5 {
        let company = app.company(&format!("Bedrijf {n}")).await;
        people.extend(app.participants(&company, 10).await);
    }
    let workshop = schedule(&mut coach, &host, 10, 0).await.workshop_id;

    let mut calls = Vec::new();
    for participant in &people {
        let mut client = coach.clone();
        let (workshop, participant) = (workshop.clone(), participant.clone());
        calls.push(tokio::spawn(async move {
            register(&mut client, &workshop, &participant).await
        }));
    }
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }
    let booked = answers.iter().filter(|r| r.status == BOOKED).count();
    let waiting: Vec<i32> = answers
        .iter()
        .filter(|r| r.status == WAIT_LISTED)
        .map(|r| r.wait_list_position)
        .collect();
    assert_eq!(booked, 10);
    assert_eq!(waiting.len(), 40);
    let positions: HashSet<i32> = waiting.iter().copied().collect();
    assert_eq!(
        positions,
        (1..=40).collect::<HashSet<i32>>(),
        "each place once"
    );

    // In order of arrival: ten booked, then the queue 1..40, as each was told.
    let listed = registrations(&mut coach, &workshop).await;
    assert_eq!(listed.len(), 50);
    assert!(listed[..10].iter().all(|r| r.status == BOOKED));
    for (n, registration) in listed[10..].iter().enumerate() {
        assert_eq!(registration.status, WAIT_LISTED);
        assert_eq!(registration.wait_list_position, n as i32 + 1);
        let told = answers
            .iter()
            .find(|a| a.registration_id == registration.registration_id)
            .unwrap();
        assert_eq!(told.wait_list_position, n as i32 + 1);
    }

    // Five cancel at once: each promotes exactly one, the first five waiting.
    let mut calls = Vec::new();
    for registration in &listed[..5] {
        let mut client = coach.clone();
        let id = registration.registration_id.clone();
        calls.push(tokio::spawn(async move {
            client
                .cancel_registration(pb::CancelRegistrationRequest {
                    request_id: String::new(),
                    registration_id: id,
                    reason: String::new(),
                })
                .await
                .unwrap()
                .into_inner()
        }));
    }
    let mut promoted = HashSet::new();
    for call in calls {
        let answer = call.await.unwrap();
        assert_eq!(answer.registration.unwrap().status, CANCELLED);
        let next = answer.promoted.expect("a promotion per cancellation");
        assert_eq!(next.status, BOOKED);
        assert!(promoted.insert(next.registration_id));
    }
    let first_five: HashSet<String> = listed[10..15]
        .iter()
        .map(|r| r.registration_id.clone())
        .collect();
    assert_eq!(promoted, first_five);
    let figures = coach
        .get_workshop(pb::GetWorkshopRequest {
            workshop_id: workshop.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .workshop
        .unwrap();
    assert_eq!((figures.booked_count, figures.wait_listed_count), (10, 35));
    let after = registrations(&mut coach, &workshop).await;
    let first_waiting = after.iter().find(|r| r.status == WAIT_LISTED).unwrap();
    assert_eq!(first_waiting.registration_id, listed[15].registration_id);
    assert_eq!(first_waiting.wait_list_position, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn seats_per_company_are_respected_and_a_freed_seat_goes_to_the_first_who_may_take_it() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let a = app.company("A").await;
    let b = app.company("B").await;
    let from_a = app.participants(&a, 3).await;
    let from_b = app.participants(&b, 2).await;
    let workshop = schedule(&mut coach, &host, 3, 2).await.workshop_id;

    let a1 = register(&mut coach, &workshop, &from_a[0]).await;
    let a2 = register(&mut coach, &workshop, &from_a[1]).await;
    let a3 = register(&mut coach, &workshop, &from_a[2]).await;
    let b1 = register(&mut coach, &workshop, &from_b[0]).await;
    let b2 = register(&mut coach, &workshop, &from_b[1]).await;
    assert_eq!(
        [a1.status, a2.status, a3.status, b1.status, b2.status],
        [BOOKED, BOOKED, WAIT_LISTED, BOOKED, WAIT_LISTED],
        "A's third waits though a seat is free; B's second waits because it is full"
    );
    assert_eq!((a3.wait_list_position, b2.wait_list_position), (1, 2));

    // B1 frees a seat: A3 is first in line but A has its two seats, so B2 gets it.
    let answer = coach
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: String::new(),
            registration_id: b1.registration_id.clone(),
            reason: "ziek".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.promoted.unwrap().registration_id, b2.registration_id);
    // A1 frees one of A's seats: now A3 moves up.
    let answer = coach
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: String::new(),
            registration_id: a1.registration_id.clone(),
            reason: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.promoted.unwrap().registration_id, a3.registration_id);
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_promoted_after_the_cut_off_and_registration_is_closed() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Wiggers").await;
    let people = app.participants(&company, 3).await;
    let workshop = schedule(&mut coach, &host, 1, 0).await.workshop_id;
    let first = register(&mut coach, &workshop, &people[0]).await;
    let second = register(&mut coach, &workshop, &people[1]).await;
    assert_eq!((first.status, second.status), (BOOKED, WAIT_LISTED));

    app.execute(&format!(
        "UPDATE workshops SET registration_closes_at = now() - interval '1 minute'
          WHERE id = '{workshop}'"
    ))
    .await;
    let answer = coach
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: String::new(),
            registration_id: first.registration_id,
            reason: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(answer.promoted.is_none());
    let listed = registrations(&mut coach, &workshop).await;
    assert_eq!(listed[1].status, WAIT_LISTED);

    let status = coach
        .register_for_workshop(pb::RegisterForWorkshopRequest {
            request_id: String::new(),
            workshop_id: workshop.clone(),
            participant_id: people[2].clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), reason(&status).as_str()),
        (Code::FailedPrecondition, "REGISTRATION_CLOSED")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn illegal_transitions_name_the_current_state_and_doubles_are_refused() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("ETI").await;
    let people = app.participants(&company, 2).await;
    let workshop = schedule(&mut coach, &host, 1, 0).await.workshop_id;
    let booked = register(&mut coach, &workshop, &people[0]).await;
    let waiting = register(&mut coach, &workshop, &people[1]).await;

    let twice = coach
        .register_for_workshop(pb::RegisterForWorkshopRequest {
            request_id: String::new(),
            workshop_id: workshop.clone(),
            participant_id: people[0].clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (twice.code(), reason(&twice).as_str()),
        (Code::AlreadyExists, "ALREADY_REGISTERED")
    );

    app.start(&workshop).await;
    let status = coach
        .record_attendance(pb::RecordAttendanceRequest {
            request_id: String::new(),
            registration_id: waiting.registration_id.clone(),
            attendance: llo_proto::common::v1::WorkshopAttendance::FullyAttended as i32,
            hours_attended: 0.0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), reason(&status).as_str()),
        (Code::FailedPrecondition, "ILLEGAL_TRANSITION")
    );
    assert!(
        status.message().contains("wait-listed"),
        "{}",
        status.message()
    );

    // A cancelled registration cannot be cancelled again.
    let cancel = |id: String| pb::CancelRegistrationRequest {
        request_id: String::new(),
        registration_id: id,
        reason: String::new(),
    };
    coach
        .cancel_registration(cancel(booked.registration_id.clone()))
        .await
        .unwrap();
    let status = coach
        .cancel_registration(cancel(booked.registration_id))
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "ILLEGAL_TRANSITION");
    assert!(
        status.message().contains("cancelled"),
        "{}",
        status.message()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_workshop_tells_everyone() {
    let app = TestApp::spawn().await;
    let mut probe = app.env.probe("community.#").await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Lensink").await;
    let people = app.participants(&company, 2).await;
    let workshop = schedule(&mut coach, &host, 1, 0).await.workshop_id;
    register(&mut coach, &workshop, &people[0]).await;
    register(&mut coach, &workshop, &people[1]).await;
    let answer = coach
        .cancel_workshop(pb::CancelWorkshopRequest {
            request_id: "cancel-1".into(),
            workshop_id: workshop.clone(),
            reason: "te weinig aanmeldingen".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.cancelled_registration_ids.len(), 2);
    assert_eq!(
        answer.workshop.unwrap().status,
        pb::WorkshopStatus::Cancelled as i32
    );
    let mut cancelled_events = 0;
    let mut told = HashSet::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while (cancelled_events == 0 || told.len() < 2) && std::time::Instant::now() < deadline {
        let Some(delivery) = probe.next(std::time::Duration::from_secs(5)).await else {
            break;
        };
        let key = delivery.routing_key.as_str().to_owned();
        if key == "community.workshop_cancelled.v1" {
            use prost::Message as _;
            let event =
                llo_proto::events::v1::WorkshopCancelled::decode(delivery.data.as_slice()).unwrap();
            assert_eq!(event.reason, "te weinig aanmeldingen");
            cancelled_events += 1;
        }
        if key == "community.workshop_registration_changed.v1" {
            use prost::Message as _;
            let event = llo_proto::events::v1::WorkshopRegistrationChanged::decode(
                delivery.data.as_slice(),
            )
            .unwrap();
            if event.to_status == CANCELLED {
                // With the workshop, and why: intake's notice says so (docs/notices.md).
                assert!(event.workshop_cancelled);
                assert_eq!(event.cancel_reason, "te weinig aanmeldingen");
                told.insert(event.registration_id);
            }
        }
    }
    assert_eq!(cancelled_events, 1);
    assert_eq!(told.len(), 2);
    let again = coach
        .register_for_workshop(pb::RegisterForWorkshopRequest {
            request_id: String::new(),
            workshop_id: workshop,
            participant_id: people[0].clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&again), "WORKSHOP_CANCELLED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_workshop_gets_every_violation_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let mut request = workshop_request("not-an-id", 0, -1);
    request.theme = "breien".into();
    request.title = String::new();
    request.start_time = Some(in_hours(-1));
    request.end_time = Some(in_hours(-2));
    request.registration_cutoff_time = Some(in_hours(5));
    request.location = String::new();
    request.online_url = "ftp://x".into();
    request.facilitator_ids = vec!["test-coach".into(), "test-coach".into()];
    let status = coach.schedule_workshop(request).await.unwrap_err();
    let mut fields = violations(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "capacity",
            "end_time",
            "facilitator_ids[1]",
            "host_member_id",
            "online_url",
            "registration_cutoff_time",
            "seats_per_company",
            "start_time",
            "theme",
            "title",
        ]
    );
    let listed = coach
        .list_workshops(pb::ListWorkshopsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.workshops.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_and_companies_are_kept_apart() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let mine = app.company("Eigen BV").await;
    let theirs = app.company("Ander BV").await;
    let my_people = app.participants(&mine, 1).await;
    let their_people = app.participants(&theirs, 1).await;
    let workshop = schedule(&mut coach, &host, 5, 0).await.workshop_id;

    // Another region's coach: the workshop does not exist for them.
    let mut twente = app.as_role(Role::Coach, OTHER_REGION, None).await;
    let status = twente
        .get_workshop(pb::GetWorkshopRequest {
            workshop_id: workshop.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    // Naming a region outside the token is refused.
    let status = twente
        .list_workshops(pb::ListWorkshopsRequest {
            region: REGION.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    // A company's HR registers its own people only.
    let mut hr = app.as_role(Role::CompanyHr, REGION, Some(&mine)).await;
    register(&mut hr, &workshop, &my_people[0]).await;
    let status = hr
        .register_for_workshop(pb::RegisterForWorkshopRequest {
            request_id: String::new(),
            workshop_id: workshop.clone(),
            participant_id: their_people[0].clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    register(&mut coach, &workshop, &their_people[0]).await;
    // ...and sees its own company's registrations only.
    let seen = registrations(&mut hr, &workshop).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].organisation_id, mine);

    // An evaluator may look, not schedule.
    let mut evaluator = app.as_role(Role::Evaluator, REGION, None).await;
    let status = evaluator
        .schedule_workshop(workshop_request(&host, 5, 0))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(f, d)| (f.to_string(), d.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_too_long_title_or_a_time_outside_2000_to_2100_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;

    let mut request = workshop_request(&host, 10, 0);
    request.title = "x".repeat(201);
    request.description = "y".repeat(2_001);
    let status = coach.schedule_workshop(request).await.unwrap_err();
    assert_eq!(
        violation_details(&status),
        pairs(&[
            ("title", "must be at most 200 characters"),
            ("description", "must be at most 2000 characters"),
        ])
    );

    let mut request = workshop_request(&host, 10, 0);
    // 1 January 10000: a typo a database would store and every query trip over.
    request.start_time = Some(prost_types::Timestamp {
        seconds: 253_402_300_800,
        nanos: 0,
    });
    request.registration_cutoff_time = Some(prost_types::Timestamp {
        seconds: 915_148_800, // 1 January 1999
        nanos: 0,
    });
    let status = coach.schedule_workshop(request).await.unwrap_err();
    assert_eq!(
        violation_details(&status),
        pairs(&[
            ("start_time", "must lie between the years 2000 and 2100"),
            (
                "registration_cutoff_time",
                "must lie between the years 2000 and 2100"
            ),
        ])
    );

    let listed = coach
        .list_workshops(pb::ListWorkshopsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.workshops.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_and_cancelling_name_every_bad_field_at_once() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let status = coach
        .register_for_workshop(pb::RegisterForWorkshopRequest {
            request_id: "r".repeat(129),
            workshop_id: "nope".into(),
            participant_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violation_details(&status),
        pairs(&[
            ("request_id", "must be at most 128 characters"),
            ("workshop_id", "is not a valid id"),
            ("participant_id", "is required"),
        ])
    );
    let status = coach
        .cancel_workshop(pb::CancelWorkshopRequest {
            request_id: String::new(),
            workshop_id: String::new(),
            reason: "z".repeat(2_001),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["workshop_id", "reason"]);
    let status = coach
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: String::new(),
            registration_id: "x".into(),
            reason: "bad\0byte".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violation_details(&status),
        pairs(&[
            ("registration_id", "is not a valid id"),
            ("reason", "must not contain control characters"),
        ])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_status_the_code_does_not_know_is_an_error_not_a_default() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Koninklijke Eijsink").await;
    let people = app.participants(&company, 1).await;
    let workshop = schedule(&mut coach, &host, 5, 0).await.workshop_id;
    let registration = register(&mut coach, &workshop, &people[0]).await;

    // A registration read as "cancelled" would free its seat and could be registered
    // again; an unknown text is a fault the caller and the log are told about.
    app.execute(&format!(
        "UPDATE registrations SET status = 'postponed' WHERE id = '{}'",
        registration.registration_id
    ))
    .await;
    let status = coach
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: String::new(),
            registration_id: registration.registration_id.clone(),
            reason: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");

    app.execute(&format!(
        "UPDATE workshops SET status = 'postponed' WHERE id = '{workshop}'"
    ))
    .await;
    let status = coach
        .get_workshop(pb::GetWorkshopRequest {
            workshop_id: workshop,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");
}
