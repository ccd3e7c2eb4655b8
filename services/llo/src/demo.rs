//! The Achterhoek pilot, run through the public gRPC APIs: the six companies of the
//! programme (synthetic KvK numbers and employees), employees imported as an HR
//! system would, baseline scans closed by the coach, learning needs, trajectories and
//! development plans, the learning community (partners, workshops, knowledge), the
//! follow-up scans and the trajectories completed, and then, once reporting has caught
//! up (it asks), the programme's figures, the evaluation per dimension, the funding per
//! source and the anonymised HTML report written to a file. Every call carries a
//! request id or an external reference, so running the demo twice changes nothing the
//! second time.
use std::{collections::BTreeMap, path::PathBuf};

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext};

use crate::{demo_community, demo_pilot, demo_reporting, demo_trajectories, progress, reporting};
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as pb, intake_service_client::IntakeServiceClient},
};
use tonic::{Code, codegen::InterceptedService, transport::Channel};

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Intake's address.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    intake: String,
    /// Trajectories' address.
    #[arg(long, default_value = "http://127.0.0.1:50052")]
    trajectories: String,
    /// Community's address.
    #[arg(long, default_value = "http://127.0.0.1:50053")]
    community: String,
    /// Reporting's address.
    #[arg(long, default_value = "http://127.0.0.1:50054")]
    reporting: String,
    /// Bearer token of Graafschap College's system (an integrator); a development token when omitted.
    #[arg(long, env = "LLO_PROVIDER_TOKEN")]
    provider_token: Option<String>,
    /// Bearer token of a programme manager (and coach); a development token when omitted.
    #[arg(long, env = "LLO_TOKEN")]
    token: Option<String>,
    /// Bearer token of an evaluator, for the report; a development token when omitted.
    #[arg(long, env = "LLO_EVALUATOR_TOKEN")]
    evaluator_token: Option<String>,
    #[command(flatten)]
    options: DemoOptions,
}

/// What the demo does beyond calling the services.
#[derive(clap::Args, Clone)]
pub struct DemoOptions {
    /// Where the demo writes its HTML report, as llo-report-<region>.html.
    #[arg(long, default_value = ".")]
    pub report_dir: PathBuf,
    /// The region whose pilot runs: its demo file (`<demo-data>/<region>.toml`) and packs
    /// drive it; without a demo file, the built-in Achterhoek pilot data.
    #[arg(long, default_value = REGION)]
    pub region: String,
    /// Folder with a demo data file per region.
    #[arg(long, default_value = "infra/demo")]
    pub demo_data: PathBuf,
}

pub struct Endpoints {
    pub intake: String,
    pub trajectories: String,
    pub community: String,
    pub reporting: String,
}

impl Endpoints {
    pub fn local(ports: &[(ServiceName, u16)]) -> Endpoints {
        let url = |name| {
            let port = ports
                .iter()
                .find(|(s, _)| *s == name)
                .map_or(0, |(_, p)| *p);
            format!("http://127.0.0.1:{port}")
        };
        Endpoints {
            intake: url(ServiceName::Intake),
            trajectories: url(ServiceName::Trajectories),
            community: url(ServiceName::Community),
            reporting: url(ServiceName::Reporting),
        }
    }
}

/// The region of the built-in pilot data (used when the region has no demo file).
const REGION: &str = "achterhoek";

/// A token per role, as the partners' systems would each hold one.
pub struct Tokens {
    /// The programme manager and coaches: intake, trajectories, community.
    pub staff: String,
    /// Graafschap College's system: an integrator for that provider.
    pub provider: String,
    /// The programme manager: reporting's figures in full, for the summary.
    pub manager: String,
    /// An evaluator: the report (anonymised whoever asks, as it is shared).
    pub evaluator: String,
}

impl Tokens {
    /// Development tokens (trusted only by a suite in development settings) for a
    /// region and its education provider.
    pub fn development(region: &str, provider: &str) -> anyhow::Result<Tokens> {
        let staff = crate::token::request(
            vec![Role::ProgrammeManager, Role::Coach],
            vec![region.into()],
            None,
            "llo-demo",
            3600,
        );
        let provider = crate::token::request(
            vec![Role::Integrator],
            vec![region.into()],
            Some(provider.into()),
            &format!("{provider}-sync"),
            3600,
        );
        Ok(Tokens {
            staff: llo_chassis::auth::mint_development_token(&staff)?,
            provider: llo_chassis::auth::mint_development_token(&provider)?,
            manager: reporting::dev_token(Role::ProgrammeManager, region, "llo-demo-manager")?,
            evaluator: reporting::dev_token(Role::Evaluator, region, "llo-demo-evaluator")?,
        })
    }
}

