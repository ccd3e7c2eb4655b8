//! Phase three of the pilot demo, the read side: the demo waits until reporting shows
//! what the demo put in for each of its own companies (it asks reporting's figures per
//! company, by id, no fixed sleeps; a region's totals may hold other data), prints a
//! short summary as the programme manager sees it (in full), and writes the shareable
//! HTML report, which is anonymised whoever asks; the demo asks as an evaluator.
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use llo_proto::reporting::v1::{self as pb, CellStatus};

use crate::{progress::Bar, reporting::Reporting};

/// How long reporting may take to show everything the demo put in.
const DEADLINE: Duration = Duration::from_secs(60);
/// How often the demo asks in the meantime.
const POLL: Duration = Duration::from_millis(250);

/// What the pilot put in for one of its own companies, as reporting counts it.
#[derive(Debug, Default, Clone)]
pub struct CompanyExpected {
    pub organisation_id: String,
    pub name: String,
    /// Its employees in the programme (participant ids).
    pub people: Vec<String>,
    pub courses_completed: usize,
    /// Workshops its people attended: each a completed activity in their plan.
    pub workshops_attended: usize,
    pub coaching_sessions: usize,
    pub trajectory_completed: bool,
    /// A baseline and a follow-up scan.
    pub both_scans: bool,
}

/// What the pilot put in, company by company. The pilot checks only its own companies
/// (by their ids), never a region's totals: the region may hold other data, and the
/// pilot may have run before.
#[derive(Debug, Default)]
pub struct Expected {
    pub companies: Vec<CompanyExpected>,
}

impl Expected {
    pub fn enrolled(&mut self, organisation_id: &str, name: &str, people: Vec<String>) {
        self.companies.push(CompanyExpected {
            organisation_id: organisation_id.to_owned(),
            name: name.to_owned(),
            people,
            ..Default::default()
        });
    }

    pub fn company(&mut self, organisation_id: &str) -> anyhow::Result<&mut CompanyExpected> {
        self.companies
            .iter_mut()
            .find(|c| c.organisation_id == organisation_id)
            .ok_or_else(|| anyhow::anyhow!("organisation {organisation_id} is not the pilot's"))
    }

    /// Counts each attendee's workshop on their company.
    pub fn attended(&mut self, participants: &[String]) {
        for participant in participants {
            if let Some(company) = self
                .companies
                .iter_mut()
                .find(|c| c.people.contains(participant))
            {
                company.workshops_attended += 1;
            }
        }
    }
}

/// One measure of one company (or of all): what the pilot put in, what reporting shows.
#[derive(Debug, Clone, Copy)]
struct Row {
    what: &'static str,
    expected: usize,
    reported: usize,
}

fn row(what: &'static str, expected: usize, reported: usize) -> Row {
    Row {
        what,
        expected,
        reported,
    }
}

/// The measures of one of the pilot's companies, as reporting shows them now (all
/// zero while reporting has not heard of the company yet).
async fn compare(reporting: &mut Reporting, company: &CompanyExpected) -> anyhow::Result<Vec<Row>> {
    let progress = match reporting
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: company.organisation_id.clone(),
            release: 0,
        })
        .await
    {
        Ok(progress) => progress.into_inner(),
        Err(status) if status.code() == tonic::Code::NotFound => Default::default(),
        Err(status) => return Err(status.into()),
    };
    let figure = |f: &Option<pb::Figure>| f.as_ref().map_or(0, |f| f.value.round() as usize);
    let known = !progress.organisation_id.is_empty();
    // A follow-up beside the baseline (a pack's scan may leave a dimension out).
    let both_scans = progress.dimensions.iter().any(|d| {
        d.follow_up
            .as_ref()
            .is_some_and(|f| f.status == CellStatus::Shown as i32)
    });
    Ok(vec![
        row("companies", 1, usize::from(known)),
        row(
            "employees reached",
            company.people.len(),
            figure(&progress.participants),
        ),
        row(
            "learning activities completed",
            company.courses_completed + company.workshops_attended,
            figure(&progress.learning_activities_completed),
        ),
        row(
            "coaching sessions",
            company.coaching_sessions,
            usize::try_from(progress.coaching_sessions).unwrap_or(0),
        ),
        row(
            "trajectories completed",
            usize::from(company.trajectory_completed),
            usize::from(progress.trajectory_state == pb::TrajectoryState::Completed as i32),
        ),
        row(
            "companies with both scans",
            usize::from(company.both_scans),
            usize::from(both_scans),
        ),
    ])
}

