//! A region's demo file (`infra/demo/<region>.toml`): the synthetic companies and people,
//! the partners, the education provider and its courses, the workshops, knowledge items,
//! feedback and the search word. The packs give the rest (the scan's dimensions, the
//! community themes, the funding sources). Loading checks the file against the packs, so
//! a theme the services would refuse is named before anything is sent.
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::Context as _;
use llo_chassis::packs::{LearningThemes, OTHER_THEME, Packs, RegionPack, SectorPack, Skills};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoData {
    /// One of the region pack's sectors; the region's first sector when omitted.
    #[serde(default)]
    pub sector: Option<String>,
    pub search: String,
    /// What a coach types to find a skill in the sector's skills list (SearchSkills).
    #[serde(default)]
    pub skill_search: Option<String>,
    pub given_names: Vec<String>,
    pub family_names: Vec<String>,
    pub supervisor_title: String,
    pub employee_title: String,
    /// What the coach discusses in each trajectory's coaching sessions, one per session.
    pub coaching_topics: Vec<String>,
    #[serde(default)]
    pub needs: Vec<Need>,
    pub provider: Provider,
    pub companies: Vec<CompanyData>,
    #[serde(default)]
    pub partners: Vec<PartnerData>,
    #[serde(default)]
    pub workshops: Vec<WorkshopData>,
    #[serde(default)]
    pub feedback: Vec<Feedback>,
    #[serde(default)]
    pub knowledge: Vec<KnowledgeData>,
    /// The region's coaches; trajectories are shared among them in turn.
    pub coaches: Vec<CoachData>,
    /// The grant's books: the project plan and the hours the pilot records on it.
    #[serde(default)]
    pub project: Option<ProjectData>,
}

