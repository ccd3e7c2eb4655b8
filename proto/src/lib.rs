//! The LLO suite's protobuf contracts, generated at build time.
#![allow(clippy::all, clippy::pedantic)]

/// Encoded `FileDescriptorSet` of every LLO proto, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/llo_descriptor.bin"));

pub mod common {
    pub mod v1 {
        tonic::include_proto!("llo.common.v1");
    }
}
pub mod intake {
    pub mod v1 {
        tonic::include_proto!("llo.intake.v1");
    }
}
pub mod trajectories {
    pub mod v1 {
        tonic::include_proto!("llo.trajectories.v1");
    }
}
pub mod community {
    pub mod v1 {
        tonic::include_proto!("llo.community.v1");
    }
}
pub mod reporting {
    pub mod v1 {
        tonic::include_proto!("llo.reporting.v1");
    }
}
pub mod events {
    pub mod v1 {
        tonic::include_proto!("llo.events.v1");
    }
}

pub mod integration;
pub use integration::{IntegrationEvent, SuiteEvent, UnknownOrMalformed};
