//! `llo bench pipeline`: the event pipeline end to end under load through the public
//! gRPC APIs. The four services run as their own processes (so each one's resident
//! memory is its own) on one private database set and exchange. Many clients enrol
//! participants, plan and complete learning activities, and schedule, fill and attend
//! workshops; every event goes producing commit → outbox → relay → RabbitMQ → consumer
//! → reporting's copy and read models (one transaction). The delays come from the
//! databases themselves: the outbox row's `created_at` (and `published_at`) in the
//! producing service, joined by event id with `received_at` in reporting's copy.
//! First at full load, then paced at half the rate the pipeline sustained, then one
//! large ImportParticipants while the consumers apply its events; then the raw broker
//! ceiling on the same machine. The headline is CPU per end-to-end event (per process
//! and in total), which moves little when other work shares the machine; events/s
//! does. Prints the numbers; asserts nothing.
mod broker;
mod cpu;
mod flow;
mod import;
mod load;
mod suite;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use llo_chassis::testing::TestEnv;
use tokio_util::sync::CancellationToken;

use flow::{Flow, PhaseFlow};
use load::{Calls, Pacer, Shared};
use suite::Suite;

#[derive(clap::Args, Clone)]
pub struct PipelineArgs {
    /// Concurrent gRPC clients driving the load (a third each enrol, complete learning
    /// activities, and run workshops).
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Length of each load phase (full, then half), in seconds.
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// End the full-load phase once the services committed this many events instead of
    /// after --seconds (the half-rate phase then runs for half as many).
    #[arg(long)]
    pub events: Option<u64>,
    /// Organisations registered (16 clients, measured) before the load.
    #[arg(long, default_value_t = 2_000)]
    pub organisations: usize,
    /// Participants enrolled before the load, whose plans the activities and the
    /// workshops use.
    #[arg(long, default_value_t = 400)]
    pub seeds: usize,
    /// Rows of the ImportParticipants after the load phases (0: none).
    #[arg(long, default_value_t = 10_000)]
    pub import_rows: usize,
    /// Messages in the raw broker measurement.
    #[arg(long, default_value_t = 100_000)]
    pub broker_messages: usize,
    /// The services' `admission.max_backlog`: ready events a consumer queue may hold
    /// before writing calls wait (0: no admission; without it, the services' default).
    #[arg(long)]
    pub max_backlog: Option<u32>,
}

/// How long a phase may take to drain before the bench gives up.
const DRAIN_LIMIT: Duration = Duration::from_secs(600);

pub async fn run(args: PipelineArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.clients >= 3, "--clients must be at least 3");
    anyhow::ensure!(args.seeds >= 20, "--seeds must be at least 20");
    let env = TestEnv::new();
    // Declared after `env`: dropped (killed) first, even on an error.
    let suite = Suite::start(&env, args.max_backlog).await?;
    let flow = Flow::open(&env).await?;
    let processes = cpu::Processes::new(&env, suite.pids());
    println!(
        "load average (1, 5, 15 min) at the start: {}",
        cpu::load_average()
    );
    println!(
        "four services as processes on a private database set and exchange; idle: {}",
        suite.memory_line(|p| p.resident_kib())
    );

    let shared = Arc::new(load::setup(&suite.endpoints, &args).await?);
    flow.wait_until_drained(DRAIN_LIMIT).await?;

    // Full load: every client as fast as it can.
    println!("\n== full load: {} clients ==", args.clients);
    let (full_calls, mut full, full_cpu) =
        phase(&suite, &flow, &processes, &shared, &args, None, args.events).await?;
    full_calls.print();
    full.print();
    print_cpu(&full_cpu, full.arrived());

    // Half load: the same mix, paced at half of what the pipeline sustained.
    let events_per_call = full.events as f64 / full_calls.total().max(1) as f64;
    let half_rate = full.end_to_end_rate() / 2.0;
    let calls_per_second = (half_rate / events_per_call.max(1e-9)).max(1.0);
    println!(
        "\n== half load: {half_rate:.0} events/s ({calls_per_second:.0} calls/s at \
         {events_per_call:.2} events per call), {} clients ==",
        args.clients
    );
    let pacer = Arc::new(Pacer::new(calls_per_second));
    let (half_calls, mut half, half_cpu) = phase(
        &suite,
        &flow,
        &processes,
        &shared,
        &args,
        Some(pacer),
        args.events.map(|n| n / 2),
    )
    .await?;
    half_calls.print();
    half.print();
    print_cpu(&half_cpu, half.arrived());

    if args.import_rows > 0 {
        println!("\n== ImportParticipants while the consumers apply its events ==");
        let (mut import, import_cpu) = import::run(
            &suite.endpoints,
            &shared,
            &flow,
            &processes,
            args.import_rows,
        )
        .await?;
        import.print();
        print_cpu(&import_cpu, import.arrived());
    }

    println!(
        "\npeak resident memory (VmHWM): {}",
        suite.memory_line(|p| p.peak_resident_kib())
    );
    let payload = flow.mean_payload_bytes().await?;
    suite.stop();
    println!(
        "load average (1, 5, 15 min) at the end: {}",
        cpu::load_average()
    );

    println!("\n== raw broker ceiling ==");
    let ceiling = broker::ceiling(&env, args.broker_messages, payload).await?;
    println!(
        "pipeline {:.0} events/s end to end at full load / raw broker {ceiling:.0} messages/s = {:.3}",
        full.end_to_end_rate(),
        full.end_to_end_rate() / ceiling
    );
    Ok(())
}

