//! E-mail notices (docs/notices.md): intake holds names and addresses, so it composes and
//! sends what the community's events (and intake's own credentials) mean for a person. A
//! reaction writes the composed message to the `notices` outbox (one per source, recipient
//! and kind: a redelivered or re-published event makes no second notice); `mail` delivers
//! due notices over SMTP or to a folder; `reminders` queues a reminder before a booked
//! workshop starts. Trajectories' coach assignments are told to the company's HR contact
//! (business contact data kept on the organisation).
pub mod ics;
pub mod mail;
pub mod reminders;
pub mod texts;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use llo_chassis::{Settings, bus::HandleError, packs::Packs};
use llo_proto::{
    common::v1::{WorkshopAttendance, WorkshopRegistrationStatus as Status},
    events::v1 as events,
};
use uuid::Uuid;

use crate::store::{
    notices::{self, NewNotice, RegistrationRow, WorkshopRow},
    organisations, participants,
};

use self::texts::{Kind, Templates};

/// What composing needs: the sender address (the invitation's organiser), the texts and
/// the region packs (a region's name).
#[derive(Debug, Clone)]
pub struct Notifier {
    from_address: String,
    templates: Arc<Templates>,
    packs: Packs,
}

/// One notice to queue: what it is about and the values its text needs besides the
/// person's name and the workshop.
#[derive(Debug, Default)]
pub struct About<'a> {
    pub kind: Kind,
    /// With `participant_id` and `kind`, what makes the notice once.
    pub source_key: String,
    pub participant_id: Uuid,
    pub region: &'a str,
    pub workshop: Option<&'a WorkshopRow>,
    /// The invitation's `UID` is the registration's.
    pub registration_id: Option<Uuid>,
    pub position: i32,
    pub reason: &'a str,
    /// A credential's name and link.
    pub credential: &'a str,
    pub link: &'a str,
}

