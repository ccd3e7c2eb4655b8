//! Reading pack files from disk and validating them: every problem of every file at
//! once, each with its file, line, key path and reason.
use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::Context as _;

use super::{PackKind, RegionPack, SectorPack, SkillsList, rules, schema, structure};

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
    /// Skills lists (`skills/`), by id; sector packs name theirs.
    pub skills: HashMap<String, Arc<SkillsList>>,
}

impl Packs {
    /// Loads and validates every pack under `dir`; any problem refuses them all, with
    /// every problem of every file in the error.
    pub fn load(dir: &Path) -> anyhow::Result<Packs> {
        let mut files = Vec::new();
        for kind in [PackKind::Sector, PackKind::Region, PackKind::Skills] {
            let folder = dir.join(kind.folder());
            // Skills lists are optional: an installation without them has no `skills/`.
            if kind == PackKind::Skills && !folder.exists() {
                continue;
            }
            for path in toml_files(&folder)? {
                files.push(PackFile::read(path, kind));
            }
        }
        let (problems, packs) = validate(&files, &Known::default());
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

    /// `at`, something recorded afterwards, when it lies within the region's programme
    /// calendar (or the region has none); else INVALID_ARGUMENT on `field`.
    pub fn within_calendar(
        &self,
        region: &str,
        field: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<chrono::DateTime<chrono::Utc>, crate::ApiError> {
        let calendar = self.region(region).and_then(|r| r.calendar.as_ref());
        match calendar.map(|c| c.check(at)) {
            Some(Err(why)) => Err(crate::ApiError::invalid(field, why)),
            _ => Ok(at),
        }
    }

    /// Is `sector` active in `region`?
    pub fn offers(&self, region: &str, sector: &str) -> bool {
        self.region(region)
            .is_some_and(|r| r.sectors.iter().any(|s| s == sector))
    }
}

/// Checks pack files as a partner hands them in (`llo packs check`): each file's kind
/// follows from its folder (`regions/`, `sectors/`, `skills/`), else from its keys. A
/// region's sectors resolve against the sector packs given and those in its `../sectors/`
/// (a sector's skills list likewise in `../skills/`); files of different packs folders
/// are separate installations.
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
                    "neither a region pack (programme, sectors), a sector pack \
                     (dimensions, items) nor a skills list (skills, licence): put it under \
                     regions/, sectors/ or skills/"
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
        let ids_in = |kind: PackKind| -> Vec<String> {
            toml_files(&root.join(kind.folder()))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|path| PackFile::read(path, kind).id().map(str::to_owned))
                .collect()
        };
        let known = Known {
            sectors: ids_in(PackKind::Sector),
            skills: ids_in(PackKind::Skills),
        };
        problems.extend(validate(&files, &known).0);
    }
    problems
}

/// Ids of packs beside the files being validated, that they may reference.
#[derive(Default)]
struct Known {
    sectors: Vec<String>,
    skills: Vec<String>,
}

impl Known {
    /// These ids and those of `files` of `kind`, sorted and once each.
    fn with(files: &[PackFile], kind: PackKind, beside: &[String]) -> Vec<String> {
        let mut ids: Vec<String> = beside.to_vec();
        ids.extend(
            files
                .iter()
                .filter(|f| f.kind == kind)
                .filter_map(|f| f.id().map(str::to_owned)),
        );
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Validates a set of files together (ids unique across files, regions' sectors and
/// sectors' skills lists known) and, when nothing is wrong, returns them as packs.
fn validate(files: &[PackFile], beside: &Known) -> (Vec<Problem>, Packs) {
    let sector_ids = Known::with(files, PackKind::Sector, &beside.sectors);
    let skills_ids = Known::with(files, PackKind::Skills, &beside.skills);
    let schemas = (
        schema(PackKind::Region),
        schema(PackKind::Sector),
        schema(PackKind::Skills),
    );
    let mut problems = Vec::new();
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
                structure::check(&schemas.1, value, &mut found);
                rules::sector(value, &skills_ids, &mut found);
            }
            PackKind::Skills => {
                structure::check(&schemas.2, value, &mut found);
                rules::skills(value, &mut found);
            }
            PackKind::Region => {
                structure::check(&schemas.0, value, &mut found);
                rules::region(value, &sector_ids, &mut found);
            }
        }
        found.extend(id_problems(file, &files[..index]));
        problems.extend(in_order(found).into_iter().map(|(key, reason)| Problem {
            file: file.path.clone(),
            line: line_of(&file.text, &key),
            key,
            reason,
        }));
    }
    if !problems.is_empty() {
        return (problems, Packs::default());
    }
    deserialise(files)
}

/// A pack's id must be its file's name (overlays and operators find a pack by it,
/// k8s/README.md) and defined once among the files `before` it.
fn id_problems(file: &PackFile, before: &[PackFile]) -> Vec<(String, String)> {
    let Some(id) = file.id() else {
        return Vec::new();
    };
    let mut found = Vec::new();
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
    let first = before
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
    found
}

/// One line per key (the schema and a rule may both see a key, an empty `themes`), by
/// key, list entries in their order (items[2] before items[10]).
fn in_order(found: Vec<(String, String)>) -> Vec<(String, String)> {
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
    merged.sort_by_cached_key(|(key, _)| {
        key.split(['[', ']'])
            .map(|part| match part.parse::<usize>() {
                Ok(n) => format!("{n:010}"),
                Err(_) => part.to_owned(),
            })
            .collect::<Vec<_>>()
    });
    merged
}

/// The checked files as packs. The checks cover what deserialising needs; a problem
/// here is the backstop.
fn deserialise(files: &[PackFile]) -> (Vec<Problem>, Packs) {
    let mut problems = Vec::new();
    let mut packs = Packs::default();
    for file in files {
        let Ok(value) = file.value.clone() else {
            continue;
        };
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
            PackKind::Skills => match value.try_into::<SkillsList>() {
                Ok(list) => {
                    packs.skills.insert(list.id.clone(), Arc::new(list));
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
        Some("skills") => return Some(PackKind::Skills),
        _ => {}
    }
    let has = |key: &str| value.is_some_and(|v| v.get(key).is_some());
    if has("programme") || has("sectors") {
        Some(PackKind::Region)
    } else if has("dimensions") || has("items") {
        Some(PackKind::Sector)
    } else if has("skills") && has("licence") {
        Some(PackKind::Skills)
    } else {
        None
    }
}

pub(super) fn toml_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
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
