//! `llo bench`: throughput and latency of fresh in-process services on this machine's
//! PostgreSQL and RabbitMQ, each in a private database and exchange removed afterwards.
//! Prints the numbers; asserts nothing.
mod import_memory;
mod intake;
mod pipeline;
mod trajectories;

use std::time::Duration;

use llo_chassis::testing::TestEnv;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    /// A single measurement instead of the throughput set.
    #[command(subcommand)]
    pub only: Option<Measurement>,
    /// Offerings in the catalogue import measurement.
    #[arg(long, default_value_t = 5_000)]
    pub offerings: usize,
    /// Scans in the scan → proposed trajectory latency measurement.
    #[arg(long, default_value_t = 20)]
    pub scans: usize,
    /// RegisterOrganisation calls per measurement.
    #[arg(long, default_value_t = 2_000)]
    pub calls: usize,
    /// Concurrent clients in the second measurement.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Rows in the import measurement.
    #[arg(long, default_value_t = 10_000)]
    pub rows: usize,
}

#[derive(clap::Subcommand)]
pub enum Measurement {
    /// Intake's resident memory during concurrent imports of rows at the size limits.
    ImportMemory(import_memory::ImportMemoryArgs),
    /// The event pipeline end to end under load: calls, events per second and delays
    /// to reporting's read model at full and half load, each service's memory, and
    /// the raw broker ceiling.
    Pipeline(pipeline::PipelineArgs),
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.only {
        Some(Measurement::ImportMemory(memory)) => return import_memory::run(memory).await,
        Some(Measurement::Pipeline(pipeline)) => return pipeline::run(pipeline).await,
        None => {}
    }
    let env = TestEnv::new();
    let (intake_port, shutdown, intake) = intake::run(&env, &args).await?;
    trajectories::run(&env, intake_port, &args).await?;
    shutdown.cancel();
    let _ = intake.await;
    Ok(())
}

pub fn report(what: &str, calls: usize, elapsed: Duration, mut latencies: Vec<Duration>) {
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{what}: {calls} calls in {:.2} s = {:.0} calls/s; latency p50 {:.1} ms, p99 {:.1} ms",
        elapsed.as_secs_f64(),
        calls as f64 / elapsed.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
}
