//! The whole suite in one process: every service with its own port, database and
//! queue, talking through RabbitMQ exactly as separate deployments do.
use llo_chassis::{ServiceName, Settings, server, telemetry};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

#[derive(clap::Args)]
pub struct UpArgs {
    /// Run the pilot demo once the suite is up (Achterhoek unless `--region` names another).
    #[arg(long)]
    pub demo: bool,
    /// Stop after the demo (for scripts); without it the suite keeps serving.
    #[arg(long, requires = "demo")]
    pub exit_after_demo: bool,
    /// Use production settings: no development tokens (configure auth keys instead).
    #[arg(long)]
    pub production: bool,
    #[command(flatten)]
    pub demo_options: crate::pilot::DemoOptions,
}

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// Services to migrate; all when none is named.
    services: Vec<String>,
}

/// Settings for one service as `llo up` runs it.
pub fn settings(service: ServiceName, production: bool) -> anyhow::Result<Settings> {
    let mut overrides = Vec::new();
    if !production {
        overrides.push(("environment", "development".to_owned()));
        overrides.push(("auth.allow_development_tokens", "true".to_owned()));
        overrides.push(("grpc.reflection", "true".to_owned()));
    }
    if std::env::var(format!("{}__GRPC__ADDRESS", service.env_prefix())).is_err() {
        // Locally, listen on loopback only.
        overrides.push((
            "grpc.address",
            format!("127.0.0.1:{}", service.default_port()),
        ));
    }
    let mut settings = Settings::load_with(service, &overrides)?;
    if !production && service == ServiceName::Intake {
        development_credentials(&mut settings)?;
        development_mail(&mut settings)?;
    }
    Ok(settings)
}

/// Locally, intake's e-mail notices are written as `.eml` files to `llo/mail` in the
/// user's state folder, unless settings name an SMTP server or another folder.
fn development_mail(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.notices.smtp_host.is_some() || settings.notices.mail_dir.is_some() {
        return Ok(());
    }
    settings.notices.mail_dir = Some(state_dir("notices.mail_dir")?.join("llo/mail"));
    Ok(())
}

/// `$XDG_STATE_HOME`, else `~/.local/state`; the error names the setting to set instead.
fn state_dir(setting: &str) -> anyhow::Result<std::path::PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".local/state")))
        .ok_or_else(|| anyhow::anyhow!("neither XDG_STATE_HOME nor HOME is set: set {setting}"))
}

/// Locally, intake issues credentials with development keys made once per region pack
/// (`openssl genpkey`, RSA 2048) in the user's state folder, unless settings name keys;
/// its credentials' HTTP surface listens on loopback.
fn development_credentials(settings: &mut Settings) -> anyhow::Result<()> {
    if std::env::var("LLO_INTAKE__CREDENTIALS__HTTP_LISTEN").is_err()
        && std::env::var("LLO_CREDENTIALS__HTTP_LISTEN").is_err()
    {
        let port = settings.credentials.http_listen.port();
        settings.credentials.http_listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    }
    if settings.credentials.keys_dir.is_some() {
        return Ok(());
    }
    let dir = state_dir("credentials.keys_dir")?.join("llo/credential-keys");
    llo_intake::credentials::keys::generate_for_regions(&dir, &settings.packs.dir, "dev")?;
    settings.credentials.keys_dir = Some(dir);
    Ok(())
}

/// The services this build contains.
pub const SERVICES: [ServiceName; 4] = [
    ServiceName::Intake,
    ServiceName::Trajectories,
    ServiceName::Community,
    ServiceName::Reporting,
];

/// A service built and ready to run.
enum Built {
    Intake(Box<llo_intake::Application>),
    Trajectories(Box<llo_trajectories::Application>),
    Community(Box<llo_community::Application>),
    Reporting(Box<llo_reporting::Application>),
}

