//! The Achterhoek pilot, run through the public gRPC APIs: the six companies of the
//! programme (synthetic KvK numbers and employees), employees imported as an HR
//! system would, baseline scans closed by the coach, learning needs, trajectories and
//! development plans, the learning community (partners, workshops, knowledge), a
//! follow-up scan, and the change per dimension at the end. Every call carries a request id or
//! an external reference, so running the demo twice changes nothing the second time.
use std::collections::BTreeMap;

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext};

use crate::{demo_community, demo_trajectories};
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
    /// Bearer token of Graafschap College's system (an integrator); a development token when omitted.
    #[arg(long, env = "LLO_PROVIDER_TOKEN")]
    provider_token: Option<String>,
    /// Bearer token of a programme manager; a development token when omitted.
    #[arg(long, env = "LLO_TOKEN")]
    token: Option<String>,
}

pub struct Endpoints {
    pub intake: String,
    pub trajectories: String,
    pub community: String,
}

impl Endpoints {
    pub fn local(ports: &[(ServiceName, u16)]) -> Endpoints {
        let port = |name| {
            ports
                .iter()
                .find(|(s, _)| *s == name)
                .map_or(0, |(_, p)| *p)
        };
        Endpoints {
            intake: format!("http://127.0.0.1:{}", port(ServiceName::Intake)),
            trajectories: format!("http://127.0.0.1:{}", port(ServiceName::Trajectories)),
            community: format!("http://127.0.0.1:{}", port(ServiceName::Community)),
        }
    }
}

/// Graafschap College's system: an integrator for that provider.
pub fn provider_dev_token() -> anyhow::Result<String> {
    let request = crate::token::request(
        vec![Role::Integrator],
        vec!["achterhoek".into()],
        Some(crate::demo_trajectories::PROVIDER.into()),
        "graafschap-college-sync",
        3600,
    );
    llo_chassis::auth::mint_development_token(&request)
}

pub fn dev_token() -> anyhow::Result<String> {
    let request = crate::token::request(
        vec![Role::ProgrammeManager, Role::Coach],
        vec!["achterhoek".into()],
        None,
        "llo-demo",
        3600,
    );
    llo_chassis::auth::mint_development_token(&request)
}

pub async fn run_against(args: DemoArgs) -> anyhow::Result<()> {
    let token = match args.token {
        Some(token) => token,
        None => dev_token()?,
    };
    let provider_token = match args.provider_token {
        Some(token) => token,
        None => provider_dev_token()?,
    };
    let endpoints = Endpoints {
        intake: args.intake,
        trajectories: args.trajectories,
        community: args.community,
    };
    run(&endpoints, token, provider_token).await
}

type Intake = IntakeServiceClient<InterceptedService<Channel, ClientContext>>;

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

pub async fn run(
    endpoints: &Endpoints,
    token: String,
    provider_token: String,
) -> anyhow::Result<()> {
    let channel = Channel::from_shared(endpoints.intake.clone())?
        .connect()
        .await?;
    let mut intake = IntakeServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(token.clone()),
        },
    );
    let mut coach = demo_trajectories::client(&endpoints.trajectories, token.clone()).await?;
    let mut community = demo_community::client(&endpoints.community, token).await?;
    let mut school = demo_trajectories::client(&endpoints.trajectories, provider_token).await?;
    println!("== The Achterhoek pilot: six companies, {STAFF} synthetic employees each ==");
    let catalogue = demo_trajectories::publish_catalogue(&mut school).await?;
    let mut changes: BTreeMap<&str, Vec<(String, f64, f64)>> = BTreeMap::new();
    let mut roster = Vec::new();
    for (index, company) in COMPANIES.iter().enumerate() {
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

        // Phase two: the proposed trajectory, coaching, a course for everyone, funded.
        let proposed =
            demo_trajectories::proposed_trajectory(&mut coach, &organisation.organisation_id)
                .await?;
        let trajectory = demo_trajectories::run_trajectory(&mut coach, &proposed, index).await?;
        let small_firm = company.employees <= 49;
        let (planned, completed) = demo_trajectories::develop_people(
            &mut coach,
            &mut school,
            &catalogue,
            &people,
            small_firm,
        )
        .await?;
        let interventions: Vec<&str> = trajectory
            .interventions
            .iter()
            .map(|i| i.title.as_str())
            .collect();
        println!(
            "  trajectory: {} interventions ({}), coach {}, {} coaching minutes",
            interventions.len(),
            interventions.join("; "),
            trajectory.coach_id,
            trajectory.coaching_minutes
        );
        println!(
            "  development plans: {planned} courses planned and funded, {completed} completed with a credential"
        );

        let follow_up = scan(
            &mut intake,
            &organisation,
            &people,
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
    }
    demo_trajectories::print_budget(&mut coach).await?;
    demo_community::run(&mut community, &mut coach, &roster).await?;
    println!("\n== Evaluation: baseline → follow-up, per company (mean, 1–5) ==");
    for (company, rows) in &changes {
        let line: Vec<String> = rows
            .iter()
            .map(|(d, before, after)| {
                format!("{d} {before:.2}→{after:.2} ({:+.2})", after - before)
            })
            .collect();
        println!("{company:<20} {}", line.join("  "));
    }
    println!("\n(The reporting service is not part of this build yet.)");
    Ok(())
}

async fn register(intake: &mut Intake, company: &Company) -> anyhow::Result<pb::Organisation> {
    let response = intake
        .register_organisation(pb::RegisterOrganisationRequest {
            request_id: format!("demo-organisation-{}", company.kvk),
            region: "achterhoek".into(),
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
    println!(
        "\n{} ({}), baseline scan, {} respondents",
        company.name, company.municipality, assessment.response_count
    );
    for result in &assessment.results {
        println!(
            "  {:<36} {:.2}  (n={})",
            result.name, result.mean, result.respondent_count
        );
    }
    let themes: Vec<&str> = assessment
        .priority_themes
        .iter()
        .map(|t| t.description.as_str())
        .collect();
    println!("  priority themes: {}", themes.join("; "));
}
