//! `llo-trajectories`: the trajectories service on its own (one container image per service).
use llo_chassis::{Settings, server, telemetry};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load(llo_trajectories::app::SERVICE)?;
    let _telemetry = telemetry::init("llo-trajectories", &settings.telemetry)?;
    let shutdown = CancellationToken::new();
    tokio::spawn(server::cancel_on_signal(shutdown.clone()));
    let app = llo_trajectories::Application::build(settings).await?;
    app.run(shutdown).await
}
