//! A pilot driven by data: the region's demo file (`infra/demo/<region>.toml`) gives the
//! synthetic companies, people, partners, the education provider and its courses, the
//! workshops per community theme, knowledge items and the search word; the packs give
//! the sector (the one the demo file names, else the region's first), the scan's dimensions, the community themes and the
//! funding sources (chosen by their kind). Nothing here names a region or a sector.
//! Every call carries a request id or an external reference, so a second run doubles
//! nothing.
use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::Context as _;
use chrono::{DateTime, TimeDelta, Utc};
use llo_chassis::packs::{LearningThemes, OTHER_THEME, Packs, RegionPack, SectorPack};
use llo_proto::{
    common::v1::{self as common, CommunityMemberType, WorkshopAttendance},
    community::v1 as cpb,
    intake::v1::{self as pb, intake_service_client::IntakeServiceClient},
    trajectories::v1 as tpb,
};
use serde::Deserialize;
use tonic::{Code, transport::Channel};

use crate::{
    demo::{DemoOptions, Endpoints, Intake, Tokens},
    demo_community::{self, Community, Person},
    demo_reporting,
    demo_trajectories::{self, Trajectories},
    progress, reporting,
};

/// A region's demo file.
#[derive(Debug, Deserialize)]
pub struct DemoData {
    /// One of the region pack's sectors; the region's first sector when omitted.
    #[serde(default)]
    pub sector: Option<String>,
    pub search: String,
    pub given_names: Vec<String>,
    pub family_names: Vec<String>,
    pub supervisor_title: String,
    pub employee_title: String,
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
}

#[derive(Debug, Deserialize)]
pub struct CoachData {
    /// The coach's token subject.
    pub id: String,
    pub name: String,
    pub organisation: String,
}

#[derive(Debug, Deserialize)]
pub struct Need {
    pub theme: String,
    pub description: String,
}

#[derive(Debug, Deserialize)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub credential_url: String,
    pub courses: Vec<Course>,
}

#[derive(Debug, Deserialize)]
pub struct Course {
    pub code: String,
    pub title: String,
    pub theme: String,
    pub hours: i32,
    pub price_cents: i64,
}

#[derive(Debug, Deserialize)]
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
pub struct PartnerData {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub contact_role: String,
}

#[derive(Debug, Deserialize)]
pub struct WorkshopData {
    pub theme: String,
    pub title: String,
    pub description: String,
    pub host: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub online_url: String,
    pub capacity: i32,
}

#[derive(Debug, Deserialize)]
pub struct Feedback {
    pub rating: i32,
    pub comment: String,
}

#[derive(Debug, Deserialize)]
pub struct KnowledgeData {
    pub key: String,
    pub company: usize,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub themes: Vec<String>,
    pub visibility: String,
}

/// A pilot to run: the region's pack, its first sector's pack and the demo file.
pub struct Pilot {
    pub region: Arc<RegionPack>,
    pub sector: Arc<SectorPack>,
    pub data: DemoData,
}

/// The demo file of `region` in `dir`, when there is one.
pub fn file(dir: &Path, region: &str) -> PathBuf {
    dir.join(format!("{region}.toml"))
}

/// Reads the demo file and the packs it runs on.
pub fn load(path: &Path, region: &str, packs_dir: &Path) -> anyhow::Result<Pilot> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
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
    anyhow::ensure!(
        !data.companies.is_empty() && !data.provider.courses.is_empty(),
        "demo file {}: needs companies and courses",
        path.display()
    );
    let problems = theme_problems(&data, &packs, region, &sector);
    anyhow::ensure!(
        problems.is_empty(),
        "demo file {}: themes the services would refuse:\n  {}",
        path.display(),
        problems.join("\n  ")
    );
    Ok(Pilot {
        region: region_pack,
        sector,
        data,
    })
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
    for (i, course) in data.provider.courses.iter().enumerate() {
        if let Err(reason) = courses.check(&course.theme) {
            problems.push(format!("provider.courses[{i}].theme: {reason}"));
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
    problems
}

struct Enrolled<'a> {
    company: &'a CompanyData,
    organisation: pb::Organisation,
    people: Vec<Person>,
}

/// The demo's phases, as the progress bar counts them.
const PHASES: usize = 6;

