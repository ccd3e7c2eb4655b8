//! One large ImportParticipants (one client stream) while the consumers apply the
//! events it produces — its enrolments, and trajectories' plans that follow — so the
//! import rate is measured beside the consumers' drain, as an operator's import meets
//! them.
use std::time::Instant;

use super::{
    DRAIN_LIMIT,
    cpu::{Processes, Spent},
    flow::{self, Flow, PhaseFlow},
    load::Shared,
    suite::Endpoints,
};
use crate::bench::intake::row;

pub async fn run(
    endpoints: &Endpoints,
    shared: &Shared,
    flow: &Flow,
    processes: &Processes,
    rows: usize,
) -> anyhow::Result<(PhaseFlow, Spent)> {
    let mut intake = endpoints.intake().await?;
    let organisation = shared.organisation().to_owned();
    let requests = tokio_stream::iter((0..rows).map(move |n| row(&organisation, n)));
    let cpu_start = processes.sample();
    let started_at = flow::now_micros();
    let started = Instant::now();
    let response = intake.import_participants(requests).await?.into_inner();
    let elapsed = started.elapsed();
    let ended_at = flow::now_micros();
    println!(
        "ImportParticipants, {rows} rows in one stream: {:.2} s = **{:.0} rows/s** ({} created)",
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64(),
        response.created_count
    );
    let drain = Instant::now();
    flow.wait_until_drained(DRAIN_LIMIT).await?;
    let spent = Spent::between(&cpu_start, &processes.sample());
    println!(
        "the pipeline drained {:.1} s after the import's answer",
        drain.elapsed().as_secs_f64()
    );
    Ok((flow.phase(started_at, ended_at).await?, spent))
}
