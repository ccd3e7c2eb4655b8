//! Phase two, development: the education provider's catalogue is synced (over OOAPI,
//! see `ooapi`, or imported by its own system when the suite runs elsewhere), the
//! region's coaches are registered, each company's proposed trajectory gets a coach, is
//! started and its coaching logged, every employee gets a course from the catalogue,
//! funded from the packs' sources (chosen by their kind), and half of the courses are
//! completed with a credential by the provider's own system. After the follow-up scan
//! the coach completes the trajectory.
use std::time::Duration;

use chrono::Datelike as _;

use llo_chassis::{
    packs::{CostType, Eligibility},
    telemetry::ClientContext,
};
use llo_proto::trajectories::v1::{self as pb, trajectory_service_client::TrajectoryServiceClient};
use tonic::{Code, codegen::InterceptedService, transport::Channel};

use super::{
    Enrolled,
    data::{Pilot, Provider},
};

pub type Trajectories = TrajectoryServiceClient<InterceptedService<Channel, ClientContext>>;

pub async fn client(url: &str, token: String) -> anyhow::Result<Trajectories> {
    let channel = Channel::from_shared(url.to_owned())?.connect().await?;
    Ok(TrajectoryServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(token),
        },
    ))
}

/// The provider's system syncs its catalogue (idempotent by its own course codes).
pub async fn publish_catalogue(
    school: &mut Trajectories,
    region: &str,
    provider: &Provider,
) -> anyhow::Result<Vec<pb::CourseOffering>> {
    let rows: Vec<pb::ImportCourseOfferingsRequest> = provider
        .courses
        .iter()
        .enumerate()
        .map(|(n, course)| pb::ImportCourseOfferingsRequest {
            offering: Some(pb::PublishCourseOfferingRequest {
                region: region.into(),
                provider: provider.id.clone(),
                course_code: course.code.clone(),
                title: course.title.clone(),
                themes: vec![course.theme.clone()],
                hours: course.hours,
                price_cents: course.price_cents,
                // Synthetic start dates in 2027, a month apart.
                start_times: vec![prost_types::Timestamp {
                    seconds: 1_798_761_600 + n as i64 * 30 * 86_400,
                    nanos: 0,
                }],
                esco_skill_uris: course.skills.clone(),
                ..Default::default()
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
    say!(
        "{} synced its catalogue: {} created, {} unchanged",
        provider.name,
        response.created_count,
        response.unchanged_count
    );
    list_catalogue(school, provider).await
}

/// The provider's courses as the catalogue lists them.
pub async fn list_catalogue(
    school: &mut Trajectories,
    provider: &Provider,
) -> anyhow::Result<Vec<pb::CourseOffering>> {
    let listed = school
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            provider: provider.id.clone(),
            page_size: 100,
            ..Default::default()
        })
        .await?
        .into_inner();
    anyhow::ensure!(
        listed.offerings.len() >= provider.courses.len(),
        "{} courses listed of {}'s {}",
        listed.offerings.len(),
        provider.name,
        provider.courses.len()
    );
    Ok(listed.offerings)
}

/// Puts the region's coaches in the coach registry (AssignCoach accepts no one else).
pub async fn register_coaches(manager: &mut Trajectories, pilot: &Pilot) -> anyhow::Result<()> {
    let region = &pilot.region.id;
    for coach in &pilot.data.coaches {
        manager
            .register_coach(pb::RegisterCoachRequest {
                request_id: format!("demo-register-{region}-{}", coach.id),
                coach_id: coach.id.clone(),
                name: coach.name.clone(),
                organisation_name: coach.organisation.clone(),
                email: String::new(),
                regions: vec![region.clone()],
            })
            .await?;
    }
    let names: Vec<&str> = pilot.data.coaches.iter().map(|c| c.name.as_str()).collect();
    say!(
        "{} coaches registered for {region}: {}",
        names.len(),
        names.join(", ")
    );
    Ok(())
}

/// Waits for the trajectory intake's baseline scan proposed (events travel through RabbitMQ).
pub async fn proposed_trajectory(
    coach: &mut Trajectories,
    organisation_id: &str,
) -> anyhow::Result<pb::Trajectory> {
    for _ in 0..100 {
        let list = coach
            .list_trajectories(pb::ListTrajectoriesRequest {
                organisation_id: organisation_id.into(),
                ..Default::default()
            })
            .await?
            .into_inner();
        if let Some(trajectory) = list.trajectories.into_iter().next() {
            return Ok(trajectory);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("no trajectory was proposed for organisation {organisation_id} within 10 s")
}

/// Coach, start, a coaching session per topic of the demo file.
pub async fn run_trajectory(
    coach: &mut Trajectories,
    trajectory: &pb::Trajectory,
    coach_id: &str,
    topics: &[String],
) -> anyhow::Result<pb::Trajectory> {
    let id = trajectory.trajectory_id.clone();
    coach
        .assign_coach(pb::AssignCoachRequest {
            trajectory_id: id.clone(),
            coach_id: coach_id.into(),
            request_id: format!("demo-coach-{id}"),
        })
        .await?;
    match coach
        .start_trajectory(pb::StartTrajectoryRequest {
            trajectory_id: id.clone(),
            request_id: format!("demo-start-{id}"),
        })
        .await
    {
        Ok(_) => {}
        // Started in an earlier run of the demo.
        Err(status) if status.code() == Code::FailedPrecondition => {}
        Err(status) => return Err(status.into()),
    }
    let mut latest = trajectory.clone();
    // Held a week apart before the trajectory was proposed: times derived from the
    // trajectory, so a second run sends the same request and replays.
    let proposed = trajectory.create_time.as_ref().map_or(0, |t| t.seconds);
    let sessions = topics.len() as i64;
    for (n, topic) in topics.iter().enumerate() {
        let response = coach
            .record_coaching_session(pb::RecordCoachingSessionRequest {
                request_id: format!("demo-coaching-{id}-{n}"),
                trajectory_id: id.clone(),
                held_time: Some(prost_types::Timestamp {
                    seconds: proposed - (sessions - n as i64) * 7 * 86_400,
                    nanos: 0,
                }),
                duration_minutes: 90,
                topic: topic.clone(),
            })
            .await?
            .into_inner();
        if let Some(trajectory) = response.trajectory {
            latest = trajectory;
        }
    }
    Ok(latest)
}

/// The coach closes the trajectory after the follow-up scan (a rerun replays).
pub async fn complete_trajectory(
    coach: &mut Trajectories,
    trajectory_id: &str,
) -> anyhow::Result<()> {
    coach
        .complete_trajectory(pb::CompleteTrajectoryRequest {
            trajectory_id: trajectory_id.to_owned(),
            request_id: format!("demo-complete-trajectory-{trajectory_id}"),
        })
        .await?;
    Ok(())
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

impl Sources {
    fn of(pilot: &Pilot) -> Sources {
        // Only a source whose regulation pays training fees funds a course (MKB!DEE
        // pays the project's hours and third parties, never a school's fee).
        // A region budget's rules win over its sector rule's, as in trajectories.
        let pays_courses = |source: &str, own: &Option<Eligibility>| {
            let region = pilot.region.budgets.iter().find(|b| b.source == source);
            region
                .and_then(|b| b.eligibility.as_ref())
                .or(own.as_ref())
                .is_none_or(|r| r.eligible_costs.contains(&CostType::TrainingFees))
        };
        let rule = |kind: &str| {
            pilot
                .sector
                .funding_rules
                .iter()
                .find(|r| r.kind == kind && pays_courses(&r.source, &r.eligibility))
        };
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
                .find(|b| b.kind == "grant" && pays_courses(&b.source, &b.eligibility))
                .map(|b| b.source.clone()),
            employer: rule("employer_share").map(|r| r.source.clone()),
        }
    }

    /// Financial engineering for one course: the subsidy's share (a small firm's when
    /// it is one) while its budget lasts, the sector fund half of the rest up to its
    /// cap, the grant half of what is left, the employer the rest. `left` is what a
    /// source has left in the region; the service refuses anything beyond a limit.
    fn split(&self, cost: i64, employees: i32, left: impl Fn(&str) -> i64) -> Vec<(String, i64)> {
        let mut allocations = Vec::new();
        let mut rest = cost;
        if let Some((source, percentage, small, small_max)) = &self.subsidy {
            let share = if i64::from(employees) <= *small_max {
                *small
            } else {
                *percentage
            };
            let amount = (cost * share / 100).min(left(source));
            allocations.push((source.clone(), amount));
            rest -= amount;
        }
        if let Some((source, cap)) = &self.sector_fund {
            let amount = (rest / 2).min(*cap).min(left(source));
            allocations.push((source.clone(), amount));
            rest -= amount;
        }
        if let Some(source) = &self.grant {
            let amount = (rest / 2).min(left(source));
            allocations.push((source.clone(), amount));
            rest -= amount;
        }
        if let Some(source) = &self.employer {
            allocations.push((source.clone(), rest));
        }
        allocations.retain(|(_, amount)| *amount > 0);
        allocations
    }
}

/// A coach looks up skills in the region's skills lists by a word, as in a goal's form.
pub async fn search_skills(coach: &mut Trajectories, pilot: &Pilot) -> anyhow::Result<()> {
    let Some(words) = &pilot.data.skill_search else {
        return Ok(());
    };
    let found = coach
        .search_skills(pb::SearchSkillsRequest {
            region: pilot.region.id.clone(),
            query: words.clone(),
            page_size: 5,
            ..Default::default()
        })
        .await?
        .into_inner()
        .skills;
    let labels: Vec<&str> = found.iter().map(|s| s.label_nl.as_str()).collect();
    say!(
        "SearchSkills {words:?} in the skills lists ({}): {}",
        found.first().map_or("none", |s| s.list_version.as_str()),
        labels.join("; ")
    );
    Ok(())
}

/// What the development plans of a company's people hold.
#[derive(Debug, Default)]
pub struct Developed {
    pub planned: usize,
    pub completed: usize,
    /// Learning goals that name ESCO skills, and how many skills they name.
    pub goals_with_skills: usize,
    pub skills_named: usize,
}

/// A goal and a course for every employee (the goal names the course's skills), funded
/// from the sources, half completed by the school.
pub async fn develop_people(
    coach: &mut Trajectories,
    school: &mut Trajectories,
    pilot: &Pilot,
    catalogue: &[pb::CourseOffering],
    enrolled: &Enrolled<'_>,
) -> anyhow::Result<Developed> {
    let sources = Sources::of(pilot);
    let provider = &pilot.data.provider;
    let mut developed = Developed::default();
    for (n, person) in enrolled.people.iter().enumerate() {
        let Some(offering) = catalogue.get(n % catalogue.len().max(1)) else {
            continue;
        };
        let goal = coach
            .add_learning_goal(pb::AddLearningGoalRequest {
                request_id: format!("demo-goal-{}", person.participant_id),
                participant_id: person.participant_id.clone(),
                theme: offering.themes.first().cloned().unwrap_or_default(),
                description: format!("Vakbekwaam in: {}", offering.title),
                skill_uris: offering.esco_skill_uris.clone(),
            })
            .await?
            .into_inner()
            .goal
            .ok_or_else(|| anyhow::anyhow!("no goal returned"))?;
        if !goal.skill_uris.is_empty() {
            developed.goals_with_skills += 1;
            developed.skills_named += goal.skill_uris.len();
        }
        let planned_activity = coach
            .plan_learning_activity(pb::PlanLearningActivityRequest {
                request_id: format!("demo-activity-{}", person.participant_id),
                participant_id: person.participant_id.clone(),
                offering_id: offering.offering_id.clone(),
                goal_id: goal.goal_id,
                ..Default::default()
            })
            .await?
            .into_inner()
            .activity
            .ok_or_else(|| anyhow::anyhow!("no activity returned"))?;
        // A rerun gets the first answer (as planned); the plan tells how it stands now.
        let activity = current(coach, &person.participant_id, planned_activity).await?;
        developed.planned += 1;
        if activity.funded_cents == 0 {
            let remaining = remaining_per_source(coach, &pilot.region.id).await?;
            let left = |source: &str| {
                remaining
                    .iter()
                    .find(|(s, _)| s == source)
                    .map_or(0, |(_, r)| *r)
            };
            let split = sources.split(activity.cost_cents, enrolled.company.employees, left);
            for (source, amount) in split {
                coach
                    .allocate_funding(pb::AllocateFundingRequest {
                        request_id: format!("demo-funding-{}-{source}", activity.activity_id),
                        activity_id: activity.activity_id.clone(),
                        source,
                        amount_cents: amount,
                    })
                    .await?;
            }
        }
        // A rerun sends the same request and gets the first answer.
        if n % 2 == 0 {
            school
                .complete_learning_activity(pb::CompleteLearningActivityRequest {
                    request_id: format!("demo-complete-{}", activity.activity_id),
                    activity_id: activity.activity_id.clone(),
                    actual_hours: activity.planned_hours,
                    credential: Some(pb::Credential {
                        name: format!("Certificaat {}", offering.title),
                        issuer: provider.name.clone(),
                        url: format!("{}/{}", provider.credential_url, activity.activity_id),
                    }),
                    complete_time: completion_day(pilot, enrolled.index),
                })
                .await?;
            developed.completed += 1;
        }
    }
    Ok(developed)
}

/// When the school records a course as completed, on the programme's calendar: the 15th
/// of a month of its development phase (the second phase; the whole programme when it
/// has fewer), every quarter two more companies' courses (so that each month holds a
/// group large enough to be shown). Now when the region has no calendar or the day is
/// still to come.
fn completion_day(pilot: &Pilot, company: usize) -> Option<prost_types::Timestamp> {
    let calendar = pilot.region.calendar.as_ref()?;
    let (start, end) = calendar
        .phases
        .get(1)
        .map_or((calendar.start, calendar.end), |p| (p.start, p.end));
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    let offset = (company / 2 * 3) as i32 % months.max(1);
    let first = start.with_day(15).filter(|d| *d >= start).unwrap_or(start);
    let day = first.checked_add_months(chrono::Months::new(offset as u32))?;
    let at = day.and_hms_opt(10, 0, 0)?.and_utc();
    // A programme still running has no such day yet: the pilot records it now.
    (at <= chrono::Utc::now()).then(|| prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    })
}

/// The activity as it stands in the participant's plan now (funded, completed).
async fn current(
    coach: &mut Trajectories,
    participant: &str,
    activity: pb::LearningActivity,
) -> anyhow::Result<pb::LearningActivity> {
    let plan = coach
        .get_development_plan(pb::GetDevelopmentPlanRequest {
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

async fn budget(coach: &mut Trajectories, region: &str) -> anyhow::Result<pb::GetBudgetResponse> {
    Ok(coach
        .get_budget(pb::GetBudgetRequest {
            region: region.into(),
            organisation_id: String::new(),
        })
        .await?
        .into_inner())
}

/// What each source has left in the region (a source without a budget: unlimited).
async fn remaining_per_source(
    coach: &mut Trajectories,
    region: &str,
) -> anyhow::Result<Vec<(String, i64)>> {
    Ok(budget(coach, region)
        .await?
        .sources
        .into_iter()
        .map(|s| {
            let left = if s.budget_cents > 0 {
                s.remaining_cents.max(0)
            } else {
                i64::MAX
            };
            (s.source, left)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Sources {
        Sources {
            subsidy: Some(("slim".into(), 60, 80, 49)),
            sector_fund: Some(("fonds".into(), 50_000)),
            grant: Some("grant".into()),
            employer: Some("werkgever".into()),
        }
    }

    #[test]
    fn a_small_firm_gets_the_small_firm_share_and_the_employer_pays_the_rest() {
        let split = sources().split(100_000, 45, |_| i64::MAX);
        assert_eq!(
            split,
            vec![
                ("slim".into(), 80_000),
                ("fonds".into(), 10_000),
                ("grant".into(), 5_000),
                ("werkgever".into(), 5_000),
            ]
        );
    }

    #[test]
    fn an_exhausted_source_is_skipped_and_the_others_cover_the_cost() {
        let split = sources().split(100_000, 120, |s| if s == "slim" { 0 } else { i64::MAX });
        assert_eq!(
            split,
            vec![
                ("fonds".into(), 50_000),
                ("grant".into(), 25_000),
                ("werkgever".into(), 25_000),
            ]
        );
        assert_eq!(split.iter().map(|(_, a)| a).sum::<i64>(), 100_000);
    }
}
