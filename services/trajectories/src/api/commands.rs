//! The one place a request is read: each mutating request becomes a domain command,
//! with every bad field named at once (one `BadRequest`), before anything is written.
//! Fields that are pack data (an intervention's kind, a learning theme) are read against
//! the sector pack of what the request is about, which the handler looks up first; when
//! that is not found, the check is left to the lookup after parsing (NOT_FOUND).
use chrono::{DateTime, Utc};
use llo_chassis::{
    ApiError, FieldViolation,
    fields::{
        Cents, Email, Fields, Name, Parsed, Prose, Text, bounded, check_id, instant, non_empty,
        occurred, optional_instant,
    },
    packs::{LearningThemes, Packs, SectorPack, Skills},
};
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use super::{PlanTerms, mapping};
use crate::domain::{
    commands::{
        ActivityOrigin, AddLearningGoal, AllocateFunding, AssignCoach, ChangeTrajectoryStatus,
        CoachId, CompleteLearningActivity, CourseRun, Credential, KindId, Link, PlanIntervention,
        PlanLearningActivity, PublishOffering, RecordCoachingSession, RegisterCoach, Theme, Topic,
    },
    lifecycle::Transition,
};
use crate::ooapi::login::{Login, SECRET_ENV_PREFIX};

/// The most euro cents one amount of this service may carry (a million euros).
const MAX_CENTS: i64 = 100_000_000;
const MAX_THEMES: usize = 20;
const MAX_COACH_REGIONS: usize = 20;
const MAX_START_TIMES: usize = 200;
const MAX_SKILLS: usize = 50;
/// Skills a learning goal may name.
const MAX_GOAL_SKILLS: usize = 20;
const ESCO_PREFIX: &str = "http://data.europa.eu/esco/";

fn cents(value: i64, least: i64) -> Result<Cents, String> {
    if !(least..=MAX_CENTS).contains(&value) {
        return Err(format!(
            "must be from {least} to {MAX_CENTS} (whole euro cents)"
        ));
    }
    Cents::parse(value)
}

/// An optional id: empty means absent.
fn optional_id(value: &str) -> Result<Option<Uuid>, String> {
    non_empty(value).map(check_id).transpose()
}

/// A session is logged after it is held; a day's grace covers clocks and time zones.
fn held(value: Option<&prost_types::Timestamp>) -> Result<DateTime<Utc>, String> {
    let at = instant(value)?;
    if at > Utc::now() + chrono::Duration::hours(24) {
        return Err("lies in the future".into());
    }
    Ok(at)
}

/// A learning theme: bounded text and, when the themes are known, one of them or `other`.
fn learning_theme(value: &str, themes: Option<&LearningThemes>) -> Result<Theme, String> {
    let theme = Theme::required(value)?;
    if let Some(themes) = themes {
        themes.check(&theme)?;
    }
    Ok(theme)
}

/// The kind of an intervention: `kind_id` (a kind of the trajectory's sector pack) or
/// the deprecated enum `kind` (its id), exactly one of them.
fn intervention_kind(
    f: &mut Fields,
    r: &pb::PlanInterventionRequest,
    sector: Option<&SectorPack>,
) -> Option<KindId> {
    let in_pack = |id: KindId| match sector {
        Some(sector) => sector.check_intervention_kind(&id).map(|()| id),
        None => Ok(id),
    };
    match (non_empty(&r.kind_id), r.kind) {
        (Some(_), legacy) if legacy != 0 => {
            f.add("kind", "give kind_id or the deprecated kind, not both");
            None
        }
        (Some(id), _) => f.take("kind_id", KindId::required(id).and_then(in_pack)),
        (None, 0) => {
            let known = sector.map(|s| {
                let ids: Vec<&str> = s.intervention_kinds.iter().map(|k| k.id.as_str()).collect();
                format!(": one of {}", llo_chassis::packs::brief(&ids))
            });
            f.add(
                "kind_id",
                format!(
                    "is required (an intervention kind of the sector pack{})",
                    known.unwrap_or_default()
                ),
            );
            None
        }
        (None, legacy) => f.take(
            "kind",
            match mapping::legacy_kind_id(legacy) {
                Some(id) => KindId::required(id).and_then(in_pack),
                None => Err("is not a known kind; give kind_id".into()),
            },
        ),
    }
}

