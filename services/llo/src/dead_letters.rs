use llo_chassis::{ServiceName, Settings, bus::Topology};
use secrecy::ExposeSecret;

#[derive(clap::Args)]
pub struct DeadLetterArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Show dead letters (they stay in the queue).
    List {
        /// trajectories, community or reporting.
        service: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Move dead letters back into the service's queue, once the cause is fixed.
    Redrive {
        service: String,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Publish again what no queue was bound for (e.g. before a service's first start).
    RedriveUnrouted {
        #[arg(long, default_value_t = 10_000)]
        limit: usize,
    },
}

fn topology(service: &str) -> anyhow::Result<(Settings, Topology)> {
    let name = ServiceName::ALL
        .into_iter()
        .find(|s| s.as_str() == service)
        .ok_or_else(|| anyhow::anyhow!("unknown service {service:?}"))?;
    let settings = Settings::load(name)?;
    // Only the queue names matter here; any binding marks the service as a consumer.
    let topology = Topology::for_service(&settings.amqp, service, &["#".to_owned()]);
    Ok((settings, topology))
}

pub async fn run(args: DeadLetterArgs) -> anyhow::Result<()> {
    match args.action {
        Action::List { service, limit } => {
            let (settings, topology) = topology(&service)?;
            let letters = llo_chassis::bus::dead_letters::inspect(
                settings.amqp.url.expose_secret(),
                &topology,
                limit,
            )
            .await?;
            if letters.is_empty() {
                println!("no dead letters for {service}");
            }
            for letter in letters {
                println!(
                    "{}  {}  {} bytes  reason: {}",
                    letter.message_id.unwrap_or_default(),
                    letter.routing_key.unwrap_or_default(),
                    letter.size,
                    letter.reason.unwrap_or_default()
                );
            }
        }
        Action::RedriveUnrouted { limit } => {
            let settings = Settings::load(ServiceName::Intake)?;
            let topology = Topology::for_service(&settings.amqp, "intake", &[]);
            let moved = llo_chassis::bus::dead_letters::redrive_unrouted(
                settings.amqp.url.expose_secret(),
                &topology,
                limit,
            )
            .await?;
            println!("published {moved} unrouted events again");
        }
        Action::Redrive { service, limit } => {
            let (settings, topology) = topology(&service)?;
            let moved = llo_chassis::bus::dead_letters::redrive(
                settings.amqp.url.expose_secret(),
                &topology,
                limit,
            )
            .await?;
            println!("re-drove {moved} dead letters into {service}'s queue");
        }
    }
    Ok(())
}
