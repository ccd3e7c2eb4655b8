//! Admission: a service starts no new writing call while the suite's consumers are
//! behind, so a sustained load cannot pile up a backlog without bound (and the read
//! models' delay with it). Writes wait — briefly — and the consumers get the cores.
//!
//! The signal is the broker's own: the ready messages in every consumer queue of the
//! suite (`<prefix><service>.events`), read with passive declares by one task per
//! service, only while calls arrive (an idle service asks the broker nothing). A writing
//! call waits while the deepest queue holds more than `admission.max_backlog`, at most
//! `admission.max_wait_ms`, then is refused with UNAVAILABLE and a `RetryInfo`. Reads,
//! health and reflection never wait; a streaming import waits once, before its first row. What cannot be read (the broker away, a reading too old) admits: the
//! outbox keeps the events, and health reports the broker.
use std::{collections::HashMap, sync::Arc, time::Duration};

use lapin::{Channel, Connection};
use opentelemetry::KeyValue;
use secrecy::ExposeSecret as _;
use tokio::{
    sync::{Notify, watch},
    time::Instant,
};
use tokio_util::sync::CancellationToken;
use tonic_types::{ErrorDetails, StatusExt as _};

use crate::{
    bus::{self, BrokerDeadlines},
    settings::{ServiceName, Settings},
    telemetry,
};

/// The deepest consumer queue at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    pub queue: String,
    pub ready: u32,
}

/// What the sampler last learnt, and until when it holds: a reading of the queues for
/// two sample intervals, "unknown" (the broker could not be read) until the next try.
#[derive(Debug, Clone)]
struct Reading {
    /// `None`: no queue exists, or the broker could not be read (calls pass).
    deepest: Option<Backlog>,
    valid_until: Instant,
}

/// The gate every writing call passes; cheap to clone.
#[derive(Clone)]
pub struct Admission {
    inner: Arc<Inner>,
}

struct Inner {
    max_backlog: u32,
    max_wait: Duration,
    /// How long a reading of the queues holds.
    fresh_for: Duration,
    /// How long a call waits for a reading when it has none that holds (then it passes).
    reading_wait: Duration,
    demand: Notify,
    readings: watch::Sender<Option<Reading>>,
}

/// Why a call was not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub backlog: Backlog,
    pub max_backlog: u32,
    pub waited: Duration,
}

impl From<Refused> for tonic::Status {
    fn from(refused: Refused) -> Self {
        let message = format!(
            "the suite's consumers are behind: {} events wait in {} (admission.max_backlog \
             {}); waited {} ms; retry in a moment",
            refused.backlog.ready,
            refused.backlog.queue,
            refused.max_backlog,
            refused.waited.as_millis()
        );
        let details = ErrorDetails::with_retry_info(Some(RETRY_AFTER));
        tonic::Status::with_error_details(tonic::Code::Unavailable, message, details)
    }
}

/// What a refused caller is told to wait before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

impl Admission {
    /// A gate that admits everything (`admission.max_backlog = 0`).
    pub fn open() -> Admission {
        Admission::with_limits(
            0,
            Duration::ZERO,
            Duration::from_millis(100),
            Duration::ZERO,
        )
    }

    /// `every`: how often the queues are read; `reading_wait`: how long a call waits for
    /// a reading when none holds.
    fn with_limits(
        max_backlog: u32,
        max_wait: Duration,
        every: Duration,
        reading_wait: Duration,
    ) -> Admission {
        let (readings, _) = watch::channel(None);
        Admission {
            inner: Arc::new(Inner {
                max_backlog,
                max_wait,
                fresh_for: every * 2,
                reading_wait,
                demand: Notify::new(),
                readings,
            }),
        }
    }