fn credential_link(value: &str) -> Result<Link, String> {
    let url = value.trim();
    if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
        return Err("must be an http(s) link".into());
    }
    Link::optional(url)
}

fn esco_uri(value: &str) -> Result<Link, String> {
    let uri = Link::optional(value)?;
    if !uri.starts_with(ESCO_PREFIX) {
        return Err(format!("must be an ESCO URI ({ESCO_PREFIX}…)"));
    }
    Ok(uri)
}

/// An ESCO URI that is in `skills` (the sector's skills lists) when they are known.
fn listed_skill(value: &str, skills: Option<&Skills>) -> Result<Link, String> {
    let uri = esco_uri(value)?;
    if let Some(skills) = skills {
        skills.check(&uri)?;
    }
    Ok(uri)
}

impl RegisterCoach {
    /// Every region must be one of the deployment's region packs.
    pub fn parse(r: pb::RegisterCoachRequest, packs: &Packs) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let coach_id = f.take("coach_id", CoachId::required(&r.coach_id));
        let name = f.take("name", Name::required(&r.name));
        let organisation_name = f.take("organisation_name", Name::required(&r.organisation_name));
        let email = f.take("email", non_empty(&r.email).map(Email::parse).transpose());
        if r.regions.is_empty() {
            f.add("regions", "name at least one region");
        }
        let regions = f.list(
            "regions",
            r.regions,
            MAX_COACH_REGIONS,
            |f, path, region| {
                let region = region.trim().to_owned();
                let known = match packs.region(&region) {
                    Some(_) => Ok(region),
                    None => Err(format!("is not a region of this deployment: {region:?}")),
                };
                f.take(path, known)
            },
        );
        let (coach_id, name, organisation_name, email, regions) =
            f.finish((coach_id, name, organisation_name, email, regions))?;
        Ok(RegisterCoach {
            coach_id,
            name,
            organisation_name,
            email,
            regions,
        })
    }
}

impl TryFrom<pb::AssignCoachRequest> for AssignCoach {
    type Error = ApiError;
    fn try_from(r: pb::AssignCoachRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let trajectory_id = f.take("trajectory_id", check_id(&r.trajectory_id));
        let coach_id = f.take("coach_id", CoachId::required(&r.coach_id));
        let (trajectory_id, coach_id) = f.finish((trajectory_id, coach_id))?;
        Ok(AssignCoach {
            trajectory_id,
            coach_id,
        })
    }
}

impl PlanIntervention {
    /// `sector`: the trajectory's sector pack, when the trajectory was found; the kind
    /// must be one of its intervention kinds.
    pub fn parse(
        r: pb::PlanInterventionRequest,
        sector: Option<&SectorPack>,
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let trajectory_id = f.take("trajectory_id", check_id(&r.trajectory_id));
        let kind = intervention_kind(&mut f, &r, sector);
        let title = f.take("title", Name::required(&r.title));
        let description = f.take("description", Prose::optional(&r.description));
        let planned_hours = f.take("planned_hours", bounded(r.planned_hours, 0..=1_000));
        let (trajectory_id, kind, title, description, planned_hours) =
            f.finish((trajectory_id, kind, title, description, planned_hours))?;
        Ok(PlanIntervention {
            trajectory_id,
            kind,
            title,
            description,
            planned_hours,
        })
    }
}

fn change_status(
    trajectory_id: &str,
    transition: Transition,
    reason: Option<&str>,
) -> Result<ChangeTrajectoryStatus, ApiError> {
    let mut f = Fields::new();
    let id = f.take("trajectory_id", check_id(trajectory_id));
    let reason = f.take("reason", reason.map(Prose::optional).transpose());
    let (trajectory_id, reason) = f.finish((id, reason))?;
    Ok(ChangeTrajectoryStatus {
        trajectory_id,
        transition,
        reason,
    })
}

