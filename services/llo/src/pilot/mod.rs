//! A region's pilot, run through the public gRPC APIs from its demo file
//! (`infra/demo/<region>.toml`, see `data`) and the region's packs, phase by phase:
//! the needs assessment (`needs`), development with its funding (`development`), the
//! learning community (`community`), the follow-up scans and the trajectories
//! completed, and then, once reporting has caught up with the pilot's own companies
//! (`reporting`), the programme's figures and the anonymised HTML report written to a
//! file. Nothing here names a region or a sector. Every call carries a request id or an
//! external reference, so running the pilot twice changes nothing the second time.
mod books;
mod community;
mod credentials;
mod data;
pub mod development;
mod mail;
mod needs;
mod ooapi;
mod reporting;

use std::path::PathBuf;

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext};
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as pb, intake_service_client::IntakeServiceClient},
};
use tonic::transport::Channel;

use crate::progress;
use community::Community;
use data::{CompanyData, Pilot};
use development::Trajectories;
use needs::Intake;

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
    /// Bearer token of the education provider's system (an integrator); a development token when omitted.
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
    /// The region whose pilot runs: its demo file (`<demo-data>/<region>.toml`) and its
    /// packs drive it.
    #[arg(long, default_value = "achterhoek")]
    pub region: String,
    /// Folder with a demo data file per region.
    #[arg(long, default_value = "infra/demo")]
    pub demo_data: PathBuf,
    /// The folder intake writes its e-mail notices to (`notices.mail_dir`), to say where
    /// they are; `llo up` fills it in.
    #[arg(long)]
    pub mail_dir: Option<PathBuf>,
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

/// A token per role, as the partners' systems would each hold one.
pub struct Tokens {
    /// The programme manager and coaches: intake, trajectories, community.
    pub staff: String,
    /// The education provider's system: an integrator for that provider.
    pub provider: String,
    /// The programme manager: reporting's figures in full, for the summary.
    pub manager: String,
    /// An evaluator: the report (anonymised whoever asks, as it is shared).
    pub evaluator: String,
}

impl Tokens {
    /// Development tokens (trusted only by a suite in development settings) for the
    /// pilot's region and its education provider.
    fn development(pilot: &Pilot) -> anyhow::Result<Tokens> {
        let region = pilot.region.id.as_str();
        let provider = pilot.data.provider.id.as_str();
        let staff = crate::token::request(
            vec![Role::ProgrammeManager, Role::Coach],
            vec![region.into()],
            None,
            "llo-demo",
            3600,
        );
        let integrator = crate::token::request(
            vec![Role::Integrator],
            vec![region.into()],
            Some(provider.into()),
            &format!("{provider}-sync"),
            3600,
        );
        let dev_token = crate::reporting::dev_token;
        Ok(Tokens {
            staff: llo_chassis::auth::mint_development_token(&staff)?,
            provider: llo_chassis::auth::mint_development_token(&integrator)?,
            manager: dev_token(Role::ProgrammeManager, region, "llo-demo-manager")?,
            evaluator: dev_token(Role::Evaluator, region, "llo-demo-evaluator")?,
        })
    }
}

/// Loads the region's demo file and packs (the packs folder from intake's settings).
pub fn load(options: &DemoOptions) -> anyhow::Result<Pilot> {
    let packs = llo_chassis::Settings::load(ServiceName::Intake)?.packs.dir;
    let path = data::file(&options.demo_data, &options.region);
    data::load(&path, &options.region, &packs)
}

/// Runs the region's pilot against a suite running locally (`llo up --demo`).
pub async fn run_local(ports: &[(ServiceName, u16)], options: &DemoOptions) -> anyhow::Result<()> {
    let pilot = load(options)?;
    let tokens = Tokens::development(&pilot)?;
    run(&pilot, &Endpoints::local(ports), &tokens, options).await
}

/// `llo demo`: runs the region's pilot against a suite at the given addresses.
pub async fn run_against(args: DemoArgs) -> anyhow::Result<()> {
    let pilot = load(&args.options)?;
    let mut tokens = Tokens::development(&pilot)?;
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
    run(&pilot, &endpoints, &tokens, &args.options).await
}

/// A person of the pilot (ids from intake).
pub struct Person {
    pub participant_id: String,
    pub name: String,
}

/// A company of the pilot as intake registered it, with its people and baseline scan.
pub struct Enrolled<'a> {
    /// The company's place in the demo file.
    pub index: usize,
    pub company: &'a CompanyData,
    pub organisation: pb::Organisation,
    pub people: Vec<Person>,
    pub baseline: pb::Assessment,
}

/// The pilot's clients, one per service and role.
struct Clients {
    intake: Intake,
    coach: Trajectories,
    school: Trajectories,
    community: Community,
    manager: crate::reporting::Reporting,
    evaluator: crate::reporting::Reporting,
    /// Whether trajectories runs on this machine, so that it reaches the provider's OOAPI
    /// endpoint the demo starts; a suite elsewhere gets the catalogue imported instead.
    local_trajectories: bool,
}

