//! `llo catalogue`: a school's catalogue over the Open Education API (OOAPI v5).
//! `register` tells trajectories where a provider publishes (its base URL and default
//! themes); `sync` reads it now and prints what was created, updated, unchanged and
//! refused, and what failed. A token comes from `--token`/`LLO_TOKEN`, else a
//! development token of a programme manager (trusted only in development settings).
use llo_chassis::auth::Role;
use llo_proto::trajectories::v1 as pb;

use crate::pilot::development::{Trajectories, client};

#[derive(clap::Args)]
pub struct CatalogueArgs {
    #[command(subcommand)]
    command: Command,
    /// Trajectories' address.
    #[arg(long, global = true, default_value = "http://127.0.0.1:50052")]
    trajectories: String,
    /// The region whose catalogue the courses join.
    #[arg(long, global = true, default_value = "achterhoek")]
    region: String,
    #[arg(long, global = true, env = "LLO_TOKEN")]
    token: Option<String>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Register (or change) where a provider publishes its catalogue over OOAPI.
    Register {
        /// The provider's id, e.g. graafschap-college.
        provider: String,
        /// Its OOAPI v5 base URL, e.g. https://ooapi.graafschapcollege.nl/v5.
        #[arg(long)]
        ooapi: String,
        /// A theme for courses that name none (repeat for more).
        #[arg(long = "theme", required = true)]
        themes: Vec<String>,
        #[command(flatten)]
        login: LoginArgs,
    },
    /// Read a registered provider's OOAPI catalogue now and sync the course catalogue.
    Sync {
        /// The provider's id.
        provider: String,
    },
    /// The region's registered sources and what their last scheduled sync did.
    List,
}

/// How trajectories logs in to the school's API (OAuth 2.0 client credentials).
#[derive(clap::Args)]
struct LoginArgs {
    /// The school's token endpoint; with it, every call carries a bearer token.
    #[arg(long, requires_all = ["client_id", "client_secret_env"])]
    token_url: Option<String>,
    /// The client id the school gave the region.
    #[arg(long)]
    client_id: Option<String>,
    /// The scope to ask for.
    #[arg(long, default_value = "")]
    scope: String,
    /// The environment variable of trajectories holding the client secret
    /// (OOAPI_CLIENT_SECRET_…).
    #[arg(long)]
    client_secret_env: Option<String>,
}

impl LoginArgs {
    fn login(self) -> Option<pb::SchoolLogin> {
        Some(pb::SchoolLogin {
            token_url: self.token_url?,
            client_id: self.client_id.unwrap_or_default(),
            scope: self.scope,
            client_secret_env: self.client_secret_env.unwrap_or_default(),
        })
    }
}

/// Registers the provider's OOAPI endpoint.
pub async fn register(
    trajectories: &mut Trajectories,
    region: &str,
    provider: &str,
    base_url: &str,
    themes: Vec<String>,
    login: Option<pb::SchoolLogin>,
) -> anyhow::Result<pb::CatalogueSource> {
    trajectories
        .register_catalogue_source(pb::RegisterCatalogueSourceRequest {
            region: region.to_owned(),
            provider: provider.to_owned(),
            base_url: base_url.to_owned(),
            default_themes: themes,
            login,
        })
        .await?
        .into_inner()
        .source
        .ok_or_else(|| anyhow::anyhow!("trajectories answered without the source"))
}

/// Syncs the provider's catalogue now.
pub async fn sync(
    trajectories: &mut Trajectories,
    region: &str,
    provider: &str,
) -> anyhow::Result<pb::SyncCatalogueResponse> {
    Ok(trajectories
        .sync_catalogue(pb::SyncCatalogueRequest {
            region: region.to_owned(),
            provider: provider.to_owned(),
        })
        .await?
        .into_inner())
}

/// What a sync did, in a line, then each refused row and failure on its own.
pub fn describe(provider: &str, report: &pb::SyncCatalogueResponse) -> Vec<String> {
    let rows = report.rows.clone().unwrap_or_default();
    let mut lines = vec![format!(
        "{provider}: {} page(s) read; {} created, {} updated, {} unchanged, {} refused, {} failure(s)",
        report.pages_read,
        rows.created_count,
        rows.updated_count,
        rows.unchanged_count,
        rows.rejected_count,
        report.failures.len()
    )];
    for row in rows
        .results
        .iter()
        .filter(|r| r.outcome == pb::OfferingImportOutcome::Rejected as i32)
    {
        let why: Vec<String> = row
            .violations
            .iter()
            .map(|v| format!("{}: {}", v.field, v.description))
            .collect();
        lines.push(format!(
            "  refused course {} (row {}): {}",
            row.course_code,
            row.row_number,
            why.join("; ")
        ));
    }
    for failure in &report.failures {
        lines.push(format!("  failed {}: {}", failure.url, failure.reason));
    }
    lines
}

pub async fn run(args: CatalogueArgs) -> anyhow::Result<()> {
    let token = match args.token {
        Some(token) => token,
        None => crate::reporting::dev_token(Role::ProgrammeManager, &args.region, "llo-cli")?,
    };
    let mut trajectories = client(&args.trajectories, token).await?;
    match args.command {
        Command::Register {
            provider,
            ooapi,
            themes,
            login,
        } => {
            let login = login.login();
            let source = register(
                &mut trajectories,
                &args.region,
                &provider,
                &ooapi,
                themes,
                login,
            )
            .await?;
            println!(
                "registered {} of {}: {} (default themes {}){}",
                source.provider,
                source.region,
                source.base_url,
                source.default_themes.join(", "),
                logs_in(source.login.as_ref())
            );
        }
        Command::List => {
            let sources = trajectories
                .list_catalogue_sources(pb::ListCatalogueSourcesRequest {
                    region: args.region.clone(),
                })
                .await?
                .into_inner()
                .sources;
            if sources.is_empty() {
                println!("no catalogue source registered in {}", args.region);
            }
            for source in sources {
                let last = if source.sync_summary.is_empty() {
                    "not synced on the schedule yet".to_owned()
                } else {
                    source.sync_summary
                };
                let login = logs_in(source.login.as_ref());
                println!("{} {}{login} — {last}", source.provider, source.base_url);
            }
        }
        Command::Sync { provider } => {
            let report = sync(&mut trajectories, &args.region, &provider).await?;
            for line in describe(&provider, &report) {
                println!("{line}");
            }
            anyhow::ensure!(
                report.failures.is_empty(),
                "{} request(s) failed; what they would have read was left as it was",
                report.failures.len()
            );
        }
    }
    Ok(())
}

/// How a source logs in, as a clause; empty without a login.
fn logs_in(login: Option<&pb::SchoolLogin>) -> String {
    login.map_or_else(String::new, |l| {
        format!(
            "; logs in at {} as {} (secret in {})",
            l.token_url, l.client_id, l.client_secret_env
        )
    })
}
