//! The trajectories part of the pilot demo: the proposed trajectory of each company is
//! given a coach and started, coaching is logged, Graafschap College publishes its
//! catalogue, every employee gets a course from it, each course is funded (SLIM's
//! share, the sector fund, the employer's own share), and half of them are completed
//! with a credential by the school's own system. After the follow-up scan the coach
//! completes the trajectory.
use std::time::Duration;

use llo_chassis::telemetry::ClientContext;
use llo_proto::trajectories::v1::{self as pb, trajectory_service_client::TrajectoryServiceClient};
use tonic::{Code, codegen::InterceptedService, transport::Channel};

pub type Trajectories = TrajectoryServiceClient<InterceptedService<Channel, ClientContext>>;

pub const PROVIDER: &str = "graafschap-college";

const COURSES: [(&str, &str, &str, i32, i64); 5] = [
    (
        "GC-LAS-01",
        "MIG/MAG-lassen niveau 2",
        "lassen",
        40,
        125_000,
    ),
    (
        "GC-CNC-02",
        "CNC-programmeren Heidenhain",
        "cnc",
        32,
        145_000,
    ),
    (
        "GC-LG-03",
        "Meewerkend voorman: leidinggeven op de vloer",
        "leidinggeven",
        24,
        89_500,
    ),
    (
        "GC-ERP-04",
        "Werken met ERP in de werkplaats",
        "digitale-vaardigheden",
        12,
        39_500,
    ),
    ("GC-VCA-05", "VCA-VOL", "veiligheid", 16, 49_500),
];

pub async fn client(url: &str, token: String) -> anyhow::Result<Trajectories> {
    let channel = Channel::from_shared(url.to_owned())?.connect().await?;
    Ok(TrajectoryServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(token),
        },
    ))
}

/// The school syncs its catalogue (idempotent by its own course codes).
pub async fn publish_catalogue(
    school: &mut Trajectories,
) -> anyhow::Result<Vec<pb::CourseOffering>> {
    let rows: Vec<pb::ImportCourseOfferingsRequest> = COURSES
        .iter()
        .enumerate()
        .map(
            |(n, (code, title, theme, hours, price))| pb::ImportCourseOfferingsRequest {
                offering: Some(pb::PublishCourseOfferingRequest {
                    region: "achterhoek".into(),
                    provider: PROVIDER.into(),
                    course_code: (*code).into(),
                    title: (*title).into(),
                    themes: vec![(*theme).into()],
                    hours: *hours,
                    price_cents: *price,
                    // Synthetic start dates in 2027.
                    start_times: vec![prost_types::Timestamp {
                        seconds: 1_798_761_600 + n as i64 * 30 * 86_400,
                        nanos: 0,
                    }],
                    esco_skill_uris: Vec::new(),
                }),
            },
        )
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
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            provider: PROVIDER.into(),
            page_size: 100,
            ..Default::default()
        })
        .await?
        .into_inner();
    say!(
        "Graafschap College synced its catalogue: {} created, {} unchanged; {} courses listed",
        response.created_count,
        response.unchanged_count,
        listed.offerings.len()
    );
    Ok(listed.offerings)
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
    anyhow::bail!("no trajectory was proposed for organisation {organisation_id}")
}

/// Coaching sessions the demo logs per trajectory.
pub const COACHING_SESSIONS: usize = 2;

/// A coach of the demo: (token subject, name, coaching organisation).
pub type DemoCoach<'a> = (&'a str, &'a str, &'a str);

