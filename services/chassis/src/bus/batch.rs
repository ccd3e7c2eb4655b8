//! Deliveries applied in batches: what has arrived together is applied in one
//! transaction and acknowledged after the commit. The inbox stays exact per event (each
//! event's id is recorded with its own effects), and an event whose handler fails is set
//! aside — the others commit without it — and then takes the one-at-a-time way
//! (retries, dead letter): one bad event never holds back or takes down the others.
use diesel_async::AsyncConnection as _;
use futures_util::{FutureExt as _, StreamExt as _};
use lapin::{Channel, message::Delivery, options::BasicAckOptions};

use super::{
    HandleError, IncomingEvent,
    consumer::{Consumer, Outcome, Processing, finish},
    envelope::{DELIVERY_COUNT_HEADER, header_count, parse_envelope},
};

/// The first delivery and those already waiting behind it, up to `max`; the second
/// value says why the stream ended, if it did while gathering.
pub fn gather(
    first: Delivery,
    deliveries: &mut lapin::Consumer,
    max: usize,
) -> (Vec<Delivery>, Option<String>) {
    let mut batch = vec![first];
    while batch.len() < max {
        match deliveries.next().now_or_never() {
            Some(Some(Ok(delivery))) => batch.push(delivery),
            Some(Some(Err(error))) => return (batch, Some(error.to_string())),
            Some(None) => return (batch, Some("the delivery stream ended".to_owned())),
            None => break,
        }
    }
    (batch, None)
}

/// What became of one event in a batch.
#[derive(Debug, Clone)]
enum Together {
    /// Committed with the batch: applied, or a duplicate.
    Done(Outcome),
    /// Its handler failed (its savepoint undone): one attempt made.
    Failed,
    /// It can never be applied: dead-lettered without another try.
    Malformed(String),
    /// The batch did not commit: not attempted yet.
    NotTried,
}

/// Why a batch's transaction did not commit.
enum BatchFailure {
    /// The event at this index failed.
    Event(usize, HandleError),
    /// The transaction itself (begin, commit, the connection).
    Transaction(HandleError),
}

impl From<diesel::result::Error> for BatchFailure {
    fn from(error: diesel::result::Error) -> Self {
        BatchFailure::Transaction(error.into())
    }
}

/// What the batch's transactions did, on its span: how many were applied, found to be
/// duplicates, or left to be tried alone.
fn record_outcomes(span: &tracing::Span, outcomes: &[Together]) {
    let count = |f: fn(&Together) -> bool| outcomes.iter().filter(|o| f(o)).count();
    span.record(
        "llo.applied",
        count(|o| matches!(o, Together::Done(Outcome::Applied))),
    );
    span.record(
        "llo.duplicates",
        count(|o| matches!(o, Together::Done(Outcome::Duplicate))),
    );
    span.record("llo.set_aside", count(|o| !matches!(o, Together::Done(_))));
}

/// A delivery the broker gave before: it may be the one that made the process fail (a
/// crash mid-batch), so it is applied alone, where only its own count grows.
fn delivered_before(delivery: &Delivery, headers: &lapin::types::FieldTable) -> bool {
    delivery.redelivered || header_count(headers, DELIVERY_COUNT_HEADER).is_some_and(|n| n > 0)
}