impl Clients {
    async fn connect(endpoints: &Endpoints, tokens: &Tokens) -> anyhow::Result<Clients> {
        let channel = Channel::from_shared(endpoints.intake.clone())?
            .connect()
            .await?;
        let bearer = |token: &String| ClientContext {
            bearer_token: Some(token.clone()),
        };
        let trajectories = &endpoints.trajectories;
        Ok(Clients {
            intake: IntakeServiceClient::with_interceptor(channel, bearer(&tokens.staff)),
            coach: development::client(trajectories, tokens.staff.clone()).await?,
            school: development::client(trajectories, tokens.provider.clone()).await?,
            community: community::client(&endpoints.community, tokens.staff.clone()).await?,
            manager: crate::reporting::client(&endpoints.reporting, tokens.manager.clone()).await?,
            evaluator: crate::reporting::client(&endpoints.reporting, tokens.evaluator.clone())
                .await?,
            local_trajectories: ["://127.0.0.1:", "://localhost:", "://[::1]:"]
                .iter()
                .any(|host| trajectories.contains(host)),
        })
    }
}

/// The demo's phases, as the progress bar counts them.
const PHASES: usize = 7;

async fn run(
    pilot: &Pilot,
    endpoints: &Endpoints,
    tokens: &Tokens,
    options: &DemoOptions,
) -> anyhow::Result<()> {
    let region = pilot.region.id.as_str();
    let data = &pilot.data;
    let bar = progress::start(PHASES);
    let mut clients = Clients::connect(endpoints, tokens).await?;
    let staff: usize = data.companies.iter().map(|c| c.staff).sum();
    say!(
        "== The {} pilot ({}): {} companies, {staff} synthetic employees, sector {} ==",
        pilot.region.name,
        pilot.region.programme,
        data.companies.len(),
        pilot.sector.name
    );

    bar.phase(1, "companies, employees, learning needs, baseline scans");
    let mut enrolled = Vec::new();
    for (index, company) in data.companies.iter().enumerate() {
        bar.step(index, data.companies.len(), &company.name);
        enrolled.push(needs::enrol(&mut clients.intake, pilot, index, company).await?);
    }
    let mut expected = reporting::Expected::default();
    for e in &enrolled {
        let people = e.people.iter().map(|p| p.participant_id.clone()).collect();
        expected.enrolled(&e.organisation.organisation_id, &e.company.name, people);
    }

    bar.phase(2, "trajectories, coaching, courses and funding");
    let (trajectories, earned) =
        develop(&mut clients, pilot, &enrolled, &mut expected, &bar).await?;

    bar.phase(3, "the learning community");
    let community =
        community::run(&mut clients.community, &mut clients.coach, pilot, &enrolled).await?;
    expected.attended(&community.attended);

    bar.phase(4, "follow-up scans, trajectories completed");
    say!("\n== Follow-up scans: baseline → follow-up, per company (mean, 1–5) ==");
    for (index, (e, trajectory)) in enrolled.iter().zip(&trajectories).enumerate() {
        bar.step(index, enrolled.len(), &e.company.name);
        let round = common::AssessmentRound::FollowUp;
        let follow_up = needs::scan(&mut clients.intake, pilot, e, round).await?;
        needs::print_changes(e, &follow_up);
        development::complete_trajectory(&mut clients.coach, trajectory).await?;
        let own = expected.company(&e.organisation.organisation_id)?;
        own.trajectory_completed = true;
        own.both_scans = true;
    }
    say!("All {} trajectories completed.", trajectories.len());

    bar.phase(5, "the grant's books: project plan, hours, approvals");
    let books = books::run(&mut clients.coach, pilot, &enrolled, &bar).await?;
    print_books(&books);
    let grant = if books.is_empty() {
        None
    } else {
        Some(books::grant(&mut clients.coach, pilot).await?)
    };
    if let Some(grant) = &grant {
        print_grant(grant);
    }

    // Reporting has its own copy of every event: wait until it shows what was put in.
    bar.phase(6, "waiting for reporting to catch up");
    reporting::wait_until_caught_up(&mut clients.manager, &expected, &bar).await?;
    if let Some(grant) = &grant {
        reporting::wait_for_books(&mut clients.manager, region, grant).await?;
    }

    bar.phase(7, "summary and report");
    reporting::summary(&mut clients.manager, region).await?;
    print_credentials(credentials::check(&mut clients.intake, &enrolled, earned).await?);
    let release = reporting::publish_release(&mut clients.manager, region).await?;
    let report =
        reporting::write_report(&mut clients.evaluator, &release, &options.report_dir).await?;
    let statement = if books.is_empty() {
        None
    } else {
        Some(books::write_statement(&mut clients.coach, pilot, &options.report_dir).await?)
    };
    let took = bar.elapsed();
    drop(bar);
    say!(
        "\nThe report of release {} (anonymised, self-contained HTML): {}",
        release.number,
        report.display()
    );
    if let Some(statement) = statement {
        say!(
            "The grant's final statement for the funder (exact, for the programme manager): {}",
            statement.display()
        );
    }
    mail::print(options.mail_dir.as_deref(), community.promoted.as_deref()).await;
    say!("The pilot took {:.1} s.", took.as_secs_f64());
    Ok(())
}