/// The pilot to run: the region's demo file when there is one, else the built-in data.
pub enum Pilot {
    Builtin,
    Data(Box<demo_pilot::Pilot>),
}

impl Pilot {
    pub fn choose(options: &DemoOptions) -> anyhow::Result<Pilot> {
        let path = demo_pilot::file(&options.demo_data, &options.region);
        if path.is_file() {
            let packs = llo_chassis::Settings::load(ServiceName::Intake)?.packs.dir;
            return Ok(Pilot::Data(Box::new(demo_pilot::load(
                &path,
                &options.region,
                &packs,
            )?)));
        }
        anyhow::ensure!(
            options.region == REGION,
            "no demo data for region {:?}: {} does not exist (the built-in pilot data is {REGION}'s)",
            options.region,
            path.display()
        );
        Ok(Pilot::Builtin)
    }

    /// Development tokens for the pilot's region and education provider.
    pub fn tokens(&self) -> anyhow::Result<Tokens> {
        match self {
            Pilot::Builtin => Tokens::development(REGION, crate::demo_trajectories::PROVIDER),
            Pilot::Data(pilot) => Tokens::development(&pilot.region.id, &pilot.data.provider.id),
        }
    }

    pub async fn run(
        &self,
        endpoints: &Endpoints,
        tokens: &Tokens,
        options: &DemoOptions,
    ) -> anyhow::Result<()> {
        match self {
            Pilot::Builtin => run(endpoints, tokens, options).await,
            Pilot::Data(pilot) => demo_pilot::run(pilot, endpoints, tokens, options).await,
        }
    }
}

pub async fn run_against(args: DemoArgs) -> anyhow::Result<()> {
    let pilot = Pilot::choose(&args.options)?;
    let mut tokens = pilot.tokens()?;
    if let Some(token) = args.token {
        tokens.staff = token.clone();
        tokens.manager = token;
    }
    if let Some(token) = args.provider_token {
        tokens.provider = token;
    }
    if let Some(token) = args.evaluator_token {
        tokens.evaluator = token;
    }
    let endpoints = Endpoints {
        intake: args.intake,
        trajectories: args.trajectories,
        community: args.community,
        reporting: args.reporting,
    };
    pilot.run(&endpoints, &tokens, &args.options).await
}

pub(crate) type Intake = IntakeServiceClient<InterceptedService<Channel, ClientContext>>;

struct Company {
    kvk: &'static str,
    name: &'static str,
    municipality: &'static str,
    employees: i32,
    /// Baseline mean per dimension, in the pack's order (before noise).
    profile: [f64; 6],
    coach_needs: &'static [&'static str],
}

const DIMENSIONS: [&str; 6] = [
    "leiderschap",
    "leerklimaat",
    "kennisdeling",
    "loopbaan",
    "personeelsplanning",
    "eigen-regie",
];

const COMPANIES: [Company; 6] = [
    Company {
        kvk: "90000011",
        name: "Lensink Constructie",
        municipality: "Lievelde",
        employees: 45,
        profile: [3.4, 3.1, 2.5, 2.8, 2.4, 3.6],
        coach_needs: &["Kennis van oudere vakmensen borgen"],
    },
    Company {
        kvk: "90000022",
        name: "Nijhuis Groep",
        municipality: "Winterswijk",
        employees: 120,
        profile: [3.0, 3.3, 3.2, 2.6, 2.9, 3.1],
        coach_needs: &["Ontwikkelgesprekken voor alle ploegen"],
    },
    Company {
        kvk: "90000033",
        name: "Wiggers",
        municipality: "Winterswijk",
        employees: 38,
        profile: [2.7, 2.9, 3.5, 3.0, 2.6, 3.3],
        coach_needs: &["Leidinggevenden coachen op het goede voorbeeld"],
    },
    Company {
        kvk: "90000044",
        name: "ETI",
        municipality: "Aalten",
        employees: 60,
        profile: [3.5, 3.6, 2.8, 3.2, 2.5, 3.0],
        coach_needs: &["Vooruitkijken naar automatisering"],
    },
    Company {
        kvk: "90000055",
        name: "De Lepper",
        municipality: "Doetinchem",
        employees: 25,
        profile: [3.1, 2.6, 3.0, 2.9, 3.2, 2.8],
        coach_needs: &["Tijd en ruimte om te leren op de vloer"],
    },
    Company {
        kvk: "90000066",
        name: "EM Kwadraad",
        municipality: "Ulft",
        employees: 18,
        profile: [3.8, 3.4, 3.1, 2.7, 2.8, 3.5],
        coach_needs: &["Loopbaanpaden voor monteurs"],
    },
];

