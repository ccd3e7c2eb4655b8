#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Reporting through a real gRPC server on port 0, its own PostgreSQL database and its
//! own RabbitMQ exchange and queue. The other services' events are published raw, as
//! they would publish them, so these tests need no other service.
mod erasure;
mod export;
mod figures;
mod helpers;
mod pilot;
mod project;
mod releases;
mod service;
mod suppression;
