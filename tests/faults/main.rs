#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Fault tests: a stream of 10,000 enrolments flows from intake through RabbitMQ into
//! trajectories, community and reporting while the broker stops (twice, five times
//! quickly, under a consumer's handshake), a consumer's connection stalls, a consumer is
//! killed, PostgreSQL restarts, poison messages arrive, or every service runs twice;
//! afterwards every event has reached every consumer exactly once (by id, and by a
//! witness that counts applications), and every service recovered by itself.
//!
//! They stop and start the machine's shared PostgreSQL and RabbitMQ, so they run alone,
//! one at a time, after the other tests (`scripts/test` runs them in a second phase;
//! `.config/nextest.toml` keeps them in a group of one). A guard starts both again if a
//! test fails half-way.
mod checks;
mod harness;
mod health;
mod shared;
mod stream;
mod witness;

mod broker_stops;
mod connection_stalls;
mod consumer_killed;
mod database_restarts;
mod poison;
mod replicas;
