//! Community's reactions to intake's events. Each runs inside the consumer's
//! transaction, together with the inbox row, so it is applied exactly once.
use diesel_async::AsyncPgConnection;
use llo_chassis::{
    bus::{
        HandleError, Subscriptions,
        erasure::{ErasedParticipant, event_id},
        record,
    },
    idempotency,
    packs::Packs,
};
use llo_proto::events::v1 as events;

use crate::{
    api::registrations::cancel_and_promote,
    domain::model::MemberType,
    events as out,
    store::{
        members::{self, NewMember},
        registrations, workshops,
    },
};

/// The reaction state (nothing yet; the packs are at hand for later reactions).
pub struct Reactions {
    pub packs: Packs,
}

/// Everything community reacts to, one line per event type: its queue's bindings.
pub fn subscriptions(packs: &Packs) -> Subscriptions<Reactions> {
    Subscriptions::new(Reactions {
        packs: packs.clone(),
    })
    .on::<events::OrganisationRegistered>(|_, conn, event| {
        Box::pin(organisation_registered(conn, event))
    })
    .on_many::<events::ParticipantEnrolled>(|_, conn, events| {
        Box::pin(participants_enrolled(conn, events))
    })
    .on::<events::ParticipantErased>(|_, conn, event| Box::pin(participant_erased(conn, event)))
}

/// Every registered organisation is a company member (its member id is its
/// organisation id); announced once with MemberJoined.
async fn organisation_registered(
    conn: &mut AsyncPgConnection,
    event: events::OrganisationRegistered,
) -> Result<(), HandleError> {
    let id = event_id("organisation_id", &event.organisation_id)?;
    let new = NewMember {
        id,
        region: &event.region,
        member_type: MemberType::Company.as_str(),
        name: &event.organisation_name,
        organisation_id: Some(id),
        sector: Some(&event.sector),
        contact_role: None,
    };
    if let Some(row) = members::insert(conn, &new).await? {
        record(conn, &out::member_joined(&row)).await?;
    }
    Ok(())
}

/// A participant community may register for workshops: id, company, region only.
async fn participants_enrolled(
    conn: &mut AsyncPgConnection,
    events: Vec<events::ParticipantEnrolled>,
) -> Result<(), HandleError> {
    let mut enrolled = Vec::with_capacity(events.len());
    for event in &events {
        enrolled.push((
            event_id("participant_id", &event.participant_id)?,
            event_id("organisation_id", &event.organisation_id)?,
            event.region.as_str(),
        ));
    }
    members::upsert_participants(conn, &enrolled).await?;
    Ok(())
}

/// Erasure: open registrations are cancelled (their seats go to the wait list as any
/// cancellation's do), then every registration loses its link to the person and their
/// feedback its comment (statuses, hours and ratings stay, so the figures add up), and
/// the stored answers of calls about them are forgotten. A tombstone stays, so a late
/// enrolment cannot bring them back.
async fn participant_erased(
    conn: &mut AsyncPgConnection,
    event: events::ParticipantErased,
) -> Result<(), HandleError> {
    let erased = ErasedParticipant::try_from(event)?;
    members::erase_participant(
        conn,
        erased.participant_id,
        erased.organisation_id,
        &erased.region,
    )
    .await?;
    // The participant's row is locked now (the upsert above): no new registration
    // interleaves. Workshops are locked one at a time, as a cancellation does.
    for workshop_id in registrations::open_workshops_of(conn, erased.participant_id).await? {
        let Some(workshop) = workshops::find_for_update(conn, workshop_id).await? else {
            continue;
        };
        if let Some(registration) =
            registrations::live_of(conn, workshop_id, erased.participant_id).await?
            && registration.status.is_open()
        {
            cancel_and_promote(conn, &workshop, &registration, Some("participant erased"))
                .await
                .map_err(|error| HandleError::Retry(anyhow::anyhow!("{error}")))?;
        }
    }
    registrations::erase_participant(conn, erased.participant_id).await?;
    idempotency::forget_about(conn, erased.participant_id).await?;
    Ok(())
}
