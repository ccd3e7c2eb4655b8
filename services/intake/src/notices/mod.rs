//! E-mail notices (docs/notices.md): intake holds names and addresses, so it composes and
//! sends what the community's events mean for a person. A reaction writes the composed
//! message to the `notices` outbox (one per source, recipient and kind: a redelivered or
//! re-published event makes no second notice); `send` delivers due notices over SMTP or to
//! a folder, retrying with back-off, and gives one up as `failed` after
//! `notices.max_attempts`.
pub mod ics;
pub mod mail;
pub mod texts;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use llo_chassis::{Settings, bus::HandleError};
use llo_proto::{common::v1::WorkshopRegistrationStatus as Status, events::v1 as events};
use uuid::Uuid;

use crate::store::{
    notices::{self, NewNotice, WorkshopRow},
    participants,
};

use self::texts::{Kind, Templates};

/// What composing needs: the sender address (the invitation's organiser) and the texts.
#[derive(Debug, Clone)]
pub struct Notifier {
    from_address: String,
    templates: Arc<Templates>,
}

impl Notifier {
    /// `None` when notices go nowhere (neither `notices.smtp_host` nor `notices.mail_dir`);
    /// an error when a region's template in `notices.templates_dir` does not read.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Notifier>> {
        let notices = &settings.notices;
        if notices.smtp_host.is_none() && notices.mail_dir.is_none() {
            return Ok(None);
        }
        let templates = Arc::new(Templates::load(notices.templates_dir.as_deref())?);
        let from = notices.from.trim();
        let from_address = match (from.rfind('<'), from.rfind('>')) {
            (Some(open), Some(close)) if open < close => from[open + 1..close].to_owned(),
            _ => from.to_owned(),
        };
        Ok(Some(Notifier {
            from_address,
            templates,
        }))
    }

    /// A workshop scheduled or changed: its title, times and region kept.
    pub async fn workshop_scheduled(
        &self,
        conn: &mut AsyncPgConnection,
        event: events::WorkshopScheduled,
    ) -> Result<(), HandleError> {
        let workshop_id = id("workshop_id", &event.workshop_id)?;
        let (Some(start), Some(end)) = (time(event.start_time), time(event.end_time)) else {
            return Err(HandleError::Malformed(
                "a scheduled workshop without its start or end".into(),
            ));
        };
        notices::upsert_workshop(
            conn,
            &WorkshopRow {
                workshop_id,
                region: event.region,
                title: event.workshop_title,
                start_time: start,
                end_time: end,
                sequence: 0,
            },
        )
        .await?;
        Ok(())
    }

    /// A registration booked, wait-listed, promoted or cancelled: its person told.
    pub async fn registration_changed(
        &self,
        conn: &mut AsyncPgConnection,
        event: events::WorkshopRegistrationChanged,
    ) -> Result<(), HandleError> {
        let from = Status::try_from(event.from_status).unwrap_or(Status::Unspecified);
        let to = Status::try_from(event.to_status).unwrap_or(Status::Unspecified);
        let kind = match (from, to) {
            (Status::WaitListed, Status::Booked) => Kind::Promoted,
            (_, Status::Booked) if from != Status::Booked => Kind::Booked,
            (_, Status::WaitListed) if from != Status::WaitListed => Kind::WaitListed,
            (Status::Booked | Status::WaitListed, Status::Cancelled)
                if event.workshop_cancelled =>
            {
                Kind::WorkshopCancelled
            }
            (Status::Booked | Status::WaitListed, Status::Cancelled) => Kind::Cancelled,
            // Attendance, or nothing a person needs to hear of.
            _ => return Ok(()),
        };
        let registration_id = id("registration_id", &event.registration_id)?;
        let participant_id = id("participant_id", &event.participant_id)?;
        let workshop_id = id("workshop_id", &event.workshop_id)?;
        // Locked: an erasure waits for the notice, or the notice sees the erasure.
        let Some(participant) = participants::find_for_update(conn, participant_id).await? else {
            tracing::warn!(%participant_id, "a registration of a participant intake does not know: no notice");
            return Ok(());
        };
        // Erased, without consent, or without an address: nothing is sent.
        let Some(email) = participant.email.as_deref().filter(|e| {
            participant.erased_at.is_none() && participant.consent_given && !e.trim().is_empty()
        }) else {
            return Ok(());
        };
        let workshop = notices::workshop(conn, workshop_id).await?;
        let name = [&participant.given_name, &participant.family_name]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let name = if name.is_empty() { "deelnemer" } else { &name };
        let title = workshop
            .as_ref()
            .map_or("de workshop", |w| w.title.as_str());
        let when = workshop.as_ref().map_or_else(
            || "zie de uitnodiging van je werkgever".to_owned(),
            |w| texts::when(w.start_time, w.end_time),
        );
        let position = event.wait_list_position.to_string();
        let reason = match event.cancel_reason.trim() {
            "" => "niet opgegeven",
            reason => reason,
        };
        let composed = self.templates.compose(
            &event.region,
            kind,
            &[
                ("naam", name),
                ("workshop", title),
                ("wanneer", &when),
                ("regio", &event.region),
                ("positie", &position),
                ("reden", reason),
            ],
        )?;
        let now = Utc::now();
        let method = match kind {
            Kind::Booked | Kind::Promoted => Some(ics::Method::Request),
            Kind::Cancelled | Kind::WorkshopCancelled => Some(ics::Method::Cancel),
            Kind::WaitListed => None,
        };
        let ics = method.zip(workshop.as_ref()).map(|(method, w)| {
            let uid = format!("{registration_id}@llo");
            ics::calendar(
                method,
                &ics::Event {
                    uid: &uid,
                    // A cancellation outranks the invitation it withdraws.
                    sequence: w.sequence + i32::from(method == ics::Method::Cancel),
                    summary: &w.title,
                    location: &w.region,
                    start: w.start_time,
                    end: w.end_time,
                    organizer: &self.from_address,
                    attendee: email,
                    stamp: now,
                },
            )
        });
        // A registration is booked once, wait-listed at one position, cancelled once.
        let source_key = match kind {
            Kind::WaitListed => format!("registration:{registration_id}:wait_listed:{position}"),
            _ => format!("registration:{registration_id}"),
        };
        let queued = notices::insert(
            conn,
            &NewNotice {
                id: Uuid::now_v7(),
                source_key: &source_key,
                participant_id,
                kind: kind.as_str(),
                recipient: email,
                subject: &composed.subject,
                body_text: &composed.text,
                body_html: &composed.html,
                ics: ics.as_deref(),
                next_attempt_at: now,
                created_at: now,
            },
        )
        .await?;
        if queued {
            tracing::info!(%registration_id, kind = kind.as_str(), "notice queued");
        }
        Ok(())
    }
}

fn time(at: Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    at.and_then(|t| DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.max(0) as u32))
}

fn id(field: &str, value: &str) -> Result<Uuid, HandleError> {
    Uuid::parse_str(value)
        .map_err(|_| HandleError::Malformed(format!("{field} is not a UUID: {value:?}")))
}