fn describe(rows: &[Row]) -> String {
    rows.iter()
        .map(|r| format!("{} {} of {}", r.what, r.reported, r.expected))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of every company added up, measure by measure.
fn totals(per_company: &[Vec<Row>]) -> Vec<Row> {
    let mut totals: Vec<Row> = Vec::new();
    for rows in per_company {
        for (i, r) in rows.iter().enumerate() {
            match totals.get_mut(i) {
                Some(total) => {
                    total.expected += r.expected;
                    total.reported += r.reported;
                }
                None => totals.push(*r),
            }
        }
    }
    totals
}

/// Asks reporting until it shows what the pilot put in for each of its companies, for
/// up to 60 s.
pub async fn wait_until_caught_up(
    reporting: &mut Reporting,
    expected: &Expected,
    bar: &Bar,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let mut per_company = Vec::new();
        for company in &expected.companies {
            let rows = compare(reporting, company).await?;
            // Reporting's figures only grow while events arrive: more than the pilot put
            // in will not go away.
            if let Some(Row {
                what,
                expected: want,
                reported: seen,
            }) = rows.iter().find(|r| r.reported > r.expected)
            {
                anyhow::bail!(
                    "reporting shows {seen} {what} for {} ({}), the pilot put in {want}: an \
                     earlier run of this pilot stopped half-way, or something else recorded \
                     for this company",
                    company.name,
                    company.organisation_id
                );
            }
            per_company.push(rows);
        }
        let rows = totals(&per_company);
        let equal = rows.iter().filter(|r| r.expected == r.reported).count();
        bar.step(equal, rows.len(), "figures caught up");
        if equal == rows.len() {
            say!(
                "\nReporting caught up in {:.1} s, for the pilot's own companies: {}.",
                started.elapsed().as_secs_f64(),
                describe(&rows)
            );
            return Ok(());
        }
        if started.elapsed() >= DEADLINE {
            anyhow::bail!(
                "reporting did not catch up within {} s (reported of expected, the pilot's \
                 companies: {}); check `llo show health` and `llo dead-letters list reporting`",
                DEADLINE.as_secs(),
                describe(&rows)
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

fn shown(f: &Option<pb::Figure>, decimals: usize) -> String {
    match f {
        Some(f) if f.status == CellStatus::Shown as i32 => format!("{:.*}", decimals, f.value),
        Some(f) if f.status == CellStatus::NotAvailable as i32 => "n/a".into(),
        _ => "hidden".into(),
    }
}

/// A change with its sign, or why it is not shown.
fn signed(f: &Option<pb::Figure>) -> String {
    match f {
        Some(f) if f.status == CellStatus::Shown as i32 => format!("{:+.2}", f.value),
        _ => shown(f, 2),
    }
}

pub(super) use llo_chassis::money::whole_euros as euros;

/// Waits until reporting's project costs (from trajectories' events) agree with the
/// books' own realisation. Both are the region's whole books, so they agree on a
/// database with other data too, once reporting has applied every approval.
pub async fn wait_for_books(
    reporting: &mut Reporting,
    region: &str,
    books: &llo_proto::trajectories::v1::GetRealisationResponse,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let project = reporting
            .get_funding_status(pb::GetFundingStatusRequest {
                region: region.to_owned(),
                release: 0,
            })
            .await?
            .into_inner()
            .project
            .unwrap_or_default();
        let seen = (project.realised_cents, project.grant_cents);
        if seen == (books.realised_cents, books.grant_cents) {
            say!(
                "Reporting's project costs agree with the books: {} realised, grant {} (in {:.1} s).",
                euros(project.realised_cents),
                euros(project.grant_cents),
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        if started.elapsed() >= DEADLINE {
            anyhow::bail!(
                "reporting's project costs ({} realised, grant {}) did not reach the books'                  ({}, grant {}) within {} s; check `llo dead-letters list reporting`",
                euros(seen.0),
                euros(seen.1),
                euros(books.realised_cents),
                euros(books.grant_cents),
                DEADLINE.as_secs()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The programme at a glance, the evaluation per dimension, the funding per source.
pub async fn summary(reporting: &mut Reporting, region: &str) -> anyhow::Result<()> {
    let o = reporting
        .get_programme_overview(pb::GetProgrammeOverviewRequest {
            region: region.to_owned(),
            sector: String::new(),
            release: 0,
        })
        .await?
        .into_inner();
    let c = o.companies.unwrap_or_default();
    say!("\n== Reporting: the programme at a glance ({region}) ==");
    say!(
        "  companies {} (micro {}, small {}, medium {}, large {}); employees reached {} ({} through UWV); development plans {}",
        c.total,
        c.micro,
        c.small,
        c.medium,
        c.large,
        shown(&o.employees_reached, 0),
        shown(&o.uwv_referrals, 0),
        shown(&o.development_plans, 0)
    );
    say!(
        "  learning activities {} planned, {} completed; learning hours {} planned, {} attended",
        shown(&o.learning_activities_planned, 0),
        shown(&o.learning_activities_completed, 0),
        shown(&o.learning_hours_planned, 0),
        shown(&o.learning_hours_attended, 0)
    );
    let rate = match &o.workshop_attendance_rate {
        Some(f) if f.status == CellStatus::Shown as i32 => format!("{:.0}%", f.value * 100.0),
        _ => "hidden".into(),
    };
    say!(
        "  coaching {} sessions, {:.1} hours; workshops {} held, {} registrations, attendance {rate}; knowledge items {}",
        o.coaching_sessions,
        o.coaching_hours,
        o.workshops_held,
        shown(&o.workshop_registrations, 0),
        o.knowledge_items
    );
    let states: Vec<String> = o
        .trajectories
        .iter()
        .filter(|t| t.count > 0)
        .map(|t| {
            let state = pb::TrajectoryState::try_from(t.state)
                .map(|s| {
                    s.as_str_name()
                        .trim_start_matches("TRAJECTORY_STATE_")
                        .to_lowercase()
                })
                .unwrap_or_default();
            format!("{} {state}", t.count)
        })
        .collect();
    say!("  trajectories: {}", states.join(", "));

    let e = reporting
        .get_evaluation(pb::GetEvaluationRequest {
            region: region.to_owned(),
            sector: String::new(),
            release: 0,
        })
        .await?
        .into_inner();
    say!(
        "\n== Reporting: evaluation, baseline → follow-up per dimension (respondent-weighted, 1–5) =="
    );
    for d in &e.dimensions {
        say!(
            "  {:<36} {} → {} ({})  {} companies, {} respondents",
            d.dimension_name,
            shown(&d.mean_baseline, 2),
            shown(&d.mean_follow_up, 2),
            signed(&d.change),
            d.companies,
            shown(&d.baseline_respondents, 0)
        );
    }
    if let Some(b) = &e.behaviour {
        say!(
            "  behaviour and culture: {} companies compared, mean change {}, {} dimensions improved, {} declined",
            b.companies_compared,
            signed(&b.mean_change),
            b.dimensions_improved,
            b.dimensions_declined
        );
    }
    if let Some(l) = &e.learning {
        say!(
            "  learning: {} participants completed {} activities, {} credentials, {} hours",
            shown(&l.participants_completed, 0),
            shown(&l.activities_completed, 0),
            shown(&l.credentials_awarded, 0),
            shown(&l.hours_attended, 0)
        );
    }

    let f = reporting
        .get_funding_status(pb::GetFundingStatusRequest {
            region: region.to_owned(),
            release: 0,
        })
        .await?
        .into_inner();
    say!("\n== Reporting: funding per source ==");
    say!(
        "  {:<40} {:>12} {:>12} {:>12} {:>12}",
        "source",
        "budget",
        "committed",
        "spent",
        "remaining"
    );
    let shown = |status: i32| status == CellStatus::Shown as i32;
    for s in &f.sources {
        let amount = |cents: i64| {
            if shown(s.status) {
                euros(cents)
            } else {
                "hidden".into()
            }
        };
        let (budget, remaining) = if s.has_budget {
            (euros(s.budget_cents), amount(s.remaining_cents))
        } else {
            ("—".into(), "—".into())
        };
        say!(
            "  {:<40} {budget:>12} {:>12} {:>12} {remaining:>12}",
            s.name,
            amount(s.committed_cents),
            amount(s.spent_cents)
        );
    }
    if !shown(f.totals_status) {
        say!("  total, participants funded and cost per participant hidden (a small group)");
        return Ok(());
    }
    let per_participant = match &f.cost_per_participant {
        Some(a) if a.status == CellStatus::Shown as i32 => euros(a.cents),
        _ => "hidden".into(),
    };
    say!(
        "  total {}, {} participants funded, {per_participant} per participant",
        euros(f.total_funding_cents),
        f.participants_funded
    );
    Ok(())
}

/// The programme manager publishes a release of the region's figures. Like every call
/// of the demo it has a fixed request id: a second run gets the first release back.
pub async fn publish_release(manager: &mut Reporting, region: &str) -> anyhow::Result<pb::Release> {
    let release = crate::reporting::publish(
        manager,
        region,
        "Eindrapportage pilot",
        &format!("llo-demo-release-{region}"),
    )
    .await?;
    say!("\nPublished {}.", crate::reporting::describe(&release));
    Ok(release)
}

/// Writes the release's HTML report, as an evaluator gets it, to
/// `dir/llo-report-<region>.html`; returns its path.
pub async fn write_report(
    evaluator: &mut Reporting,
    release: &pb::Release,
    dir: &Path,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let out = dir.join(format!("llo-report-{}.html", release.region));
    let request = crate::reporting::ReportRequest {
        sector: "",
        format: pb::ReportFormat::Html,
        release: release.number,
    };
    crate::reporting::export(evaluator, &release.region, request, &out).await?;
    Ok(std::fs::canonicalize(&out).unwrap_or(out))
}