impl Notifier {
    /// `None` when notices go nowhere (neither `notices.smtp_host` nor `notices.mail_dir`);
    /// an error when a region's template in `notices.templates_dir` does not read.
    pub fn from_settings(settings: &Settings, packs: &Packs) -> anyhow::Result<Option<Notifier>> {
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
            packs: packs.clone(),
        }))
    }

    /// A workshop scheduled or changed: its title, times, place and region kept. A changed
    /// time or place tells each person still booked, with the invitation updated (a higher
    /// `SEQUENCE`).
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
        let before = notices::workshop(conn, workshop_id).await?;
        let unchanged = before.as_ref().is_some_and(|w| {
            w.start_time == start
                && w.end_time == end
                && w.title == event.workshop_title
                && w.location == event.location
                && w.online_url == event.online_url
        });
        if unchanged {
            return Ok(());
        }
        let workshop = notices::upsert_workshop(
            conn,
            &WorkshopRow {
                workshop_id,
                region: event.region,
                title: event.workshop_title,
                start_time: start,
                end_time: end,
                sequence: 0,
                location: event.location,
                online_url: event.online_url,
            },
        )
        .await?;
        let moved = before.is_some_and(|w| {
            w.start_time != start
                || w.end_time != end
                || w.location != workshop.location
                || w.online_url != workshop.online_url
        });
        if !moved {
            return Ok(());
        }
        for registration in notices::booked_registrations(conn, workshop_id).await? {
            self.queue(
                conn,
                About {
                    kind: Kind::Changed,
                    source_key: format!(
                        "registration:{}:sequence:{}",
                        registration.registration_id, workshop.sequence
                    ),
                    participant_id: registration.participant_id,
                    region: &registration.region,
                    workshop: Some(&workshop),
                    registration_id: Some(registration.registration_id),
                    ..About::default()
                },
            )
            .await?;
        }
        Ok(())
    }

    /// A registration booked, wait-listed, promoted or cancelled: its person told, and the
    /// registration kept for its reminder.
    pub async fn registration_changed(
        &self,
        conn: &mut AsyncPgConnection,
        event: events::WorkshopRegistrationChanged,
    ) -> Result<(), HandleError> {
        let from = Status::try_from(event.from_status).unwrap_or(Status::Unspecified);
        let to = Status::try_from(event.to_status).unwrap_or(Status::Unspecified);
        let registration_id = id("registration_id", &event.registration_id)?;
        let participant_id = id("participant_id", &event.participant_id)?;
        let workshop_id = id("workshop_id", &event.workshop_id)?;
        if participants::find_for_update(conn, participant_id)
            .await?
            .is_none()
        {
            tracing::warn!(%participant_id, "a registration of a participant intake does not know: no notice");
            return Ok(());
        }
        let status = match to {
            Status::Booked => "booked",
            Status::WaitListed => "wait_listed",
            Status::Cancelled => "cancelled",
            _ => "attended",
        };
        notices::record_registration(
            conn,
            &RegistrationRow {
                registration_id,
                workshop_id,
                participant_id,
                region: event.region.clone(),
                status: status.into(),
                booked_at: (to == Status::Booked)
                    .then(|| time(event.occur_time).unwrap_or_else(Utc::now)),
                reminded_at: None,
            },
        )
        .await?;
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
            // Attendance (its own event asks for feedback), or nothing to tell.
            _ => return Ok(()),
        };
        let workshop = notices::workshop(conn, workshop_id).await?;
        // A registration is booked once, wait-listed at one position, cancelled once.
        let source_key = match kind {
            Kind::WaitListed => format!(
                "registration:{registration_id}:wait_listed:{}",
                event.wait_list_position
            ),
            _ => format!("registration:{registration_id}"),
        };
        self.queue(
            conn,
            About {
                kind,
                source_key,
                participant_id,
                region: &event.region,
                workshop: workshop.as_ref(),
                registration_id: Some(registration_id),
                position: event.wait_list_position,
                reason: &event.cancel_reason,
                ..About::default()
            },
        )
        .await?;
        Ok(())
    }

    /// Attended (fully or partly): asked how it was, once per registration. A no-show is
    /// not asked.
    pub async fn workshop_attended(
        &self,
        conn: &mut AsyncPgConnection,
        event: events::WorkshopAttended,
    ) -> Result<(), HandleError> {
        let attendance = WorkshopAttendance::try_from(event.attendance)
            .unwrap_or(WorkshopAttendance::Unspecified);
        if !matches!(
            attendance,
            WorkshopAttendance::FullyAttended | WorkshopAttendance::PartiallyAttended
        ) {
            return Ok(());
        }
        let registration_id = id("registration_id", &event.registration_id)?;
        let participant_id = id("participant_id", &event.participant_id)?;
        let workshop_id = id("workshop_id", &event.workshop_id)?;
        // The event carries what the notice says, should intake not have the workshop.
        let workshop = match notices::workshop(conn, workshop_id).await? {
            Some(workshop) => Some(workshop),
            None => time(event.workshop_start_time)
                .zip(time(event.workshop_end_time))
                .map(|(start_time, end_time)| WorkshopRow {
                    workshop_id,
                    region: event.region.clone(),
                    title: event.workshop_title.clone(),
                    start_time,
                    end_time,
                    sequence: 0,
                    location: String::new(),
                    online_url: String::new(),
                }),
        };
        self.queue(
            conn,
            About {
                kind: Kind::Feedback,
                source_key: format!("registration:{registration_id}"),
                participant_id,
                region: &event.region,
                workshop: workshop.as_ref(),
                registration_id: Some(registration_id),
                ..About::default()
            },
        )
        .await?;
        Ok(())
    }

    /// Composes the notice for its person and queues it, unless the person is erased, has
    /// not given consent, or has no address; false when nothing was queued (also when the
    /// same notice was queued before).
    pub async fn queue(
        &self,
        conn: &mut AsyncPgConnection,
        about: About<'_>,
    ) -> Result<bool, HandleError> {
        let participant_id = about.participant_id;
        // Locked: an erasure waits for the notice, or the notice sees the erasure.
        let Some(participant) = participants::find_for_update(conn, participant_id).await? else {
            tracing::warn!(%participant_id, "a notice for a participant intake does not know: none");
            return Ok(false);
        };
        let Some(email) = participant.email.as_deref().filter(|e| {
            participant.erased_at.is_none() && participant.consent_given && !e.trim().is_empty()
        }) else {
            return Ok(false);
        };
        let name = [&participant.given_name, &participant.family_name]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let name = if name.is_empty() { "deelnemer" } else { &name };
        // The region's name from its pack ("Achterhoek"), not its slug.
        let region_name = self
            .packs
            .region(about.region)
            .map_or(about.region, |pack| pack.name.as_str());
        let workshop = about.workshop;
        let title = workshop.map_or("de workshop", |w| w.title.as_str());
        let when = workshop.map_or_else(
            || "zie de uitnodiging van je werkgever".to_owned(),
            |w| texts::when(w.start_time, w.end_time),
        );
        // Where: the venue, else the online link, else the region.
        let place = workshop
            .map(|w| [w.location.trim(), w.online_url.trim()])
            .and_then(|places| places.into_iter().find(|p| !p.is_empty()))
            .unwrap_or(region_name);
        let position = about.position.to_string();
        let reason = match about.reason.trim() {
            "" => "niet opgegeven",
            reason => reason,
        };
        let composed = self.templates.compose(
            about.region,
            about.kind,
            &[
                ("naam", name),
                ("workshop", title),
                ("wanneer", &when),
                ("regio", region_name),
                ("waar", place),
                ("positie", &position),
                ("reden", reason),
                ("bewijs", about.credential),
                ("link", about.link),
                ("coach", ""),
                ("bedrijf", ""),
            ],
        )?;
        let now = Utc::now();
        let method = match about.kind {
            Kind::Booked | Kind::Promoted | Kind::Changed => Some(ics::Method::Request),
            Kind::Cancelled | Kind::WorkshopCancelled => Some(ics::Method::Cancel),
            Kind::WaitListed
            | Kind::Reminder
            | Kind::Feedback
            | Kind::CredentialIssued
            | Kind::CoachAssigned => None,
        };
        let ics = method.zip(workshop).zip(about.registration_id).map(
            |((method, w), registration_id)| {
                let uid = format!("{registration_id}@llo");
                ics::calendar(
                    method,
                    &ics::Event {
                        uid: &uid,
                        // A cancellation outranks the invitation it withdraws.
                        sequence: w.sequence + i32::from(method == ics::Method::Cancel),
                        summary: &w.title,
                        location: place,
                        start: w.start_time,
                        end: w.end_time,
                        organizer: &self.from_address,
                        attendee: email,
                        stamp: now,
                    },
                )
            },
        );
        insert(
            conn,
            &NewNotice {
                id: Uuid::now_v7(),
                source_key: &about.source_key,
                participant_id: Some(participant_id),
                organisation_id: None,
                kind: about.kind.as_str(),
                recipient: email,
                subject: &composed.subject,
                body_text: &composed.text,
                body_html: &composed.html,
                ics: ics.as_deref(),
                next_attempt_at: now,
                created_at: now,
            },
        )
        .await
    }

    /// A coach assigned to a company's trajectory: its HR contact told who, once per
    /// assignment; nothing when the company has no HR contact.
    pub async fn coach_assigned(
        &self,
        conn: &mut AsyncPgConnection,
        event: events::CoachAssigned,
    ) -> Result<(), HandleError> {
        let trajectory_id = id("trajectory_id", &event.trajectory_id)?;
        let organisation_id = id("organisation_id", &event.organisation_id)?;
        let Some(organisation) = organisations::find(conn, organisation_id).await? else {
            tracing::warn!(%organisation_id, "a coach for an organisation intake does not know: no notice");
            return Ok(());
        };
        let Some(email) = organisation
            .hr_contact_email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
        else {
            return Ok(());
        };
        let name = organisation
            .hr_contact_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or("contactpersoon");
        // Older events carry only the coach's id.
        let coach = match (
            event.coach_name.trim(),
            event.coach_organisation_name.trim(),
        ) {
            ("", _) => event.coach_id.trim().to_owned(),
            (coach, "") => coach.to_owned(),
            (coach, of) => format!("{coach} ({of})"),
        };
        let region = organisation.region.as_str();
        let region_name = self
            .packs
            .region(region)
            .map_or(region, |pack| pack.name.as_str());
        let composed = self.templates.compose(
            region,
            Kind::CoachAssigned,
            &[
                ("naam", name),
                ("coach", &coach),
                ("bedrijf", &organisation.name),
                ("regio", region_name),
                ("workshop", ""),
                ("wanneer", ""),
                ("waar", ""),
                ("positie", ""),
                ("reden", ""),
                ("bewijs", ""),
                ("link", ""),
            ],
        )?;
        // Once per assignment: a redelivery or a second publication of it adds nothing, a
        // later assignment (another coach, or the same one again) is told.
        let assigned_at = time(event.occur_time).map_or_else(String::new, |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
        });
        let source_key = format!(
            "trajectory:{trajectory_id}:coach:{}:{assigned_at}",
            event.coach_id
        );
        let now = Utc::now();
        insert(
            conn,
            &NewNotice {
                id: Uuid::now_v7(),
                source_key: &source_key,
                participant_id: None,
                organisation_id: Some(organisation_id),
                kind: Kind::CoachAssigned.as_str(),
                recipient: email,
                subject: &composed.subject,
                body_text: &composed.text,
                body_html: &composed.html,
                ics: None,
                next_attempt_at: now,
                created_at: now,
            },
        )
        .await?;
        Ok(())
    }
}

/// Queues the notice; false when the same one was queued before.
async fn insert(conn: &mut AsyncPgConnection, notice: &NewNotice<'_>) -> Result<bool, HandleError> {
    let queued = notices::insert(conn, notice).await?;
    if queued {
        tracing::info!(
            source = notice.source_key,
            kind = notice.kind,
            "notice queued"
        );
    }
    Ok(queued)
}

fn time(at: Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    at.and_then(|t| DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.max(0) as u32))
}

fn id(field: &str, value: &str) -> Result<Uuid, HandleError> {
    Uuid::parse_str(value)
        .map_err(|_| HandleError::Malformed(format!("{field} is not a UUID: {value:?}")))
}
