//! `llo packs`: check region and sector packs before they are deployed, show one as the
//! suite reads it, write the packs' JSON Schema (generated from the pack types), and check
//! a folder of regions' own notice texts.
use std::path::PathBuf;

use llo_chassis::packs::{self, PackKind, Packs, RegionPack, SectorPack, SkillsList};

#[derive(clap::Args)]
pub struct PacksArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Validate pack files: every problem as `file:line: key.path: reason`; exits non-zero on any.
    Check {
        /// Region packs (under regions/) and sector packs (under sectors/).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show a region pack, sector pack or skills list by its id, as the services read it.
    Show {
        /// A region id (e.g. achterhoek), a sector id (e.g. techniek-metaal) or a skills
        /// list id (e.g. esco-techniek-metaal).
        id: String,
        /// The packs folder (regions/ and sectors/).
        #[arg(long, env = "LLO_PACKS__DIR", default_value = "infra/packs")]
        dir: PathBuf,
    },
    /// Check a folder of regions' own notice texts (intake's `notices.templates_dir`,
    /// `<region>/<kind>.txt`): every file a known kind with known placeholders, every
    /// folder a region; shows which texts fall back to the shipped ones.
    Notices {
        /// The templates folder.
        templates_dir: PathBuf,
        /// The packs folder (its regions name the folders).
        #[arg(long, env = "LLO_PACKS__DIR", default_value = "infra/packs")]
        dir: PathBuf,
    },
    /// Print the JSON Schema of a kind of pack, or write them all into <dir>/schema/.
    Schema {
        /// region, sector or skills (omit with --write).
        #[arg(required_unless_present = "write")]
        kind: Option<Kind>,
        /// Write region, sector and skills .schema.json into <dir>/schema/.
        #[arg(long)]
        write: bool,
        #[arg(long, default_value = "infra/packs")]
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Kind {
    Region,
    Sector,
    Skills,
}

impl From<Kind> for PackKind {
    fn from(kind: Kind) -> PackKind {
        match kind {
            Kind::Region => PackKind::Region,
            Kind::Sector => PackKind::Sector,
            Kind::Skills => PackKind::Skills,
        }
    }
}

pub fn run(args: PacksArgs) -> anyhow::Result<()> {
    match args.action {
        Action::Check { files } => {
            // The problems are the output: a clean exit status, no error report on top.
            if let Err(summary) = check(&files) {
                eprintln!("{summary}");
                std::process::exit(1);
            }
            Ok(())
        }
        Action::Show { id, dir } => show(&id, &dir),
        Action::Notices { templates_dir, dir } => {
            if let Err(summary) = notices(&templates_dir, &dir) {
                eprintln!("{summary}");
                std::process::exit(1);
            }
            Ok(())
        }
        Action::Schema { kind, write, dir } => schema(kind, write, &dir),
    }
}

fn check(files: &[PathBuf]) -> anyhow::Result<()> {
    let problems = packs::check_files(files);
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        println!("{} pack file(s): no problems", files.len());
        Ok(())
    } else {
        let mut with_problems: Vec<_> = problems.iter().map(|p| &p.file).collect();
        with_problems.dedup();
        anyhow::bail!(
            "{} problem(s) in {} of {} pack file(s)",
            problems.len(),
            with_problems.len(),
            files.len()
        )
    }
}

/// Intake's own check of the texts (the one it runs at start), every problem listed.
fn notices(templates_dir: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<()> {
    let packs = Packs::load(dir)?;
    let mut regions: Vec<String> = packs.regions.keys().cloned().collect();
    regions.sort();
    let check = llo_intake::notices::texts::check_dir(templates_dir, &regions)?;
    for (region, own, shipped) in &check.regions {
        println!(
            "{region}: own {}; shipped {}",
            if own.is_empty() {
                "none".to_owned()
            } else {
                own.join(", ")
            },
            if shipped.is_empty() {
                "none".to_owned()
            } else {
                shipped.join(", ")
            }
        );
    }
    for problem in &check.problems {
        println!("{problem}");
    }
    if check.problems.is_empty() {
        println!("{} region folder(s): no problems", check.regions.len());
        Ok(())
    } else {
        anyhow::bail!(
            "{} problem(s) in {}",
            check.problems.len(),
            templates_dir.display()
        )
    }
}

fn show(id: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let packs = Packs::load(dir)?;
    if let Some(region) = packs.region(id) {
        print!("{}", region_text(region));
    } else if let Some(sector) = packs.sector(id) {
        print!("{}", sector_text(sector));
    } else if let Some(list) = packs.skills.get(id) {
        print!("{}", skills_text(list));
    } else {
        let mut known: Vec<&String> = packs
            .regions
            .keys()
            .chain(packs.sectors.keys())
            .chain(packs.skills.keys())
            .collect();
        known.sort();
        let known: Vec<&str> = known.into_iter().map(String::as_str).collect();
        anyhow::bail!(
            "no region or sector pack \"{id}\" in {}; there are: {}",
            dir.display(),
            known.join(", ")
        );
    }
    Ok(())
}

fn schema(kind: Option<Kind>, write: bool, dir: &std::path::Path) -> anyhow::Result<()> {
    if !write {
        if let Some(kind) = kind {
            print!("{}", packs::schema_text(kind.into()));
        }
        return Ok(());
    }
    let folder = dir.join("schema");
    std::fs::create_dir_all(&folder)?;
    for kind in PackKind::ALL {
        let path = folder.join(packs::schema_file(kind));
        std::fs::write(&path, packs::schema_text(kind))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

use llo_chassis::money::euros;

fn skills_text(list: &SkillsList) -> String {
    let mut out = format!(
        "skills list {} — {}\nversion: {}\nsource: {}\nlicence: {}\n{} skills:\n",
        list.id,
        list.name,
        list.version,
        list.source,
        list.licence,
        list.skills.len()
    );
    for skill in &list.skills {
        out.push_str(&format!("  {}  {} ({})\n", skill.uri, skill.nl, skill.en));
    }
    out
}

fn region_text(region: &RegionPack) -> String {
    let mut out = format!(
        "region {} — {}\nprogramme: {}\nsectors: {}\nsmallest group shown: {}\n",
        region.id,
        region.name,
        region.programme,
        region.sectors.join(", "),
        region.min_group_size
    );
    if !region.budgets.is_empty() {
        out.push_str("budgets:\n");
        for budget in &region.budgets {
            out.push_str(&format!(
                "  {:<24} {:<20} {:>16}  {}\n",
                budget.source,
                budget.kind,
                euros(budget.budget_cents),
                budget.name
            ));
        }
    }
    out
}

fn sector_text(sector: &SectorPack) -> String {
    let mut out = format!(
        "sector {} — {}\nscale: {} to {}; the {} weakest dimension(s) become priorities\n",
        sector.id, sector.name, sector.likert_min, sector.likert_max, sector.priority_dimensions
    );
    if let Some(list) = &sector.skills {
        out.push_str(&format!("skills list: {list}\n"));
    }
    out.push_str("intervention kinds:\n");
    for kind in &sector.intervention_kinds {
        out.push_str(&format!("  {:<32} {}\n", kind.id, kind.name));
    }
    for dimension in &sector.dimensions {
        out.push_str(&format!(
            "\ndimension {} — {}\n",
            dimension.id, dimension.name
        ));
        for item in sector.items.iter().filter(|i| i.dimension == dimension.id) {
            let reverse = if item.reverse { " (reversed)" } else { "" };
            out.push_str(&format!("  item {}{reverse}: {}\n", item.id, item.text));
        }
        for intervention in sector
            .interventions
            .iter()
            .filter(|i| i.dimension == dimension.id)
        {
            out.push_str(&format!(
                "  intervention [{}, {} h]: {}\n",
                intervention.kind, intervention.planned_hours, intervention.title
            ));
        }
    }
    out.push_str(&format!(
        "\nlearning themes (and \"{}\" in every sector):\n",
        packs::OTHER_THEME
    ));
    for theme in &sector.learning_themes {
        out.push_str(&format!("  {:<32} {}\n", theme.id, theme.name));
    }
    out.push_str(&format!(
        "\ncommunity themes (and \"{}\" in every sector):\n",
        packs::OTHER_THEME
    ));
    for theme in &sector.themes {
        out.push_str(&format!("  {:<32} {}\n", theme.id, theme.name));
    }
    if !sector.funding_rules.is_empty() {
        out.push_str("funding rules:\n");
        for rule in &sector.funding_rules {
            let mut terms = Vec::new();
            if let Some(p) = rule.percentage {
                terms.push(format!("{p}%"));
            }
            if let (Some(p), Some(max)) =
                (rule.small_firm_percentage, rule.small_firm_max_employees)
            {
                terms.push(format!("{p}% up to {max} employees"));
            }
            if let Some(cap) = rule.per_person_cap_cents {
                terms.push(format!("at most {} per person", euros(cap)));
            }
            if let Some(budget) = rule.budget_cents {
                terms.push(format!("budget {}", euros(budget)));
            }
            out.push_str(&format!(
                "  {:<24} {:<20} {}{}\n",
                rule.source,
                rule.kind,
                rule.name,
                if terms.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", terms.join(", "))
                }
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/packs")
    }

    #[test]
    fn show_prints_a_region_with_its_budgets_and_a_sector_with_its_scan() {
        let packs = Packs::load(&shipped()).unwrap();
        let region = region_text(packs.region("achterhoek").unwrap());
        assert!(region.contains("sectors: techniek-metaal"), "{region}");
        assert!(region.contains("€ 200.000,00"), "{region}");
        let sector = sector_text(packs.sector("techniek-metaal").unwrap());
        assert!(sector.contains("item leiderschap-3 (reversed)"), "{sector}");
        assert!(
            sector.contains("intervention kinds:\n  coaching_directors "),
            "{sector}"
        );
        assert!(
            sector.contains("learning themes (and \"other\" in every sector):\n  cnc "),
            "{sector}"
        );
        assert!(
            sector.contains("SLIM-subsidie (60%, 80% up to 49 employees)"),
            "{sector}"
        );
    }

    #[test]
    fn check_fails_on_a_broken_pack_and_passes_the_shipped_ones() {
        let mut files: Vec<PathBuf> = Vec::new();
        for folder in ["regions", "sectors", "skills"] {
            for entry in std::fs::read_dir(shipped().join(folder)).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        check(&files).unwrap();

        let folder = std::env::temp_dir().join(format!("llo-pack-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let broken = folder.join("x.toml");
        std::fs::write(
            &broken,
            "id = \"x\"\nname = \"X\"\nprogramme = \"P\"\nsectors = []\n",
        )
        .unwrap();
        let error = check(std::slice::from_ref(&broken))
            .unwrap_err()
            .to_string();
        let _ = std::fs::remove_dir_all(&folder);
        assert_eq!(error, "2 problem(s) in 1 of 1 pack file(s)");
    }
}
