//! A witness of every application, so that "nothing doubled" can fail. The consumers'
//! own tables cannot show a double: their keys make a second row impossible and the
//! handlers upsert. So the test installs, in each consumer's database, a table without
//! any key and `BEFORE INSERT` row triggers that write to it:
//! - `effect`: on the table each consumer's enrolment handler inserts into (a
//!   `BEFORE INSERT` trigger fires for every proposed row, also one that `ON CONFLICT`
//!   then drops): one row per time the handler ran and committed;
//! - `inbox`: on the inbox: one row per committed delivery, applied or found a
//!   duplicate, so more rows than events means redeliveries were seen (and dropped).
//!
//! Rows of a rolled-back transaction vanish with it: the witness counts what committed.
use std::collections::BTreeMap;

use llo_chassis::{ServiceName, testing::TestEnv};
use tokio_postgres::NoTls;

use crate::checks::ENROLLED;

/// The table each consumer's enrolment handler inserts into, and the column that names
/// the event (or its participant).
fn effect_table(service: ServiceName) -> (&'static str, &'static str, String) {
    match service {
        ServiceName::Trajectories => ("development_plans", "participant_id", "true".into()),
        ServiceName::Community => ("participants", "id", "true".into()),
        // Reporting copies every event before its read models; the copy is the one
        // insert its handler always makes.
        ServiceName::Reporting => (
            "events",
            "event_id",
            format!("NEW.routing_key = '{ENROLLED}'"),
        ),
        ServiceName::Intake => unreachable!("intake consumes no enrolments"),
    }
}

async fn connect(env: &TestEnv, service: ServiceName) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&env.database_url(service), NoTls)
        .await
        .expect("the consumer's database");
    tokio::spawn(connection);
    client
}

/// Installs the witness in every consumer's database (after the services migrated it).
pub async fn install(env: &TestEnv) {
    for service in crate::checks::CONSUMERS {
        let (table, column, when) = effect_table(service);
        let sql = format!(
            "CREATE TABLE fault_witness (label text NOT NULL, key text NOT NULL);
             CREATE FUNCTION fault_witness() RETURNS trigger LANGUAGE plpgsql AS $f$
             BEGIN
               INSERT INTO fault_witness (label, key)
               VALUES (TG_ARGV[0], to_jsonb(NEW) ->> TG_ARGV[1]);
               RETURN NEW;
             END $f$;
             CREATE TRIGGER fault_witness_effect BEFORE INSERT ON {table}
               FOR EACH ROW WHEN ({when})
               EXECUTE FUNCTION fault_witness('effect', '{column}');
             CREATE TRIGGER fault_witness_inbox BEFORE INSERT ON inbox
               FOR EACH ROW WHEN (NEW.routing_key = '{ENROLLED}')
               EXECUTE FUNCTION fault_witness('inbox', 'event_id');"
        );
        connect(env, service)
            .await
            .batch_execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{}: installing the witness: {e}", service.as_str()));
    }
}

/// What the witness of one consumer saw.
#[derive(Debug)]
pub struct Seen {
    /// Keys whose effect was applied more than once, with how often (first 5).
    pub applied_twice: Vec<(String, i64)>,
    /// Applications in all.
    pub applications: i64,
    /// Committed deliveries beyond one per event: redeliveries the inbox dropped.
    pub duplicates_dropped: i64,
}

pub async fn seen(env: &TestEnv, service: ServiceName) -> Seen {
    let client = connect(env, service).await;
    let count = |label: &'static str| {
        let client = &client;
        async move {
            let rows = client
                .query(
                    "SELECT key, count(*) FROM fault_witness WHERE label = $1 GROUP BY key",
                    &[&label],
                )
                .await
                .expect("the witness");
            rows.iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
                .collect::<BTreeMap<_, _>>()
        }
    };
    let effects = count("effect").await;
    let inbox = count("inbox").await;
    Seen {
        applied_twice: effects
            .iter()
            .filter(|(_, n)| **n > 1)
            .take(5)
            .map(|(k, n)| (k.clone(), *n))
            .collect(),
        applications: effects.values().sum(),
        duplicates_dropped: inbox.values().map(|n| n - 1).sum(),
    }
}

/// Each consumer applied each enrolment exactly once (by the witness, not by keys);
/// returns the redeliveries each consumer's inbox dropped.
pub async fn assert_applied_once(env: &TestEnv, expected: usize) -> Vec<(ServiceName, i64)> {
    let mut dropped = Vec::new();
    for service in crate::checks::CONSUMERS {
        let seen = seen(env, service).await;
        eprintln!("witness of {}: {seen:?}", service.as_str());
        assert!(
            seen.applied_twice.is_empty() && seen.applications == expected as i64,
            "{}: {} applications of {expected} enrolments; applied more than once (first 5): {:?}",
            service.as_str(),
            seen.applications,
            seen.applied_twice
        );
        dropped.push((service, seen.duplicates_dropped));
    }
    dropped
}