impl TryFrom<pb::StartTrajectoryRequest> for ChangeTrajectoryStatus {
    type Error = ApiError;
    fn try_from(r: pb::StartTrajectoryRequest) -> Result<Self, ApiError> {
        change_status(&r.trajectory_id, Transition::Start, None)
    }
}

impl TryFrom<pb::CompleteTrajectoryRequest> for ChangeTrajectoryStatus {
    type Error = ApiError;
    fn try_from(r: pb::CompleteTrajectoryRequest) -> Result<Self, ApiError> {
        change_status(&r.trajectory_id, Transition::Complete, None)
    }
}

impl TryFrom<pb::CancelTrajectoryRequest> for ChangeTrajectoryStatus {
    type Error = ApiError;
    fn try_from(r: pb::CancelTrajectoryRequest) -> Result<Self, ApiError> {
        change_status(&r.trajectory_id, Transition::Cancel, Some(&r.reason))
    }
}

impl TryFrom<pb::RecordCoachingSessionRequest> for RecordCoachingSession {
    type Error = ApiError;
    fn try_from(r: pb::RecordCoachingSessionRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let trajectory_id = f.take("trajectory_id", check_id(&r.trajectory_id));
        let held_at = f.take("held_time", held(r.held_time.as_ref()));
        let duration = f.take("duration_minutes", bounded(r.duration_minutes, 1..=600));
        let topic = f.take("topic", Topic::required(&r.topic));
        let (trajectory_id, held_at, duration_minutes, topic) =
            f.finish((trajectory_id, held_at, duration, topic))?;
        Ok(RecordCoachingSession {
            trajectory_id,
            held_at,
            duration_minutes,
            topic,
        })
    }
}

impl AddLearningGoal {
    /// `terms`: the learning themes and skills of the plan's company's sector, when the
    /// plan was found.
    pub fn parse(
        r: pb::AddLearningGoalRequest,
        terms: Option<&PlanTerms>,
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let participant_id = f.take("participant_id", check_id(&r.participant_id));
        let theme = f.take("theme", learning_theme(&r.theme, terms.map(|t| &t.themes)));
        let description = f.take("description", Prose::required(&r.description));
        let skills = terms.map(|t| &t.skills);
        let skill_uris = f.list(
            "skill_uris",
            r.skill_uris,
            MAX_GOAL_SKILLS,
            |f, path, uri| f.take(path, listed_skill(&uri, skills)),
        );
        let (participant_id, theme, description, skill_uris) =
            f.finish((participant_id, theme, description, skill_uris))?;
        Ok(AddLearningGoal {
            participant_id,
            theme,
            description,
            skill_uris: skill_uris.into_iter().map(Link::into_string).collect(),
        })
    }
}

