//! `llo`: runs the whole suite in one process (`up`), the Achterhoek pilot demo,
//! migrations, development tokens, dead-letter handling, benchmarks and pack checks.
#[macro_use]
mod progress;
mod bench;
mod catalogue;
mod client;
mod dead_letters;
mod packs;
mod pilot;
mod reporting;
mod suite;
mod token;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "llo",
    version,
    about = "The LLO suite: lifelong learning programmes for SMEs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every service in one process, each on its own port with its own database.
    Up(suite::UpArgs),
    /// Run a region's pilot (Achterhoek unless `--region` names another) through the public APIs of a running suite.
    Demo(pilot::DemoArgs),
    /// Create the databases and run every pending migration, then exit.
    Migrate(suite::MigrateArgs),
    /// Mint a development token (trusted only by a suite in development settings).
    Token(token::TokenArgs),
    /// Inspect or re-drive a service's dead-letter queue.
    DeadLetters(dead_letters::DeadLetterArgs),
    /// Measure throughput against a fresh in-process suite and print the numbers.
    Bench(bench::BenchArgs),
    /// Look at a running suite: health, organisations, trajectories, budget.
    Show(client::ClientArgs),
    /// A school's catalogue over the Open Education API: register where it is, sync it.
    Catalogue(catalogue::CatalogueArgs),
    /// Reporting: rebuild the read models, publish and list releases, export a report.
    Reporting(reporting::ReportingArgs),
    /// Region and sector packs: check files before deploying them, show one, write the schema.
    Packs(packs::PacksArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // A failure is one line (with its causes), never a backtrace: the person at the
    // terminal needs what went wrong and what to do, not where in the code.
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("llo: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Up(args) => suite::up(args).await,
        Command::Demo(args) => pilot::run_against(args).await,
        Command::Migrate(args) => suite::migrate(args).await,
        Command::Token(args) => token::print(args),
        Command::DeadLetters(args) => dead_letters::run(args).await,
        Command::Bench(args) => bench::run(args).await,
        Command::Show(args) => client::run(args).await,
        Command::Catalogue(args) => catalogue::run(args).await,
        Command::Reporting(args) => reporting::run(args).await,
        Command::Packs(args) => packs::run(args),
    }
}
