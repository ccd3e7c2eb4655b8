//! Events through the pipeline, read from the databases afterwards: each producing
//! service's outbox (`created_at`: the producing transaction; `published_at`: the relay
//! had the broker's confirm) joined by event id with reporting's copy of the event
//! (`received_at`: the consumer's transaction, which also updates the read models).
//! `now()` in PostgreSQL is the start of a transaction, so each delay runs from the
//! start of the producing transaction to the start of reporting's, both on the same
//! clock; each transaction commits a few milliseconds after it started.
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use llo_chassis::{
    ServiceName,
    testing::{AMQP_URL, TestEnv},
};
use tokio_postgres::{Client, NoTls};

use super::suite::{CONSUMERS, queue};

/// A queue's depth is read within this (the broker answers in milliseconds).
const DEADLINE: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Flow(Arc<Inner>);

struct Inner {
    /// Every service's database: each one has an outbox (reporting's stays empty).
    outboxes: Vec<(ServiceName, Client)>,
    reporting: Client,
    amqp: lapin::Connection,
    queues: Vec<String>,
}

/// Microseconds since the epoch, on the clock PostgreSQL reads too.
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

async fn connect(url: &str) -> anyhow::Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

impl Flow {
    pub async fn open(env: &TestEnv) -> anyhow::Result<Flow> {
        let mut outboxes = Vec::new();
        for service in ServiceName::ALL {
            outboxes.push((service, connect(&env.database_url(service)).await?));
        }
        Ok(Flow(Arc::new(Inner {
            outboxes,
            reporting: connect(&env.database_url(ServiceName::Reporting)).await?,
            amqp: llo_chassis::bus::connect(&AMQP_URL, "llo-bench-pipeline-flow", 5).await?,
            queues: CONSUMERS.iter().map(|s| queue(env, *s)).collect(),
        })))
    }

    /// Events committed by all services, and events in reporting's copy.
    pub async fn totals(&self) -> anyhow::Result<(u64, u64)> {
        let mut produced = 0;
        for (_, client) in &self.0.outboxes {
            let row = client.query_one("SELECT count(*) FROM outbox", &[]).await?;
            produced += row.get::<_, i64>(0) as u64;
        }
        let row = self
            .0
            .reporting
            .query_one("SELECT count(*) FROM events", &[])
            .await?;
        Ok((produced, row.get::<_, i64>(0) as u64))
    }

    /// Messages ready in the consumers' queues.
    async fn queued(&self) -> anyhow::Result<u64> {
        Ok(self
            .depths()
            .await?
            .iter()
            .map(|(_, n)| u64::from(*n))
            .sum())
    }

    /// Messages ready in each consumer queue.
    async fn depths(&self) -> anyhow::Result<Vec<(String, u32)>> {
        let mut depths = Vec::new();
        for name in &self.0.queues {
            let channel = self.0.amqp.create_channel().await?;
            let ready = llo_chassis::bus::ready_messages(&channel, name, DEADLINE).await?;
            depths.push((name.clone(), ready));
            let _ = channel.close(200, "ok".into()).await;
        }
        Ok(depths)
    }

    /// Reads the consumer queues every `DEPTH_EVERY` until `stop`: what admission bounds.
    pub fn watch_depths(
        &self,
        stop: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<Depths> {
        let flow = self.clone();
        tokio::spawn(async move {
            let mut seen = Depths::default();
            while !stop.is_cancelled() {
                if let Ok(depths) = flow.depths().await {
                    seen.add(&depths);
                }
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = tokio::time::sleep(DEPTH_EVERY) => {}
                }
            }
            seen
        })
    }