impl PlanLearningActivity {
    /// `themes`: the learning themes of the plan's company's sector, when the plan was
    /// found; a theme given (with an offering too) must be one of them.
    pub fn parse(
        r: pb::PlanLearningActivityRequest,
        themes: Option<&LearningThemes>,
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let participant_id = f.take("participant_id", check_id(&r.participant_id));
        let goal_id = f.take("goal_id", optional_id(&r.goal_id));
        let origin = if non_empty(&r.offering_id).is_some() {
            // The offering fixes title, provider, hours and price: what is sent for them
            // is bounded, and otherwise ignored.
            let offering_id = f.take("offering_id", check_id(r.offering_id.trim()));
            f.check("title", Name::optional(&r.title).map(drop));
            f.check("provider", Name::optional(&r.provider).map(drop));
            let theme = f.take(
                "theme",
                match non_empty(&r.theme) {
                    Some(theme) => learning_theme(theme, themes).map(Some),
                    None => Ok(None),
                },
            );
            let run_id = f.take(
                "run_id",
                Text::<200>::optional(&r.run_id).map(|run| (!run.is_empty()).then_some(run)),
            );
            (offering_id, theme, run_id)
                .all()
                .map(|(offering_id, theme, run_id)| ActivityOrigin::Offering {
                    offering_id,
                    kind: mapping::activity_kind(r.kind),
                    theme,
                    run_id,
                })
        } else {
            if non_empty(&r.run_id).is_some() {
                f.add("run_id", "is only for an activity from an offering");
            }
            let kind = f.take(
                "kind",
                mapping::activity_kind(r.kind).ok_or_else(|| {
                    "is required: course, workshop, coaching, on the job or e-learning".to_owned()
                }),
            );
            let title = f.take("title", Name::required(&r.title));
            let provider = f.take("provider", Name::required(&r.provider));
            let hours = f.take("planned_hours", bounded(r.planned_hours, 1..=2_000));
            let cost = f.take("cost_cents", cents(r.cost_cents, 0));
            let theme = f.take("theme", learning_theme(&r.theme, themes));
            (kind, title, provider, theme, hours, cost).all().map(
                |(kind, title, provider, theme, planned_hours, cost)| ActivityOrigin::Own {
                    kind,
                    title,
                    provider,
                    theme,
                    planned_hours,
                    cost,
                },
            )
        };
        let (participant_id, goal_id, origin) = f.finish((participant_id, goal_id, origin))?;
        Ok(PlanLearningActivity {
            participant_id,
            goal_id,
            origin,
        })
    }
}

impl TryFrom<pb::CompleteLearningActivityRequest> for CompleteLearningActivity {
    type Error = ApiError;
    fn try_from(r: pb::CompleteLearningActivityRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let activity_id = f.take("activity_id", check_id(&r.activity_id));
        let actual_hours = f.take("actual_hours", bounded(r.actual_hours, 0..=2_000));
        let credential = match &r.credential {
            None => Some(None),
            Some(c) => {
                let name = f.take("credential.name", Name::required(&c.name));
                let issuer = f.take("credential.issuer", Name::required(&c.issuer));
                let url = f.take("credential.url", credential_link(&c.url));
                (name, issuer, url)
                    .all()
                    .map(|(name, issuer, url)| Some(Credential { name, issuer, url }))
            }
        };
        let completed_at = f.take("complete_time", occurred(r.complete_time.as_ref()));
        let (activity_id, actual_hours, credential, completed_at) =
            f.finish((activity_id, actual_hours, credential, completed_at))?;
        Ok(CompleteLearningActivity {
            activity_id,
            actual_hours,
            credential,
            completed_at,
        })
    }
}

impl TryFrom<pb::AllocateFundingRequest> for AllocateFunding {
    type Error = ApiError;
    fn try_from(r: pb::AllocateFundingRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let activity_id = f.take("activity_id", check_id(&r.activity_id));
        let source = f.take("source", Text::required(&r.source));
        let amount = f.take("amount_cents", cents(r.amount_cents, 1));
        let (activity_id, source, amount) = f.finish((activity_id, source, amount))?;
        Ok(AllocateFunding {
            activity_id,
            source,
            amount,
        })
    }
}

/// `region`: one a pack describes.
fn installed_region(f: &mut Fields, packs: &Packs, value: &str) -> Option<Text<100>> {
    f.take(
        "region",
        Text::required(value).and_then(|region| match packs.region(&region) {
            Some(_) => Ok(region),
            None => Err(format!("unknown region {:?}", region.as_str())),
        }),
    )
}

/// A course's themes (1 to 20): it may serve any sector of its region, so a theme of any
/// of their packs.
fn course_themes(
    f: &mut Fields,
    field: &str,
    themes: Vec<String>,
    packs: &Packs,
    region: Option<&str>,
) -> Option<Vec<Theme>> {
    if themes.is_empty() {
        f.add(field, "name at least one theme");
    }
    let known = region.and_then(|region| LearningThemes::of_region(packs, region));
    f.list(field, themes, MAX_THEMES, |f, path, theme| {
        f.take(path, learning_theme(&theme, known.as_ref()))
    })
}

