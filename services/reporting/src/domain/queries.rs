//! What callers ask reporting for, as plain values read once at the edge
//! (`api::queries`): the scope of figures, an export, a release, a rebuild.
use uuid::Uuid;

/// A region of this installation and, optionally, one of its sectors, and the release
/// asked for (none: the latest, or live figures for those who see them in full).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub region: String,
    pub sector: Option<String>,
    pub release: Option<i32>,
}

/// One company's progress, from a release or live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationProgress {
    pub organisation_id: Uuid,
    pub release: Option<i32>,
}

/// Publish the region's next release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishRelease {
    pub region: String,
    pub note: String,
}

/// The longest note a release may carry.
pub const MAX_RELEASE_NOTE: usize = 500;

/// The forms the shareable report comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Html,
}

/// The shareable report of a scope, in a format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    pub scope: Scope,
    pub format: Format,
}

/// Empty every read model and apply reporting's copy of the events again. It has no
/// fields but its request id (the retry key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReadModels;
