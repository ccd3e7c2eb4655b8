#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Intake through a real gRPC server on port 0, its own PostgreSQL database and its
//! own RabbitMQ exchange and queues.
mod admission;
mod credentials;
mod events;
mod helpers;
mod import;
mod keys;
mod migrate;
mod notices;
mod organisations;
mod participants;
mod retries;
mod scans;
mod security;
mod service;
mod tls;
