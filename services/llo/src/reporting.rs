//! `llo reporting`: the operator's side of the reporting service. `rebuild` empties
//! every read model and applies reporting's copy of the events again (a programme
//! manager's call) and prints the counts; `publish` publishes the region's next release
//! (its anonymised figures, frozen) and `releases` lists them; `export` saves a release's
//! report (always anonymised), or a draft of the live figures, as HTML, JSON or CSV. A
//! token comes from `--token`/`LLO_TOKEN`, else a development token of a programme
//! manager (trusted only in development settings).
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
    /// Publish the region's next release: its anonymised figures, frozen and numbered.
    Publish {
        /// What the release is for, e.g. "Tussenrapportage fase 2".
        #[arg(long, default_value = "")]
        note: String,
        /// Makes a retry return the first release; a fresh one each time when omitted.
        #[arg(long)]
        request_id: Option<String>,
    },
    /// List the region's releases, newest first.
    Releases,
    /// Save a release's report (anonymised) to a file; with a programme manager's token
    /// and no --release, a draft of the live figures.
    Export {
        #[arg(long, value_enum, default_value_t = Format::Html)]
        format: Format,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// One sector of the region; all when omitted.
        #[arg(long, default_value = "")]
        sector: String,
        /// A release number; the latest (or a manager's draft) when omitted.
        #[arg(long, default_value_t = 0)]
        release: i32,
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

/// Publishes the region's next release and returns it.
pub async fn publish(
    reporting: &mut Reporting,
    region: &str,
    note: &str,
    request_id: &str,
) -> anyhow::Result<pb::Release> {
    Ok(reporting
        .publish_release(pb::PublishReleaseRequest {
            region: region.to_owned(),
            note: note.to_owned(),
            request_id: request_id.to_owned(),
        })
        .await?
        .into_inner())
}

/// One line about a release: number, date, what it covers.
pub fn describe(release: &pb::Release) -> String {
    let at = |t: &Option<prost_types::Timestamp>| {
        t.as_ref()
            .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
            .map_or_else(
                || "—".to_owned(),
                |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
            )
    };
    format!(
        "release {} of {}, published {} by {}; figures as of {}; {} companies{}, sectors {}{}",
        release.number,
        release.region,
        at(&release.published_time),
        release.published_by,
        at(&release.as_of_time),
        release.organisations,
        if release.held_back > 0 {
            format!(
                " ({} that joined held back: too few people yet)",
                release.held_back
            )
        } else {
            String::new()
        },
        release.sectors.join(", "),
        if release.note.is_empty() {
            String::new()
        } else {
            format!(" — {}", release.note)
        }
    )
}

/// Which report `export` fetches: a sector (or the whole region), a format, a release
/// (0: the latest, or a manager's draft).
pub struct ReportRequest<'a> {
    pub sector: &'a str,
    pub format: pb::ReportFormat,
    pub release: i32,
}

/// Streams the region's report and writes it to `out`; returns the bytes written and
/// the file name the service proposed.
pub async fn export(
    reporting: &mut Reporting,
    region: &str,
    request: ReportRequest<'_>,
    out: &Path,
) -> anyhow::Result<(usize, String)> {
    let mut stream = reporting
        .export_report(pb::ExportReportRequest {
            region: region.to_owned(),
            sector: request.sector.to_owned(),
            format: request.format as i32,
            release: request.release,
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
        Command::Publish { note, request_id } => {
            let request_id = request_id.unwrap_or_else(|| {
                format!(
                    "llo-cli-release-{}",
                    chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
                )
            });
            let release = publish(&mut reporting, &args.region, &note, &request_id).await?;
            println!("published {}", describe(&release));
        }
        Command::Releases => {
            let releases = reporting
                .list_releases(pb::ListReleasesRequest {
                    region: args.region.clone(),
                })
                .await?
                .into_inner()
                .releases;
            if releases.is_empty() {
                println!("no release of {} published yet", args.region);
            }
            for release in &releases {
                println!("{}", describe(release));
            }
        }
        Command::Export {
            format,
            out,
            sector,
            release,
        } => {
            let request = ReportRequest {
                sector: &sector,
                format: format.proto(),
                release,
            };
            let (bytes, file_name) = export(&mut reporting, &args.region, request, &out).await?;
            println!("wrote {} ({bytes} bytes; {file_name})", out.display());
        }
    }
    Ok(())
}
