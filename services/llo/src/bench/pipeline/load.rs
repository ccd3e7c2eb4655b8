//! The load: organisations and seed participants first, then many clients at once,
//! a third each enrolling participants (intake), planning and completing learning
//! activities on the seeds' development plans (trajectories), and scheduling, filling
//! and attending workshops (community). Each client has its own connection.
use std::{
    collections::{BTreeMap, VecDeque},
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, TimeDelta, Utc};
use llo_proto::{
    common::v1::{self as common, WorkshopAttendance},
    community::v1 as community,
    intake::v1 as intake,
    trajectories::v1 as trajectories,
};
use tokio_util::sync::CancellationToken;

use super::{
    PipelineArgs,
    suite::{Community, Endpoints, Intake, Trajectories},
};
use crate::bench::report;

/// Clients of the setup, as in the RegisterOrganisation target (16 clients).
const SETUP_CLIENTS: usize = 16;
/// Seats per workshop; every registration is booked and attends.
const SEATS: usize = 10;
/// A workshop starts this long after it is scheduled (it must start in the future;
/// attendance is recorded once it started).
const LEAD: TimeDelta = TimeDelta::seconds(4);

/// What every client shares: the organisations, the seed participants (whose plans
/// exist in trajectories and who are known to community) and a counter for names.
pub struct Shared {
    organisations: Vec<String>,
    /// The partner that hosts every workshop.
    host: String,
    seeds: Vec<String>,
    next: AtomicUsize,
}

impl Shared {
    /// An organisation of the setup.
    pub fn organisation(&self) -> &str {
        &self.organisations[0]
    }

    fn next(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed)
    }
}

/// The calls of a phase: latencies and failures per RPC.
#[derive(Default)]
pub struct Calls {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    failures: BTreeMap<&'static str, (usize, String)>,
    pub elapsed: Duration,
}

impl Calls {
    async fn record<T>(
        &mut self,
        rpc: &'static str,
        started: Instant,
        result: Result<tonic::Response<T>, tonic::Status>,
    ) -> Option<T> {
        match result {
            Ok(response) => {
                self.latencies
                    .entry(rpc)
                    .or_default()
                    .push(started.elapsed());
                Some(response.into_inner())
            }
            Err(status) => {
                let failure = self
                    .failures
                    .entry(rpc)
                    .or_insert_with(|| (0, format!("{:?}: {}", status.code(), status.message())));
                failure.0 += 1;
                // A call that fails at once must not spin; the failures are reported.
                tokio::time::sleep(Duration::from_millis(20)).await;
                None
            }
        }
    }

    fn merge(&mut self, other: Calls) {
        for (rpc, latencies) in other.latencies {
            self.latencies.entry(rpc).or_default().extend(latencies);
        }
        for (rpc, (count, first)) in other.failures {
            self.failures.entry(rpc).or_insert((0, first)).0 += count;
        }
    }

    /// Successful calls.
    pub fn total(&self) -> usize {
        self.latencies.values().map(Vec::len).sum()
    }

    pub fn print(&self) {
        println!(
            "all calls: {} in {:.1} s = {:.0} calls/s",
            self.total(),
            self.elapsed.as_secs_f64(),
            self.total() as f64 / self.elapsed.as_secs_f64()
        );
        for (rpc, latencies) in &self.latencies {
            report(
                &format!("  {rpc}"),
                latencies.len(),
                self.elapsed,
                latencies.clone(),
            );
        }
        for (rpc, (count, first)) in &self.failures {
            println!("  {rpc}: {count} failed, the first with {first}");
        }
    }
}

/// Spreads calls evenly at a fixed rate over all clients: call n waits for its slot.
pub struct Pacer {
    start: Instant,
    interval: Duration,
    next: AtomicU64,
}

impl Pacer {
    pub fn new(calls_per_second: f64) -> Pacer {
        Pacer {
            start: Instant::now(),
            interval: Duration::from_secs_f64(1.0 / calls_per_second),
            next: AtomicU64::new(0),
        }
    }
}

/// Waits for the next slot; `false` once the phase is over.
async fn pace(pacer: &Option<Arc<Pacer>>, stop: &CancellationToken) -> bool {
    if let Some(pacer) = pacer {
        let slot = pacer.next.fetch_add(1, Ordering::Relaxed);
        let at = pacer.start + pacer.interval.mul_f64(slot as f64);
        tokio::select! {
            () = tokio::time::sleep_until(at.into()) => {}
            () = stop.cancelled() => return false,
        }
    }
    !stop.is_cancelled()
}