impl Consumer {
    /// Handles every delivery of the batch to the end, each acknowledged once its fate
    /// is committed. An error means the channel is unusable (unacknowledged deliveries
    /// will be redelivered).
    pub(super) async fn process_batch(
        &self,
        channel: &Channel,
        dead_letter_key: &str,
        batch: Vec<Delivery>,
    ) -> anyhow::Result<()> {
        for delivery in &batch {
            self.received(delivery);
        }
        let mut together = Vec::with_capacity(batch.len());
        // With the handler's failed attempts so far.
        let mut alone: Vec<(Delivery, u32)> = Vec::new();
        let mut redelivered = 0;
        for delivery in batch {
            let headers = delivery.properties.headers().clone().unwrap_or_default();
            let before = delivered_before(&delivery, &headers);
            redelivered += usize::from(before);
            match parse_envelope(&delivery, &headers, &self.publishers) {
                Ok(event) if !before => together.push((delivery, event)),
                _ => alone.push((delivery, 0)),
            }
        }
        if redelivered > 0 {
            // Only after a crash or a lost connection (so a warning): the inbox drops
            // what was applied already.
            tracing::warn!(redelivered, "consumer: deliveries the broker gave before");
        }
        if together.len() == 1 {
            alone.extend(together.drain(..).map(|(delivery, _)| (delivery, 0)));
        }
        if !together.is_empty() {
            // One `process` span for the batch, linked to each message's creation
            // context: events that commit together have no single parent (messaging
            // conventions). Each delivery keeps its metrics and its ack.
            let deliveries: Vec<&Delivery> = together.iter().map(|(d, _)| d).collect();
            let span = self.batch_span(&deliveries);
            let processings: Vec<Processing> = deliveries
                .iter()
                .map(|d| self.processing_in_batch(d))
                .collect();
            let events: Vec<&IncomingEvent> = together.iter().map(|(_, e)| e).collect();
            let outcomes =
                tracing::Instrument::instrument(self.apply_together(&events), span.clone())
                    .await
                    .unwrap_or_else(|_| vec![Together::NotTried; events.len()]);
            record_outcomes(&span, &outcomes);
            // The common case: every delivery committed and none waits to go alone. The
            // batch's tags are then all the channel's unacknowledged ones up to the last
            // (earlier batches are acknowledged, later deliveries have higher tags): one
            // `basic.ack` with `multiple` acknowledges them, not one frame per delivery.
            if alone.is_empty() && outcomes.iter().all(|o| matches!(o, Together::Done(_))) {
                let mut done = Vec::with_capacity(together.len());
                for (((delivery, _), outcome), processing) in
                    together.into_iter().zip(outcomes).zip(processings)
                {
                    if let Together::Done(outcome) = outcome {
                        super::consumer::record(&delivery, outcome, &processing);
                        done.push((delivery, outcome));
                    }
                }
                if let Some((last, _)) = done.last() {
                    let all_up_to_here = BasicAckOptions { multiple: true };
                    super::within(
                        self.deadlines.operation,
                        "the batch's ack",
                        last.acker.ack(all_up_to_here),
                    )
                    .await?;
                }
                for (delivery, outcome) in &done {
                    self.after(delivery, *outcome).await;
                }
                return Ok(());
            }
            for (((delivery, _), outcome), processing) in
                together.into_iter().zip(outcomes).zip(processings)
            {
                match outcome {
                    Together::Done(outcome) => {
                        finish(&delivery, outcome, &processing, self.deadlines.operation).await?;
                        self.after(&delivery, outcome).await;
                    }
                    Together::Failed => alone.push((delivery, 1)),
                    Together::Malformed(reason) => {
                        let dead_letter =
                            self.dead_letter(channel, dead_letter_key, &delivery, &reason);
                        tracing::Instrument::instrument(dead_letter, span.clone()).await?;
                        finish(
                            &delivery,
                            Outcome::DeadLettered,
                            &processing,
                            self.deadlines.operation,
                        )
                        .await?;
                    }
                    Together::NotTried => alone.push((delivery, 0)),
                }
            }
        }
        for (delivery, attempts_made) in alone {
            self.process(channel, dead_letter_key, delivery, attempts_made)
                .await?;
        }
        Ok(())
    }

    /// The events in one transaction, all or nothing. When one fails, the transaction
    /// is rolled back, that event is set aside (to be tried alone) and the others go
    /// again in a new one — cheaper in the common case than a savepoint per event (two
    /// round trips each). An error (the database lost, the commit failed) leaves every
    /// event to be applied alone.
    async fn apply_together(
        &self,
        events: &[&IncomingEvent],
    ) -> Result<Vec<Together>, HandleError> {
        let mut outcomes = vec![Together::NotTried; events.len()];
        let mut remaining: Vec<usize> = (0..events.len()).collect();
        while !remaining.is_empty() {
            match self.apply_all_or_nothing(events, &remaining).await {
                Ok(applied) => {
                    for (index, outcome) in remaining.iter().zip(applied) {
                        outcomes[*index] = Together::Done(outcome);
                    }
                    break;
                }
                Err(BatchFailure::Event(index, error)) => {
                    outcomes[index] = match error {
                        HandleError::Unavailable(reason) => {
                            return Err(HandleError::Unavailable(reason));
                        }
                        HandleError::Malformed(reason) => Together::Malformed(reason),
                        HandleError::Retry(_) => Together::Failed,
                    };
                    remaining.retain(|i| *i != index);
                }
                Err(BatchFailure::Transaction(error)) => return Err(error),
            }
        }
        Ok(outcomes)
    }

    /// One inbox statement for the batch, then the handler's batch (one statement per
    /// table where the handler can), all in one transaction.
    async fn apply_all_or_nothing(
        &self,
        events: &[&IncomingEvent],
        indices: &[usize],
    ) -> Result<Vec<Outcome>, BatchFailure> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| BatchFailure::Transaction(HandleError::Unavailable(e.to_string())))?;
        let chosen: Vec<&IncomingEvent> = indices.iter().map(|&i| events[i]).collect();
        conn.transaction::<_, BatchFailure, _>(async |conn| {
            let fresh = Consumer::claim(conn, &chosen).await?;
            // Positions (in `indices`) of the events that are not duplicates.
            let applying: Vec<usize> = (0..chosen.len()).filter(|&k| fresh[k]).collect();
            let batch: Vec<&IncomingEvent> = applying.iter().map(|&k| chosen[k]).collect();
            if !batch.is_empty() {
                self.handler
                    .handle_batch(conn, &batch)
                    .await
                    .map_err(|failure| match failure.index {
                        Some(at) => BatchFailure::Event(indices[applying[at]], failure.error),
                        None => BatchFailure::Transaction(failure.error),
                    })?;
            }
            Ok(fresh
                .into_iter()
                .map(|new| {
                    if new {
                        Outcome::Applied
                    } else {
                        Outcome::Duplicate
                    }
                })
                .collect())
        })
        .await
    }
}