/// An offering to publish, in a region a pack describes.
pub fn publish_offering(
    r: pb::PublishCourseOfferingRequest,
    packs: &Packs,
) -> Result<PublishOffering, ApiError> {
    let mut f = Fields::new();
    let region = installed_region(&mut f, packs, &r.region);
    let provider = f.take("provider", Text::required(&r.provider));
    let course_code = f.take("course_code", Text::required(&r.course_code));
    let title = f.take("title", Text::required(&r.title));
    let themes = course_themes(&mut f, "themes", r.themes, packs, region.as_deref());
    let hours = f.take("hours", bounded(r.hours, 1..=5_000));
    let price = f.take("price_cents", cents(r.price_cents, 0));
    let start_times = f.list(
        "start_times",
        r.start_times,
        MAX_START_TIMES,
        |f, path, at| f.take(path, instant(Some(&at))),
    );
    let listed = region.as_deref().and_then(|r| Skills::of_region(packs, r));
    let skills = f.list(
        "esco_skill_uris",
        r.esco_skill_uris,
        MAX_SKILLS,
        |f, path, uri| f.take(path, listed_skill(&uri, listed.as_ref())),
    );
    if !r.runs.is_empty() && start_times.as_ref().is_some_and(|s| !s.is_empty()) {
        f.add(
            "start_times",
            "give either start_times or runs (their starts)",
        );
    }
    let runs = f.list("runs", r.runs, MAX_START_TIMES, |f, path, run| {
        course_run(f, &path, &run)
    });
    let language = f.take("teaching_language", teaching_language(&r.teaching_language));
    let modes = f.list(
        "modes_of_delivery",
        r.modes_of_delivery,
        MAX_MODES,
        |f, path, mode| f.take(path, Text::<50>::required(&mode).map(Text::into_string)),
    );
    let (
        region,
        provider,
        course_code,
        title,
        themes,
        hours,
        price,
        start_times,
        skills,
        mut runs,
        teaching_language,
        modes_of_delivery,
    ) = f.finish((
        region,
        provider,
        course_code,
        title,
        themes,
        hours,
        price,
        start_times,
        skills,
        runs,
        language,
        modes,
    ))?;
    runs.sort_by_key(|r| r.start);
    let mut start_times = if runs.is_empty() {
        start_times
    } else {
        runs.iter().map(|r| r.start).collect()
    };
    start_times.sort();
    Ok(PublishOffering {
        region,
        provider,
        course_code,
        title,
        themes,
        hours,
        price,
        start_times,
        esco_skill_uris: skills,
        runs,
        teaching_language,
        modes_of_delivery,
    })
}

/// Modes of delivery a course may name.
const MAX_MODES: usize = 10;

/// A teaching language: ISO 639 (`nld`) or BCP 47 (`nl-NL`), or empty.
fn teaching_language(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.len() > 35 || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("must be a language code such as nld or nl-NL (letters and hyphens)".into());
    }
    Ok(value.to_owned())
}

