//! Delivery of queued notices: over SMTP (lettre, STARTTLS or TLS, authenticated when a
//! user is set) or as `.eml` files in `notices.mail_dir`. Every exchange has a deadline; a
//! failed one is tried again after a doubling delay, and given up as `failed` after
//! `notices.max_attempts` (an error in the log names it).
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use llo_chassis::{db::PgPool, settings::NoticesSettings};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::store::notices::{self, NoticeRow};

/// Where notices go.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    /// From `notices.*`; `None` when notices go nowhere.
    pub fn from_settings(settings: &NoticesSettings) -> anyhow::Result<Option<Transport>> {
        if let Some(host) = &settings.smtp_host {
            let timeout = Some(Duration::from_secs(settings.timeout_seconds.max(1)));
            let builder = match settings.smtp_tls.as_str() {
                "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
                "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
                "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                other => anyhow::bail!("notices.smtp_tls is {other:?}: starttls, tls or none"),
            }
            .port(settings.smtp_port)
            .timeout(timeout);
            let builder = match &settings.smtp_user {
                Some(user) => {
                    let password =
                        std::env::var(&settings.smtp_password_env).with_context(|| {
                            format!(
                                "notices.smtp_user is set, but the password variable {} is not",
                                settings.smtp_password_env
                            )
                        })?;
                    builder.credentials(Credentials::new(user.clone(), password))
                }
                None => builder,
            };
            return Ok(Some(Transport::Smtp(builder.build())));
        }
        if let Some(dir) = &settings.mail_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("notices.mail_dir {}", dir.display()))?;
            return Ok(Some(Transport::Dir(AsyncFileTransport::new(dir))));
        }
        Ok(None)
    }

    async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Dir(dir) => {
                dir.send(message).await?;
            }
        }
        Ok(())
    }
}

/// Sends due notices until shut down.
pub async fn send_due_notices(
    pool: PgPool,
    transport: Transport,
    settings: NoticesSettings,
    shutdown: CancellationToken,
) {
    let from: Mailbox = match settings.from.parse() {
        Ok(from) => from,
        Err(error) => {
            tracing::error!(%error, from = %settings.from, "notices.from is no address: no notices are sent");
            return;
        }
    };
    let poll = Duration::from_millis(settings.poll_ms.max(10));
    let deadline = Duration::from_secs(settings.timeout_seconds.max(1)) * 2;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(poll) => {}
        }
        if let Err(error) = send_batch(&pool, &transport, &settings, &from, deadline).await {
            tracing::warn!(error = %format!("{error:#}"), "notices: cannot send the due ones");
        }
    }
}

/// How many notices one sender claims at a time: their lease covers sending them all.
const BATCH: usize = 10;

/// One batch of due notices: claimed in one short statement, sent with no transaction
/// open, each outcome recorded in its own short statement. The lease outlasts the sends
/// (each has `deadline`), so no other sender takes a notice while this one is sending it;
/// only a sender that dies between sending and recording sends that notice again.
async fn send_batch(
    pool: &PgPool,
    transport: &Transport,
    settings: &NoticesSettings,
    from: &Mailbox,
    deadline: Duration,
) -> anyhow::Result<()> {
    let token = Uuid::now_v7();
    let lease = deadline * BATCH as u32 + Duration::from_secs(30);
    let claimed = {
        let mut conn = pool.get().await?;
        let now = Utc::now();
        notices::claim(
            &mut conn,
            now,
            BATCH as i64,
            now + chrono::Duration::from_std(lease)?,
            token,
        )
        .await?
    };
    for notice in claimed {
        let outcome = match message(from, &notice) {
            Ok(message) => match tokio::time::timeout(deadline, transport.send(message)).await {
                Ok(result) => result,
                Err(_) => Err(anyhow::anyhow!("no answer within {deadline:?}")),
            },
            Err(error) => Err(error),
        };
        let mut conn = pool.get().await?;
        match outcome {
            Ok(()) => {
                if notices::mark_sent(&mut conn, notice.id, token, Utc::now()).await? {
                    count("sent");
                    tracing::info!(notice_id = %notice.id, "notice sent");
                } else {
                    tracing::warn!(notice_id = %notice.id, "notice sent after its claim lapsed or its person was erased");
                }
            }
            Err(error) => {
                let error = format!("{error:#}");
                let attempts = notice.attempts + 1;
                let retry_at = (attempts < settings.max_attempts as i32).then(|| {
                    let delay = settings
                        .retry_base_seconds
                        .saturating_mul(1 << (attempts - 1).clamp(0, 16))
                        .min(3600);
                    Utc::now() + chrono::Duration::seconds(delay as i64)
                });
                notices::mark_attempt_failed(&mut conn, notice.id, token, &error, retry_at).await?;
                if retry_at.is_some() {
                    count("retried");
                    tracing::warn!(notice_id = %notice.id, attempts, %error, "notice not sent; tried again later");
                } else {
                    count("failed");
                    tracing::error!(notice_id = %notice.id, attempts, %error, "notice given up: failed");
                }
            }
        }
    }
    Ok(())
}

/// `llo.notices{outcome}`: what operators alert on (`failed`).
fn count(outcome: &'static str) {
    llo_chassis::telemetry::metrics()
        .notices
        .add(1, &[opentelemetry::KeyValue::new("outcome", outcome)]);
}

/// The e-mail: text and HTML alternatives, with the invitation attached when there is one.
fn message(from: &Mailbox, notice: &NoticeRow) -> anyhow::Result<Message> {
    let to: Mailbox = notice
        .recipient
        .parse()
        .with_context(|| format!("recipient {:?}", notice.recipient))?;
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(notice.body_text.clone()))
        .singlepart(SinglePart::html(notice.body_html.clone()));
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(notice.subject.clone())
        .message_id(Some(format!("<{}@llo>", notice.id)));
    let message = match &notice.ics {
        Some(ics) => {
            let method = if ics.contains("METHOD:CANCEL") {
                "CANCEL"
            } else {
                "REQUEST"
            };
            let content_type =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))?;
            builder.multipart(MultiPart::mixed().multipart(alternative).singlepart(
                Attachment::new("uitnodiging.ics".into()).body(ics.clone(), content_type),
            ))?
        }
        None => builder.multipart(alternative)?,
    };
    Ok(message)
}