/// Puts the region's coaches in the coach registry (AssignCoach accepts no one else).
pub async fn register_coaches(
    manager: &mut Trajectories,
    region: &str,
    coaches: &[DemoCoach<'_>],
) -> anyhow::Result<()> {
    for (coach_id, name, organisation_name) in coaches {
        manager
            .register_coach(pb::RegisterCoachRequest {
                request_id: format!("demo-register-{region}-{coach_id}"),
                coach_id: (*coach_id).into(),
                name: (*name).into(),
                organisation_name: (*organisation_name).into(),
                email: String::new(),
                regions: vec![region.into()],
            })
            .await?;
    }
    say!(
        "{} coaches registered for {region}: {}",
        coaches.len(),
        coaches.iter().map(|c| c.1).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// Coach, start, two coaching sessions.
pub async fn run_trajectory(
    coach: &mut Trajectories,
    trajectory: &pb::Trajectory,
    coach_id: &str,
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
    // Held one and two weeks before the trajectory was proposed: times derived from the
    // trajectory, so a second run sends the same request and replays.
    let proposed = trajectory.create_time.as_ref().map_or(0, |t| t.seconds);
    let topics: [&str; COACHING_SESSIONS] = [
        "Kick-off met directie en leidinggevenden",
        "Coaching van de ploegleiders op het ontwikkelgesprek",
    ];
    for (n, topic) in topics.iter().enumerate() {
        let response = coach
            .record_coaching_session(pb::RecordCoachingSessionRequest {
                request_id: format!("demo-coaching-{id}-{n}"),
                trajectory_id: id.clone(),
                held_time: Some(prost_types::Timestamp {
                    seconds: proposed - (2 - n as i64) * 7 * 86_400,
                    nanos: 0,
                }),
                duration_minutes: 90,
                topic: (*topic).into(),
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

/// A course for every employee, funded from the sources, half completed by the school.
pub async fn develop_people(
    coach: &mut Trajectories,
    school: &mut Trajectories,
    catalogue: &[pb::CourseOffering],
    people: &[String],
    small_firm: bool,
) -> anyhow::Result<(usize, usize)> {
    let (mut planned, mut completed) = (0, 0);
    for (n, participant) in people.iter().enumerate() {
        let Some(offering) = catalogue.get(n % catalogue.len().max(1)) else {
            continue;
        };
        let planned_activity = coach
            .plan_learning_activity(pb::PlanLearningActivityRequest {
                request_id: format!("demo-activity-{participant}"),
                participant_id: participant.clone(),
                offering_id: offering.offering_id.clone(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .activity
            .ok_or_else(|| anyhow::anyhow!("no activity returned"))?;
        // A rerun gets the first answer (as planned); the plan tells how it stands now.
        let activity = current(coach, participant, planned_activity).await?;
        planned += 1;
        // Financial engineering: SLIM's share (80% for small firms, else 60%) while its
        // budget lasts, the sector fund up to €500, the programme grant half of what is
        // left, the employer the rest. The service refuses anything beyond a limit.
        // A rerun of the demo finds the activity funded already.
        let remaining = if activity.funded_cents == 0 {
            remaining_per_source(coach).await?
        } else {
            Vec::new()
        };
        let left = |source: &str| {
            remaining
                .iter()
                .find(|(s, _)| s == source)
                .map_or(0, |(_, r)| *r)
        };
        let cost = activity.cost_cents;
        let slim = (cost * if small_firm { 80 } else { 60 } / 100).min(left("slim"));
        let fund = (cost - slim).min(50_000).min(left("opleidingsfonds-ot"));
        let grant = ((cost - slim - fund) / 2).min(left("mkb-idee"));
        let own = cost - slim - fund - grant;
        for (source, amount) in [
            ("slim", slim),
            ("opleidingsfonds-ot", fund),
            ("mkb-idee", grant),
            ("werkgever", own),
        ] {
            if amount <= 0 || activity.funded_cents > 0 {
                continue;
            }
            coach
                .allocate_funding(pb::AllocateFundingRequest {
                    request_id: format!("demo-funding-{}-{source}", activity.activity_id),
                    activity_id: activity.activity_id.clone(),
                    source: source.into(),
                    amount_cents: amount,
                })
                .await?;
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
                        issuer: "Graafschap College".into(),
                        url: format!(
                            "https://graafschapcollege.example/certificaten/{}",
                            activity.activity_id
                        ),
                    }),
                })
                .await?;
            completed += 1;
        }
    }
    Ok((planned, completed))
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

/// What each budgeted source has left in the region.
async fn remaining_per_source(coach: &mut Trajectories) -> anyhow::Result<Vec<(String, i64)>> {
    let budget = coach
        .get_budget(pb::GetBudgetRequest {
            region: "achterhoek".into(),
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

fn euros(cents: i64) -> String {
    let whole = cents / 100;
    let mut digits = whole.abs().to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(".{tail}{grouped}");
    }
    format!(
        "€{}{digits}{grouped},{:02}",
        if whole < 0 { "-" } else { "" },
        (cents % 100).abs()
    )
}

pub async fn print_budget(coach: &mut Trajectories) -> anyhow::Result<()> {
    let budget = coach
        .get_budget(pb::GetBudgetRequest {
            region: "achterhoek".into(),
            organisation_id: String::new(),
        })
        .await?
        .into_inner();
    say!("\n== Funding, Achterhoek (per source) ==");
    say!(
        "{:<40} {:>16} {:>14} {:>14} {:>16}",
        "source",
        "budget",
        "committed",
        "spent",
        "remaining"
    );
    for source in budget.sources {
        let ceiling = if source.budget_cents > 0 {
            euros(source.budget_cents)
        } else {
            "—".into()
        };
        let remaining = if source.budget_cents > 0 {
            euros(source.remaining_cents)
        } else {
            "—".into()
        };
        say!(
            "{:<40} {:>16} {:>14} {:>14} {:>16}",
            source.name,
            ceiling,
            euros(source.committed_cents),
            euros(source.spent_cents),
            remaining
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use llo_chassis::packs::{LearningThemes, Packs};

    use super::*;

    /// Graafschap College's courses are on learning themes of the Achterhoek's sectors.
    #[test]
    fn the_builtin_courses_are_on_the_regions_learning_themes() {
        let packs = Packs::load(&llo_chassis::testing::packs_dir()).unwrap();
        let themes = LearningThemes::of_region(&packs, "achterhoek").unwrap();
        for (_, _, theme, _, _) in COURSES {
            assert_eq!(themes.check(theme), Ok(()));
        }
    }
}
