//! Compiles every .proto under llo/ with the pure-Rust protox (no protoc needed) and
//! writes a descriptor set for gRPC server reflection.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "llo/common/v1/common.proto",
        "llo/intake/v1/intake.proto",
        "llo/events/v1/intake_events.proto",
        "llo/trajectories/v1/trajectories.proto",
        "llo/events/v1/trajectories_events.proto",
        "llo/community/v1/community.proto",
        "llo/events/v1/community_events.proto",
        "llo/reporting/v1/reporting.proto",
    ];
    for file in &files {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(files, ["."])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("llo_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