pub async fn up(args: UpArgs) -> anyhow::Result<()> {
    let first = settings(ServiceName::Intake, args.production)?;
    let _telemetry = telemetry::init("llo", &first.telemetry)?;
    let shutdown = CancellationToken::new();
    tokio::spawn(server::cancel_on_signal(shutdown.clone()));

    // Build every service first (databases migrated, topology declared, ports bound),
    // then run them: no service publishes before every queue of the suite exists.
    let mut built = Vec::new();
    for service in SERVICES {
        let settings = settings(service, args.production)?;
        let app = match service {
            ServiceName::Intake => {
                Built::Intake(Box::new(llo_intake::Application::build(settings).await?))
            }
            ServiceName::Trajectories => Built::Trajectories(Box::new(
                llo_trajectories::Application::build(settings).await?,
            )),
            ServiceName::Community => {
                Built::Community(Box::new(llo_community::Application::build(settings).await?))
            }
            ServiceName::Reporting => {
                Built::Reporting(Box::new(llo_reporting::Application::build(settings).await?))
            }
        };
        built.push((service, app));
    }
    let mut running = Vec::new();
    let mut ports = Vec::new();
    for (service, app) in built {
        let (port, task) = match app {
            Built::Intake(app) => (app.port(), tokio::spawn(app.run(shutdown.clone()))),
            Built::Trajectories(app) => (app.port(), tokio::spawn(app.run(shutdown.clone()))),
            Built::Community(app) => (app.port(), tokio::spawn(app.run(shutdown.clone()))),
            Built::Reporting(app) => (app.port(), tokio::spawn(app.run(shutdown.clone()))),
        };
        ports.push((service, port));
        running.push(task);
    }
    println!("\nThe LLO suite is up:");
    for (service, port) in &ports {
        println!("  {:<13} grpc://127.0.0.1:{port}", service.as_str());
    }
    if !args.production {
        println!("\nCall it with a development token, for example:");
        println!("  TOKEN=$(cargo run -q -p llo -- token --role coach --region achterhoek)");
        println!(
            "  grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" 127.0.0.1:{} llo.intake.v1.IntakeService/ListOrganisations",
            ServiceName::Intake.default_port()
        );
    }
    println!("Stop with Ctrl-C.\n");

    if args.demo {
        let mut options = args.demo_options.clone();
        if options.mail_dir.is_none() {
            // Where intake writes its notices, for the pilot to say so.
            let intake = settings(ServiceName::Intake, args.production)?;
            options.mail_dir = intake
                .notices
                .mail_dir
                .filter(|_| intake.notices.smtp_host.is_none());
        }
        let outcome = crate::pilot::run_local(&ports, &options).await;
        match &outcome {
            Ok(()) => println!("\nThe pilot demo finished."),
            Err(error) => eprintln!("\nThe pilot demo failed: {error:#}"),
        }
        if args.exit_after_demo || outcome.is_err() {
            shutdown.cancel();
            for task in running {
                task.await??;
            }
            return outcome;
        }
    }
    for task in running {
        task.await??;
    }
    Ok(())
}

pub async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let wanted: Vec<ServiceName> = if args.services.is_empty() {
        SERVICES.to_vec()
    } else {
        args.services
            .iter()
            .map(|name| {
                SERVICES
                    .into_iter()
                    .find(|s| s.as_str() == name)
                    .ok_or_else(|| anyhow::anyhow!("unknown service {name:?}"))
            })
            .collect::<anyhow::Result<_>>()?
    };
    for service in wanted {
        let settings = Settings::load(service)?;
        let url = settings.database.url.expose_secret();
        let migrations = match service {
            ServiceName::Intake => llo_intake::store::MIGRATIONS,
            ServiceName::Trajectories => llo_trajectories::store::MIGRATIONS,
            ServiceName::Community => llo_community::store::MIGRATIONS,
            ServiceName::Reporting => llo_reporting::store::MIGRATIONS,
        };
        // As `llo-<service> migrate` does.
        llo_chassis::db::prepare(&settings.database, migrations).await?;
        println!(
            "{}: migrated {}",
            service.as_str(),
            llo_chassis::db::redact(url)
        );
    }
    Ok(())
}
