//! The wait list's fairness at its edges: who moves up, who does not, and what happens
//! when a cancellation and something else arrive at the same moment.
use std::collections::HashSet;

use llo_proto::community::v1 as pb;

use crate::helpers::*;

async fn cancel(
    client: &mut Client,
    registration: &str,
) -> Result<pb::CancelRegistrationResponse, tonic::Status> {
    client
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: String::new(),
            registration_id: registration.into(),
            reason: String::new(),
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn counts(client: &mut Client, workshop: &str) -> (i32, i32) {
    let workshop = client
        .get_workshop(pb::GetWorkshopRequest {
            workshop_id: workshop.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .workshop
        .unwrap();
    (workshop.booked_count, workshop.wait_listed_count)
}

/// The wait list as (registration id, position), in order.
async fn waiting(client: &mut Client, workshop: &str) -> Vec<(String, i32)> {
    registrations(client, workshop)
        .await
        .into_iter()
        .filter(|r| r.status == WAIT_LISTED)
        .map(|r| (r.registration_id, r.wait_list_position))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_from_the_wait_list_promotes_nobody_and_the_places_behind_move_up() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Lensink").await;
    let people = app.participants(&company, 4).await;
    let workshop = schedule(&mut coach, &host, 1, 0).await.workshop_id;
    let mut told = Vec::new();
    for person in &people {
        told.push(register(&mut coach, &workshop, person).await);
    }
    assert_eq!(told[0].status, BOOKED);
    assert_eq!(told[3].wait_list_position, 3);

    let answer = cancel(&mut coach, &told[1].registration_id).await.unwrap();
    assert_eq!(answer.registration.unwrap().status, CANCELLED);
    assert_eq!(answer.promoted, None, "a waiting place frees no seat");
    assert_eq!(
        waiting(&mut coach, &workshop).await,
        vec![
            (told[2].registration_id.clone(), 1),
            (told[3].registration_id.clone(), 2)
        ]
    );
    assert_eq!(counts(&mut coach, &workshop).await, (1, 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seat_nobody_waiting_may_take_stays_free_and_the_waiting_keep_their_places() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let a = app.company("A").await;
    let b = app.company("B").await;
    let c = app.company("C").await;
    let from_a = app.participants(&a, 4).await;
    let from_b = app.participants(&b, 1).await;
    let from_c = app.participants(&c, 1).await;
    // Three seats, at most two per company.
    let workshop = schedule(&mut coach, &host, 3, 2).await.workshop_id;
    let a1 = register(&mut coach, &workshop, &from_a[0]).await;
    register(&mut coach, &workshop, &from_a[1]).await;
    let b1 = register(&mut coach, &workshop, &from_b[0]).await;
    let a3 = register(&mut coach, &workshop, &from_a[2]).await;
    let a4 = register(&mut coach, &workshop, &from_a[3]).await;
    assert_eq!(
        (a3.wait_list_position, a4.wait_list_position),
        (1, 2),
        "the workshop is full"
    );

    // B1 frees a seat, but everyone waiting is from A, which has its two: nobody moves.
    let answer = cancel(&mut coach, &b1.registration_id).await.unwrap();
    assert_eq!(answer.promoted, None);
    assert_eq!(counts(&mut coach, &workshop).await, (2, 2));
    assert_eq!(
        waiting(&mut coach, &workshop).await,
        vec![
            (a3.registration_id.clone(), 1),
            (a4.registration_id.clone(), 2)
        ]
    );
    // A newcomer from C may take it: nobody waiting could.
    let c1 = register(&mut coach, &workshop, &from_c[0]).await;
    assert_eq!(c1.status, BOOKED);
    // When A frees one of its own seats, the first of A's waiting moves up.
    let answer = cancel(&mut coach, &a1.registration_id).await.unwrap();
    assert_eq!(answer.promoted.unwrap().registration_id, a3.registration_id);
    assert_eq!(
        waiting(&mut coach, &workshop).await,
        vec![(a4.registration_id.clone(), 1)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newcomer_never_takes_a_freed_seat_ahead_of_a_waiting_person_who_may_take_it() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Lensink").await;
    let people = app.participants(&company, 12).await;
    let workshop = schedule(&mut coach, &host, 1, 0).await.workshop_id;
    let booked = register(&mut coach, &workshop, &people[0]).await;
    let first_waiting = register(&mut coach, &workshop, &people[1]).await;
    assert_eq!(first_waiting.wait_list_position, 1);

    // The cancellation and ten newcomers at the same moment.
    let mut newcomers = Vec::new();
    for person in &people[2..] {
        let (mut client, workshop, person) = (coach.clone(), workshop.clone(), person.clone());
        newcomers.push(tokio::spawn(async move {
            register(&mut client, &workshop, &person).await
        }));
    }
    let answer = cancel(&mut coach, &booked.registration_id).await.unwrap();
    assert_eq!(
        answer.promoted.unwrap().registration_id,
        first_waiting.registration_id
    );
    let mut arrived = HashSet::new();
    for newcomer in newcomers {
        // The place each was told depends on whether the promotion came first.
        let told = newcomer.await.unwrap();
        assert_eq!(told.status, WAIT_LISTED, "the seat was promised: {told:?}");
        arrived.insert(told.registration_id);
    }
    let queue = waiting(&mut coach, &workshop).await;
    let positions: Vec<i32> = queue.iter().map(|(_, position)| *position).collect();
    assert_eq!(positions, (1..=10).collect::<Vec<i32>>());
    assert_eq!(
        queue.into_iter().map(|(id, _)| id).collect::<HashSet<_>>(),
        arrived
    );
    assert_eq!(counts(&mut coach, &workshop).await, (1, 10));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workshop_cancelled_while_a_cancellation_promotes_leaves_nobody_booked_or_waiting() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let host = app.host().await;
    let company = app.company("Lensink").await;
    let people = app.participants(&company, 4).await;
    // Several rounds, so both orders of the race are likely to happen.
    for round in 0..4 {
        let workshop = schedule(&mut coach, &host, 1, 0).await.workshop_id;
        let mut told = Vec::new();
        for person in &people {
            told.push(register(&mut coach, &workshop, person).await);
        }
        let (mut other, id) = (coach.clone(), workshop.clone());
        let cancel_workshop = tokio::spawn(async move {
            other
                .cancel_workshop(pb::CancelWorkshopRequest {
                    request_id: String::new(),
                    workshop_id: id,
                    reason: "zaal onbeschikbaar".into(),
                })
                .await
                .unwrap()
                .into_inner()
        });
        let cancelled_one = cancel(&mut coach, &told[0].registration_id).await;
        let closed = cancel_workshop.await.unwrap();
        match cancelled_one {
            // First: the next in line was promoted, then cancelled with the workshop.
            Ok(answer) => {
                let promoted = answer.promoted.expect("a promotion").registration_id;
                assert!(closed.cancelled_registration_ids.contains(&promoted));
                assert_eq!(closed.cancelled_registration_ids.len(), 3, "round {round}");
            }
            // Second: the workshop took every registration, the booked one too, so the
            // late cancellation finds its registration cancelled already.
            Err(status) => {
                assert!(
                    ["ILLEGAL_TRANSITION", "WORKSHOP_CANCELLED"]
                        .contains(&reason(&status).as_str()),
                    "{status:?}"
                );
                assert_eq!(closed.cancelled_registration_ids.len(), 4, "round {round}");
            }
        }
        let left = registrations(&mut coach, &workshop).await;
        assert!(
            left.iter().all(|r| r.status == CANCELLED),
            "round {round}: {left:?}"
        );
        assert_eq!(counts(&mut coach, &workshop).await, (0, 0));
    }
}
