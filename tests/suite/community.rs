//! The learning community and the development plan: a workshop attended in community
//! becomes a completed workshop activity in the attendee's plan in trajectories, once.
use std::time::Duration;

use lapin::{BasicProperties, options::BasicPublishOptions};
use llo_chassis::{auth::Role, testing::AMQP_URL};
use llo_proto::{common::v1 as common, community::v1 as community, trajectories::v1 as pb};

use crate::helpers::{Suite, company, eventually, plan};

fn at(rfc3339: &str) -> prost_types::Timestamp {
    let at: chrono::DateTime<chrono::Utc> = rfc3339.parse().unwrap();
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

fn workshop_activities(plan: &pb::DevelopmentPlan) -> Vec<&pb::LearningActivity> {
    plan.activities
        .iter()
        .filter(|a| a.kind == pb::ActivityKind::Workshop as i32)
        .collect()
}

/// Publishes a copy of a consumed event again, as a broker redelivery would.
async fn republish(exchange: &str, delivery: &lapin::message::Delivery, new_id: bool) {
    let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut properties: BasicProperties = delivery.properties.clone();
    if new_id {
        properties = properties.with_message_id(uuid::Uuid::now_v7().to_string().into());
    }
    channel
        .basic_publish(
            exchange.into(),
            delivery.routing_key.as_str().into(),
            BasicPublishOptions::default(),
            &delivery.data,
            properties,
        )
        .await
        .unwrap()
        .await
        .unwrap();
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn attendance_in_the_community_lands_in_the_plan_once() {
    let suite = Suite::spawn().await;
    let mut attended_events = suite.env.probe("community.workshop_attended.v1").await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (organisation, people) = company(&mut intake_client, "34000001", 40, 2).await;
    plan(&mut trajectories, &people[0]).await;
    let mut coach = suite.community(Role::Coach, None).await;

    // Community learns the company and its people from intake's events.
    eventually(|| {
        let mut coach = coach.clone();
        let organisation = organisation.clone();
        async move {
            coach
                .get_member(community::GetMemberRequest {
                    member_id: organisation,
                })
                .await
                .ok()
        }
    })
    .await;
    // Recorded afterwards, on the programme's calendar: held on 17 March 2022.
    let workshop = coach
        .schedule_workshop(community::ScheduleWorkshopRequest {
            request_id: "ws-1".into(),
            region: "achterhoek".into(),
            theme: "instrumenten-leercultuur".into(),
            title: "Instrumenten voor een leercultuur".into(),
            description: "Werkplaats over leerinstrumenten".into(),
            start_time: Some(at("2022-03-17T13:00:00Z")),
            end_time: Some(at("2022-03-17T15:00:00Z")),
            location: "Doetinchem".into(),
            online_url: String::new(),
            capacity: 10,
            seats_per_company: 0,
            registration_cutoff_time: None,
            host_member_id: organisation.clone(),
            facilitator_ids: Vec::new(),
            already_held: true,
        })
        .await
        .unwrap()
        .into_inner()
        .workshop
        .unwrap();
    let mut registrations = Vec::new();
    for (n, person) in people.iter().enumerate() {
        let (registration, _) = eventually(|| {
            let mut coach = coach.clone();
            let request = community::RegisterForWorkshopRequest {
                request_id: format!("reg-{n}"),
                workshop_id: workshop.workshop_id.clone(),
                participant_id: person.clone(),
            };
            async move { coach.register_for_workshop(request).await.ok() }
        })
        .await;
        registrations.push(registration.into_inner().registration.unwrap());
    }
    // The first attends fully, the second does not come.
    for (registration, attendance) in registrations.iter().zip([
        common::WorkshopAttendance::FullyAttended,
        common::WorkshopAttendance::NoShow,
    ]) {
        eventually(|| {
            let mut coach = coach.clone();
            let request = community::RecordAttendanceRequest {
                request_id: format!("att-{}", registration.registration_id),
                registration_id: registration.registration_id.clone(),
                attendance: attendance as i32,
                hours_attended: 0.0,
            };
            async move { coach.record_attendance(request).await.ok() }
        })
        .await;
    }

    let (attended, _) = eventually(|| {
        let mut trajectories = trajectories.clone();
        let participant = people[0].clone();
        async move {
            let plan = trajectories
                .get_development_plan(pb::GetDevelopmentPlanRequest {
                    participant_id: participant,
                })
                .await
                .ok()?
                .into_inner()
                .plan?;
            let found: Vec<pb::LearningActivity> =
                workshop_activities(&plan).into_iter().cloned().collect();
            (!found.is_empty()).then_some(found)
        }
    })
    .await;
    assert_eq!(attended.len(), 1);
    let activity = &attended[0];
    assert_eq!(activity.status, pb::ActivityStatus::Completed as i32);
    assert_eq!(activity.title, "Instrumenten voor een leercultuur");
    assert_eq!(activity.theme, "instrumenten-leercultuur");
    assert_eq!(activity.actual_hours, 2, "the workshop's two hours");
    assert_eq!(
        activity.complete_time,
        Some(at("2022-03-17T13:00:00Z")),
        "completed on the day it was held, not the day it was recorded"
    );

    // The same attendance delivered again, under its own id and under a new one.
    let deliveries = attended_events.drain(Duration::from_secs(2)).await;
    assert_eq!(deliveries.len(), 2, "one fully attended, one no-show");
    for delivery in &deliveries {
        republish(&suite.env.exchange, delivery, false).await;
        republish(&suite.env.exchange, delivery, true).await;
    }
    // Everything before this marker has been consumed once it shows up.
    let mut marker = suite.intake(Role::Coach, None).await;
    let (_, more) = company(&mut marker, "34000002", 10, 1).await;
    plan(&mut trajectories, &more[0]).await;
    for (participant, expected) in [(&people[0], 1), (&people[1], 0)] {
        let plan = plan(&mut trajectories, participant).await;
        assert_eq!(
            workshop_activities(&plan).len(),
            expected,
            "one activity per attendance, none for a no-show"
        );
    }
}
