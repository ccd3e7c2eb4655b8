//! Trajectories' PostgreSQL tables and the queries on them (diesel-async).
pub mod books;
pub mod catalogue_sources;
pub mod coaches;
pub mod enrolments;
pub mod funding;
pub mod offerings;
pub mod plans;
pub mod schema;
pub mod skills;
pub mod trajectories;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A JSON column read back; one the code cannot read is a fault to report, never an
/// empty default.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    column: &'static str,
    value: &serde_json::Value,
) -> diesel::QueryResult<T> {
    T::deserialize(value)
        .map_err(|e| diesel::result::Error::DeserializationError(format!("{column}: {e}").into()))
}