const GIVEN: [&str; 10] = [
    "Anouk", "Bram", "Daan", "Eva", "Fleur", "Gijs", "Iris", "Joost", "Lotte", "Mees",
];
const FAMILY: [&str; 8] = [
    "Hengeveld",
    "Te Brake",
    "Wissink",
    "Klein Gunnewiek",
    "Ormel",
    "Rouwhorst",
    "Te Lintelo",
    "Bulten",
];
const NEEDS: [(&str, &str); 5] = [
    ("cnc", "CNC-programmeren op de nieuwe freesbank"),
    ("lassen", "Certificaat TIG-lassen behalen"),
    ("leidinggeven", "Werkoverleg leiden als meewerkend voorman"),
    ("digitale-vaardigheden", "Werken met het nieuwe ERP-systeem"),
    ("veiligheid", "VCA-VOL halen"),
];
/// Employees per company in the demo (synthetic people).
const STAFF: usize = 8;

/// The synthetic name of a company's `n`th employee.
fn person(company: usize, n: usize) -> (&'static str, &'static str) {
    (
        GIVEN[(company * 3 + n) % GIVEN.len()],
        FAMILY[(company + n * 5) % FAMILY.len()],
    )
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

    /// A Likert answer around `mean`, from 1 to 5.
    fn likert(&mut self, mean: f64) -> i32 {
        (mean + (self.next() - 0.5) * 1.6).round().clamp(1.0, 5.0) as i32
    }
}

/// The region's labour-market coaches (token subject, name, coaching organisation).
const COACHES: [demo_trajectories::DemoCoach<'static>; 2] = [
    ("coach-anja", "Anja Hulshof", "Loopbaanhuis Achterhoek"),
    (
        "coach-erik",
        "Erik Wensink",
        "Werkgeversservicepunt Achterhoek",
    ),
];

/// The demo's phases, as the progress bar counts them.
const PHASES: usize = 6;

