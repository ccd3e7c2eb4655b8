//! Reminders: a person still booked is reminded `notices.reminder_hours` before the
//! workshop starts, once. A tick looks for due reminders in one short transaction (rows
//! locked with `SKIP LOCKED`, so replicas share them); `reminded_at` and the outbox's
//! unique key keep it to one across restarts. Booked inside the lead time: no reminder,
//! the booking's own notice has just said when.
use std::time::Duration;

use chrono::Utc;
use diesel_async::AsyncConnection as _;
use llo_chassis::{db::PgPool, settings::NoticesSettings};
use tokio_util::sync::CancellationToken;

use super::{About, Notifier, texts::Kind};
use crate::store::notices;

/// Queues due reminders until shut down.
pub async fn remind(
    pool: PgPool,
    notifier: Notifier,
    settings: NoticesSettings,
    shutdown: CancellationToken,
) {
    let poll = Duration::from_millis(settings.poll_ms.max(10));
    let lead = chrono::Duration::hours(settings.reminder_hours as i64);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(poll) => {}
        }
        if let Err(error) = tick(&pool, &notifier, lead).await {
            tracing::warn!(error = %format!("{error:#}"), "notices: cannot queue the due reminders");
        }
    }
}

/// One look: the due reminders queued; how many.
pub async fn tick(
    pool: &PgPool,
    notifier: &Notifier,
    lead: chrono::Duration,
) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        let now = Utc::now();
        let mut queued = 0;
        for (registration, workshop) in notices::due_reminders(conn, now, now + lead, 50).await? {
            let booked_inside_lead = registration
                .booked_at
                .is_some_and(|at| at > workshop.start_time - lead);
            if !booked_inside_lead {
                let about = About {
                    kind: Kind::Reminder,
                    source_key: format!("registration:{}", registration.registration_id),
                    participant_id: registration.participant_id,
                    region: &registration.region,
                    workshop: Some(&workshop),
                    registration_id: Some(registration.registration_id),
                    ..About::default()
                };
                if notifier
                    .queue(conn, about)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                {
                    queued += 1;
                }
            }
            notices::mark_reminded(conn, registration.registration_id, now).await?;
        }
        Ok(queued)
    })
    .await
}
