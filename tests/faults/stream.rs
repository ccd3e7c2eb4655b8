//! The stream of events the fault tests send through the suite: one company, then its
//! employees imported in chunks by an HR system (each row becomes one
//! `ParticipantEnrolled` for trajectories, community and reporting). A chunk that fails
//! (the database restarting) is sent again: rows are keyed by their reference, so a
//! retry enrols no one twice.
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use llo_proto::{common::v1 as common, intake::v1 as pb};

use crate::harness::Intake;

/// Events in a full stream: at least 10,000, as the fault tests promise.
pub const EVENTS: usize = 10_000;

/// How a stream is sent: `events` rows in chunks of `chunk`, `pace` between chunks.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub events: usize,
    pub chunk: usize,
    pub pace: Duration,
}

impl Shape {
    /// 10,000 events in about 10 s (20 chunks), so faults land in its middle.
    pub const FULL: Shape = Shape {
        events: EVENTS,
        chunk: 500,
        pace: Duration::from_millis(500),
    };
    /// 2,000 events in about 10 s (20 chunks): the same faults at the same moments, a
    /// fifth of the events to apply afterwards, so that a test can run 20 times in a row
    /// in reasonable time (`scripts/fault-loop`).
    pub const SHORT: Shape = Shape {
        events: 2_000,
        chunk: 100,
        pace: Duration::from_millis(500),
    };
}

pub async fn register_company(intake: &mut Intake) -> String {
    let mut attempt = 0;
    loop {
        let answer = intake
            .register_organisation(pb::RegisterOrganisationRequest {
                request_id: "fault-company".into(),
                region: "achterhoek".into(),
                sector: "techniek-metaal".into(),
                name: "Storingsbestendig Metaal BV".into(),
                kvk_number: "44000001".into(),
                municipality: "Winterswijk".into(),
                employee_count: 12_000,
                ..Default::default()
            })
            .await;
        match answer {
            Ok(r) => return r.into_inner().organisation.unwrap().organisation_id,
            Err(status) if attempt < 50 => {
                attempt += 1;
                eprintln!("register: {status:?}; again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(status) => panic!("the company was never registered: {status:?}"),
        }
    }
}

fn row(organisation_id: &str, n: usize) -> pb::ImportParticipantsRequest {
    pb::ImportParticipantsRequest {
        external_reference: format!("fault-{n}"),
        organisation_id: organisation_id.into(),
        given_name: format!("Medewerker{n}"),
        family_name: "Storing".into(),
        email: format!("medewerker{n}@storing.example"),
        role: common::ParticipantRole::Employee as i32,
        job_title: "Operator".into(),
        consent_given: true,
        source: common::ParticipantSource::Company as i32,
        uwv_reference: String::new(),
    }
}

/// Imports the shape's employees in paced chunks; `sent` counts the rows intake accepted.
pub async fn produce(
    mut intake: Intake,
    organisation_id: String,
    sent: Arc<AtomicUsize>,
    shape: Shape,
) {
    for start in (0..shape.events).step_by(shape.chunk) {
        let mut attempt = 0;
        loop {
            let rows: Vec<_> = (start..start + shape.chunk)
                .map(|n| row(&organisation_id, n))
                .collect();
            match intake.import_participants(tokio_stream::iter(rows)).await {
                Ok(answer) => {
                    let answer = answer.into_inner();
                    assert_eq!(
                        answer.rejected_count, 0,
                        "no row of the stream is rejected: {answer:?}"
                    );
                    break;
                }
                Err(status) => {
                    attempt += 1;
                    assert!(attempt < 600, "chunk {start}: {status:?}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        sent.store(start + shape.chunk, Ordering::SeqCst);
        tokio::time::sleep(shape.pace).await;
    }
}

/// A stream on its way: the company registered, the import running in the background.
pub struct Running {
    pub organisation_id: String,
    pub shape: Shape,
    sent: Arc<AtomicUsize>,
    producer: tokio::task::JoinHandle<()>,
}

/// The full stream.
pub async fn begin(suite: &crate::harness::FaultSuite) -> Running {
    begin_shaped(suite, Shape::FULL).await
}

pub async fn begin_shaped(suite: &crate::harness::FaultSuite, shape: Shape) -> Running {
    let mut intake = suite.intake().await;
    let organisation_id = register_company(&mut intake).await;
    let sent = Arc::new(AtomicUsize::new(0));
    let producer = tokio::spawn(produce(
        intake,
        organisation_id.clone(),
        sent.clone(),
        shape,
    ));
    Running {
        organisation_id,
        shape,
        sent,
        producer,
    }
}

impl Running {
    /// Until intake accepted the stream's `1/part`.
    pub async fn reached_part(&self, part: usize) {
        self.reached(self.shape.events / part).await;
    }

    /// Until intake accepted `events` rows.
    pub async fn reached(&self, events: usize) {
        while self.sent.load(Ordering::SeqCst) < events {
            assert!(!self.producer.is_finished(), "the producer stopped early");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn finish(self) {
        self.producer.await.expect("the producer finishes");
    }
}