pub async fn run(
    pilot: &Pilot,
    endpoints: &Endpoints,
    tokens: &Tokens,
    options: &DemoOptions,
) -> anyhow::Result<()> {
    let region = pilot.region.id.as_str();
    let data = &pilot.data;
    let bar = progress::start(PHASES);
    let channel = Channel::from_shared(endpoints.intake.clone())?
        .connect()
        .await?;
    let mut intake = IntakeServiceClient::with_interceptor(
        channel,
        llo_chassis::telemetry::ClientContext {
            bearer_token: Some(tokens.staff.clone()),
        },
    );
    let mut coach =
        demo_trajectories::client(&endpoints.trajectories, tokens.staff.clone()).await?;
    let mut community = demo_community::client(&endpoints.community, tokens.staff.clone()).await?;
    let mut school =
        demo_trajectories::client(&endpoints.trajectories, tokens.provider.clone()).await?;
    let mut manager = reporting::client(&endpoints.reporting, tokens.manager.clone()).await?;
    let mut evaluator = reporting::client(&endpoints.reporting, tokens.evaluator.clone()).await?;
    let staff: usize = data.companies.iter().map(|c| c.staff).sum();
    say!(
        "== The {} pilot ({}): {} companies, {staff} synthetic employees, sector {} ==",
        pilot.region.name,
        pilot.region.programme,
        data.companies.len(),
        pilot.sector.name
    );

    // Phase one: the needs assessment.
    bar.phase(1, "companies, employees, learning needs, baseline scans");
    let mut enrolled = Vec::new();
    let mut baselines = Vec::new();
    for (index, company) in data.companies.iter().enumerate() {
        bar.step(index, data.companies.len(), &company.name);
        let organisation = register(&mut intake, pilot, company).await?;
        let people = import_staff(&mut intake, data, &organisation, company, index).await?;
        record_needs(&mut intake, data, &people, index).await?;
        let baseline = scan(
            &mut intake,
            pilot,
            &organisation,
            &people,
            company,
            common::AssessmentRound::Baseline,
            0.0,
        )
        .await?;
        print_scan(company, &baseline);
        baselines.push(baseline);
        enrolled.push(Enrolled {
            company,
            organisation,
            people,
        });
    }

    // Phase two: trajectories, coaching, a course for everyone, funded from the packs' sources.
    bar.phase(2, "trajectories, coaching, courses and funding");
    let catalogue = publish_catalogue(&mut school, region, &data.provider).await?;
    let coaches: Vec<demo_trajectories::DemoCoach> = data
        .coaches
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.organisation.as_str()))
        .collect();
    anyhow::ensure!(!coaches.is_empty(), "the demo file names no coaches");
    demo_trajectories::register_coaches(&mut coach, region, &coaches).await?;
    let mut expected = demo_reporting::Expected::default();
    for e in &enrolled {
        let people = e.people.iter().map(|p| p.participant_id.clone()).collect();
        expected.enrolled(&e.organisation.organisation_id, &e.company.name, people);
    }
    let mut trajectories = Vec::new();
    for (index, e) in enrolled.iter().enumerate() {
        bar.step(index, enrolled.len(), &e.company.name);
        let proposed =
            demo_trajectories::proposed_trajectory(&mut coach, &e.organisation.organisation_id)
                .await?;
        let coach_id = coaches[index % coaches.len()].0;
        let trajectory = demo_trajectories::run_trajectory(&mut coach, &proposed, coach_id).await?;
        let (planned, completed) =
            develop_people(&mut coach, &mut school, pilot, &catalogue, e).await?;
        let interventions: Vec<&str> = trajectory
            .interventions
            .iter()
            .map(|i| i.title.as_str())
            .collect();
        say!("\n{} ({})", e.company.name, e.company.municipality);
        say!(
            "  trajectory: {} interventions ({}), coach {}, {} coaching minutes",
            interventions.len(),
            interventions.join("; "),
            trajectory.coach_id,
            trajectory.coaching_minutes
        );
        say!(
            "  development plans: {planned} courses planned and funded, {completed} completed with a credential"
        );
        let own = expected.company(&e.organisation.organisation_id)?;
        own.courses_completed = completed;
        own.coaching_sessions = demo_trajectories::COACHING_SESSIONS;
        trajectories.push(trajectory.trajectory_id);
    }

    // The learning community.
    bar.phase(3, "the learning community");
    let outcome = run_community(&mut community, pilot, &enrolled).await?;
    expected.attended(&outcome.attended);

    // Phase three: follow-up scans, trajectories completed.
    bar.phase(4, "follow-up scans, trajectories completed");
    say!("\n== Follow-up scans: baseline → follow-up, per company (mean, 1–5) ==");
    for (index, ((e, baseline), trajectory)) in enrolled
        .iter()
        .zip(&baselines)
        .zip(&trajectories)
        .enumerate()
    {
        bar.step(index, enrolled.len(), &e.company.name);
        let follow_up = scan(
            &mut intake,
            pilot,
            &e.organisation,
            &e.people,
            e.company,
            common::AssessmentRound::FollowUp,
            0.45,
        )
        .await?;
        let line: Vec<String> = baseline
            .results
            .iter()
            .filter_map(|before| {
                follow_up
                    .results
                    .iter()
                    .find(|r| r.dimension_id == before.dimension_id)
                    .map(|after| {
                        format!(
                            "{} {:.2}→{:.2} ({:+.2})",
                            before.dimension_id,
                            before.mean,
                            after.mean,
                            after.mean - before.mean
                        )
                    })
            })
            .collect();
        say!("{:<24} {}", e.company.name, line.join("  "));
        demo_trajectories::complete_trajectory(&mut coach, trajectory).await?;
        let own = expected.company(&e.organisation.organisation_id)?;
        own.trajectory_completed = true;
        own.both_scans = true;
    }
    say!("All {} trajectories completed.", trajectories.len());

    bar.phase(5, "waiting for reporting to catch up");
    demo_reporting::wait_until_caught_up(&mut manager, &expected, &bar).await?;

    bar.phase(6, "summary and report");
    demo_reporting::summary(&mut manager, region).await?;
    let report = demo_reporting::write_report(&mut evaluator, region, &options.report_dir).await?;
    let took = bar.elapsed();
    drop(bar);
    say!(
        "\nThe report (anonymised, self-contained HTML): {}",
        report.display()
    );
    say!("The pilot took {:.1} s.", took.as_secs_f64());
    Ok(())
}