    /// The gate of a service and the sampler that feeds it (run it beside the server);
    /// `service` names the sampler's broker connection (`<service>-admission`).
    pub fn from_settings(settings: &Settings, service: ServiceName) -> (Admission, Sampler) {
        let own = &settings.admission;
        let every = Duration::from_millis(own.sample_ms.max(10));
        let deadline = Duration::from_millis(own.sample_timeout_ms);
        let admission = Admission::with_limits(
            own.max_backlog,
            Duration::from_millis(own.max_wait_ms),
            every,
            deadline,
        );
        let sampler = Sampler {
            admission: admission.clone(),
            amqp_url: settings.amqp.url.expose_secret().to_owned(),
            connection_name: format!("{}-admission", service.as_str()),
            queues: consumer_queues(&settings.amqp.queue_prefix),
            every,
            deadline,
            deadlines: BrokerDeadlines::from_settings(&settings.amqp),
        };
        (admission, sampler)
    }

    /// Whether a method (`/package.Service/Method`) only reads: reads never wait.
    pub fn only_reads(path: &str) -> bool {
        let method = path.rsplit('/').next().unwrap_or_default();
        READ_PREFIXES.iter().any(|prefix| {
            method
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        })
    }

    /// Waits until the consumers have room, at most `admission.max_wait_ms`.
    pub async fn admit(&self) -> Result<(), Refused> {
        let inner = &self.inner;
        if inner.max_backlog == 0 {
            return Ok(());
        }
        let started = Instant::now();
        let mut readings = inner.readings.subscribe();
        let mut asked_for_one = false;
        loop {
            inner.demand.notify_one();
            let current = readings
                .borrow_and_update()
                .clone()
                .filter(|reading| Instant::now() < reading.valid_until);
            let Some(reading) = current else {
                // None that holds (the first call, or after a pause): wait for the next
                // reading, briefly; without one the call passes.
                if asked_for_one {
                    return Ok(());
                }
                asked_for_one = true;
                match tokio::time::timeout(inner.reading_wait, readings.changed()).await {
                    Ok(Ok(())) => continue,
                    _ => return Ok(()),
                }
            };
            let over = reading
                .deepest
                .filter(|deepest| deepest.ready > inner.max_backlog);
            let Some(backlog) = over else {
                if started.elapsed() > Duration::from_millis(1) {
                    record_wait(started.elapsed(), "admitted");
                }
                return Ok(());
            };
            let left = inner.max_wait.saturating_sub(started.elapsed());
            let refused = || Refused {
                backlog: backlog.clone(),
                max_backlog: inner.max_backlog,
                waited: started.elapsed(),
            };
            if left.is_zero() {
                record_wait(started.elapsed(), "refused");
                return Err(refused());
            }
            match tokio::time::timeout(left, readings.changed()).await {
                Ok(Ok(())) => {}
                // The sampler is gone (shutdown): nothing to wait for.
                Ok(Err(_)) => return Ok(()),
                Err(_) => {
                    record_wait(started.elapsed(), "refused");
                    return Err(refused());
                }
            }
        }
    }

    /// A reading of the queues, holding for two sample intervals.
    fn publish(&self, deepest: Option<Backlog>) {
        if let Some(backlog) = &deepest {
            telemetry::metrics().admission_backlog.record(
                u64::from(backlog.ready),
                &[KeyValue::new("queue", backlog.queue.clone())],
            );
        }
        self.publish_for(deepest, self.inner.fresh_for);
    }

    fn publish_for(&self, deepest: Option<Backlog>, valid_for: Duration) {
        self.inner.readings.send_replace(Some(Reading {
            deepest,
            valid_until: Instant::now() + valid_for,
        }));
    }
}

/// Method names that only read (AIP standard and custom read methods).
const READ_PREFIXES: [&str; 5] = ["Get", "List", "Search", "Export", "Verify"];

/// `llo.admission.wait`: how long a writing call waited, by `outcome`.
fn record_wait(waited: Duration, outcome: &'static str) {
    telemetry::metrics()
        .admission_wait
        .record(waited.as_secs_f64(), &[KeyValue::new("outcome", outcome)]);
}

