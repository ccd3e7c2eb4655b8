//! Intake's PostgreSQL tables and the queries on them (diesel-async).
pub mod assessments;
pub mod credentials;
pub mod learning_needs;
pub mod notices;
pub mod organisations;
pub mod participants;
pub mod schema;

use diesel::result::{DatabaseErrorKind, Error};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The name of the unique constraint a write violated, if that is what failed.
pub fn unique_violation(error: &Error) -> Option<&str> {
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            Some(info.constraint_name().unwrap_or(""))
        }
        _ => None,
    }
}
