//! `llo bench import-memory`: intake's resident memory while several clients stream
//! large imports at once, every row at the size limits (4-byte characters in every
//! name, the longest e-mail address, a UWV reference). Intake runs as its own process;
//! its memory is sampled every 50 ms. Prints the numbers; asserts nothing.
use std::{sync::Arc, time::Instant};

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as pb, intake_service_client::IntakeServiceClient},
};
use tonic::transport::Channel;

use llo_chassis::testing::process::ServiceProcess;

#[derive(clap::Args, Clone)]
pub struct ImportMemoryArgs {
    /// Concurrent import streams.
    #[arg(long, default_value_t = 3)]
    pub streams: usize,
    /// Rows per stream.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
}

pub async fn run(args: ImportMemoryArgs) -> anyhow::Result<()> {
    let env = TestEnv::new();
    let intake = ServiceProcess::spawn(&env, ServiceName::Intake, &[]).await?;
    let channel = Channel::from_shared(format!("http://127.0.0.1:{}", intake.port))?
        .connect()
        .await?;
    let client = IntakeServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(env.token(Role::ProgrammeManager, "achterhoek", None)),
        },
    );
    let idle = intake.resident_kib();

    let mut imports = Vec::new();
    let started = Instant::now();
    for stream in 0..args.streams {
        let mut client = client.clone();
        let organisation = client
            .register_organisation(pb::RegisterOrganisationRequest {
                region: "achterhoek".into(),
                sector: "techniek-metaal".into(),
                name: format!("Geheugen {stream}"),
                kvk_number: format!("{:08}", 70_000_000 + stream),
                municipality: "Winterswijk".into(),
                employee_count: 250,
                ..Default::default()
            })
            .await?
            .into_inner()
            .organisation
            .ok_or_else(|| anyhow::anyhow!("no organisation"))?;
        let id = Arc::new(organisation.organisation_id);
        let rows = tokio_stream::iter((0..args.rows).map(move |n| row_at_the_limits(&id, n)));
        imports.push(tokio::spawn(async move {
            client
                .import_participants(rows)
                .await
                .map(|r| r.into_inner())
        }));
    }
    let mut peak = idle;
    let mut created = 0;
    for import in imports {
        let mut import = import;
        loop {
            tokio::select! {
                done = &mut import => {
                    let response = done??;
                    created += response.created_count as usize;
                    break;
                }
                () = tokio::time::sleep(std::time::Duration::from_millis(50)) => {
                    peak = peak.max(intake.resident_kib());
                }
            }
        }
    }
    let elapsed = started.elapsed();
    let high_water = intake.peak_resident_kib();
    intake.stop();
    println!(
        "ImportParticipants memory: {} concurrent streams x {} rows at the size limits \
         ({:.1} KiB per row on the wire), {created} created in {:.1} s ({:.0} rows/s)",
        args.streams,
        args.rows,
        wire_bytes() as f64 / 1024.0,
        elapsed.as_secs_f64(),
        (args.streams * args.rows) as f64 / elapsed.as_secs_f64()
    );
    println!(
        "intake resident memory: idle {:.1} MiB, peak sampled {:.1} MiB, high-water mark {:.1} MiB",
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        high_water as f64 / 1024.0
    );
    Ok(())
}

/// The size of one row as sent.
fn wire_bytes() -> usize {
    prost::Message::encoded_len(&row_at_the_limits(
        "00000000-0000-0000-0000-000000000000",
        0,
    ))
}

/// Every text at its limit, in 4-byte characters where the field allows any letter.
fn row_at_the_limits(organisation_id: &str, n: usize) -> pb::ImportParticipantsRequest {
    let wide = |count: usize| "𝔸".repeat(count);
    let reference = format!("{n:0>128}");
    // 64 characters before the @, labels of 63, 254 in all.
    let local = format!("{n:0>64}");
    let domain = format!(
        "{}.{}.{}.{}",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(57),
        "nl"
    );
    pb::ImportParticipantsRequest {
        external_reference: reference,
        organisation_id: organisation_id.to_owned(),
        given_name: wide(200),
        family_name: wide(200),
        email: format!("{local}@{domain}"),
        role: common::ParticipantRole::Employee as i32,
        job_title: wide(200),
        consent_given: true,
        source: common::ParticipantSource::UwvReferral as i32,
        uwv_reference: wide(200),
    }
}