/// Every consumer queue of the suite.
fn consumer_queues(prefix: &str) -> Vec<String> {
    ServiceName::ALL
        .iter()
        .map(|service| format!("{prefix}{}.events", service.as_str()))
        .collect()
}

/// Reads the consumer queues' depths while calls ask for them, at most every
/// `admission.sample_ms`.
pub struct Sampler {
    admission: Admission,
    amqp_url: String,
    connection_name: String,
    queues: Vec<String>,
    every: Duration,
    /// The deadline of one whole reading (connect included).
    deadline: Duration,
    deadlines: BrokerDeadlines,
}

/// A queue that does not exist (its service does not run here, or not yet) is asked
/// for again after this, doubled each time up to `MISSING_RECHECK_MAX` (each ask closes
/// a channel, which lapin logs as an error).
const MISSING_RECHECK: Duration = Duration::from_secs(2);
const MISSING_RECHECK_MAX: Duration = Duration::from_secs(300);

/// When a missing queue is asked for next, and the wait after that.
type Missing = HashMap<String, (Instant, Duration)>;
/// After the broker failed a reading, the next try waits this long.
const BROKER_RETRY: Duration = Duration::from_secs(5);

impl Sampler {
    pub async fn run(self, shutdown: CancellationToken) {
        if self.admission.inner.max_backlog == 0 {
            return;
        }
        let mut broker: Option<(Connection, Channel)> = None;
        let mut missing = Missing::new();
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.admission.inner.demand.notified() => {}
            }
            let reading =
                tokio::time::timeout(self.deadline, self.read(&mut broker, &mut missing)).await;
            let pause = match reading {
                Ok(Ok(deepest)) => {
                    self.admission.publish(deepest);
                    self.every
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, "admission: cannot read the consumer queues; admitting");
                    self.forget(&mut broker).await;
                    BROKER_RETRY
                }
                Err(_) => {
                    tracing::warn!(deadline = ?self.deadline, "admission: reading the consumer queues timed out; admitting");
                    self.forget(&mut broker).await;
                    BROKER_RETRY
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
        self.forget(&mut broker).await;
    }

    /// Drops the broker connection; calls pass until the next try.
    async fn forget(&self, broker: &mut Option<(Connection, Channel)>) {
        if let Some((connection, _)) = broker.take() {
            bus::close_quietly(&connection, "admission").await;
        }
        self.admission
            .publish_for(None, BROKER_RETRY + self.deadline);
    }

