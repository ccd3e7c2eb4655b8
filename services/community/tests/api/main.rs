#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Community through a real gRPC server on port 0, its own PostgreSQL database and its
//! own RabbitMQ exchange and queues. Intake's events are published raw, as intake
//! would, so these tests need no other service.
mod attendance;
mod erasure;
mod held;
mod helpers;
mod knowledge;
mod members;
mod retries;
mod service;
mod wait_list;
mod workshops;
