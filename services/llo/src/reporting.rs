//! `llo reporting`: the operator's side of the reporting service. `rebuild` empties
//! every read model and applies reporting's copy of the events again (a programme
//! manager's call) and prints the counts; `export` saves the shareable report (always
//! anonymised) as HTML, JSON or CSV. A token comes from `--token`/`LLO_TOKEN`, else a
//! development token of a programme manager (trusted only in development settings).
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use llo_chassis::{auth::Role, telemetry::ClientContext};
use llo_proto::reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient};
use tonic::{codegen::InterceptedService, transport::Channel};

pub type Reporting = ReportingServiceClient<InterceptedService<Channel, ClientContext>>;

#[derive(clap::Args)]
pub struct ReportingArgs {
    #[command(subcommand)]
    command: Command,
    /// Reporting's address.
    #[arg(long, global = true, default_value = "http://127.0.0.1:50054")]
    reporting: String,
    /// The region the development token covers (and the report's region).
    #[arg(long, global = true, default_value = "achterhoek")]
    region: String,
    #[arg(long, global = true, env = "LLO_TOKEN")]
    token: Option<String>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Rebuild every read model from reporting's own copy of the events (all regions).
    Rebuild {
        /// Makes a retry return the first answer; a fresh one each time when omitted.
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Save the region's report (anonymised) to a file.
    Export {
        #[arg(long, value_enum, default_value_t = Format::Html)]
        format: Format,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// One sector of the region; all when omitted.
        #[arg(long, default_value = "")]
        sector: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Html,
    Json,
    Csv,
}

impl Format {
    fn proto(self) -> pb::ReportFormat {
        match self {
            Format::Html => pb::ReportFormat::Html,
            Format::Json => pb::ReportFormat::Json,
            Format::Csv => pb::ReportFormat::Csv,
        }
    }
}

pub async fn client(url: &str, token: String) -> anyhow::Result<Reporting> {
    let channel = Channel::from_shared(url.to_owned())?.connect().await?;
    Ok(ReportingServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(token),
        },
    ))
}

/// A development token with one role for one region.
pub fn dev_token(role: Role, region: &str, subject: &str) -> anyhow::Result<String> {
    let request = crate::token::request(vec![role], vec![region.to_owned()], None, subject, 3600);
    llo_chassis::auth::mint_development_token(&request)
}

/// Streams the region's report and writes it to `out`; returns the bytes written and
/// the file name the service proposed.
pub async fn export(
    reporting: &mut Reporting,
    region: &str,
    sector: &str,
    format: pb::ReportFormat,
    out: &Path,
) -> anyhow::Result<(usize, String)> {
    let mut stream = reporting
        .export_report(pb::ExportReportRequest {
            region: region.to_owned(),
            sector: sector.to_owned(),
            format: format as i32,
        })
        .await?
        .into_inner();
    let mut data = Vec::new();
    let mut file_name = String::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if file_name.is_empty() {
            file_name = chunk.file_name;
        }
        data.extend_from_slice(&chunk.data);
    }
    anyhow::ensure!(!data.is_empty(), "the report came back empty");
    // Written next to its final place first, so a reader never sees half a report.
    let partial = out.with_extension("partial");
    std::fs::write(&partial, &data)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", partial.display()))?;
    std::fs::rename(&partial, out)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    Ok((data.len(), file_name))
}

pub async fn run(args: ReportingArgs) -> anyhow::Result<()> {
    let token = match args.token {
        Some(token) => token,
        None => dev_token(Role::ProgrammeManager, &args.region, "llo-cli")?,
    };
    let mut reporting = client(&args.reporting, token).await?;
    match args.command {
        Command::Rebuild { request_id } => {
            let request_id = request_id.unwrap_or_else(|| {
                format!(
                    "llo-cli-rebuild-{}",
                    chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
                )
            });
            let counts = reporting
                .rebuild_read_models(pb::RebuildReadModelsRequest {
                    request_id: request_id.clone(),
                })
                .await?
                .into_inner();
            println!("rebuilt every read model (request {request_id}):");
            for (what, n) in [
                ("events applied", counts.events_applied),
                ("organisations", counts.organisations),
                ("participants", counts.participants),
                ("assessments", counts.assessments),
                ("trajectories", counts.trajectories),
                ("learning activities", counts.learning_activities),
                ("funding allocations", counts.funding_allocations),
                ("workshops", counts.workshops),
                ("registrations", counts.registrations),
                ("knowledge items", counts.knowledge_items),
            ] {
                println!("  {what:<22} {n:>8}");
            }
        }
        Command::Export {
            format,
            out,
            sector,
        } => {
            let (bytes, _) =
                export(&mut reporting, &args.region, &sector, format.proto(), &out).await?;
            println!("wrote {} ({bytes} bytes)", out.display());
        }
    }
    Ok(())
}