    /// Until every committed event is in reporting's copy and no queue holds a message,
    /// twice in a row 250 ms apart (a consumer may still be about to commit a follow-up).
    /// Events that never arrive (dead-lettered, unrouted) end the wait after 10 s of no
    /// change with the queues empty, and are reported.
    pub async fn wait_until_drained(&self, limit: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        let mut settled_at = None;
        let mut unchanged = (Instant::now(), (0, 0));
        loop {
            let (produced, arrived) = self.totals().await?;
            let empty = self.queued().await? == 0;
            if produced == arrived && empty && settled_at == Some(produced) {
                return Ok(());
            }
            settled_at = (produced == arrived && empty).then_some(produced);
            if unchanged.1 != (produced, arrived) {
                unchanged = (Instant::now(), (produced, arrived));
            } else if empty && unchanged.0.elapsed() > Duration::from_secs(10) {
                println!(
                    "WARNING: {} committed events never reached reporting's copy",
                    produced.abs_diff(arrived)
                );
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the pipeline did not drain within {} s: {produced} events committed, \
                 {arrived} in reporting",
                limit.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The events committed since `started` (µs), with their way to reporting; the load
    /// ran until `ended`.
    pub async fn phase(&self, started: i64, ended: i64) -> anyhow::Result<PhaseFlow> {
        let since = started as f64 / 1e6;
        let mut produced: HashMap<String, (ServiceName, i64, Option<i64>)> = HashMap::new();
        for (service, client) in &self.0.outboxes {
            let rows = client
                .query(
                    "SELECT id::text, (extract(epoch FROM created_at) * 1e6)::int8, \
                     (extract(epoch FROM published_at) * 1e6)::int8 \
                     FROM outbox WHERE created_at >= to_timestamp($1)",
                    &[&since],
                )
                .await?;
            for row in rows {
                produced.insert(row.get(0), (*service, row.get(1), row.get(2)));
            }
        }
        let rows = self
            .0
            .reporting
            .query(
                "SELECT event_id::text, (extract(epoch FROM received_at) * 1e6)::int8 \
                 FROM events WHERE received_at >= to_timestamp($1)",
                &[&since],
            )
            .await?;
        let mut figures = PhaseFlow {
            started,
            ended,
            events: produced.len(),
            ..Default::default()
        };
        // Each consumer's inbox: when it applied each event (its transaction's start).
        for (service, client) in &self.0.outboxes {
            let rows = client
                .query(
                    "SELECT event_id::text, (extract(epoch FROM processed_at) * 1e6)::int8 \
                     FROM inbox WHERE processed_at >= to_timestamp($1)",
                    &[&since],
                )
                .await?;
            let mut applied = Applied::default();
            for row in rows {
                let id: String = row.get(0);
                let processed: i64 = row.get(1);
                if let Some((_, created, _)) = produced.get(&id) {
                    applied.last = applied.last.max(processed);
                    if processed >= ended {
                        applied.after_load += 1;
                    }
                    applied.delays.push(ms(processed - created));
                }
            }
            if !applied.delays.is_empty() {
                figures.applied.insert(service.as_str(), applied);
            }
        }
        for row in rows {
            let id: String = row.get(0);
            let received: i64 = row.get(1);
            let Some((service, created, published)) = produced.get(&id) else {
                continue;
            };
            figures.arrived += 1;
            figures.last_arrival = figures.last_arrival.max(received);
            if *created < ended {
                figures.committed_under_load += 1;
            }
            if received < ended {
                figures.arrived_under_load += 1;
            }
            let delay = ms(received - created);
            figures.delays.push(delay);
            figures
                .by_service
                .entry(service.as_str())
                .or_default()
                .push(delay);
            if let Some(published) = published {
                figures.relay.push(ms(published - created));
                figures.transit.push(ms(received - published));
            }
        }
        Ok(figures)
    }

    /// The mean size of the events' payloads, for the raw broker measurement.
    pub async fn mean_payload_bytes(&self) -> anyhow::Result<usize> {
        let row = self
            .0
            .reporting
            .query_one(
                "SELECT coalesce(avg(length(payload)), 0)::int8 FROM events",
                &[],
            )
            .await?;
        Ok(row.get::<_, i64>(0).max(1) as usize)
    }
}

/// How often the bench reads the consumer queues while the load runs.
pub const DEPTH_EVERY: Duration = Duration::from_millis(200);

/// The deepest consumer queue seen while the load ran.
#[derive(Default)]
pub struct Depths {
    readings: usize,
    deepest: Option<(String, u32)>,
    /// The deepest queue of each reading, for its median.
    each: Vec<u32>,
}

impl Depths {
    fn add(&mut self, depths: &[(String, u32)]) {
        let Some((queue, ready)) = depths.iter().max_by_key(|(_, n)| *n) else {
            return;
        };
        self.readings += 1;
        self.each.push(*ready);
        if self.deepest.as_ref().is_none_or(|(_, n)| ready > n) {
            self.deepest = Some((queue.clone(), *ready));
        }
    }

    pub fn describe(mut self) -> String {
        let Some((queue, ready)) = self.deepest else {
            return "no reading".into();
        };
        self.each.sort_unstable();
        let median = self.each[self.each.len() / 2];
        let service = queue.rsplit('.').nth(1).unwrap_or(&queue);
        format!(
            "max {ready} ready events ({service}), median {median}, over {} readings",
            self.readings
        )
    }
}

fn ms(micros: i64) -> f64 {
    micros as f64 / 1e3
}

/// What one load phase put through the pipeline.
#[derive(Default)]
pub struct PhaseFlow {
    started: i64,
    ended: i64,
    /// Committed from the start of the load until the pipeline drained (follow-ups
    /// of the load's events included).
    pub events: usize,
    arrived: usize,
    committed_under_load: usize,
    arrived_under_load: usize,
    last_arrival: i64,
    /// Commit → reporting, in ms; and split at the relay's confirm.
    delays: Vec<f64>,
    relay: Vec<f64>,
    transit: Vec<f64>,
    by_service: std::collections::BTreeMap<&'static str, Vec<f64>>,
    /// Per consuming service: commit → applied (its inbox row).
    applied: std::collections::BTreeMap<&'static str, Applied>,
}

#[derive(Default)]
struct Applied {
    delays: Vec<f64>,
    last: i64,
    /// Applied once the load stopped (the consumer had the machine to itself).
    after_load: usize,
}

impl PhaseFlow {
    /// Events of the phase that reached reporting's read model.
    pub fn arrived(&self) -> usize {
        self.arrived
    }

    /// Events per second from the start of the load until the last one was in
    /// reporting's read model.
    pub fn end_to_end_rate(&self) -> f64 {
        self.arrived as f64 / ((self.last_arrival - self.started).max(1) as f64 / 1e6)
    }

    pub fn print(&mut self) {
        let load = (self.ended - self.started).max(1) as f64 / 1e6;
        println!(
            "events: {} committed (with the follow-ups of the consumers), {} in reporting; \
             {:.0} events/s end to end (until the last one was in reporting, {:.1} s)",
            self.events,
            self.arrived,
            self.end_to_end_rate(),
            (self.last_arrival - self.started) as f64 / 1e6
        );
        println!(
            "  while the load ran: {:.0} events/s committed, {:.0} events/s into reporting; \
             backlog at the end of the load {}",
            self.committed_under_load as f64 / load,
            self.arrived_under_load as f64 / load,
            self.committed_under_load
                .saturating_sub(self.arrived_under_load)
        );
        println!(
            "  commit → reporting's read model: {}",
            quantiles(&mut self.delays)
        );
        println!(
            "    commit → relay confirmed by the broker: {}",
            quantiles(&mut self.relay)
        );
        println!(
            "    confirmed → reporting's read model (queue, consumer): {}",
            quantiles(&mut self.transit)
        );
        for (service, delays) in &mut self.by_service {
            println!(
                "    events of {service} ({}): {}",
                delays.len(),
                quantiles(delays)
            );
        }
        for (service, applied) in &mut self.applied {
            let during = applied.delays.len() - applied.after_load;
            let after = (applied.last - self.ended).max(0) as f64 / 1e6;
            let drained = if applied.after_load > 0 && after > 0.0 {
                format!(
                    ", {:.0} events/s after it (the last {} in {after:.1} s)",
                    applied.after_load as f64 / after,
                    applied.after_load
                )
            } else {
                String::new()
            };
            println!(
                "  applied by {service}: {} events, {:.0} events/s while the load ran{drained}; \
                 commit → applied {}",
                applied.delays.len(),
                during as f64 / load,
                quantiles(&mut applied.delays)
            );
        }
    }
}

fn quantiles(values: &mut [f64]) -> String {
    if values.is_empty() {
        return "none".into();
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() as f64 * q) as usize).min(values.len() - 1)];
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}
