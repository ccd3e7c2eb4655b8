//! Region and sector packs: the data that makes a new region or sector a matter of
//! configuration. Loaded from `<packs.dir>/sectors/*.toml` and `regions/*.toml`,
//! validated at start (every problem of every file at once, each with its file, key
//! path and reason; a service does not start on an invalid pack), shared read-only.
//!
//! The types below are the schema: `schema` derives the JSON Schema published under
//! `infra/packs/schema/` from them, and validation walks each file against that same
//! schema (`packs/structure.rs`) before the rules no schema can say (`packs/rules.rs`).
mod eligibility;
mod load;
mod rules;
mod schema;
mod structure;
mod types;

pub use eligibility::{CostType, Eligibility, Evidence, grant_shares, hours_cost, pays};
pub use load::{Packs, Problem, check_files};
pub use schema::{PackKind, schema, schema_file, schema_text};
pub use types::*;

/// The reserved theme id every sector accepts wherever a theme is asked for ("anders",
/// other): for what none of the pack's themes covers. A pack may not define it.
pub const OTHER_THEME: &str = "other";

/// Funding kinds the suite acts on (trajectories' funding rules); anything else would be
/// dropped silently, so a pack may name no other.
pub const FUNDING_KINDS: [&str; 4] = [
    "grant",
    "subsidy_percentage",
    "sector_fund",
    "employer_share",
];

#[cfg(test)]
mod tests;