    /// The deepest queue that exists, or `None` when none does.
    async fn read(
        &self,
        broker: &mut Option<(Connection, Channel)>,
        missing: &mut Missing,
    ) -> anyhow::Result<Option<Backlog>> {
        if broker.as_ref().is_none_or(|(c, _)| !c.status().connected()) {
            let connection =
                bus::connect_within(&self.amqp_url, &self.connection_name, 1, self.deadlines)
                    .await?;
            let channel = connection.create_channel().await?;
            *broker = Some((connection, channel));
        }
        let Some((connection, channel)) = broker.as_mut() else {
            return Ok(None);
        };
        let mut deepest: Option<Backlog> = None;
        for queue in &self.queues {
            if missing
                .get(queue)
                .is_some_and(|(next, _)| Instant::now() < *next)
            {
                continue;
            }
            // The whole reading has its deadline (`run`); this one is the broker's own.
            match bus::ready_messages(channel, queue, self.deadlines.operation).await {
                Ok(ready) => {
                    missing.remove(queue);
                    if deepest.as_ref().is_none_or(|d| ready > d.ready) {
                        deepest = Some(Backlog {
                            queue: queue.clone(),
                            ready,
                        });
                    }
                }
                // A queue that is not there closes the channel (404): note it, go on
                // on a new channel. (A broker too slow to answer is not a missing queue.)
                Err(error)
                    if connection.status().connected() && !error.is::<bus::BrokerTimeout>() =>
                {
                    let wait = missing.get(queue).map_or(MISSING_RECHECK, |(_, wait)| {
                        (*wait * 2).min(MISSING_RECHECK_MAX)
                    });
                    missing.insert(queue.clone(), (Instant::now() + wait, wait));
                    *channel = connection.create_channel().await?;
                }
                Err(error) => return Err(error),
            }
        }
        Ok(deepest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_told_from_writes_by_their_method_name() {
        for read in [
            "/llo.intake.v1.IntakeService/GetParticipant",
            "/llo.trajectories.v1.TrajectoriesService/ListCourseOfferings",
            "/llo.trajectories.v1.TrajectoriesService/SearchSkills",
            "/llo.reporting.v1.ReportingService/ExportReport",
            "/llo.intake.v1.IntakeService/VerifyCredential",
        ] {
            assert!(Admission::only_reads(read), "{read}");
        }
        for write in [
            "/llo.intake.v1.IntakeService/EnrolParticipant",
            "/llo.intake.v1.IntakeService/ImportParticipants",
            "/llo.trajectories.v1.TrajectoriesService/RegisterCatalogueSource",
            // Not a read because it starts like one.
            "/llo.x.v1.X/Getaway",
            "/llo.x.v1.X/Listen",
        ] {
            assert!(!Admission::only_reads(write), "{write}");
        }
    }

    fn backlog(ready: u32) -> Option<Backlog> {
        Some(Backlog {
            queue: "q.events".into(),
            ready,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_waits_while_a_queue_is_over_the_bound_and_passes_once_it_drains() {
        let gate = Admission::with_limits(
            100,
            Duration::from_secs(5),
            Duration::from_secs(60),
            Duration::from_secs(1),
        );
        gate.publish(backlog(250));
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit().await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "admitted over the bound");
        gate.publish(backlog(100));
        assert_eq!(waiting.await.unwrap(), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_is_refused_after_the_longest_wait_with_the_queue_named() {
        let gate = Admission::with_limits(
            100,
            Duration::from_secs(2),
            Duration::from_secs(60),
            Duration::from_secs(1),
        );
        gate.publish(backlog(250));
        let refused = gate.admit().await.unwrap_err();
        assert_eq!(refused.backlog, backlog(250).unwrap());
        assert!(refused.waited >= Duration::from_secs(2));
        let status = tonic::Status::from(refused);
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert!(status.message().contains("250 events wait in q.events"));
        assert_eq!(
            status.get_details_retry_info().and_then(|r| r.retry_delay),
            Some(RETRY_AFTER)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_without_a_reading_that_holds_waits_for_the_next_one() {
        let gate = Admission::with_limits(
            100,
            Duration::from_secs(5),
            Duration::from_millis(100),
            Duration::from_secs(1),
        );
        gate.publish(backlog(250));
        tokio::time::sleep(Duration::from_secs(1)).await;
        // The reading of 250 no longer holds: the call waits for a new one.
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "admitted on a reading that no longer holds"
        );
        gate.publish(backlog(10));
        assert_eq!(waiting.await.unwrap(), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn no_reading_within_its_wait_an_unknown_backlog_or_no_bound_admits() {
        let gate = Admission::with_limits(
            100,
            Duration::from_secs(5),
            Duration::from_millis(100),
            Duration::from_secs(1),
        );
        let started = Instant::now();
        assert_eq!(gate.admit().await, Ok(()), "no reading comes");
        assert!(started.elapsed() >= Duration::from_secs(1));
        gate.publish_for(None, Duration::from_secs(5));
        assert_eq!(gate.admit().await, Ok(()), "the broker could not be read");
        let open = Admission::open();
        open.publish(backlog(1_000_000));
        assert_eq!(open.admit().await, Ok(()), "no bound");
    }
}
