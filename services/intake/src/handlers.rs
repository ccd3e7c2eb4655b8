//! Intake's reactions to events: a completed learning activity with a credential becomes
//! an Open Badges 3.0 credential (its person told, with the link); a workshop's schedule,
//! a registration's change and an attendance become e-mail notices (`crate::notices`), and
//! a coach assigned to a company's trajectory a notice to its HR contact. Runs in the consumer's transaction with the inbox row
//! (a redelivered event is applied once), and is idempotent by activity id besides (an
//! event published twice under two ids issues one credential).
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use llo_chassis::{
    Settings,
    bus::{HandleError, Subscriptions},
    packs::Packs,
};
use llo_proto::events::v1 as events;
use uuid::Uuid;

use crate::{
    credentials::{Issuer, model, sign, status},
    notices::{About, Notifier, texts::Kind},
    store::{
        credentials::{self, NewCredential},
        organisations, participants,
    },
};

pub struct Reactions {
    issuer: Option<Arc<Issuer>>,
    notifier: Option<Notifier>,
    packs: Packs,
}

/// What intake reacts to: completions, when it has keys to sign with
/// (`credentials.keys_dir`); workshops, registrations and coach assignments, when notices go somewhere
/// (`notices.smtp_host` or `notices.mail_dir`). Neither: its queue binds nothing.
pub fn subscriptions(
    settings: &Settings,
    packs: &Packs,
) -> anyhow::Result<Arc<dyn llo_chassis::bus::EventHandler>> {
    let issuer = Issuer::from_settings(settings)?;
    let notifier = Notifier::from_settings(settings, packs)?;
    let (credentials, notices) = (issuer.is_some(), notifier.is_some());
    let mut subscriptions = Subscriptions::new(Reactions {
        issuer,
        notifier,
        packs: packs.clone(),
    });
    if credentials {
        subscriptions =
            subscriptions.on::<events::LearningActivityCompleted>(|reactions, conn, event| {
                Box::pin(reactions.activity_completed(conn, event))
            });
    }
    if notices {
        subscriptions = subscriptions
            .on::<events::WorkshopScheduled>(|reactions, conn, event| {
                Box::pin(async move {
                    match &reactions.notifier {
                        Some(notifier) => notifier.workshop_scheduled(conn, event).await,
                        None => Ok(()),
                    }
                })
            })
            .on::<events::WorkshopRegistrationChanged>(|reactions, conn, event| {
                Box::pin(async move {
                    match &reactions.notifier {
                        Some(notifier) => notifier.registration_changed(conn, event).await,
                        None => Ok(()),
                    }
                })
            })
            .on::<events::WorkshopAttended>(|reactions, conn, event| {
                Box::pin(async move {
                    match &reactions.notifier {
                        Some(notifier) => notifier.workshop_attended(conn, event).await,
                        None => Ok(()),
                    }
                })
            })
            .on::<events::CoachAssigned>(|reactions, conn, event| {
                Box::pin(async move {
                    match &reactions.notifier {
                        Some(notifier) => notifier.coach_assigned(conn, event).await,
                        None => Ok(()),
                    }
                })
            });
    }
    Ok(Arc::new(subscriptions))
}

impl Reactions {
    async fn activity_completed(
        &self,
        conn: &mut AsyncPgConnection,
        event: events::LearningActivityCompleted,
    ) -> Result<(), HandleError> {
        let Some(issuer) = &self.issuer else {
            return Ok(());
        };
        if !event.credential_awarded {
            return Ok(());
        }
        let activity_id = id("activity_id", &event.activity_id)?;
        let participant_id = id("participant_id", &event.participant_id)?;
        if credentials::issued_for(conn, activity_id).await? {
            return Ok(());
        }
        // Locked: an erasure waits for the issue, or the issue sees the erasure.
        let Some(participant) = participants::find_for_update(conn, participant_id).await? else {
            tracing::warn!(%participant_id, "a completion for a participant intake does not know: no credential");
            return Ok(());
        };
        let Some(email) = participant
            .email
            .as_deref()
            .filter(|_| participant.erased_at.is_none())
        else {
            // Erased: the issuer no longer knows whom to name.
            return Ok(());
        };
        let Some(organisation) = organisations::find(conn, participant.organisation_id).await?
        else {
            return Err(
                anyhow::anyhow!("participant {participant_id} without its organisation").into(),
            );
        };
        let region = organisation.region.as_str();
        // Retried, then dead-lettered: an operator adds the key and re-drives.
        let (key, kid) = issuer.signing(region).ok_or_else(|| {
            HandleError::Retry(anyhow::anyhow!(
                "no credential signing key for region {region} in credentials.keys_dir"
            ))
        })?;
        let programme = self
            .packs
            .region(region)
            .map_or_else(|| region.to_owned(), |pack| pack.programme.clone());
        let completed_at = event
            .occur_time
            .and_then(|t| DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.max(0) as u32))
            .unwrap_or_else(Utc::now);
        // Older events carry no name or title: the activity's kind names it then.
        let achievement_name = [&event.credential_name, &event.title, &event.kind]
            .into_iter()
            .find(|n| !n.trim().is_empty())
            .map_or("Leeractiviteit", |n| n.trim());
        let title = if event.title.is_empty() {
            achievement_name
        } else {
            &event.title
        };
        let credential_id = Uuid::now_v7();
        let status_index = status_index(conn, region).await?;
        let salt = model::new_salt();
        let credential = model::credential(
            &issuer.urls,
            &model::Award {
                credential_id,
                activity_id,
                region,
                programme: &programme,
                email,
                salt: &salt,
                achievement_name,
                title,
                provider: &event.provider,
                awarded_by: &event.credential_issuer,
                credential_url: &event.credential_url,
                esco_skill_uris: &event.esco_skill_uris,
                hours: event.actual_hours,
                completed_at,
                status_index,
            },
        );
        let jwt = sign::sign(&credential, &key, &kid)?;
        credentials::insert(
            conn,
            &NewCredential {
                id: credential_id,
                participant_id: Some(participant_id),
                organisation_id: organisation.id,
                region,
                activity_id,
                achievement_name,
                jwt: Some(&jwt),
                key_id: &kid,
                status_index,
                issue_time: Utc::now(),
            },
        )
        .await?;
        tracing::info!(%credential_id, %activity_id, region, "credential issued");
        if let Some(notifier) = &self.notifier {
            notifier
                .queue(
                    conn,
                    About {
                        kind: Kind::CredentialIssued,
                        source_key: format!("credential:{credential_id}"),
                        participant_id,
                        region,
                        credential: achievement_name,
                        link: &issuer.urls.credential(credential_id),
                        ..About::default()
                    },
                )
                .await?;
        }
        Ok(())
    }
}

/// A free index of the region's status list, chosen at random (the region's row is locked
/// meanwhile, see `count_issue`).
async fn status_index(conn: &mut AsyncPgConnection, region: &str) -> Result<i32, HandleError> {
    let capacity = status::capacity(credentials::count_issue(conn, region).await?);
    for _ in 0..32 {
        let index = status::random_index(capacity);
        if !credentials::index_taken(conn, region, index).await? {
            return Ok(index);
        }
    }
    Ok(credentials::index_after_highest(conn, region).await?)
}

fn id(field: &str, value: &str) -> Result<Uuid, HandleError> {
    Uuid::parse_str(value)
        .map_err(|_| HandleError::Malformed(format!("{field} is not a UUID: {value:?}")))
}