/// Registers the organisations (measured: the RegisterOrganisation target) and enrols
/// the seed participants.
pub async fn setup(endpoints: &Endpoints, args: &PipelineArgs) -> anyhow::Result<Shared> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..SETUP_CLIENTS {
        let mut intake = endpoints.intake().await?;
        let count = args.organisations;
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            for n in (client..count).step_by(SETUP_CLIENTS) {
                let t = Instant::now();
                let organisation = intake
                    .register_organisation(organisation(n))
                    .await?
                    .into_inner()
                    .organisation
                    .ok_or_else(|| anyhow::anyhow!("no organisation"))?;
                done.push((organisation.organisation_id, t.elapsed()));
            }
            anyhow::Ok(done)
        }));
    }
    let (mut organisations, mut latencies) = (Vec::new(), Vec::new());
    for task in tasks {
        for (id, latency) in task.await?? {
            organisations.push(id);
            latencies.push(latency);
        }
    }
    report(
        &format!("RegisterOrganisation, {SETUP_CLIENTS} clients (setup)"),
        organisations.len(),
        started.elapsed(),
        latencies,
    );
    let organisations = Arc::new(organisations);
    let mut tasks = Vec::new();
    for client in 0..SETUP_CLIENTS {
        let mut intake = endpoints.intake().await?;
        let (count, organisations) = (args.seeds, organisations.clone());
        tasks.push(tokio::spawn(async move {
            let mut seeds = Vec::new();
            for n in (client..count).step_by(SETUP_CLIENTS) {
                let participant = intake
                    .enrol_participant(enrolment(&organisations, n))
                    .await?
                    .into_inner()
                    .participant
                    .ok_or_else(|| anyhow::anyhow!("no participant"))?;
                seeds.push(participant.participant_id);
            }
            anyhow::Ok(seeds)
        }));
    }
    let mut seeds = Vec::new();
    for task in tasks {
        seeds.extend(task.await??);
    }
    let host = endpoints
        .community()
        .await?
        .register_partner(community::RegisterPartnerRequest {
            region: "achterhoek".into(),
            member_type: common::CommunityMemberType::EducationProvider as i32,
            name: "Bench College".into(),
            contact_role: "accountmanager bedrijven".into(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .member
        .ok_or_else(|| anyhow::anyhow!("no member"))?
        .member_id;
    println!(
        "setup: {} organisations, {} seed participants enrolled",
        organisations.len(),
        seeds.len()
    );
    Ok(Shared {
        next: AtomicUsize::new(seeds.len()),
        organisations: Arc::unwrap_or_clone(organisations),
        host,
        seeds,
    })
}

/// Runs `clients` clients until `stop`; each third of them does one kind of work.
pub async fn drive(
    endpoints: &Endpoints,
    shared: &Arc<Shared>,
    clients: usize,
    pacer: Option<Arc<Pacer>>,
    stop: CancellationToken,
) -> anyhow::Result<Calls> {
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (shared, pacer, stop) = (shared.clone(), pacer.clone(), stop.clone());
        tasks.push(match client % 3 {
            0 => tokio::spawn(enrol(endpoints.intake().await?, shared, pacer, stop)),
            1 => tokio::spawn(activities(
                endpoints.trajectories().await?,
                shared,
                pacer,
                stop,
            )),
            _ => tokio::spawn(workshops(
                endpoints.community().await?,
                client,
                shared,
                pacer,
                stop,
            )),
        });
    }
    let mut calls = Calls::default();
    for task in tasks {
        calls.merge(task.await?);
    }
    Ok(calls)
}

async fn enrol(
    mut intake: Intake,
    shared: Arc<Shared>,
    pacer: Option<Arc<Pacer>>,
    stop: CancellationToken,
) -> Calls {
    let mut calls = Calls::default();
    while pace(&pacer, &stop).await {
        let request = enrolment(&shared.organisations, shared.next());
        let t = Instant::now();
        let result = intake.enrol_participant(request).await;
        calls.record("EnrolParticipant", t, result).await;
    }
    calls
}

/// Plans a course in a seed's development plan and completes it.
async fn activities(
    mut trajectories: Trajectories,
    shared: Arc<Shared>,
    pacer: Option<Arc<Pacer>>,
    stop: CancellationToken,
) -> Calls {
    let mut calls = Calls::default();
    while pace(&pacer, &stop).await {
        let participant = &shared.seeds[shared.next() % shared.seeds.len()];
        let t = Instant::now();
        let result = trajectories
            .plan_learning_activity(trajectories::PlanLearningActivityRequest {
                participant_id: participant.clone(),
                kind: trajectories::ActivityKind::Course as i32,
                title: "Lassen basis".into(),
                provider: "bench-college".into(),
                theme: "lassen".into(),
                planned_hours: 8,
                cost_cents: 10_000,
                ..Default::default()
            })
            .await;
        let Some(activity) = calls
            .record("PlanLearningActivity", t, result)
            .await
            .and_then(|r| r.activity)
        else {
            continue;
        };
        if !pace(&pacer, &stop).await {
            break;
        }
        let t = Instant::now();
        let result = trajectories
            .complete_learning_activity(trajectories::CompleteLearningActivityRequest {
                activity_id: activity.activity_id,
                actual_hours: 8,
                ..Default::default()
            })
            .await;
        calls.record("CompleteLearningActivity", t, result).await;
    }
    calls
}

/// Schedules a workshop starting shortly, books ten seeds on it, and records the
/// attendance of the workshops scheduled earlier once they started.
async fn workshops(
    mut community: Community,
    client: usize,
    shared: Arc<Shared>,
    pacer: Option<Arc<Pacer>>,
    stop: CancellationToken,
) -> Calls {
    let mut calls = Calls::default();
    let mut pending: VecDeque<(DateTime<Utc>, Vec<String>)> = VecDeque::new();
    // Distinct seeds within a workshop: a cursor of this client's own.
    let mut cursor = client * 37;
    'load: loop {
        while pending
            .front()
            .is_some_and(|(start, _)| Utc::now() >= *start + TimeDelta::milliseconds(50))
        {
            let Some((_, registrations)) = pending.pop_front() else {
                break;
            };
            for registration in registrations {
                if !pace(&pacer, &stop).await {
                    break 'load;
                }
                let t = Instant::now();
                let result = community
                    .record_attendance(community::RecordAttendanceRequest {
                        registration_id: registration,
                        attendance: WorkshopAttendance::FullyAttended as i32,
                        ..Default::default()
                    })
                    .await;
                calls.record("RecordAttendance", t, result).await;
            }
        }
        if !pace(&pacer, &stop).await {
            break;
        }
        let start = Utc::now() + LEAD;
        let t = Instant::now();
        let result = community
            .schedule_workshop(workshop(shared.next(), &shared.host, start))
            .await;
        let Some(workshop) = calls
            .record("ScheduleWorkshop", t, result)
            .await
            .and_then(|r| r.workshop)
        else {
            continue;
        };
        let mut registrations = Vec::new();
        for _ in 0..SEATS {
            if !pace(&pacer, &stop).await {
                break 'load;
            }
            cursor += 1;
            let t = Instant::now();
            let result = community
                .register_for_workshop(community::RegisterForWorkshopRequest {
                    workshop_id: workshop.workshop_id.clone(),
                    participant_id: shared.seeds[cursor % shared.seeds.len()].clone(),
                    ..Default::default()
                })
                .await;
            if let Some(registration) = calls
                .record("RegisterForWorkshop", t, result)
                .await
                .and_then(|r| r.registration)
            {
                registrations.push(registration.registration_id);
            }
        }
        pending.push_back((start, registrations));
    }
    calls
}

