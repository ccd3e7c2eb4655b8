//! Throughput of a fresh in-process intake on this machine's PostgreSQL and
//! RabbitMQ: RegisterOrganisation calls per second from one client and from many,
//! and ImportParticipants rows per second. Prints the numbers; asserts nothing.
use std::time::{Duration, Instant};

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as pb, intake_service_client::IntakeServiceClient},
};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use super::{BenchArgs, report};

/// Runs the intake measurements against a fresh intake in `env`; returns its port
/// (trajectories' benchmarks use it) and the handle to stop it.
pub async fn run(
    env: &TestEnv,
    args: &BenchArgs,
) -> anyhow::Result<(
    u16,
    CancellationToken,
    tokio::task::JoinHandle<anyhow::Result<()>>,
)> {
    let settings = env.settings_with(
        ServiceName::Intake,
        &[("database.max_connections", "32".to_owned())],
    );
    let app = llo_intake::Application::build(settings).await?;
    let port = app.port();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone()));
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))?
        .connect()
        .await?;
    let token = env.token(Role::ProgrammeManager, "achterhoek", None);
    let client = IntakeServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(token),
        },
    );

    let (elapsed, latencies) = register_many(client.clone(), 0, args.calls, 1).await?;
    report(
        "RegisterOrganisation, 1 client",
        args.calls,
        elapsed,
        latencies,
    );
    let (elapsed, latencies) =
        register_many(client.clone(), args.calls, args.calls, args.concurrency).await?;
    report(
        &format!("RegisterOrganisation, {} clients", args.concurrency),
        args.calls,
        elapsed,
        latencies,
    );

    let mut importer = client.clone();
    let organisation = importer
        .register_organisation(request(99_999_999))
        .await?
        .into_inner()
        .organisation
        .ok_or_else(|| anyhow::anyhow!("no organisation"))?;
    let id = organisation.organisation_id.clone();
    let rows = tokio_stream::iter((0..args.rows).map(move |n| row(&id, n)));
    let started = Instant::now();
    let response = importer.import_participants(rows).await?.into_inner();
    let elapsed = started.elapsed();
    println!(
        "ImportParticipants, {} rows in one stream: {:.2} s, {:.0} rows/s ({} created)",
        args.rows,
        elapsed.as_secs_f64(),
        args.rows as f64 / elapsed.as_secs_f64(),
        response.created_count
    );
    Ok((port, shutdown, server))
}

type Client = IntakeServiceClient<tonic::codegen::InterceptedService<Channel, ClientContext>>;

async fn register_many(
    client: Client,
    offset: usize,
    calls: usize,
    concurrency: usize,
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let mut client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for n in (worker..calls).step_by(concurrency) {
                let t = Instant::now();
                client
                    .register_organisation(request(10_000_000 + offset + n))
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
    Ok((started.elapsed(), latencies))
}

fn request(kvk: usize) -> pb::RegisterOrganisationRequest {
    pb::RegisterOrganisationRequest {
        request_id: String::new(),
        region: "achterhoek".into(),
        sector: "techniek-metaal".into(),
        name: format!("Benchmark {kvk}"),
        kvk_number: format!("{kvk:08}"),
        municipality: "Doetinchem".into(),
        employee_count: 20,
        ..Default::default()
    }
}

pub(super) fn row(organisation_id: &str, n: usize) -> pb::ImportParticipantsRequest {
    pb::ImportParticipantsRequest {
        external_reference: format!("bench-{n}"),
        organisation_id: organisation_id.into(),
        given_name: format!("Bench{n}"),
        family_name: "Medewerker".into(),
        email: format!("bench{n}@example.nl"),
        role: common::ParticipantRole::Employee as i32,
        job_title: "Operator".into(),
        consent_given: true,
        source: common::ParticipantSource::Company as i32,
        uwv_reference: String::new(),
    }
}