/// The built-in Achterhoek pilot.
async fn run(endpoints: &Endpoints, tokens: &Tokens, options: &DemoOptions) -> anyhow::Result<()> {
    let bar = progress::start(PHASES);
    let channel = Channel::from_shared(endpoints.intake.clone())?
        .connect()
        .await?;
    let mut intake = IntakeServiceClient::with_interceptor(
        channel,
        ClientContext {
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
    say!("== The Achterhoek pilot: six companies, {STAFF} synthetic employees each ==");

    // Phase one: the needs assessment.
    bar.phase(1, "companies, employees, learning needs, baseline scans");
    let mut enrolled = Vec::new();
    let mut roster = Vec::new();
    for (index, company) in COMPANIES.iter().enumerate() {
        bar.step(index, COMPANIES.len(), company.name);
        let organisation = register(&mut intake, company).await?;
        let people = import_staff(&mut intake, &organisation, index).await?;
        roster.push(demo_community::Company {
            organisation_id: organisation.organisation_id.clone(),
            name: company.name,
            people: people
                .iter()
                .enumerate()
                .map(|(n, id)| {
                    let (given, family) = person(index, n);
                    demo_community::Person {
                        participant_id: id.clone(),
                        name: format!("{given} {family}"),
                    }
                })
                .collect(),
        });
        record_needs(&mut intake, &people, index).await?;
        let baseline = scan(
            &mut intake,
            &organisation,
            &people,
            company,
            common::AssessmentRound::Baseline,
            0.0,
        )
        .await?;
        print_scan(company, &baseline);
        enrolled.push((company, organisation, people, baseline));
    }

    // Phase two: the proposed trajectory, coaching, a course for everyone, funded.
    bar.phase(2, "trajectories, coaching, courses and funding");
    let catalogue = demo_trajectories::publish_catalogue(&mut school).await?;
    demo_trajectories::register_coaches(&mut coach, REGION, &COACHES).await?;
    let mut expected = demo_reporting::Expected::default();
    for (company, organisation, people, _) in &enrolled {
        expected.enrolled(&organisation.organisation_id, company.name, people.clone());
    }
    let mut trajectories = Vec::new();
    for (index, (company, organisation, people, _)) in enrolled.iter().enumerate() {
        bar.step(index, enrolled.len(), company.name);
        let proposed =
            demo_trajectories::proposed_trajectory(&mut coach, &organisation.organisation_id)
                .await?;
        let coach_id = COACHES[index % COACHES.len()].0;
        let trajectory = demo_trajectories::run_trajectory(&mut coach, &proposed, coach_id).await?;
        let small_firm = company.employees <= 49;
        let (planned, completed) = demo_trajectories::develop_people(
            &mut coach,
            &mut school,
            &catalogue,
            people,
            small_firm,
        )
        .await?;
        let interventions: Vec<&str> = trajectory
            .interventions
            .iter()
            .map(|i| i.title.as_str())
            .collect();
        say!("\n{} ({})", company.name, company.municipality);
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
        let own = expected.company(&organisation.organisation_id)?;
        own.courses_completed = completed;
        own.coaching_sessions = demo_trajectories::COACHING_SESSIONS;
        trajectories.push(trajectory.trajectory_id);
    }
    demo_trajectories::print_budget(&mut coach).await?;

    // The learning community.
    bar.phase(3, "the learning community");
    let community_outcome = demo_community::run(&mut community, &mut coach, &roster).await?;
    expected.attended(&community_outcome.attended);

    // Phase three: the follow-up scans, and the trajectories completed.
    bar.phase(4, "follow-up scans, trajectories completed");
    let mut changes: BTreeMap<&str, Vec<(String, f64, f64)>> = BTreeMap::new();
    for (index, ((company, organisation, people, baseline), trajectory)) in
        enrolled.iter().zip(&trajectories).enumerate()
    {
        bar.step(index, enrolled.len(), company.name);
        let follow_up = scan(
            &mut intake,
            organisation,
            people,
            company,
            common::AssessmentRound::FollowUp,
            0.45,
        )
        .await?;
        let rows = changes.entry(company.name).or_default();
        for result in &baseline.results {
            if let Some(after) = follow_up
                .results
                .iter()
                .find(|r| r.dimension_id == result.dimension_id)
            {
                rows.push((result.dimension_id.clone(), result.mean, after.mean));
            }
        }
        demo_trajectories::complete_trajectory(&mut coach, trajectory).await?;
        let own = expected.company(&organisation.organisation_id)?;
        own.trajectory_completed = true;
        own.both_scans = true;
    }
    say!("\n== Follow-up scans: baseline → follow-up, per company (mean, 1–5) ==");
    for (company, rows) in &changes {
        let line: Vec<String> = rows
            .iter()
            .map(|(d, before, after)| {
                format!("{d} {before:.2}→{after:.2} ({:+.2})", after - before)
            })
            .collect();
        say!("{company:<20} {}", line.join("  "));
    }
    say!("All {} trajectories completed.", trajectories.len());

    // Reporting has its own copy of every event: wait until it shows what was put in.
    bar.phase(5, "waiting for reporting to catch up");
    demo_reporting::wait_until_caught_up(&mut manager, &expected, &bar).await?;

    bar.phase(6, "summary and report");
    demo_reporting::summary(&mut manager, REGION).await?;
    let report = demo_reporting::write_report(&mut evaluator, REGION, &options.report_dir).await?;
    let took = bar.elapsed();
    drop(bar);
    say!(
        "\nThe report (anonymised, self-contained HTML): {}",
        report.display()
    );
    say!("The pilot took {:.1} s.", took.as_secs_f64());
    Ok(())
}

async fn register(intake: &mut Intake, company: &Company) -> anyhow::Result<pb::Organisation> {
    let response = intake
        .register_organisation(pb::RegisterOrganisationRequest {
            request_id: format!("demo-organisation-{}", company.kvk),
            region: REGION.into(),
            sector: "techniek-metaal".into(),
            name: company.name.into(),
            kvk_number: company.kvk.into(),
            municipality: company.municipality.into(),
            employee_count: company.employees,
        })
        .await?;
    response
        .into_inner()
        .organisation
        .ok_or_else(|| anyhow::anyhow!("no organisation returned"))
}

async fn import_staff(
    intake: &mut Intake,
    organisation: &pb::Organisation,
    company: usize,
) -> anyhow::Result<Vec<String>> {
    let rows: Vec<pb::ImportParticipantsRequest> = (0..STAFF)
        .map(|n| {
            let (given, family) = person(company, n);
            let uwv = n == STAFF - 1 && company.is_multiple_of(2);
            pb::ImportParticipantsRequest {
                external_reference: format!("demo-{}-{n}", organisation.kvk_number),
                organisation_id: organisation.organisation_id.clone(),
                given_name: given.into(),
                family_name: family.into(),
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
                job_title: if n == 0 { "Ploegleider" } else { "Monteur" }.into(),
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
        .map(|r| r.participant_id)
        .collect())
}

async fn record_needs(
    intake: &mut Intake,
    people: &[String],
    company: usize,
) -> anyhow::Result<()> {
    for (n, participant) in people.iter().enumerate() {
        let (theme, description) = NEEDS[(company + n) % NEEDS.len()];
        intake
            .record_learning_needs(pb::RecordLearningNeedsRequest {
                request_id: format!("demo-needs-{participant}"),
                participant_id: participant.clone(),
                needs: vec![pb::LearningNeedInput {
                    theme: theme.into(),
                    description: description.into(),
                }],
            })
            .await?;
    }
    Ok(())
}

async fn scan(
    intake: &mut Intake,
    organisation: &pb::Organisation,
    people: &[String],
    company: &Company,
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
    let mut dice = Dice(organisation.kvk_number.parse::<u64>().unwrap_or(7) + round as u64);
    for participant in people {
        let answers = questionnaire
            .items
            .iter()
            .map(|item| {
                let dimension = DIMENSIONS
                    .iter()
                    .position(|d| *d == item.dimension_id)
                    .unwrap_or(0);
                // Weaker dimensions grow more: that is what the trajectories work on.
                let mean = company.profile[dimension]
                    + growth * (4.0 - company.profile[dimension]).max(0.0);
                let score = dice.likert(mean);
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
                request_id: format!("demo-answer-{}-{participant}", assessment.assessment_id),
                assessment_id: assessment.assessment_id.clone(),
                participant_id: participant.clone(),
                answers,
            })
            .await;
        match submitted {
            Ok(_) => {}
            Err(status) if status.code() == Code::AlreadyExists => {}
            Err(status) => return Err(status.into()),
        }
    }
    let completed = intake
        .complete_assessment(pb::CompleteAssessmentRequest {
            request_id: format!("demo-complete-{}", assessment.assessment_id),
            assessment_id: assessment.assessment_id.clone(),
            priority_needs: company
                .coach_needs
                .iter()
                .map(|n| (*n).to_owned())
                .collect(),
        })
        .await?
        .into_inner()
        .assessment
        .ok_or_else(|| anyhow::anyhow!("no assessment returned"))?;
    Ok(completed)
}

fn print_scan(company: &Company, assessment: &pb::Assessment) {
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

#[cfg(test)]
mod tests {
    use llo_chassis::packs::{LearningThemes, Packs};

    use super::*;

    /// The built-in pilot's learning needs are on learning themes of its sector pack (the
    /// services refuse others).
    #[test]
    fn the_builtin_learning_needs_are_on_the_sectors_learning_themes() {
        let packs = Packs::load(&llo_chassis::testing::packs_dir()).unwrap();
        let themes = LearningThemes::of([&**packs.sector("techniek-metaal").unwrap()]);
        for (theme, _) in NEEDS {
            assert_eq!(themes.check(theme), Ok(()));
        }
    }
}
