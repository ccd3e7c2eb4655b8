//! Trajectories' share of `llo bench`: the course catalogue import, the latency from a
//! completed baseline scan in intake to the proposed trajectory in trajectories (through
//! RabbitMQ), and parallel funding allocations.
use std::time::{Duration, Instant};

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as intake, intake_service_client::IntakeServiceClient},
    trajectories::v1::{self as pb, trajectory_service_client::TrajectoryServiceClient},
};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use super::{BenchArgs, report};

async fn channel(port: u16) -> anyhow::Result<Channel> {
    Ok(Channel::from_shared(format!("http://127.0.0.1:{port}"))?
        .connect()
        .await?)
}

pub async fn run(env: &TestEnv, intake_port: u16, args: &BenchArgs) -> anyhow::Result<()> {
    let app = llo_trajectories::Application::build(env.settings_with(
        ServiceName::Trajectories,
        &[("database.max_connections", "32".to_owned())],
    ))
    .await?;
    let port = app.port();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone()));
    // Let the consumer bind its queue before intake publishes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let manager = ClientContext {
        bearer_token: Some(env.token(Role::ProgrammeManager, "achterhoek", None)),
    };
    let school = ClientContext {
        bearer_token: Some(env.token(Role::Integrator, "achterhoek", Some("bench-college"))),
    };
    let mut intake =
        IntakeServiceClient::with_interceptor(channel(intake_port).await?, manager.clone());
    let mut coach = TrajectoryServiceClient::with_interceptor(channel(port).await?, manager);
    let mut provider = TrajectoryServiceClient::with_interceptor(channel(port).await?, school);

    // The catalogue, twice: created, then unchanged.
    for pass in ["first sync", "second sync (unchanged)"] {
        let rows = tokio_stream::iter((0..args.offerings).map(offering));
        let started = Instant::now();
        let response = provider.import_course_offerings(rows).await?.into_inner();
        let elapsed = started.elapsed();
        println!(
            "ImportCourseOfferings, {} rows, {pass}: {:.2} s, {:.0} rows/s ({} created, {} unchanged)",
            args.offerings,
            elapsed.as_secs_f64(),
            args.offerings as f64 / elapsed.as_secs_f64(),
            response.created_count,
            response.unchanged_count
        );
    }

    // Baseline scan completed in intake → proposed trajectory readable in trajectories.
    let mut latencies = Vec::new();
    let mut participants = Vec::new();
    for n in 0..args.scans {
        let (organisation, people) = company(&mut intake, 80_000_000 + n).await?;
        participants.extend(people.iter().cloned());
        let started = scan(&mut intake, &organisation, &people).await?;
        loop {
            let list = coach
                .list_trajectories(pb::ListTrajectoriesRequest {
                    organisation_id: organisation.clone(),
                    ..Default::default()
                })
                .await?
                .into_inner();
            if !list.trajectories.is_empty() {
                break;
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(10),
                "no trajectory after 10 s"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.push(started.elapsed());
    }
    latencies.sort();
    println!(
        "CompleteAssessment → proposed trajectory visible, {} scans: p50 {:.1} ms, max {:.1} ms",
        latencies.len(),
        latencies[latencies.len() / 2].as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );

    // Parallel allocations, each on its own activity, all against the same source.
    let mut activities = Vec::new();
    for participant in participants.iter().take(200) {
        let mut plan_ready = false;
        for _ in 0..200 {
            if coach
                .get_development_plan(pb::GetDevelopmentPlanRequest {
                    participant_id: participant.clone(),
                })
                .await
                .is_ok()
            {
                plan_ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        anyhow::ensure!(plan_ready, "no development plan for {participant}");
        let activity = coach
            .plan_learning_activity(pb::PlanLearningActivityRequest {
                participant_id: participant.clone(),
                kind: pb::ActivityKind::Course as i32,
                title: "Bench course".into(),
                provider: "bench-college".into(),
                theme: "lassen".into(),
                planned_hours: 8,
                cost_cents: 10_000,
                ..Default::default()
            })
            .await?
            .into_inner()
            .activity
            .ok_or_else(|| anyhow::anyhow!("no activity"))?;
        activities.push(activity.activity_id);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in activities.chunks(activities.len().div_ceil(16).max(1)) {
        let mut client = coach.clone();
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for activity in chunk {
                let t = Instant::now();
                client
                    .allocate_funding(pb::AllocateFundingRequest {
                        activity_id: activity,
                        source: "werkgever".into(),
                        amount_cents: 10_000,
                        ..Default::default()
                    })
                    .await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, tonic::Status>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    report(
        "AllocateFunding, 16 clients, one source",
        activities.len(),
        started.elapsed(),
        latencies,
    );
    shutdown.cancel();
    let _ = server.await;
    Ok(())
}

fn offering(n: usize) -> pb::ImportCourseOfferingsRequest {
    pb::ImportCourseOfferingsRequest {
        offering: Some(pb::PublishCourseOfferingRequest {
            region: "achterhoek".into(),
            provider: "bench-college".into(),
            course_code: format!("B-{n:06}"),
            title: format!("Bench course {n}"),
            themes: vec!["lassen".into()],
            hours: 16,
            price_cents: 50_000,
            start_times: vec![prost_types::Timestamp {
                seconds: 1_800_000_000,
                nanos: 0,
            }],
            esco_skill_uris: Vec::new(),
            ..Default::default()
        }),
    }
}

type Intake = IntakeServiceClient<tonic::codegen::InterceptedService<Channel, ClientContext>>;

async fn company(intake: &mut Intake, kvk: usize) -> anyhow::Result<(String, Vec<String>)> {
    let organisation = intake
        .register_organisation(intake::RegisterOrganisationRequest {
            region: "achterhoek".into(),
            sector: "techniek-metaal".into(),
            name: format!("Bench {kvk}"),
            kvk_number: format!("{kvk:08}"),
            municipality: "Aalten".into(),
            employee_count: 30,
            ..Default::default()
        })
        .await?
        .into_inner()
        .organisation
        .ok_or_else(|| anyhow::anyhow!("no organisation"))?;
    let rows = (0..10).map(|n| intake::ImportParticipantsRequest {
        external_reference: format!("{kvk}-{n}"),
        organisation_id: organisation.organisation_id.clone(),
        given_name: format!("B{n}"),
        family_name: "Bench".into(),
        email: format!("b{n}@{kvk}.example"),
        role: common::ParticipantRole::Employee as i32,
        consent_given: true,
        ..Default::default()
    });
    let imported = intake
        .import_participants(tokio_stream::iter(rows.collect::<Vec<_>>()))
        .await?
        .into_inner();
    Ok((
        organisation.organisation_id,
        imported
            .results
            .into_iter()
            .map(|r| r.participant_id)
            .collect(),
    ))
}

/// Answers and completes a baseline scan; returns the moment CompleteAssessment returned.
async fn scan(
    intake: &mut Intake,
    organisation: &str,
    people: &[String],
) -> anyhow::Result<Instant> {
    let assessment = intake
        .start_assessment(intake::StartAssessmentRequest {
            organisation_id: organisation.into(),
            round: common::AssessmentRound::Baseline as i32,
            ..Default::default()
        })
        .await?
        .into_inner()
        .assessment
        .ok_or_else(|| anyhow::anyhow!("no assessment"))?;
    let items = assessment
        .questionnaire
        .map(|q| q.items)
        .unwrap_or_default();
    for (n, participant) in people.iter().enumerate() {
        let answers = items
            .iter()
            .map(|i| intake::ItemAnswer {
                item_id: i.item_id.clone(),
                score: 1 + ((n + i.item_id.len()) % 5) as i32,
            })
            .collect();
        intake
            .submit_assessment_response(intake::SubmitAssessmentResponseRequest {
                assessment_id: assessment.assessment_id.clone(),
                participant_id: participant.clone(),
                answers,
                ..Default::default()
            })
            .await?;
    }
    intake
        .complete_assessment(intake::CompleteAssessmentRequest {
            assessment_id: assessment.assessment_id,
            priority_needs: vec![],
            request_id: String::new(),
            complete_time: None,
        })
        .await?;
    Ok(Instant::now())
}
