//! `llo-intake`: the intake service on its own (one container image per service).
//! `llo-intake` serves; `llo-intake migrate` migrates its database and exits.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    llo_chassis::host::main::<llo_intake::app::Intake>().await
}
