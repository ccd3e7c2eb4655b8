//! `llo-reporting`: the reporting service on its own (one container image per service).
use llo_chassis::{Settings, server, telemetry};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load(llo_reporting::app::SERVICE)?;
    let _telemetry = telemetry::init("llo-reporting", &settings.telemetry)?;
    let shutdown = CancellationToken::new();
    tokio::spawn(server::cancel_on_signal(shutdown.clone()));
    let app = llo_reporting::Application::build(settings).await?;
    app.run(shutdown).await
}