async fn register(
    intake: &mut Intake,
    pilot: &Pilot,
    company: &CompanyData,
) -> anyhow::Result<pb::Organisation> {
    intake
        .register_organisation(pb::RegisterOrganisationRequest {
            request_id: format!("demo-organisation-{}", company.kvk),
            region: pilot.region.id.clone(),
            sector: pilot.sector.id.clone(),
            name: company.name.clone(),
            kvk_number: company.kvk.clone(),
            municipality: company.municipality.clone(),
            employee_count: company.employees,
        })
        .await?
        .into_inner()
        .organisation
        .ok_or_else(|| anyhow::anyhow!("no organisation returned"))
}

fn person(data: &DemoData, company: usize, n: usize) -> (String, String) {
    let pick = |list: &[String], i: usize| {
        list.get(i % list.len().max(1))
            .cloned()
            .unwrap_or_else(|| "Demo".into())
    };
    (
        pick(&data.given_names, company * 3 + n),
        pick(&data.family_names, company + n * 5),
    )
}

async fn import_staff(
    intake: &mut Intake,
    data: &DemoData,
    organisation: &pb::Organisation,
    company: &CompanyData,
    index: usize,
) -> anyhow::Result<Vec<Person>> {
    let rows: Vec<pb::ImportParticipantsRequest> = (0..company.staff)
        .map(|n| {
            let (given, family) = person(data, index, n);
            // One UWV referral in every other company.
            let uwv = n + 1 == company.staff && index.is_multiple_of(2);
            pb::ImportParticipantsRequest {
                external_reference: format!("demo-{}-{n}", organisation.kvk_number),
                organisation_id: organisation.organisation_id.clone(),
                given_name: given.clone(),
                family_name: family.clone(),
                email: format!(
                    "{}.{}{n}@{}.example",
                    given.to_lowercase(),
                    family.to_lowercase().replace(' ', ""),
                    organisation.kvk_number
                ),
                role: if n == 0 {
                    common::ParticipantRole::Supervisor
                } else {
                    common::ParticipantRole::Employee
                } as i32,
                job_title: if n == 0 {
                    data.supervisor_title.clone()
                } else {
                    data.employee_title.clone()
                },
                consent_given: true,
                source: if uwv {
                    common::ParticipantSource::UwvReferral
                } else {
                    common::ParticipantSource::Company
                } as i32,
                uwv_reference: if uwv {
                    format!("UWV-DEMO-{}", organisation.kvk_number)
                } else {
                    String::new()
                },
            }
        })
        .collect();
    let response = intake
        .import_participants(tokio_stream::iter(rows))
        .await?
        .into_inner();
    anyhow::ensure!(
        response.rejected_count == 0,
        "the demo import rejected rows: {:?}",
        response.results
    );
    Ok(response
        .results
        .into_iter()
        .enumerate()
        .map(|(n, r)| {
            let (given, family) = person(data, index, n);
            Person {
                participant_id: r.participant_id,
                name: format!("{given} {family}"),
            }
        })
        .collect())
}

async fn record_needs(
    intake: &mut Intake,
    data: &DemoData,
    people: &[Person],
    company: usize,
) -> anyhow::Result<()> {
    if data.needs.is_empty() {
        return Ok(());
    }
    for (n, person) in people.iter().enumerate() {
        let need = &data.needs[(company + n) % data.needs.len()];
        intake
            .record_learning_needs(pb::RecordLearningNeedsRequest {
                request_id: format!("demo-needs-{}", person.participant_id),
                participant_id: person.participant_id.clone(),
                needs: vec![pb::LearningNeedInput {
                    theme: need.theme.clone(),
                    description: need.description.clone(),
                }],
            })
            .await?;
    }
    Ok(())
}