/// The collaboration that receives the grant: every company of the pilot, with the same
/// rate and planned hours, and the other participants (the lead applicant).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectData {
    /// The companies' own people, at a fixed hourly rate (euro cents).
    pub company_hourly_rate_cents: i64,
    /// Each company's planned hours per work package.
    pub company_hours: BTreeMap<String, i32>,
    /// How many of a company's people (its first employees) are on its project team.
    pub company_team: usize,
    /// The share of the planned hours the pilot records and approves, in percent.
    pub realised_percent: i32,
    #[serde(default)]
    pub participants: Vec<ProjectParticipantData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectParticipantData {
    pub key: String,
    pub name: String,
    /// `lead_applicant` or `partner`.
    pub role: String,
    #[serde(default)]
    pub sme: bool,
    pub hourly_rate_cents: i64,
    /// Coaches' ids: the people who book the participant's hours.
    pub team: Vec<String>,
    /// Planned hours per work package.
    #[serde(default)]
    pub hours: BTreeMap<String, i32>,
    /// Planned third-party costs per work package, euro cents.
    #[serde(default)]
    pub third_party_cents: BTreeMap<String, i64>,
    /// Third parties' invoices the participant bears.
    #[serde(default)]
    pub invoices: Vec<InvoiceData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceData {
    pub supplier: String,
    pub number: String,
    /// The invoice date, YYYY-MM-DD.
    pub day: String,
    pub work_package: String,
    /// `third_party_services`, `training_fees`, `materials` or `travel`.
    pub cost_type: String,
    pub excl_vat_cents: i64,
    pub incl_vat_cents: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoachData {
    /// The coach's token subject.
    pub id: String,
    pub name: String,
    pub organisation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub theme: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub credential_url: String,
    pub courses: Vec<Course>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    pub code: String,
    pub title: String,
    pub theme: String,
    pub hours: i32,
    pub price_cents: i64,
    /// ESCO skill URIs of the region's skills lists the course teaches.
    #[serde(default)]
    pub skills: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyData {
    pub kvk: String,
    pub name: String,
    pub municipality: String,
    pub employees: i32,
    pub staff: usize,
    #[serde(default)]
    pub profile: Vec<f64>,
    pub coach_need: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerData {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub contact_role: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkshopData {
    pub theme: String,
    pub title: String,
    pub description: String,
    /// The hosting partner's key.
    pub host: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub online_url: String,
    pub capacity: i32,
    #[serde(default)]
    pub seats_per_company: i32,
    /// The day it was held (on the programme's calendar, in the past): the pilot records
    /// it afterwards with its registrations, the cancellation, attendance and feedback.
    #[serde(default)]
    pub held_on: Option<chrono::NaiveDate>,
    /// Else: scheduled this many weeks ahead of today, a few people registering.
    #[serde(default)]
    pub weeks_ahead: i64,
    /// How many people registered for the held workshop.
    #[serde(default)]
    pub registrations: usize,
    /// Why one booked person cancelled (the held workshop; none cancels when empty).
    #[serde(default)]
    pub cancellation_reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    pub rating: i32,
    pub comment: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeData {
    pub key: String,
    /// The authoring company: its index in `companies`.
    pub company: usize,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub themes: Vec<String>,
    pub visibility: String,
}

impl DemoData {
    /// The workshop held on the programme's calendar, recorded afterwards.
    pub fn held_workshop(&self) -> Option<(&WorkshopData, chrono::NaiveDate)> {
        self.workshops
            .iter()
            .find_map(|w| w.held_on.map(|day| (w, day)))
    }

    /// The synthetic name (given, family) of company `company`'s `n`th employee.
    pub fn person(&self, company: usize, n: usize) -> (String, String) {
        let pick = |list: &[String], i: usize| {
            list.get(i % list.len().max(1))
                .cloned()
                .unwrap_or_else(|| "Demo".into())
        };
        (
            pick(&self.given_names, company * 3 + n),
            pick(&self.family_names, company + n * 5),
        )
    }
}

/// A pilot to run: the region's pack, the sector's pack and the demo file.
pub struct Pilot {
    pub region: Arc<RegionPack>,
    pub sector: Arc<SectorPack>,
    pub data: DemoData,
}

/// The demo file of `region` in `dir`.
pub fn file(dir: &Path, region: &str) -> PathBuf {
    dir.join(format!("{region}.toml"))
}

/// Reads the demo file and the packs it runs on, and checks one against the other.
pub fn load(path: &Path, region: &str, packs_dir: &Path) -> anyhow::Result<Pilot> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "no demo data for region {region:?}: cannot read {} (run from the \
             repository's root, or name the folder with --demo-data)",
            path.display()
        )
    })?;
    let data: DemoData =
        toml::from_str(&text).with_context(|| format!("demo file {}", path.display()))?;
    let packs = Packs::load(packs_dir)?;
    let region_pack = packs
        .region(region)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no region pack {region} in {}", packs_dir.display()))?;
    let sector_id = match &data.sector {
        Some(sector) => {
            anyhow::ensure!(
                region_pack.sectors.contains(sector),
                "demo file {}: region {region} has no sector {sector}",
                path.display()
            );
            sector
        }
        None => region_pack
            .sectors
            .first()
            .ok_or_else(|| anyhow::anyhow!("region pack {region} names no sector"))?,
    };
    let sector = packs
        .sector(sector_id)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no sector pack {sector_id}"))?;
    let mut problems = shape_problems(&data);
    problems.extend(theme_problems(&data, &packs, region, &sector));
    problems.extend(calendar_problems(&data, &region_pack));
    anyhow::ensure!(
        problems.is_empty(),
        "demo file {}: what the pilot or the services would refuse:\n  {}",
        path.display(),
        problems.join("\n  ")
    );
    Ok(Pilot {
        region: region_pack,
        sector,
        data,
    })
}

/// What the pilot itself needs of the file, as `key: reason`.
fn shape_problems(data: &DemoData) -> Vec<String> {
    let mut problems = Vec::new();
    let mut require = |ok: bool, problem: &str| {
        if !ok {
            problems.push(problem.to_owned());
        }
    };
    require(!data.companies.is_empty(), "companies: none");
    require(!data.provider.courses.is_empty(), "provider.courses: none");
    require(!data.coaches.is_empty(), "coaches: none");
    require(!data.coaching_topics.is_empty(), "coaching_topics: none");
    require(
        data.workshops
            .iter()
            .filter(|w| w.held_on.is_some())
            .count()
            == 1,
        "workshops: exactly one must have held_on (the one recorded afterwards)",
    );
    for (i, workshop) in data.workshops.iter().enumerate() {
        if workshop.held_on.is_none() && workshop.weeks_ahead < 1 {
            problems.push(format!(
                "workshops[{i}]: held_on (a day it was held) or weeks_ahead (1 or more)"
            ));
        }
        if !data.partners.iter().any(|p| p.key == workshop.host) {
            problems.push(format!(
                "workshops[{i}].host: {:?} is not a partner's key",
                workshop.host
            ));
        }
    }
    if let Some(project) = &data.project {
        if !(1..=100).contains(&project.realised_percent) {
            problems.push("project.realised_percent: from 1 to 100".into());
        }
        for (i, participant) in project.participants.iter().enumerate() {
            if !matches!(participant.role.as_str(), "lead_applicant" | "partner") {
                problems.push(format!(
                    "project.participants[{i}].role: lead_applicant or partner, not {:?}",
                    participant.role
                ));
            }
        }
    }
    for (i, item) in data.knowledge.iter().enumerate() {
        if item.company >= data.companies.len() {
            problems.push(format!(
                "knowledge[{i}].company: {} is not an index in companies",
                item.company
            ));
        }
    }
    problems
}

/// The days the services would refuse, as `key: reason`: a workshop is held in the past
/// and within the region's programme calendar.
fn calendar_problems(data: &DemoData, region: &RegionPack) -> Vec<String> {
    let today = chrono::Utc::now().date_naive();
    let mut problems = Vec::new();
    for (i, workshop) in data.workshops.iter().enumerate() {
        let Some(day) = workshop.held_on else {
            continue;
        };
        let noon = day.and_hms_opt(12, 0, 0).map(|t| t.and_utc());
        let outside = region
            .calendar
            .as_ref()
            .zip(noon)
            .and_then(|(calendar, noon)| calendar.check(noon).err());
        if let Some(why) = outside {
            problems.push(format!("workshops[{i}].held_on: {day} {why}"));
        } else if day >= today {
            problems.push(format!(
                "workshops[{i}].held_on: {day} lies not in the past"
            ));
        }
    }
    problems
}

/// The demo file's themes the services would refuse, as `key: reason`: learning needs
/// on a learning theme of the sector, courses on one of any sector of the region,
/// workshops and knowledge items on a community theme of the region (or `other`).
fn theme_problems(
    data: &DemoData,
    packs: &Packs,
    region: &str,
    sector: &SectorPack,
) -> Vec<String> {
    let mut problems = Vec::new();
    let learning = LearningThemes::of([sector]);
    for (i, need) in data.needs.iter().enumerate() {
        if let Err(reason) = learning.check(&need.theme) {
            problems.push(format!("needs[{i}].theme: {reason}"));
        }
    }
    let courses = LearningThemes::of_region(packs, region).unwrap_or_default();
    let skills = Skills::of_region(packs, region).unwrap_or_default();
    for (i, course) in data.provider.courses.iter().enumerate() {
        if let Err(reason) = courses.check(&course.theme) {
            problems.push(format!("provider.courses[{i}].theme: {reason}"));
        }
        for (j, uri) in course.skills.iter().enumerate() {
            if let Err(reason) = skills.check(uri) {
                problems.push(format!("provider.courses[{i}].skills[{j}]: {reason}"));
            }
        }
    }
    let community: Vec<&str> = packs
        .region(region)
        .into_iter()
        .flat_map(|r| r.sectors.iter())
        .filter_map(|s| packs.sector(s))
        .flat_map(|s| s.themes.iter().map(|t| t.id.as_str()))
        .collect();
    let unknown = |theme: &str| theme != OTHER_THEME && !community.contains(&theme);
    for (i, workshop) in data.workshops.iter().enumerate() {
        if unknown(&workshop.theme) {
            problems.push(format!(
                "workshops[{i}].theme: {:?} is not a community theme of the region",
                workshop.theme
            ));
        }
    }
    for (i, item) in data.knowledge.iter().enumerate() {
        for (j, theme) in item.themes.iter().enumerate() {
            if unknown(theme) {
                problems.push(format!(
                    "knowledge[{i}].themes[{j}]: {theme:?} is not a community theme of the region"
                ));
            }
        }
    }
    if let (Some(project), Some(pack)) = (&data.project, packs.region(region)) {
        let mut packages: Vec<(String, &String)> = project
            .company_hours
            .keys()
            .map(|wp| ("project.company_hours".to_owned(), wp))
            .collect();
        for (i, p) in project.participants.iter().enumerate() {
            let at = format!("project.participants[{i}]");
            packages.extend(p.hours.keys().map(|wp| (format!("{at}.hours"), wp)));
            packages.extend(
                p.third_party_cents
                    .keys()
                    .map(|wp| (format!("{at}.third_party_cents"), wp)),
            );
            packages.extend(
                p.invoices
                    .iter()
                    .enumerate()
                    .map(|(j, inv)| (format!("{at}.invoices[{j}]"), &inv.work_package)),
            );
        }
        for (at, wp) in packages {
            if pack.work_package(wp).is_none() {
                problems.push(format!("{at}.{wp}: not a work package of the region pack"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// Loads a copy of a shipped demo file with one edit.
    fn load_edited(region: &str, from: &str, to: &str) -> String {
        let path = workspace().join(format!("infra/demo/{region}.toml"));
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains(from), "{from}");
        let dir = std::env::temp_dir().join(format!("llo-demo-{region}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{region}.toml"));
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let error = load(&path, region, &workspace().join("infra/packs"))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        let _ = std::fs::remove_dir_all(dir);
        error
    }

    /// Every demo file of the repository runs on its packs; the Achterhoek's among them.
    #[test]
    fn the_shipped_demo_files_run_on_their_packs() {
        let packs = workspace().join("infra/packs");
        let mut regions = Vec::new();
        for entry in std::fs::read_dir(workspace().join("infra/demo")).unwrap() {
            let path = entry.unwrap().path();
            let region = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if let Err(error) = load(&path, &region, &packs) {
                panic!("{error:#}");
            }
            regions.push(region);
        }
        assert!(regions.contains(&"achterhoek".to_owned()), "{regions:?}");
    }

    #[test]
    fn a_workshop_held_outside_the_programme_is_refused_naming_it() {
        let error = load_edited(
            "achterhoek",
            "held_on = \"2022-03-17\"",
            "held_on = \"2023-03-17\"",
        );
        assert!(
            error.contains("workshops[0].held_on: 2023-03-17 lies after the programme's end"),
            "{error}"
        );
    }

    #[test]
    fn a_demo_file_with_a_free_theme_is_refused_naming_it() {
        let error = load_edited(
            "twente",
            "theme = \"intervisie\"",
            "theme = \"Intervisie leiden\"",
        );
        assert!(
            error.contains(
                "needs[2].theme: \"Intervisie leiden\" is not a learning theme of the sector pack"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_workshop_hosted_by_no_partner_is_refused_naming_it() {
        let error = load_edited("achterhoek", "host = \"han\"", "host = \"hanze\"");
        assert!(
            error.contains("workshops[2].host: \"hanze\" is not a partner's key"),
            "{error}"
        );
    }

    #[test]
    fn a_misspelt_field_is_refused_naming_it() {
        let error = load_edited("achterhoek", "weeks_ahead = 3", "weeks_ahaed = 3");
        assert!(error.contains("weeks_ahaed"), "{error}");
    }

    #[test]
    fn a_region_without_a_demo_file_is_named() {
        let error = load(
            &file(&workspace().join("infra/demo"), "drenthe"),
            "drenthe",
            &workspace().join("infra/packs"),
        )
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
        assert!(
            error.starts_with("no demo data for region \"drenthe\""),
            "{error}"
        );
    }
}
