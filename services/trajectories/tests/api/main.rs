#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Trajectories alone, through a real gRPC server on port 0 with its own PostgreSQL
//! database and RabbitMQ exchange. What intake would send is seeded through the store;
//! the tests across services are in the workspace's `tests/` crate.
mod books;
mod calendar;
mod coaches;
mod commands;
mod enrolments;
mod erasure;
mod helpers;
mod offerings;
mod ooapi;
mod pack_data;
mod plans_from_enrolments;
mod skills;
