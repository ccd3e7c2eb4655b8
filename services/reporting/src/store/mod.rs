//! Reporting's PostgreSQL tables: its copy of the events (`events`), the read models
//! (`rm_*`), the suppression memory and the releases. SQL only.
pub mod copy;
pub mod many;
pub mod memory;
pub mod read;
pub mod releases;
mod schema;
pub mod write;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Every read model table: what a rebuild empties.
pub const READ_MODELS: &[&str] = &[
    "rm_organisations",
    "rm_participants",
    "rm_scans",
    "rm_trajectories",
    "rm_interventions",
    "rm_coaching_sessions",
    "rm_development_plans",
    "rm_learning_activities",
    "rm_funding_allocations",
    "rm_workshops",
    "rm_registrations",
    "rm_knowledge_items",
    "rm_feedback",
    "rm_project_participants",
    "rm_project_costs",
];
