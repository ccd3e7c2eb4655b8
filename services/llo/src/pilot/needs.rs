//! Phase one, the needs assessment, and the scans: each company is registered, its
//! employees imported as an HR system would, their learning needs recorded, and the
//! learning-culture scan answered (around the company's profile in the demo file) and
//! closed by the coach. The follow-up scan at the end uses the same answers, grown.
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as pb, intake_service_client::IntakeServiceClient},
};
use tonic::{Code, codegen::InterceptedService, transport::Channel};

use super::{
    Enrolled, Person,
    data::{CompanyData, DemoData, Pilot},
};
use llo_chassis::telemetry::ClientContext;

pub type Intake = IntakeServiceClient<InterceptedService<Channel, ClientContext>>;

/// How far the follow-up scan's answers move towards the top of the scale.
pub const FOLLOW_UP_GROWTH: f64 = 0.45;

/// Registers the company, imports its staff, records their needs and runs the baseline.
pub async fn enrol<'a>(
    intake: &mut Intake,
    pilot: &Pilot,
    index: usize,
    company: &'a CompanyData,
) -> anyhow::Result<Enrolled<'a>> {
    let organisation = register(intake, pilot, company).await?;
    let people = import_staff(intake, &pilot.data, &organisation, company, index).await?;
    record_needs(intake, &pilot.data, &people, index).await?;
    let enrolled = Enrolled {
        index,
        company,
        organisation,
        people,
        baseline: pb::Assessment::default(),
    };
    let baseline = scan(intake, pilot, &enrolled, common::AssessmentRound::Baseline).await?;
    print_scan(company, &baseline);
    Ok(Enrolled {
        baseline,
        ..enrolled
    })
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
            ..Default::default()
        })
        .await?
        .into_inner()
        .organisation
        .ok_or_else(|| anyhow::anyhow!("no organisation returned"))
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
            let (given, family) = data.person(index, n);
            // The last one of every other company came through UWV.
            let uwv = n + 1 == company.staff && index.is_multiple_of(2);
            let (role, job_title) = if n == 0 {
                (common::ParticipantRole::Supervisor, &data.supervisor_title)
            } else {
                (common::ParticipantRole::Employee, &data.employee_title)
            };
            pb::ImportParticipantsRequest {
                external_reference: format!("demo-{}-{n}", organisation.kvk_number),
                organisation_id: organisation.organisation_id.clone(),
                email: format!(
                    "{}.{}{n}@{}.example",
                    given.to_lowercase(),
                    family.to_lowercase().replace(' ', ""),
                    organisation.kvk_number
                ),
                given_name: given,
                family_name: family,
                role: role as i32,
                job_title: job_title.clone(),
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
            let (given, family) = data.person(index, n);
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

    /// An answer around `mean`, on the scale from `min` to `max`.
    fn likert(&mut self, mean: f64, min: i32, max: i32) -> i32 {
        (mean + (self.next() - 0.5) * 1.6)
            .round()
            .clamp(f64::from(min), f64::from(max)) as i32
    }
}

/// Starts the round's scan, has every employee answer and the coach close it (a second
/// run finds it completed and returns it).
pub async fn scan(
    intake: &mut Intake,
    pilot: &Pilot,
    enrolled: &Enrolled<'_>,
    round: common::AssessmentRound,
) -> anyhow::Result<pb::Assessment> {
    let organisation = &enrolled.organisation;
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
    let growth = if round == common::AssessmentRound::FollowUp {
        FOLLOW_UP_GROWTH
    } else {
        0.0
    };
    let questionnaire = assessment.questionnaire.clone().unwrap_or_default();
    let top = f64::from(questionnaire.likert_max) - 1.0;
    let mut dice = Dice(organisation.kvk_number.parse::<u64>().unwrap_or(7) + round as u64);
    for person in &enrolled.people {
        let answers = questionnaire
            .items
            .iter()
            .map(|item| {
                let base = pilot
                    .sector
                    .dimensions
                    .iter()
                    .position(|d| d.id == item.dimension_id)
                    .and_then(|i| enrolled.company.profile.get(i).copied())
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
            priority_needs: vec![enrolled.company.coach_need.clone()],
            complete_time: scan_day(pilot, round, enrolled.index),
        })
        .await?
        .into_inner()
        .assessment
        .ok_or_else(|| anyhow::anyhow!("no assessment returned"))
}

/// When the coach closes the scan, on the programme's calendar: a month into its first
/// phase (the needs assessment) for the baseline, into its last (the evaluation) for the
/// follow-up, a week apart per company. Now when the region has no calendar or the day
/// is still to come.
fn scan_day(
    pilot: &Pilot,
    round: common::AssessmentRound,
    company: usize,
) -> Option<prost_types::Timestamp> {
    let calendar = pilot.region.calendar.as_ref()?;
    let phase = if round == common::AssessmentRound::FollowUp {
        calendar.phases.last()
    } else {
        calendar.phases.first()
    };
    let (start, end) = phase.map_or((calendar.start, calendar.end), |p| (p.start, p.end));
    let day = (start + chrono::TimeDelta::days(30 + 7 * company as i64)).min(end);
    let at = day.and_hms_opt(16, 0, 0)?.and_utc();
    // A programme still running has no such day yet: the pilot records it now.
    (at <= chrono::Utc::now()).then(|| prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    })
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

/// The follow-up scan of every company beside its baseline, mean per dimension.
pub fn print_changes(enrolled: &Enrolled<'_>, follow_up: &pb::Assessment) {
    let line: Vec<String> = enrolled
        .baseline
        .results
        .iter()
        .filter_map(|before| {
            let after = follow_up
                .results
                .iter()
                .find(|r| r.dimension_id == before.dimension_id)?;
            Some(format!(
                "{} {:.2}→{:.2} ({:+.2})",
                before.dimension_id,
                before.mean,
                after.mean,
                after.mean - before.mean
            ))
        })
        .collect();
    say!("{:<24} {}", enrolled.company.name, line.join("  "));
}