fn organisation(n: usize) -> intake::RegisterOrganisationRequest {
    intake::RegisterOrganisationRequest {
        region: "achterhoek".into(),
        sector: "techniek-metaal".into(),
        name: format!("Pijplijn {n}"),
        kvk_number: format!("{:08}", 30_000_000 + n),
        municipality: "Doetinchem".into(),
        employee_count: 50,
        ..Default::default()
    }
}

fn enrolment(organisations: &[String], n: usize) -> intake::EnrolParticipantRequest {
    intake::EnrolParticipantRequest {
        organisation_id: organisations[n % organisations.len()].clone(),
        given_name: format!("Deelnemer{n}"),
        family_name: "Pijplijn".into(),
        email: format!("deelnemer{n}@pijplijn.example"),
        role: common::ParticipantRole::Employee as i32,
        job_title: "Operator".into(),
        consent_given: true,
        source: common::ParticipantSource::Company as i32,
        ..Default::default()
    }
}

fn workshop(n: usize, host: &str, start: DateTime<Utc>) -> community::ScheduleWorkshopRequest {
    let timestamp = |at: DateTime<Utc>| prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    };
    community::ScheduleWorkshopRequest {
        region: "achterhoek".into(),
        theme: "hr-netwerkcafe".into(),
        title: format!("HR-netwerkcafé {n}"),
        description: "Leren van elkaar op de werkvloer.".into(),
        start_time: Some(timestamp(start)),
        end_time: Some(timestamp(start + TimeDelta::hours(2))),
        location: "Ondernemershuis Achterhoek, Doetinchem".into(),
        capacity: SEATS as i32,
        host_member_id: host.into(),
        ..Default::default()
    }
}
