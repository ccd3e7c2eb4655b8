//! Region and sector packs: the data that makes a new region or sector a matter of
//! configuration. Loaded from `<packs.dir>/sectors/*.toml` and `regions/*.toml`,
//! checked at start (every reference resolves), shared read-only.
use std::{collections::HashMap, path::Path, sync::Arc};

use anyhow::Context as _;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct SectorPack {
    pub id: String,
    pub name: String,
    pub likert_min: i32,
    pub likert_max: i32,
    /// How many of the weakest dimensions become priority themes.
    pub priority_dimensions: usize,
    pub dimensions: Vec<Dimension>,
    pub items: Vec<Item>,
    #[serde(default)]
    pub interventions: Vec<Intervention>,
    #[serde(default)]
    pub themes: Vec<Theme>,
    #[serde(default)]
    pub funding_rules: Vec<FundingRule>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Dimension {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub id: String,
    pub dimension: String,
    pub text: String,
    #[serde(default)]
    pub reverse: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Intervention {
    pub dimension: String,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub planned_hours: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Theme {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FundingRule {
    pub source: String,
    pub name: String,
    pub kind: String,
    pub percentage: Option<u32>,
    pub small_firm_percentage: Option<u32>,
    pub small_firm_max_employees: Option<u32>,
    pub per_person_cap_cents: Option<i64>,
    pub budget_cents: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RegionPack {
    pub id: String,
    pub name: String,
    pub programme: String,
    pub min_group_size: u32,
    pub sectors: Vec<String>,
    #[serde(default)]
    pub budgets: Vec<Budget>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Budget {
    pub source: String,
    pub name: String,
    pub kind: String,
    pub budget_cents: i64,
}

impl SectorPack {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.likert_min < self.likert_max,
            "likert_min must be below likert_max"
        );
        anyhow::ensure!(!self.dimensions.is_empty(), "a scan needs dimensions");
        for item in &self.items {
            anyhow::ensure!(
                self.dimensions.iter().any(|d| d.id == item.dimension),
                "item {} names unknown dimension {}",
                item.id,
                item.dimension
            );
        }
        for dimension in &self.dimensions {
            anyhow::ensure!(
                self.items.iter().any(|i| i.dimension == dimension.id),
                "dimension {} has no items",
                dimension.id
            );
        }
        for intervention in &self.interventions {
            anyhow::ensure!(
                self.dimensions
                    .iter()
                    .any(|d| d.id == intervention.dimension),
                "intervention {:?} names unknown dimension {}",
                intervention.title,
                intervention.dimension
            );
        }
        let mut ids: Vec<_> = self.items.iter().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        anyhow::ensure!(ids.len() == self.items.len(), "item ids must be unique");
        Ok(())
    }
}

/// Every pack of the installation.
#[derive(Debug, Clone, Default)]
pub struct Packs {
    pub sectors: HashMap<String, Arc<SectorPack>>,
    pub regions: HashMap<String, Arc<RegionPack>>,
}

impl Packs {
    pub fn load(dir: &Path) -> anyhow::Result<Packs> {
        let mut packs = Packs::default();
        for (path, text) in read_folder(&dir.join("sectors"))? {
            let pack: SectorPack =
                toml::from_str(&text).with_context(|| format!("sector pack {}", path.display()))?;
            pack.check()
                .with_context(|| format!("sector pack {}", path.display()))?;
            packs.sectors.insert(pack.id.clone(), Arc::new(pack));
        }
        for (path, text) in read_folder(&dir.join("regions"))? {
            let pack: RegionPack =
                toml::from_str(&text).with_context(|| format!("region pack {}", path.display()))?;
            for sector in &pack.sectors {
                anyhow::ensure!(
                    packs.sectors.contains_key(sector),
                    "region pack {}: unknown sector {sector}",
                    path.display()
                );
            }
            packs.regions.insert(pack.id.clone(), Arc::new(pack));
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

fn read_folder(dir: &Path) -> anyhow::Result<Vec<(std::path::PathBuf, String)>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("packs.dir: cannot read {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            files.push((path, text));
        }
    }
    files.sort();
    Ok(files)
}
