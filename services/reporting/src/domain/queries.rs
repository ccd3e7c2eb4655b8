//! What callers ask reporting for, as plain values read once at the edge
//! (`api::queries`): the scope of figures, an export, a rebuild.

/// A region of this installation and, optionally, one of its sectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub region: String,
    pub sector: Option<String>,
}

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