/// One run: its start (required), end (not before it) and enrolment window.
fn course_run(f: &mut Fields, path: &str, run: &pb::CourseRun) -> Option<CourseRun> {
    let start = f.take(
        format!("{path}.start_time"),
        instant(run.start_time.as_ref()),
    );
    let end = f.take(
        format!("{path}.end_time"),
        optional_instant(run.end_time.as_ref()),
    );
    let enrol_from = f.take(
        format!("{path}.enrol_start_time"),
        optional_instant(run.enrol_start_time.as_ref()),
    );
    let enrol_until = f.take(
        format!("{path}.enrol_end_time"),
        optional_instant(run.enrol_end_time.as_ref()),
    );
    let external_id = f.take(
        format!("{path}.external_id"),
        Text::<200>::optional(&run.external_id).map(Text::into_string),
    );
    let price_cents = f.take(
        format!("{path}.price_cents"),
        run.price_cents
            .map(|value| cents(value, 0).map(|c| c.get()))
            .transpose(),
    );
    let (start, end, enrol_from, enrol_until, external_id, price_cents) = (
        start?,
        end?,
        enrol_from?,
        enrol_until?,
        external_id?,
        price_cents?,
    );
    if end.is_some_and(|end| end < start) {
        f.add(format!("{path}.end_time"), "must not lie before the start");
        return None;
    }
    if let (Some(from), Some(until)) = (enrol_from, enrol_until)
        && until < from
    {
        f.add(
            format!("{path}.enrol_end_time"),
            "must not lie before enrol_start_time",
        );
        return None;
    }
    Some(CourseRun {
        start,
        end,
        enrol_from,
        enrol_until,
        external_id,
        price_cents,
    })
}

/// A row of a catalogue import: its field violations, or the offering.
pub fn import_row(
    r: pb::PublishCourseOfferingRequest,
    packs: &Packs,
) -> Result<Result<PublishOffering, Vec<FieldViolation>>, ApiError> {
    match publish_offering(r, packs) {
        Ok(offering) => Ok(Ok(offering)),
        Err(ApiError::InvalidArgument(violations)) => Ok(Err(violations)),
        Err(other) => Err(other),
    }
}

/// Where a provider publishes its catalogue over OOAPI, as registered.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueSource {
    pub region: String,
    pub provider: String,
    pub base_url: String,
    pub default_themes: Vec<String>,
    pub login: Option<Login>,
}

/// The longest OOAPI base URL accepted.
const MAX_URL: usize = 2_000;

/// An OOAPI base URL: http or https, a host, no credentials (they would be logged).
fn base_url(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("is required".into());
    }
    if value.chars().count() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} characters"));
    }
    let url = reqwest::Url::parse(value).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http or https URL with a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must be the API's base, without a query or fragment".into());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

pub fn register_source(
    r: pb::RegisterCatalogueSourceRequest,
    packs: &Packs,
) -> Result<CatalogueSource, ApiError> {
    let mut f = Fields::new();
    let region = installed_region(&mut f, packs, &r.region);
    let provider = f.take("provider", Name::required(&r.provider));
    let url = f.take("base_url", base_url(&r.base_url));
    let themes = course_themes(
        &mut f,
        "default_themes",
        r.default_themes,
        packs,
        region.as_deref(),
    );
    let login = match r.login {
        Some(login) => school_login(&mut f, login).map(Some),
        None => Some(None),
    };
    let (region, provider, base_url, themes, login) =
        f.finish((region, provider, url, themes, login))?;
    Ok(CatalogueSource {
        region: region.into_string(),
        provider: provider.into_string(),
        base_url,
        default_themes: themes.iter().map(|t| t.to_string()).collect(),
        login,
    })
}

/// A school's login: its token URL as any URL the suite calls, and the secret's
/// environment variable under the suite's own prefix.
fn school_login(f: &mut Fields, r: pb::SchoolLogin) -> Option<Login> {
    let token_url = f.take("login.token_url", base_url(&r.token_url));
    let client_id = f.take("login.client_id", Name::required(&r.client_id));
    let scope = f.take("login.scope", Text::<500>::optional(&r.scope));
    let env = r.client_secret_env.trim();
    let plain = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
    let secret_env = f.take(
        "login.client_secret_env",
        match env.strip_prefix(SECRET_ENV_PREFIX) {
            Some(rest) if !rest.is_empty() && env.len() <= 200 && rest.chars().all(plain) => {
                Ok(env.to_owned())
            }
            _ => Err(format!(
                "must be an environment variable named {SECRET_ENV_PREFIX}… in capitals, \
                 digits and underscores"
            )),
        },
    );
    Some(Login {
        token_url: token_url?,
        client_id: client_id?.into_string(),
        scope: scope?.into_string(),
        client_secret_env: secret_env?,
    })
}