/// CPU per event of a phase, and reporting's own figure: its process and its
/// database's backends per event it applied (it applies every event).
fn print_cpu(spent: &cpu::Spent, events: usize) {
    spent.print("from the start of the phase until drained", events);
    let (process, backends) = spent.of_service(llo_chassis::ServiceName::Reporting);
    println!(
        "  reporting per applied event: {:.3} ms in its process + {:.3} ms in its \
         PostgreSQL backends = {:.3} ms",
        process * 1e3 / events.max(1) as f64,
        backends * 1e3 / events.max(1) as f64,
        (process + backends) * 1e3 / events.max(1) as f64
    );
}

/// One load phase: drives the clients until --seconds pass (or `events` are committed),
/// waits until every event reached reporting, and reads the delays and the CPU spent
/// from the start of the load until drained.
async fn phase(
    suite: &Suite,
    flow: &Flow,
    processes: &cpu::Processes,
    shared: &Arc<Shared>,
    args: &PipelineArgs,
    pacer: Option<Arc<Pacer>>,
    events: Option<u64>,
) -> anyhow::Result<(Calls, PhaseFlow, cpu::Spent)> {
    let stop = CancellationToken::new();
    let cpu_start = processes.sample();
    let started_at = flow::now_micros();
    let started = Instant::now();
    let baseline = flow.totals().await?.0;
    let stopper = {
        let stop = stop.clone();
        let seconds = Duration::from_secs(args.seconds);
        let flow = flow.clone();
        tokio::spawn(async move {
            match events {
                None => tokio::time::sleep(seconds).await,
                Some(events) => {
                    while let Ok((produced, _)) = flow.totals().await {
                        if produced >= baseline + events {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
            stop.cancel();
        })
    };
    let depths = flow.watch_depths(stop.clone());
    let load = load::drive(&suite.endpoints, shared, args.clients, pacer, stop.clone()).await;
    stop.cancel();
    stopper.abort();
    let mut calls = load?;
    calls.elapsed = started.elapsed();
    let ended_at = flow::now_micros();
    let drain = Instant::now();
    flow.wait_until_drained(DRAIN_LIMIT).await?;
    let spent = cpu::Spent::between(&cpu_start, &processes.sample());
    println!(
        "load {:.1} s; the pipeline drained {:.1} s after the load stopped",
        calls.elapsed.as_secs_f64(),
        drain.elapsed().as_secs_f64()
    );
    println!(
        "  deepest consumer queue while the load ran (read every {} ms): {}",
        flow::DEPTH_EVERY.as_millis(),
        depths.await?.describe()
    );
    let figures = flow.phase(started_at, ended_at).await?;
    Ok((calls, figures, spent))
}