/// The Open Badges intake issued for the completed courses, and how they verified.
fn print_credentials(found: Option<credentials::Found>) {
    say!("\n== Credentials: Open Badges 3.0 for completed courses (VC-JWT, RS256) ==");
    match found {
        Some(f) => {
            say!(
                "Credentials: {} issued for {} courses completed with a credential, {} verified over JWKS ({}), {} valid by intake's VerifyCredential",
                f.issued,
                f.earned,
                f.verified_over_jwks,
                f.jwks_url,
                f.valid
            );
            if f.issued < f.earned {
                say!(
                    "  (intake issues a credential as it takes a completion in: courses completed before it had signing keys, e.g. by an earlier run on these databases, have none)"
                );
            }
        }
        None => say!("Credentials: none issued (intake has no credentials.keys_dir)"),
    }
}

/// The grant's books as the pilot left them: planned and approved per participant.
fn print_books(books: &[books::Realised]) {
    if books.is_empty() {
        return;
    }
    say!("\n== The grant's books: project plan and approved hours, per participant ==");
    say!(
        "  {:<36} {:>12} {:>10} {:>14}",
        "participant",
        "planned",
        "hours",
        "hours' cost"
    );
    for b in books {
        say!(
            "  {:<36} {:>12} {:>10} {:>14}",
            b.name,
            reporting::euros(b.planned_cents),
            b.approved_minutes / 60,
            reporting::euros(b.approved_cents)
        );
    }
    let planned: i64 = books.iter().map(|b| b.planned_cents).sum();
    let approved: i64 = books.iter().map(|b| b.approved_cents).sum();
    say!(
        "  total planned {}, approved hours' cost {} (the third parties' invoices below)",
        reporting::euros(planned),
        reporting::euros(approved)
    );
}

/// The grant as the books realise it, and each of its rules with its outcome.
fn print_grant(grant: &llo_proto::trajectories::v1::GetRealisationResponse) {
    say!(
        "\n== The grant's realisation: {} ({}) ==",
        grant.source,
        grant.regulation
    );
    say!(
        "  budgeted {}, realised {}, eligible {}, grant {}",
        reporting::euros(grant.budgeted_cents),
        reporting::euros(grant.realised_cents),
        reporting::euros(grant.eligible_cents),
        reporting::euros(grant.grant_cents)
    );
    for check in &grant.checks {
        let mark = if check.kept { "kept" } else { "NOT kept" };
        say!("  {mark}: {} — {}", check.rule, check.detail);
    }
}

/// Phase two for every company: its trajectory coached and its people's courses planned,
/// funded and half completed. Returns the trajectories' ids, in the companies' order, and
/// how many courses were completed with a credential.
async fn develop(
    clients: &mut Clients,
    pilot: &Pilot,
    enrolled: &[Enrolled<'_>],
    expected: &mut reporting::Expected,
    bar: &progress::Bar,
) -> anyhow::Result<(Vec<String>, usize)> {
    let data = &pilot.data;
    let region = &pilot.region.id;
    let catalogue = if clients.local_trajectories {
        let base_url = ooapi::serve(data.provider.clone()).await?;
        ooapi::sync(&mut clients.coach, region, &data.provider, &base_url).await?;
        development::list_catalogue(&mut clients.school, &data.provider).await?
    } else {
        development::publish_catalogue(&mut clients.school, region, &data.provider).await?
    };
    development::register_coaches(&mut clients.coach, pilot).await?;
    development::search_skills(&mut clients.coach, pilot).await?;
    let mut trajectories = Vec::new();
    let mut earned = 0;
    for (index, e) in enrolled.iter().enumerate() {
        bar.step(index, enrolled.len(), &e.company.name);
        let organisation_id = &e.organisation.organisation_id;
        let proposed =
            development::proposed_trajectory(&mut clients.coach, organisation_id).await?;
        let coach_id = &data.coaches[index % data.coaches.len()].id;
        let topics = &data.coaching_topics;
        let trajectory =
            development::run_trajectory(&mut clients.coach, &proposed, coach_id, topics).await?;
        let developed = development::develop_people(
            &mut clients.coach,
            &mut clients.school,
            pilot,
            &catalogue,
            e,
        )
        .await?;
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
            "  development plans: {} goals naming {} ESCO skills, {} courses planned and funded, \
             {} completed with a credential",
            developed.goals_with_skills,
            developed.skills_named,
            developed.planned,
            developed.completed
        );
        let own = expected.company(organisation_id)?;
        own.courses_completed = developed.completed;
        earned += developed.completed;
        own.coaching_sessions = topics.len();
        trajectories.push(trajectory.trajectory_id);
    }
    if clients.local_trajectories {
        let participants: Vec<&str> = enrolled
            .iter()
            .flat_map(|e| e.people.iter().map(|p| p.participant_id.as_str()))
            .collect();
        ooapi::places(&mut clients.coach, &data.provider, &participants).await?;
    }
    Ok((trajectories, earned))
}
