//! `llo-community`: the community service on its own (one container image per service).
//! `llo-community` serves; `llo-community migrate` migrates its database and exits.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    llo_chassis::host::main::<llo_community::app::Community>().await
}
