//! Region and sector packs: the data that makes a new region or sector a matter of
//! configuration. Loaded from `<packs.dir>/sectors/*.toml` and `regions/*.toml`,
//! validated at start (every problem of every file at once, each with its file, key
//! path and reason; a service does not start on an invalid pack), shared read-only.
//!
//! The types below are the schema: `schema` derives the JSON Schema published under
//! `infra/packs/schema/` from them, and validation walks each file against that same
//! schema (`packs/structure.rs`) before the rules no schema can say (`packs/rules.rs`).
use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::Context as _;
use schemars::JsonSchema;
use serde::Deserialize;

mod rules;
mod structure;

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

/// A sector: its learning-culture scan, intervention kinds and catalogue, learning
/// themes, community themes and funding rules.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SectorPack {
    /// Stable identifier, e.g. `techniek-metaal`; region packs list it under `sectors`.
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
    /// Lowest answer of the scan's scale (Likert).
    pub likert_min: i32,
    /// Highest answer of the scan's scale; above `likert_min`.
    pub likert_max: i32,
    /// How many of the weakest dimensions become priority themes.
    #[schemars(range(min = 1))]
    pub priority_dimensions: usize,
    #[schemars(length(min = 1))]
    pub dimensions: Vec<Dimension>,
    #[schemars(length(min = 1))]
    pub items: Vec<Item>,
    /// The kinds of intervention the sector's trajectories use (coaching of the directors,
    /// a team workshop, ...); at least one. Each `interventions[].kind` names one.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub intervention_kinds: Vec<InterventionKind>,
    #[serde(default)]
    pub interventions: Vec<Intervention>,
    /// Learning themes: of learning needs, learning goals, learning activities and course
    /// offerings; at least one. `other` is always accepted besides them.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub learning_themes: Vec<LearningTheme>,
    /// Community themes (workshops, knowledge items); at least one. `other` is always
    /// accepted besides them.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub themes: Vec<Theme>,
    #[serde(default)]
    pub funding_rules: Vec<FundingRule>,
}

/// A dimension of the learning-culture scan.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Dimension {
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// A statement of the scan, answered on the pack's scale.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Item {
    #[schemars(length(min = 1))]
    pub id: String,
    /// The `id` of one of the pack's dimensions.
    pub dimension: String,
    pub text: String,
    /// A negatively phrased item: its answer is turned around (min + max - answer).
    #[serde(default)]
    pub reverse: bool,
}

/// A kind of intervention, e.g. `coaching_directors`; trajectories store and report
/// interventions by its `id`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct InterventionKind {
    /// Lower-case letters, digits, `-` and `_`; unique in the pack.
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
}

/// A catalogue entry: what a trajectory proposes for a weak dimension.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Intervention {
    /// The `id` of one of the pack's dimensions.
    pub dimension: String,
    /// The `id` of one of the pack's `intervention_kinds`.
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub planned_hours: u32,
}

/// A learning theme: what a learning need, goal, activity or course is about.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LearningTheme {
    /// Lower-case letters, digits, `-` and `_`; unique in the pack; not `other`.
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
}

/// A community theme.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Theme {
    /// Unique in the pack; not `other`.
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
}

/// A sector's funding source. Amounts are whole euro cents.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FundingRule {
    /// The source's id; a region budget with the same `source` is merged with it.
    #[schemars(length(min = 1))]
    pub source: String,
    pub name: String,
    #[schemars(extend("enum" = FUNDING_KINDS))]
    pub kind: String,
    /// Share of a cost this source may carry, in percent (`subsidy_percentage`).
    #[schemars(range(max = 100))]
    pub percentage: Option<u32>,
    /// The share for firms of at most `small_firm_max_employees` employees.
    #[schemars(range(max = 100))]
    pub small_firm_percentage: Option<u32>,
    pub small_firm_max_employees: Option<u32>,
    #[schemars(range(min = 0))]
    pub per_person_cap_cents: Option<i64>,
    #[schemars(range(min = 0))]
    pub budget_cents: Option<i64>,
}

/// A region: its programme, the sectors it serves and its budgets.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RegionPack {
    /// Stable identifier, e.g. `achterhoek`; tokens name it in their regions.
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
    pub programme: String,
    /// Smallest group whose figures are shown (anonymisation).
    #[schemars(range(min = 1))]
    pub min_group_size: u32,
    /// Ids of the sector packs active in the region.
    #[schemars(length(min = 1))]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub budgets: Vec<Budget>,
}

/// A region's budget of one funding source. Amounts are whole euro cents.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Budget {
    #[schemars(length(min = 1))]
    pub source: String,
    pub name: String,
    #[schemars(extend("enum" = FUNDING_KINDS))]
    pub kind: String,
    #[schemars(range(min = 0))]
    pub budget_cents: i64,
}

