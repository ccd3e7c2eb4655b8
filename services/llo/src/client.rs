//! Operator commands against a running suite: health of every service, organisations,
//! trajectories and the budget per funding source (reporting's figures: `llo
//! reporting`). A token comes from `--token`/`LLO_TOKEN`, else a development token
//! (trusted only by a suite in development settings).
use llo_chassis::{auth::Role, telemetry::ClientContext};
use llo_proto::{
    intake::v1::{self as intake, intake_service_client::IntakeServiceClient},
    trajectories::v1::{self as pb, trajectory_service_client::TrajectoryServiceClient},
};
use tonic::transport::Channel;

#[derive(clap::Args)]
pub struct ClientArgs {
    #[command(subcommand)]
    command: Command,
    #[arg(long, global = true, default_value = "http://127.0.0.1:50051")]
    intake: String,
    #[arg(long, global = true, default_value = "http://127.0.0.1:50052")]
    trajectories: String,
    #[arg(long, global = true, default_value = "http://127.0.0.1:50053")]
    community: String,
    #[arg(long, global = true, default_value = "http://127.0.0.1:50054")]
    reporting: String,
    #[arg(long, global = true, default_value = "achterhoek")]
    region: String,
    #[arg(long, global = true, env = "LLO_TOKEN")]
    token: Option<String>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// grpc.health.v1 of every service.
    Health,
    /// The region's organisations.
    Organisations,
    /// The region's trajectories, with status, coach and coaching.
    Trajectories,
    /// Budget, committed, spent and remaining per funding source.
    Budget,
}

async fn channel(url: &str) -> anyhow::Result<Channel> {
    Ok(Channel::from_shared(url.to_owned())?.connect().await?)
}

use llo_chassis::money::euros;

pub async fn run(args: ClientArgs) -> anyhow::Result<()> {
    let token = match &args.token {
        Some(token) => token.clone(),
        None => {
            let request = crate::token::request(
                vec![Role::ProgrammeManager],
                vec![args.region.clone()],
                None,
                "llo-cli",
                600,
            );
            llo_chassis::auth::mint_development_token(&request)?
        }
    };
    let context = ClientContext {
        bearer_token: Some(token),
    };
    match args.command {
        Command::Health => {
            for (name, url, service) in [
                ("intake", &args.intake, "llo.intake.v1.IntakeService"),
                (
                    "trajectories",
                    &args.trajectories,
                    "llo.trajectories.v1.TrajectoryService",
                ),
                (
                    "community",
                    &args.community,
                    "llo.community.v1.CommunityService",
                ),
                (
                    "reporting",
                    &args.reporting,
                    "llo.reporting.v1.ReportingService",
                ),
            ] {
                let status = match channel(url).await {
                    Ok(channel) => tonic_health::pb::health_client::HealthClient::new(channel)
                        .check(tonic_health::pb::HealthCheckRequest {
                            service: service.into(),
                        })
                        .await
                        .map(|r| format!("{:?}", r.into_inner().status()))
                        .unwrap_or_else(|status| format!("error: {}", status.message())),
                    Err(error) => format!("unreachable: {error}"),
                };
                println!("{name:<13} {url:<28} {status}");
            }
        }
        Command::Organisations => {
            let mut client =
                IntakeServiceClient::with_interceptor(channel(&args.intake).await?, context);
            let mut token = String::new();
            loop {
                let page = client
                    .list_organisations(intake::ListOrganisationsRequest {
                        region: args.region.clone(),
                        page_size: 500,
                        page_token: token,
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                for o in &page.organisations {
                    println!(
                        "{}  {:<28} {:<14} {:>4} employees  {}",
                        o.organisation_id, o.name, o.municipality, o.employee_count, o.sector
                    );
                }
                if page.next_page_token.is_empty() {
                    break;
                }
                token = page.next_page_token;
            }
        }
        Command::Trajectories => {
            let mut client = TrajectoryServiceClient::with_interceptor(
                channel(&args.trajectories).await?,
                context,
            );
            let mut token = String::new();
            loop {
                let page = client
                    .list_trajectories(pb::ListTrajectoriesRequest {
                        region: args.region.clone(),
                        page_size: 500,
                        page_token: token,
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                for t in &page.trajectories {
                    println!(
                        "{}  organisation {}  {:<10} coach {:<12} {} interventions, {} coaching minutes",
                        t.trajectory_id,
                        t.organisation_id,
                        format!("{:?}", t.status()).to_lowercase(),
                        if t.coach_id.is_empty() {
                            "—"
                        } else {
                            &t.coach_id
                        },
                        t.interventions.len(),
                        t.coaching_minutes
                    );
                }
                if page.next_page_token.is_empty() {
                    break;
                }
                token = page.next_page_token;
            }
        }
        Command::Budget => {
            let mut client = TrajectoryServiceClient::with_interceptor(
                channel(&args.trajectories).await?,
                context,
            );
            let budget = client
                .get_budget(pb::GetBudgetRequest {
                    region: args.region.clone(),
                    organisation_id: String::new(),
                })
                .await?
                .into_inner();
            for s in budget.sources {
                let ceiling = if s.budget_cents > 0 {
                    euros(s.budget_cents)
                } else {
                    "no ceiling".into()
                };
                println!(
                    "{:<20} budget {:<14} committed {:<12} spent {:<12} remaining {}",
                    s.source,
                    ceiling,
                    euros(s.committed_cents),
                    euros(s.spent_cents),
                    if s.budget_cents > 0 {
                        euros(s.remaining_cents)
                    } else {
                        "—".into()
                    }
                );
            }
        }
    }
    Ok(())
}
