//! Trajectories' PostgreSQL tables and the queries on them (diesel-async).
pub mod funding;
pub mod offerings;
pub mod plans;
pub mod schema;
pub mod trajectories;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
