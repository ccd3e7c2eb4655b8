//! `llo-trajectories`: the trajectories service on its own (one container image per service).
//! `llo-trajectories` serves; `llo-trajectories migrate` migrates its database and exits.
use llo_chassis::{Settings, host::Mode, server, telemetry};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mode = Mode::from_args(std::env::args().skip(1))?;
    if mode == Mode::Help {
        print!("{}", Mode::usage("llo-trajectories"));
        return Ok(());
    }
    let settings = Settings::load(llo_trajectories::app::SERVICE)?;
    if mode == Mode::Migrate {
        // Logs only: a short-lived process has no traces worth exporting.
        let _telemetry =
            telemetry::init_with_endpoint("llo-trajectories", &settings.telemetry, None)?;
        return llo_trajectories::Application::migrate(&settings).await;
    }
    let _telemetry = telemetry::init("llo-trajectories", &settings.telemetry)?;
    let shutdown = CancellationToken::new();
    tokio::spawn(server::cancel_on_signal(shutdown.clone()));
    let app = llo_trajectories::Application::build(settings).await?;
    app.run(shutdown).await
}