impl SectorPack {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The pack's intervention kind with this id.
    pub fn intervention_kind(&self, id: &str) -> Option<&InterventionKind> {
        self.intervention_kinds.iter().find(|k| k.id == id)
    }

    /// Is `id` one of the pack's intervention kinds? When not, the reason, naming them.
    pub fn check_intervention_kind(&self, id: &str) -> Result<(), String> {
        if self.intervention_kind(id).is_some() {
            return Ok(());
        }
        let ids: Vec<&str> = self
            .intervention_kinds
            .iter()
            .map(|k| k.id.as_str())
            .collect();
        Err(format!(
            "{id:?} is not an intervention kind of sector pack {}; one of: {}",
            self.id,
            brief(&ids)
        ))
    }
}

/// The learning themes a request may name: those of one or more sector packs (a
/// company's sector; every sector of a region for a course offering), and `other`.
#[derive(Debug, Clone, Default)]
pub struct LearningThemes {
    ids: Vec<String>,
}

impl LearningThemes {
    pub fn of<'a>(sectors: impl IntoIterator<Item = &'a SectorPack>) -> LearningThemes {
        let mut ids: Vec<String> = Vec::new();
        for sector in sectors {
            for theme in &sector.learning_themes {
                if !ids.contains(&theme.id) {
                    ids.push(theme.id.clone());
                }
            }
        }
        LearningThemes { ids }
    }

    /// Every sector pack of a region (`None`: no such region).
    pub fn of_region(packs: &Packs, region: &str) -> Option<LearningThemes> {
        let region = packs.region(region)?;
        Some(LearningThemes::of(
            region
                .sectors
                .iter()
                .filter_map(|s| packs.sector(s))
                .map(|s| &**s),
        ))
    }

    /// Is `theme` (trimmed already) one of them, or `other`? When not, the reason: the
    /// field violation's description.
    pub fn check(&self, theme: &str) -> Result<(), String> {
        if theme == OTHER_THEME || self.ids.iter().any(|id| id == theme) {
            return Ok(());
        }
        let ids: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        Err(format!(
            "{theme:?} is not a learning theme of the sector pack; one of: {}, or {OTHER_THEME:?}",
            brief(&ids)
        ))
    }
}

/// A list of ids for a message: the first dozen, and how many more.
pub fn brief(ids: &[&str]) -> String {
    const SHOWN: usize = 12;
    if ids.len() <= SHOWN {
        return ids.join(", ");
    }
    format!(
        "{} and {} more (llo packs show)",
        ids[..SHOWN].join(", "),
        ids.len() - SHOWN
    )
}

/// Which of the two kinds of pack a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackKind {
    Region,
    Sector,
}

impl PackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PackKind::Region => "region",
            PackKind::Sector => "sector",
        }
    }

    /// The folder of `packs.dir` that holds this kind.
    fn folder(self) -> &'static str {
        match self {
            PackKind::Region => "regions",
            PackKind::Sector => "sectors",
        }
    }
}

/// The JSON Schema of a kind of pack, as committed under `infra/packs/schema/`.
pub fn schema(kind: PackKind) -> serde_json::Value {
    match kind {
        PackKind::Region => schemars::schema_for!(RegionPack).to_value(),
        PackKind::Sector => schemars::schema_for!(SectorPack).to_value(),
    }
}

/// The file name of a kind's schema under `infra/packs/schema/`.
pub fn schema_file(kind: PackKind) -> &'static str {
    match kind {
        PackKind::Region => "region.schema.json",
        PackKind::Sector => "sector.schema.json",
    }
}

/// The schema as committed: pretty JSON with a final newline.
pub fn schema_text(kind: PackKind) -> String {
    let json = serde_json::to_string_pretty(&schema(kind)).unwrap_or_default();
    format!("{json}\n")
}

/// One mistake in a pack file: `file:line: key.path: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// The line the key is on (from 1), when the key is in the file.
    pub line: Option<usize>,
    /// Where in the file, e.g. `items[3].dimension` (list entries count from 0); empty
    /// when the file as a whole is meant (it cannot be read or parsed).
    pub key: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.reason)
        } else {
            write!(f, ": {}: {}", self.key, self.reason)
        }
    }
}

/// A pack file read from disk, not yet validated.
struct PackFile {
    path: PathBuf,
    kind: PackKind,
    /// Why it could not be read or parsed, when it could not.
    value: Result<toml::Value, String>,
    text: String,
}

impl PackFile {
    fn read(path: PathBuf, kind: PackKind) -> PackFile {
        let (text, value) = parse(&path);
        PackFile {
            path,
            kind,
            value,
            text,
        }
    }

