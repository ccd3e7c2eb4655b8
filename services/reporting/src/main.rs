//! `llo-reporting`: the reporting service on its own (one container image per service).
//! `llo-reporting` serves; `llo-reporting migrate` migrates its database and exits.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    llo_chassis::host::main::<llo_reporting::app::Reporting>().await
}
