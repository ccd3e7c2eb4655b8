//! Trajectories through real gRPC servers (intake and trajectories, each with its own
//! PostgreSQL database) talking through a private RabbitMQ exchange.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod catalogue;
mod community;
mod credentials;
mod erasure;
mod flow;
mod funding;
mod helpers;
mod pilot;
mod reactions;
mod reporting;
mod retries;
mod scoping;
mod state;
mod topology;
