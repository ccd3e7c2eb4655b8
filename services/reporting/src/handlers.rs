//! Reporting consumes every integration event of the suite. It implements the
//! chassis' `EventHandler` itself (not `Subscriptions`) because it keeps the raw
//! envelope: each event is stored in reporting's own copy and applied to the read
//! models, in the consumer's transaction together with the inbox row, so it is
//! applied once; a redelivery of the same id is the inbox's duplicate.
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use llo_chassis::{
    bus::{EventHandler, HandleError, IncomingEvent},
    packs::Packs,
};
use llo_proto::{IntegrationEvent, events::v1 as ev};
use uuid::Uuid;

use crate::{
    projection,
    store::copy::{self, NewEvent},
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
