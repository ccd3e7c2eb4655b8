//! Reporting consumes every integration event of the suite. It implements the
//! chassis' `EventHandler` itself (not `Subscriptions`) because it keeps the raw
//! envelope: each event is stored in reporting's own copy and applied to the read
//! models, in the consumer's transaction together with the inbox row, so it is
//! applied once; a redelivery of the same id is the inbox's duplicate. A batch is
//! stored and applied with one statement per table (`receive_batch`).
use std::borrow::Cow;

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use llo_chassis::{
    bus::{BatchError, EventHandler, HandleError, IncomingEvent},
    packs::Packs,
};
use llo_proto::{IntegrationEvent, events::v1 as ev};
use uuid::Uuid;

use crate::{
    projection,
    store::{
        copy::{self, NewEvent},
        many::Rows,
    },
};

pub struct Reactions {
    pub packs: Packs,
}

/// The handler the host runs: every routing key of the suite.
pub fn reactions(packs: &Packs) -> Reactions {
    Reactions {
        packs: packs.clone(),
    }
}

impl EventHandler for Reactions {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a IncomingEvent,
    ) -> BoxFuture<'a, Result<(), HandleError>> {
        Box::pin(receive(conn, event))
    }

    fn handle_batch<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a IncomingEvent],
    ) -> BoxFuture<'a, Result<(), BatchError>> {
        Box::pin(receive_batch(conn, events))
    }

    fn routing_keys(&self) -> Vec<String> {
        llo_proto::integration::ALL_ROUTING_KEYS
            .iter()
            .map(|k| (*k).to_owned())
            .collect()
    }
}

/// Stores the event in the copy (without a person's free text when they are erased
/// already) and applies it; an erasure also scrubs the copy of what came before.
pub async fn receive(
    conn: &mut AsyncPgConnection,
    event: &IncomingEvent,
) -> Result<(), HandleError> {
    let decoded = projection::decode(&event.routing_key, &event.payload)?;
    let meta = projection::Meta::of(&decoded);
    let region = if meta.region.is_empty() {
        event.region.clone().unwrap_or_default()
    } else {
        meta.region.clone()
    };
    // Events without an occur time (none of the suite's) are placed at their arrival.
    let occur_time = meta.occur_time.unwrap_or_else(Utc::now);
    let mut payload = event.payload.clone();
    if let Some(participant) = meta.participant_id
        && copy::is_erased(conn, participant).await?
        && let Some(scrubbed) = projection::without_free_text(&decoded)
    {
        payload = scrubbed;
    }
    let stored = copy::insert(
        conn,
        &NewEvent {
            id: event.id,
            routing_key: &event.routing_key,
            region: &region,
            participant_id: meta.participant_id,
            payload: &payload,
            occur_time,
        },
    )
    .await?;
    if !stored {
        return Ok(());
    }
    if event.routing_key == ev::ParticipantErased::ROUTING_KEY
        && let Some(participant) = meta.participant_id
    {
        scrub(conn, participant).await?;
    }
    projection::apply(conn, &decoded, occur_time).await
}

/// A batch as `receive` would store and apply it event by event, with one statement
/// per table: the erasure check, the copy, and the read models of the frequent kinds
/// (the others, rare, are applied one by one in the same transaction).
pub async fn receive_batch(
    conn: &mut AsyncPgConnection,
    events: &[&IncomingEvent],
) -> Result<(), BatchError> {
    // An erasure changes how the events after it are stored: such a batch (rare) goes
    // event by event.
    if events
        .iter()
        .any(|e| e.routing_key == ev::ParticipantErased::ROUTING_KEY)
    {
        for (index, event) in events.iter().enumerate() {
            receive(conn, event)
                .await
                .map_err(|error| BatchError::at(index, error))?;
        }
        return Ok(());
    }
    let decoded = events
        .iter()
        .enumerate()
        .map(|(index, e)| {
            projection::decode(&e.routing_key, &e.payload)
                .map_err(|error| BatchError::at(index, error))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metas: Vec<projection::Meta> = decoded.iter().map(projection::Meta::of).collect();
    let participants: Vec<Uuid> = metas.iter().filter_map(|m| m.participant_id).collect();
    let erased = copy::erased_among(conn, &participants).await?;
    let arrival = Utc::now();
    let occur: Vec<_> = metas
        .iter()
        .map(|m| m.occur_time.unwrap_or(arrival))
        .collect();
    let payloads: Vec<Cow<'_, [u8]>> = decoded
        .iter()
        .zip(&metas)
        .zip(events)
        .map(|((d, m), e)| {
            match m
                .participant_id
                .filter(|p| erased.contains(p))
                .and_then(|_| projection::without_free_text(d))
            {
                Some(scrubbed) => Cow::Owned(scrubbed),
                None => Cow::Borrowed(e.payload.as_slice()),
            }
        })
        .collect();
    let copies: Vec<NewEvent<'_>> = events
        .iter()
        .enumerate()
        .map(|(i, e)| NewEvent {
            id: e.id,
            routing_key: &e.routing_key,
            region: if metas[i].region.is_empty() {
                e.region.as_deref().unwrap_or_default()
            } else {
                &metas[i].region
            },
            participant_id: metas[i].participant_id,
            payload: &payloads[i],
            occur_time: occur[i],
        })
        .collect();
    let stored = copy::insert_many(conn, &copies).await?;
    let mut rows = Rows::default();
    let mut alone = Vec::new();
    for (index, event) in decoded.iter().enumerate() {
        if !stored.contains(&events[index].id) {
            continue;
        }
        let collected = projection::collect(&mut rows, event, occur[index])
            .map_err(|error| BatchError::at(index, error))?;
        if !collected {
            alone.push(index);
        }
    }
    rows.write(conn).await?;
    for index in alone {
        projection::apply(conn, &decoded[index], occur[index])
            .await
            .map_err(|error| BatchError::at(index, error))?;
    }
    Ok(())
}

/// Re-encodes the participant's stored events without their free text.
pub async fn scrub(conn: &mut AsyncPgConnection, participant: Uuid) -> Result<usize, HandleError> {
    let mut changed = 0;
    for stored in
        copy::of_participant(conn, participant, ev::LearningNeedsRecorded::ROUTING_KEY).await?
    {
        let decoded = projection::decode(&stored.routing_key, &stored.payload)?;
        if let Some(scrubbed) = projection::without_free_text(&decoded)
            && scrubbed != stored.payload
        {
            copy::replace_payload(conn, stored.event_id, &scrubbed).await?;
            changed += 1;
        }
    }
    Ok(changed)
}