/// A small deterministic generator, so the demo gives the same numbers each time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as f64) / f64::from(u32::MAX >> 1)
    }

    fn likert(&mut self, mean: f64, min: i32, max: i32) -> i32 {
        (mean + (self.next() - 0.5) * 1.6)
            .round()
            .clamp(f64::from(min), f64::from(max)) as i32
    }
}

async fn scan(
    intake: &mut Intake,
    pilot: &Pilot,
    organisation: &pb::Organisation,
    people: &[Person],
    company: &CompanyData,
    round: common::AssessmentRound,
    growth: f64,
) -> anyhow::Result<pb::Assessment> {
    let assessment = intake
        .start_assessment(pb::StartAssessmentRequest {
            request_id: format!(
                "demo-scan-{}-{}",
                organisation.organisation_id,
                round.as_str_name()
            ),
            organisation_id: organisation.organisation_id.clone(),
            round: round as i32,
        })
        .await?
        .into_inner()
        .assessment
        .ok_or_else(|| anyhow::anyhow!("no assessment returned"))?;
    if assessment.status == pb::AssessmentStatus::Completed as i32 {
        return Ok(assessment);
    }
    let questionnaire = assessment.questionnaire.clone().unwrap_or_default();
    let top = f64::from(questionnaire.likert_max) - 1.0;
    let mut dice = Dice(organisation.kvk_number.parse::<u64>().unwrap_or(7) + round as u64);
    for person in people {
        let answers = questionnaire
            .items
            .iter()
            .map(|item| {
                let base = pilot
                    .sector
                    .dimensions
                    .iter()
                    .position(|d| d.id == item.dimension_id)
                    .and_then(|i| company.profile.get(i).copied())
                    .unwrap_or(3.0);
                // Weaker dimensions grow more: that is what the trajectories work on.
                let mean = base + growth * (top - base).max(0.0);
                let score = dice.likert(mean, questionnaire.likert_min, questionnaire.likert_max);
                let answer = if item.reverse_scored {
                    questionnaire.likert_min + questionnaire.likert_max - score
                } else {
                    score
                };
                pb::ItemAnswer {
                    item_id: item.item_id.clone(),
                    score: answer,
                }
            })
            .collect();
        let submitted = intake
            .submit_assessment_response(pb::SubmitAssessmentResponseRequest {
                request_id: format!(
                    "demo-answer-{}-{}",
                    assessment.assessment_id, person.participant_id
                ),
                assessment_id: assessment.assessment_id.clone(),
                participant_id: person.participant_id.clone(),
                answers,
            })
            .await;
        match submitted {
            Ok(_) => {}
            Err(status) if status.code() == Code::AlreadyExists => {}
            Err(status) => return Err(status.into()),
        }
    }
    intake
        .complete_assessment(pb::CompleteAssessmentRequest {
            request_id: format!("demo-complete-{}", assessment.assessment_id),
            assessment_id: assessment.assessment_id.clone(),
            priority_needs: vec![company.coach_need.clone()],
        })
        .await?
        .into_inner()
        .assessment
        .ok_or_else(|| anyhow::anyhow!("no assessment returned"))
}

fn print_scan(company: &CompanyData, assessment: &pb::Assessment) {
    say!(
        "\n{} ({}), baseline scan, {} respondents",
        company.name,
        company.municipality,
        assessment.response_count
    );
    for result in &assessment.results {
        say!(
            "  {:<36} {:.2}  (n={})",
            result.name,
            result.mean,
            result.respondent_count
        );
    }
    let themes: Vec<&str> = assessment
        .priority_themes
        .iter()
        .map(|t| t.description.as_str())
        .collect();
    say!("  priority themes: {}", themes.join("; "));
}

