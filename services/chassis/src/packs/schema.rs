//! The kinds of pack and their JSON Schema, as committed under `infra/packs/schema/`.
use super::{RegionPack, SectorPack, SkillsList};

/// Which kind of pack a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackKind {
    Region,
    Sector,
    /// A skills list sector packs reference.
    Skills,
}

impl PackKind {
    pub const ALL: [PackKind; 3] = [PackKind::Region, PackKind::Sector, PackKind::Skills];
}

impl PackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PackKind::Region => "region",
            PackKind::Sector => "sector",
            PackKind::Skills => "skills",
        }
    }

    /// The folder of `packs.dir` that holds this kind.
    pub(super) fn folder(self) -> &'static str {
        match self {
            PackKind::Region => "regions",
            PackKind::Sector => "sectors",
            PackKind::Skills => "skills",
        }
    }
}

/// The JSON Schema of a kind of pack, as committed under `infra/packs/schema/`.
pub fn schema(kind: PackKind) -> serde_json::Value {
    match kind {
        PackKind::Region => schemars::schema_for!(RegionPack).to_value(),
        PackKind::Sector => schemars::schema_for!(SectorPack).to_value(),
        PackKind::Skills => schemars::schema_for!(SkillsList).to_value(),
    }
}

/// The file name of a kind's schema under `infra/packs/schema/`.
pub fn schema_file(kind: PackKind) -> &'static str {
    match kind {
        PackKind::Region => "region.schema.json",
        PackKind::Sector => "sector.schema.json",
        PackKind::Skills => "skills.schema.json",
    }
}

/// The schema as committed: pretty JSON with a final newline.
pub fn schema_text(kind: PackKind) -> String {
    let json = serde_json::to_string_pretty(&schema(kind)).unwrap_or_default();
    format!("{json}\n")
}