    fn id(&self) -> Option<&str> {
        self.value.as_ref().ok()?.get("id")?.as_str()
    }
}

/// Every pack of the installation.
#[derive(Debug, Clone, Default)]
pub struct Packs {
    pub sectors: HashMap<String, Arc<SectorPack>>,
    pub regions: HashMap<String, Arc<RegionPack>>,
}

impl Packs {
    /// Loads and validates every pack under `dir`; any problem refuses them all, with
    /// every problem of every file in the error.
    pub fn load(dir: &Path) -> anyhow::Result<Packs> {
        let mut files = Vec::new();
        for kind in [PackKind::Sector, PackKind::Region] {
            for path in toml_files(&dir.join(kind.folder()))? {
                files.push(PackFile::read(path, kind));
            }
        }
        let (problems, packs) = validate(&files, &[]);
        if !problems.is_empty() {
            let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            anyhow::bail!(
                "packs.dir {}: {} problem(s) in the packs (check them with `llo packs check`):\n{}",
                dir.display(),
                problems.len(),
                lines.join("\n")
            );
        }
        anyhow::ensure!(
            !packs.regions.is_empty(),
            "packs.dir {}: no region packs found",
            dir.display()
        );
        Ok(packs)
    }

    pub fn sector(&self, id: &str) -> Option<&Arc<SectorPack>> {
        self.sectors.get(id)
    }

    pub fn region(&self, id: &str) -> Option<&Arc<RegionPack>> {
        self.regions.get(id)
    }

    /// Is `sector` active in `region`?
    pub fn offers(&self, region: &str, sector: &str) -> bool {
        self.region(region)
            .is_some_and(|r| r.sectors.iter().any(|s| s == sector))
    }
}

/// Checks pack files as a partner hands them in (`llo packs check`): each file's kind
/// follows from its folder (`regions/`, `sectors/`), else from its keys. A region's
/// sectors resolve against the sector packs given and those in its `../sectors/`; files of
/// different packs folders are separate installations.
pub fn check_files(paths: &[PathBuf]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        let (text, value) = parse(path);
        match kind_of(path, value.as_ref().ok()) {
            Some(kind) => files.push(PackFile {
                path: path.clone(),
                kind,
                value,
                text,
            }),
            None => problems.push(Problem {
                file: path.clone(),
                line: None,
                key: String::new(),
                reason: value.err().unwrap_or_else(|| {
                    "neither a region pack (programme, sectors) nor a sector pack \
                     (dimensions, items): put it under regions/ or sectors/"
                        .into()
                }),
            }),
        }
    }
    // Each packs folder (the parent of regions/ and sectors/) is an installation of its
    // own: ids are unique and sectors resolve within it.
    let mut folders: Vec<(PathBuf, Vec<PackFile>)> = Vec::new();
    for file in files {
        let root = file
            .path
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        match folders.iter_mut().find(|(r, _)| *r == root) {
            Some((_, group)) => group.push(file),
            None => folders.push((root, vec![file])),
        }
    }
    for (root, files) in folders {
        let known_sectors: Vec<String> = toml_files(&root.join("sectors"))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|path| {
                PackFile::read(path, PackKind::Sector)
                    .id()
                    .map(str::to_owned)
            })
            .collect();
        problems.extend(validate(&files, &known_sectors).0);
    }
    problems
}