/// The provider's system syncs its catalogue (idempotent by its own course codes).
async fn publish_catalogue(
    school: &mut Trajectories,
    region: &str,
    provider: &Provider,
) -> anyhow::Result<Vec<tpb::CourseOffering>> {
    let rows: Vec<tpb::ImportCourseOfferingsRequest> = provider
        .courses
        .iter()
        .enumerate()
        .map(|(n, course)| tpb::ImportCourseOfferingsRequest {
            offering: Some(tpb::PublishCourseOfferingRequest {
                region: region.into(),
                provider: provider.id.clone(),
                course_code: course.code.clone(),
                title: course.title.clone(),
                themes: vec![course.theme.clone()],
                hours: course.hours,
                price_cents: course.price_cents,
                // Synthetic start dates in 2027.
                start_times: vec![prost_types::Timestamp {
                    seconds: 1_798_761_600 + n as i64 * 30 * 86_400,
                    nanos: 0,
                }],
                esco_skill_uris: Vec::new(),
            }),
        })
        .collect();
    let response = school
        .import_course_offerings(tokio_stream::iter(rows))
        .await?
        .into_inner();
    anyhow::ensure!(
        response.rejected_count == 0,
        "catalogue rows rejected: {:?}",
        response.results
    );
    let listed = school
        .list_course_offerings(tpb::ListCourseOfferingsRequest {
            provider: provider.id.clone(),
            page_size: 100,
            ..Default::default()
        })
        .await?
        .into_inner();
    say!(
        "{} synced its catalogue: {} created, {} unchanged; {} courses listed",
        provider.name,
        response.created_count,
        response.unchanged_count,
        listed.offerings.len()
    );
    Ok(listed.offerings)
}

/// The funding sources, chosen from the packs by their kind.
struct Sources {
    /// (source, percentage, small-firm percentage, small-firm maximum employees).
    subsidy: Option<(String, i64, i64, i64)>,
    /// (source, per-person cap).
    sector_fund: Option<(String, i64)>,
    grant: Option<String>,
    employer: Option<String>,
}

fn sources(pilot: &Pilot) -> Sources {
    let rule = |kind: &str| pilot.sector.funding_rules.iter().find(|r| r.kind == kind);
    Sources {
        subsidy: rule("subsidy_percentage").map(|r| {
            let percentage = i64::from(r.percentage.unwrap_or(0));
            (
                r.source.clone(),
                percentage,
                r.small_firm_percentage.map_or(percentage, i64::from),
                r.small_firm_max_employees.map_or(0, i64::from),
            )
        }),
        sector_fund: rule("sector_fund")
            .map(|r| (r.source.clone(), r.per_person_cap_cents.unwrap_or(i64::MAX))),
        grant: pilot
            .region
            .budgets
            .iter()
            .find(|b| b.kind == "grant")
            .map(|b| b.source.clone()),
        employer: rule("employer_share").map(|r| r.source.clone()),
    }
}

