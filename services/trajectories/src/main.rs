//! `llo-trajectories`: the trajectories service on its own (one container image per service).
//! `llo-trajectories` serves; `llo-trajectories migrate` migrates its database and exits.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    llo_chassis::host::main::<llo_trajectories::app::Trajectories>().await
}