/// Validates a set of files together (ids unique across files, regions' sectors known)
/// and, when nothing is wrong, returns them as packs.
fn validate(files: &[PackFile], other_sectors: &[String]) -> (Vec<Problem>, Packs) {
    let mut problems = Vec::new();
    let mut sector_ids: Vec<String> = other_sectors.to_vec();
    sector_ids.extend(
        files
            .iter()
            .filter(|f| f.kind == PackKind::Sector)
            .filter_map(|f| f.id().map(str::to_owned)),
    );
    sector_ids.sort();
    sector_ids.dedup();
    let region_schema = schema(PackKind::Region);
    let sector_schema = schema(PackKind::Sector);
    for (index, file) in files.iter().enumerate() {
        let value = match &file.value {
            Ok(value) => value,
            Err(reason) => {
                problems.push(Problem {
                    file: file.path.clone(),
                    line: None,
                    key: String::new(),
                    reason: reason.clone(),
                });
                continue;
            }
        };
        let mut found: Vec<(String, String)> = Vec::new();
        match file.kind {
            PackKind::Sector => {
                structure::check(&sector_schema, value, &mut found);
                rules::sector(value, &mut found);
            }
            PackKind::Region => {
                structure::check(&region_schema, value, &mut found);
                rules::region(value, &sector_ids, &mut found);
            }
        }
        if let Some(id) = file.id() {
            // Overlays and operators find a pack by its file name (k8s/README.md).
            let stem = file.path.file_stem().and_then(|s| s.to_str());
            if stem.is_some_and(|stem| stem != id) {
                found.push((
                    "id".into(),
                    format!(
                        "\"{id}\" must equal the file's name ({})",
                        file.path.file_name().and_then(|n| n.to_str()).unwrap_or("")
                    ),
                ));
            }
            let first = files[..index]
                .iter()
                .find(|other| other.kind == file.kind && other.id() == Some(id));
            if let Some(first) = first {
                found.push((
                    "id".into(),
                    format!(
                        "{} pack \"{id}\" is already defined in {}",
                        file.kind.as_str(),
                        first.path.display()
                    ),
                ));
            }
        }
        // One line per key: the schema and a rule may both see a key (an empty `themes`).
        let mut merged: Vec<(String, String)> = Vec::new();
        for (key, reason) in found {
            match merged.iter_mut().find(|(k, _)| *k == key) {
                Some((_, first)) => {
                    first.push_str("; ");
                    first.push_str(&reason);
                }
                None => merged.push((key, reason)),
            }
        }
        let mut found = merged;
        // By key, list entries in their order (items[2] before items[10]).
        found.sort_by_cached_key(|(key, _)| {
            key.split(['[', ']'])
                .map(|part| match part.parse::<usize>() {
                    Ok(n) => format!("{n:010}"),
                    Err(_) => part.to_owned(),
                })
                .collect::<Vec<_>>()
        });
        problems.extend(found.into_iter().map(|(key, reason)| Problem {
            file: file.path.clone(),
            line: line_of(&file.text, &key),
            key,
            reason,
        }));
    }
    if !problems.is_empty() {
        return (problems, Packs::default());
    }
    let mut packs = Packs::default();
    for file in files {
        let Ok(value) = file.value.clone() else {
            continue;
        };
        // The checks above cover what deserialising needs; this is the backstop.
        let error = |e: toml::de::Error| Problem {
            file: file.path.clone(),
            line: None,
            key: String::new(),
            reason: e.to_string().trim_end().replace('\n', " "),
        };
        match file.kind {
            PackKind::Sector => match value.try_into::<SectorPack>() {
                Ok(pack) => {
                    packs.sectors.insert(pack.id.clone(), Arc::new(pack));
                }
                Err(e) => problems.push(error(e)),
            },
            PackKind::Region => match value.try_into::<RegionPack>() {
                Ok(pack) => {
                    packs.regions.insert(pack.id.clone(), Arc::new(pack));
                }
                Err(e) => problems.push(error(e)),
            },
        }
    }
    (problems, packs)
}

/// A file's text and the file as a TOML table, or why it is not one.
fn parse(path: &Path) -> (String, Result<toml::Value, String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return (String::new(), Err(format!("cannot read: {e}"))),
    };
    let value = toml::from_str::<toml::Table>(&text)
        .map(toml::Value::Table)
        .map_err(|e| {
            let at = e.span().map(|span| {
                let before = text.get(..span.start).unwrap_or_default();
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(
                    " at line {}, column {column}",
                    before.matches('\n').count() + 1
                )
            });
            format!("not valid TOML{}: {}", at.unwrap_or_default(), e.message())
        });
    (text, value)
}

/// The line (from 1) of a key path such as `items[3].dimension` in a file's text; for a key
/// that is missing, the line of the table that misses it.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut span = None;
    let mut current: Option<&toml::de::DeValue<'_>> = None;
    'path: for segment in key.split('.') {
        let mut parts = segment.split('[');
        let name = parts.next().unwrap_or_default();
        let next = match current {
            None => root.get_ref().get(name),
            Some(value) => value.get(name),
        };
        let Some(next) = next else { break };
        span = Some(next.span());
        current = Some(next.get_ref());
        for index in parts.filter_map(|p| p.trim_end_matches(']').parse::<usize>().ok()) {
            let Some(next) = current.and_then(|value| value.get(index)) else {
                break 'path;
            };
            span = Some(next.span());
            current = Some(next.get_ref());
        }
    }
    let start = span?.start;
    Some(text.get(..start)?.matches('\n').count() + 1)
}

/// A file's kind by its folder, else by its keys.
fn kind_of(path: &Path, value: Option<&toml::Value>) -> Option<PackKind> {
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str());
    match folder {
        Some("regions") => return Some(PackKind::Region),
        Some("sectors") => return Some(PackKind::Sector),
        _ => {}
    }
    let has = |key: &str| value.is_some_and(|v| v.get(key).is_some());
    if has("programme") || has("sectors") {
        Some(PackKind::Region)
    } else if has("dimensions") || has("items") {
        Some(PackKind::Sector)
    } else {
        None
    }
}

fn toml_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("packs.dir: cannot read {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests;