/// A course for every employee, funded from the sources, half completed by the school.
async fn develop_people(
    coach: &mut Trajectories,
    school: &mut Trajectories,
    pilot: &Pilot,
    catalogue: &[tpb::CourseOffering],
    enrolled: &Enrolled<'_>,
) -> anyhow::Result<(usize, usize)> {
    let sources = sources(pilot);
    let provider = &pilot.data.provider;
    let (mut planned, mut completed) = (0, 0);
    for (n, person) in enrolled.people.iter().enumerate() {
        let Some(offering) = catalogue.get(n % catalogue.len().max(1)) else {
            continue;
        };
        let planned_activity = coach
            .plan_learning_activity(tpb::PlanLearningActivityRequest {
                request_id: format!("demo-activity-{}", person.participant_id),
                participant_id: person.participant_id.clone(),
                offering_id: offering.offering_id.clone(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .activity
            .ok_or_else(|| anyhow::anyhow!("no activity returned"))?;
        let activity = current(coach, &person.participant_id, planned_activity).await?;
        planned += 1;
        if activity.funded_cents == 0 {
            let remaining = remaining_per_source(coach, &pilot.region.id).await?;
            let left = |source: &str| {
                remaining
                    .iter()
                    .find(|(s, _)| s == source)
                    .map_or(0, |(_, r)| *r)
            };
            let cost = activity.cost_cents;
            let mut allocations = Vec::new();
            let mut rest = cost;
            if let Some((source, percentage, small, small_max)) = &sources.subsidy {
                let share = if i64::from(enrolled.company.employees) <= *small_max {
                    *small
                } else {
                    *percentage
                };
                let amount = (cost * share / 100).min(left(source));
                allocations.push((source.clone(), amount));
                rest -= amount;
            }
            if let Some((source, cap)) = &sources.sector_fund {
                let amount = (rest / 2).min(*cap).min(left(source));
                allocations.push((source.clone(), amount));
                rest -= amount;
            }
            if let Some(source) = &sources.grant {
                let amount = (rest / 2).min(left(source));
                allocations.push((source.clone(), amount));
                rest -= amount;
            }
            if let Some(source) = &sources.employer {
                allocations.push((source.clone(), rest));
            }
            for (source, amount) in allocations {
                if amount <= 0 {
                    continue;
                }
                coach
                    .allocate_funding(tpb::AllocateFundingRequest {
                        request_id: format!("demo-funding-{}-{source}", activity.activity_id),
                        activity_id: activity.activity_id.clone(),
                        source,
                        amount_cents: amount,
                    })
                    .await?;
            }
        }
        if n % 2 == 0 {
            school
                .complete_learning_activity(tpb::CompleteLearningActivityRequest {
                    request_id: format!("demo-complete-{}", activity.activity_id),
                    activity_id: activity.activity_id.clone(),
                    actual_hours: activity.planned_hours,
                    credential: Some(tpb::Credential {
                        name: format!("Certificaat {}", offering.title),
                        issuer: provider.name.clone(),
                        url: format!("{}/{}", provider.credential_url, activity.activity_id),
                    }),
                })
                .await?;
            completed += 1;
        }
    }
    Ok((planned, completed))
}

async fn current(
    coach: &mut Trajectories,
    participant: &str,
    activity: tpb::LearningActivity,
) -> anyhow::Result<tpb::LearningActivity> {
    let plan = coach
        .get_development_plan(tpb::GetDevelopmentPlanRequest {
            participant_id: participant.to_owned(),
        })
        .await?
        .into_inner()
        .plan
        .unwrap_or_default();
    Ok(plan
        .activities
        .into_iter()
        .find(|a| a.activity_id == activity.activity_id)
        .unwrap_or(activity))
}

async fn remaining_per_source(
    coach: &mut Trajectories,
    region: &str,
) -> anyhow::Result<Vec<(String, i64)>> {
    let budget = coach
        .get_budget(tpb::GetBudgetRequest {
            region: region.into(),
            organisation_id: String::new(),
        })
        .await?
        .into_inner();
    Ok(budget
        .sources
        .into_iter()
        .map(|s| {
            (
                s.source,
                if s.budget_cents > 0 {
                    s.remaining_cents.max(0)
                } else {
                    i64::MAX
                },
            )
        })
        .collect())
}

struct CommunityOutcome {
    /// The participants who attended.
    attended: Vec<String>,
}

fn member_type(kind: &str) -> CommunityMemberType {
    CommunityMemberType::from_str_name(&format!("COMMUNITY_MEMBER_TYPE_{}", kind.to_uppercase()))
        .unwrap_or(CommunityMemberType::Other)
}

fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

fn time(at: &Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    at.as_ref()
        .and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
}

async fn run_community(
    community: &mut Community,
    pilot: &Pilot,
    enrolled: &[Enrolled<'_>],
) -> anyhow::Result<CommunityOutcome> {
    let region = pilot.region.id.as_str();
    let data = &pilot.data;
    say!("\n== The learning community, {} ==", pilot.region.name);
    let mut partners = Vec::new();
    for partner in &data.partners {
        let member = community
            .register_partner(cpb::RegisterPartnerRequest {
                request_id: format!("demo-partner-{region}-{}", partner.key),
                region: region.into(),
                member_type: member_type(&partner.kind) as i32,
                name: partner.name.clone(),
                contact_role: partner.contact_role.clone(),
            })
            .await?
            .into_inner()
            .member
            .ok_or_else(|| anyhow::anyhow!("no member returned"))?;
        partners.push((partner.key.clone(), member.member_id));
    }
    let members = wait_for_companies(community, region, enrolled).await?;
    say!(
        "{} members: {}",
        members.len(),
        members
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let host = |key: &str| {
        partners
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, id)| id.clone())
            .unwrap_or_default()
    };
    // The sector pack's community themes, in its order, that the demo file has a workshop for.
    let plans: Vec<&WorkshopData> = pilot
        .sector
        .themes
        .iter()
        .filter_map(|t| data.workshops.iter().find(|w| w.theme == t.id))
        .collect();
    let Some((held_plan, later)) = plans.split_first() else {
        anyhow::bail!("the demo file has no workshop on any of the sector's themes");
    };
    let mut workshops = Vec::new();
    for (n, plan) in later.iter().enumerate() {
        let workshop = later_workshop(community, region, plan, &host(&plan.host), n).await?;
        workshops.push(workshop);
    }

    // The workshop held now: two people from every company.
    let people: Vec<(&Person, &CompanyData)> = (1..3)
        .flat_map(|n| {
            enrolled
                .iter()
                .filter_map(move |e| e.people.get(n).map(|p| (p, e.company)))
        })
        .collect();
    let held = held_workshop(
        community,
        region,
        held_plan,
        &host(&held_plan.host),
        people.len(),
    )
    .await?;
    let mut registrations = Vec::new();
    for (person, company) in &people {
        let registration = demo_community::register(community, &held.workshop_id, person).await?;
        registrations.push((registration, *person, *company));
    }
    let booked = registrations
        .iter()
        .filter(|(r, ..)| r.status == common::WorkshopRegistrationStatus::Booked as i32)
        .count();
    say!(
        "\n{} (capacity {}): {} registrations, {booked} booked",
        held.title,
        held.capacity,
        registrations.len()
    );
    let wait = time(&held.start_time).map_or(Duration::ZERO, |s| {
        (s - Utc::now()).to_std().unwrap_or(Duration::ZERO)
    });
    if !wait.is_zero() {
        say!(
            "  (waiting {:.0} s for the workshop to start)",
            wait.as_secs_f64().ceil()
        );
        tokio::time::sleep(wait + Duration::from_millis(300)).await;
    }
    let (mut attended, mut no_show) = (Vec::new(), Vec::new());
    let booked_ones = registrations
        .iter()
        .filter(|(r, ..)| r.status == common::WorkshopRegistrationStatus::Booked as i32);
    for (n, (registration, person, company)) in booked_ones.enumerate() {
        // The last one booked does not show up.
        let attendance = if n + 1 == booked {
            WorkshopAttendance::NoShow
        } else {
            WorkshopAttendance::FullyAttended
        };
        demo_community::record_attendance(
            community,
            &registration.registration_id,
            attendance,
            0.0,
        )
        .await?;
        if attendance == WorkshopAttendance::NoShow {
            no_show.push(format!("{} ({})", person.name, company.name));
            continue;
        }
        attended.push(person.participant_id.clone());
        if let Some(feedback) = data.feedback.get(n % data.feedback.len().max(1)) {
            community
                .submit_workshop_feedback(cpb::SubmitWorkshopFeedbackRequest {
                    request_id: format!("demo-feedback-{}", registration.registration_id),
                    registration_id: registration.registration_id.clone(),
                    rating: feedback.rating,
                    comment: feedback.comment.clone(),
                })
                .await?;
        }
    }
    let figures = community
        .get_workshop(cpb::GetWorkshopRequest {
            workshop_id: held.workshop_id.clone(),
        })
        .await?
        .into_inner()
        .workshop
        .unwrap_or_default();
    say!(
        "  attendance: {} fully, {} no-show: {}; feedback: {} ratings, average {:.1} out of 5",
        attended.len(),
        no_show.len(),
        no_show.join(", "),
        figures.feedback_count,
        figures.average_rating
    );
    workshops.insert(0, held);
    say!("\nWorkshops (the sector's community themes):");
    for w in &workshops {
        let when = time(&w.start_time)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        let place = if w.location.is_empty() {
            "online"
        } else {
            w.location.as_str()
        };
        say!("  {when}  {:<28} {} ({place})", w.theme, w.title);
    }

    say!("\nKnowledge library:");
    for item in &data.knowledge {
        let Some(author) = enrolled.get(item.company) else {
            continue;
        };
        let kind = cpb::KnowledgeItemKind::from_str_name(&format!(
            "KNOWLEDGE_ITEM_KIND_{}",
            item.kind.to_uppercase()
        ))
        .unwrap_or(cpb::KnowledgeItemKind::LearningExperience);
        let visibility = cpb::KnowledgeVisibility::from_str_name(&format!(
            "KNOWLEDGE_VISIBILITY_{}",
            item.visibility.to_uppercase()
        ))
        .unwrap_or(cpb::KnowledgeVisibility::Community);
        community
            .publish_knowledge_item(cpb::PublishKnowledgeItemRequest {
                request_id: format!("demo-knowledge-{region}-{}", item.key),
                region: region.into(),
                kind: kind as i32,
                title: item.title.clone(),
                body: item.body.clone(),
                themes: item.themes.clone(),
                author_member_id: author.organisation.organisation_id.clone(),
                visibility: visibility as i32,
            })
            .await?;
        say!(
            "  {:<20} {} ({})",
            item.kind,
            item.title,
            author.company.name
        );
    }
    let results = community
        .search_knowledge(cpb::SearchKnowledgeRequest {
            query: data.search.clone(),
            region: region.into(),
            page_size: 5,
            ..Default::default()
        })
        .await?
        .into_inner()
        .results;
    say!("\nSearch \"{}\": {} hit(s)", data.search, results.len());
    for hit in &results {
        let item = hit.item.clone().unwrap_or_default();
        say!("  {} (score {:.2})", item.title, hit.score);
    }
    Ok(CommunityOutcome { attended })
}

async fn wait_for_companies(
    community: &mut Community,
    region: &str,
    enrolled: &[Enrolled<'_>],
) -> anyhow::Result<Vec<cpb::Member>> {
    for _ in 0..150 {
        let members = community
            .list_members(cpb::ListMembersRequest {
                region: region.into(),
                page_size: 500,
                ..Default::default()
            })
            .await?
            .into_inner()
            .members;
        if enrolled.iter().all(|e| {
            members
                .iter()
                .any(|m| m.member_id == e.organisation.organisation_id)
        }) {
            return Ok(members);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    anyhow::bail!("the companies did not join the community within 30 s")
}

async fn find_workshop(
    community: &mut Community,
    region: &str,
    plan: &WorkshopData,
) -> anyhow::Result<Vec<cpb::Workshop>> {
    let list = community
        .list_workshops(cpb::ListWorkshopsRequest {
            region: region.into(),
            theme: plan.theme.clone(),
            status: cpb::WorkshopStatus::Scheduled as i32,
            page_size: 500,
            ..Default::default()
        })
        .await?
        .into_inner();
    Ok(list
        .workshops
        .into_iter()
        .filter(|w| w.title == plan.title)
        .collect())
}

fn schedule_request(
    region: &str,
    plan: &WorkshopData,
    host: &str,
    request_id: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> cpb::ScheduleWorkshopRequest {
    cpb::ScheduleWorkshopRequest {
        request_id,
        region: region.into(),
        theme: plan.theme.clone(),
        title: plan.title.clone(),
        description: plan.description.clone(),
        start_time: Some(timestamp(start)),
        end_time: Some(timestamp(end)),
        location: plan.location.clone(),
        online_url: plan.online_url.clone(),
        capacity: plan.capacity,
        seats_per_company: 0,
        registration_cutoff_time: None,
        host_member_id: host.into(),
    }
}

/// A workshop some weeks ahead, 13:00–15:00 UTC.
async fn later_workshop(
    community: &mut Community,
    region: &str,
    plan: &WorkshopData,
    host: &str,
    n: usize,
) -> anyhow::Result<cpb::Workshop> {
    if let Some(existing) = find_workshop(community, region, plan)
        .await?
        .into_iter()
        .next()
    {
        return Ok(existing);
    }
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(13, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let start = today + TimeDelta::weeks(3 + 2 * n as i64);
    community
        .schedule_workshop(schedule_request(
            region,
            plan,
            host,
            format!("demo-workshop-{region}-{}", plan.theme),
            start,
            start + TimeDelta::hours(2),
        ))
        .await?
        .into_inner()
        .workshop
        .ok_or_else(|| anyhow::anyhow!("no workshop returned"))
}

/// The workshop held during the demo: an earlier run's when it got its registrations,
/// else a new one starting in a few seconds.
async fn held_workshop(
    community: &mut Community,
    region: &str,
    plan: &WorkshopData,
    host: &str,
    registrations_wanted: usize,
) -> anyhow::Result<cpb::Workshop> {
    for workshop in find_workshop(community, region, plan).await? {
        let registrations = community
            .list_registrations(cpb::ListRegistrationsRequest {
                workshop_id: workshop.workshop_id.clone(),
                page_size: 100,
                ..Default::default()
            })
            .await?
            .into_inner()
            .registrations;
        let open_long_enough = time(&workshop.registration_cutoff_time)
            .is_some_and(|cutoff| cutoff > Utc::now() + TimeDelta::seconds(3));
        if registrations.len() >= registrations_wanted || open_long_enough {
            return Ok(workshop);
        }
    }
    let start = Utc::now() + TimeDelta::seconds(8);
    community
        .schedule_workshop(schedule_request(
            region,
            plan,
            host,
            format!(
                "demo-workshop-{region}-{}-{}",
                plan.theme,
                start.timestamp()
            ),
            start,
            start + TimeDelta::hours(2),
        ))
        .await?
        .into_inner()
        .workshop
        .ok_or_else(|| anyhow::anyhow!("no workshop returned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// Every demo file of the repository runs on its packs: its themes are the packs'.
    #[test]
    fn the_shipped_demo_files_use_only_themes_of_their_packs() {
        let packs = workspace().join("infra/packs");
        for entry in std::fs::read_dir(workspace().join("infra/demo")).unwrap() {
            let path = entry.unwrap().path();
            let region = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if let Err(error) = load(&path, &region, &packs) {
                panic!("{error:#}");
            }
        }
    }

    #[test]
    fn a_demo_file_with_a_free_theme_is_refused_naming_it() {
        let text = std::fs::read_to_string(workspace().join("infra/demo/twente.toml"))
            .unwrap()
            .replacen("theme = \"intervisie\"", "theme = \"Intervisie leiden\"", 1);
        let path =
            std::env::temp_dir().join(format!("llo-demo-{}/twente.toml", std::process::id()));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let error = load(&path, "twente", &workspace().join("infra/packs"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
        assert!(
            error.contains(
                "needs[2].theme: \"Intervisie leiden\" is not a learning theme of the sector pack"
            ),
            "{error}"
        );
    }
}
