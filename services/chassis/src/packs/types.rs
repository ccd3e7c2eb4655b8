//! The packs' types: they are the schema (`schema` derives the JSON Schema from them).
use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Eligibility, FUNDING_KINDS, OTHER_THEME, Packs};

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
    /// The skills list (`skills/<id>.toml` beside `sectors/`) whose skills the sector's
    /// learning goals and course offerings may name; none: any ESCO skill URI.
    #[serde(default)]
    pub skills: Option<String>,
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
    /// What the source pays for, per its regulation; a region budget's rules win.
    #[serde(default)]
    pub eligibility: Option<Eligibility>,
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
    /// When the programme runs and its phases. Dates people record afterwards (an
    /// activity completed, a scan closed) must fall within it; without a calendar only
    /// "not in the future" holds.
    #[serde(default)]
    pub calendar: Option<Calendar>,
    /// The project plan's work packages: what hours and costs of the grant's books are
    /// booked on.
    #[serde(default)]
    pub work_packages: Vec<WorkPackage>,
}

/// A work package of the programme's project plan, e.g. the needs assessment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WorkPackage {
    /// Lower-case letters, digits, `-` and `_`; unique in the pack.
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
    /// The calendar phase the work package belongs to; none for work throughout the
    /// programme (project management).
    pub phase: Option<String>,
    /// Activities whose time is proposed on this work package for whoever did them: a
    /// coaching session for its coach (`coaching_sessions`).
    #[serde(default)]
    pub takes: Vec<ProposedActivity>,
}

crate::text_enum! {
    /// An activity whose time the grant's books propose as a time entry.
    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ProposedActivity {
        /// A coaching session, for the trajectory's coach.
        CoachingSessions => "coaching_sessions",
        /// A workshop of the learning community, for the people who ran it, once its
        /// attendance is recorded.
        HostedWorkshops => "hosted_workshops",
    }
}

/// A programme's calendar: its first and last day and its phases, in order. Dates are
/// `YYYY-MM-DD` strings, whole days in UTC.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Calendar {
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(default)]
    pub phases: Vec<Phase>,
}

/// One phase of a programme, e.g. the needs assessment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Phase {
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl RegionPack {
    /// The work package with this id.
    pub fn work_package(&self, id: &str) -> Option<&WorkPackage> {
        self.work_packages.iter().find(|w| w.id == id)
    }

    /// The work package that takes this activity's time: of those that take it, the one
    /// whose phase holds `day`, else one without a phase.
    pub fn work_package_taking(
        &self,
        activity: ProposedActivity,
        day: NaiveDate,
    ) -> Option<&WorkPackage> {
        let taking = || {
            self.work_packages
                .iter()
                .filter(move |w| w.takes.contains(&activity))
        };
        let in_phase = taking().find(|w| {
            let phase = w.phase.as_deref().zip(self.calendar.as_ref());
            phase
                .and_then(|(id, calendar)| calendar.phase(id))
                .is_some_and(|p| p.start <= day && day <= p.end)
        });
        in_phase.or_else(|| taking().find(|w| w.phase.is_none()))
    }
}

impl Calendar {
    /// Why `at` cannot be when something of the programme happened, if it cannot.
    pub fn check(&self, at: DateTime<Utc>) -> Result<(), String> {
        let day = at.date_naive();
        if day < self.start {
            return Err(format!(
                "lies before the programme's start ({})",
                self.start
            ));
        }
        if day > self.end {
            return Err(format!("lies after the programme's end ({})", self.end));
        }
        Ok(())
    }

    /// The phase `at` falls in, if any.
    pub fn phase_of(&self, at: DateTime<Utc>) -> Option<&Phase> {
        let day = at.date_naive();
        self.phases.iter().find(|p| p.start <= day && day <= p.end)
    }

    /// The phase with this id.
    pub fn phase(&self, id: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.id == id)
    }
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
    /// Share of an eligible cost this source carries, in percent; a sector rule's
    /// `percentage` when absent (MKB!DEE: 100).
    #[schemars(range(max = 100))]
    pub percentage: Option<u32>,
    /// What the source pays for, per its regulation.
    #[serde(default)]
    pub eligibility: Option<Eligibility>,
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

/// A list of skills (a subset of ESCO) shipped as data with its version and licence;
/// sector packs name it under `skills`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SkillsList {
    /// Stable identifier, the file's name, e.g. `esco-techniek-metaal`.
    #[schemars(length(min = 1))]
    pub id: String,
    pub name: String,
    /// Which release of the classification the subset is from.
    #[schemars(length(min = 1))]
    pub version: String,
    /// Where the classification is published.
    pub source: String,
    /// The licence and the acknowledgement it asks for.
    #[schemars(length(min = 1))]
    pub licence: String,
    #[serde(default)]
    pub licence_url: Option<String>,
    #[schemars(length(min = 1))]
    pub skills: Vec<Skill>,
}

/// One skill of a list.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Skill {
    /// The ESCO concept URI (`http://data.europa.eu/esco/skill/…`); unique in the list.
    #[schemars(length(min = 1))]
    pub uri: String,
    /// The English preferred label.
    #[schemars(length(min = 1))]
    pub en: String,
    /// The Dutch label.
    #[schemars(length(min = 1))]
    pub nl: String,
}

/// The skills a request may name: those of the lists of one or more sector packs. When
/// none of the sectors has a list, any ESCO skill URI is accepted (`restricted` false).
#[derive(Debug, Clone, Default)]
pub struct Skills {
    skills: Vec<ListedSkill>,
    restricted: bool,
}

/// A skill with the list it is from.
#[derive(Debug, Clone)]
pub struct ListedSkill {
    pub skill: Skill,
    pub list_id: String,
    pub list_version: String,
}

impl Skills {
    pub fn of<'a>(packs: &Packs, sectors: impl IntoIterator<Item = &'a SectorPack>) -> Skills {
        let mut found = Skills::default();
        for sector in sectors {
            let Some(list) = sector.skills.as_deref().and_then(|id| packs.skills.get(id)) else {
                continue;
            };
            found.restricted = true;
            for skill in &list.skills {
                if found.get(&skill.uri).is_none() {
                    found.skills.push(ListedSkill {
                        skill: skill.clone(),
                        list_id: list.id.clone(),
                        list_version: list.version.clone(),
                    });
                }
            }
        }
        found
    }

    /// Every sector pack of a region (`None`: no such region).
    pub fn of_region(packs: &Packs, region: &str) -> Option<Skills> {
        let region = packs.region(region)?;
        Some(Skills::of(
            packs,
            region
                .sectors
                .iter()
                .filter_map(|s| packs.sector(s))
                .map(|s| &**s),
        ))
    }

    pub fn all(&self) -> &[ListedSkill] {
        &self.skills
    }

    pub fn get(&self, uri: &str) -> Option<&ListedSkill> {
        self.skills.iter().find(|s| s.skill.uri == uri)
    }

    /// Is `uri` one of them (or are they unrestricted)? When not, the reason: the field
    /// violation's description.
    pub fn check(&self, uri: &str) -> Result<(), String> {
        if !self.restricted || self.get(uri).is_some() {
            return Ok(());
        }
        Err(format!(
            "{uri:?} is not in the sector's skills list ({} skills; find them with SearchSkills)",
            self.skills.len()
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
