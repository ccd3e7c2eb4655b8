//! Catalogues read from the schools' own Open Education API (OOAPI v5): a programme
//! manager registers where a provider publishes (`RegisterCatalogueSource`), and a sync
//! reads its courses and then its programmes (when it serves them) page by page, each
//! with its offerings, and writes them as an import does (`offerings::arrive`,
//! `import_chunk`): idempotent by code, one page in memory at a time. A page that still
//! fails after its retries ends that list and is reported; a course whose offerings
//! cannot be read is reported and left as it was.
//! Beside calls, every source is synced on a schedule (`catalogue.sync_every_seconds`).
use std::time::Duration;

use chrono::Utc;
use llo_chassis::{
    ApiError, FieldViolation,
    auth::{Caller, Role},
    fields::{Fields, Name},
};
use llo_proto::trajectories::v1 as pb;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{
    Context, commands,
    mapping::timestamp,
    offerings::{ImportReport, arrive, import_chunk, refused},
};
use crate::{
    ooapi::{
        client::{Client, Failure, MAX_PAGES, Patience},
        mapping::{self, Destination},
        model::{Course, Offering},
    },
    store::catalogue_sources::{self as store, SourceRow},
};

fn source(row: &SourceRow) -> pb::CatalogueSource {
    pb::CatalogueSource {
        region: row.region.clone(),
        provider: row.provider.clone(),
        base_url: row.base_url.clone(),
        default_themes: row.default_themes.clone(),
        update_time: Some(timestamp(row.update_time)),
        sync_time: row.synced_at.map(timestamp),
        sync_summary: row.sync_summary.clone(),
        login: row.login().ok().flatten().map(|l| pb::SchoolLogin {
            token_url: l.token_url,
            client_id: l.client_id,
            scope: l.scope,
            client_secret_env: l.client_secret_env,
        }),
    }
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListCatalogueSourcesRequest,
) -> Result<pb::ListCatalogueSourcesResponse, ApiError> {
    let mut f = Fields::new();
    let region = f.take("region", Name::required(&request.region));
    let region = f.finish(region)?;
    caller.require_region(&region)?;
    let mut conn = ctx.pool.get().await?;
    let rows = store::list(&mut conn, &region).await?;
    Ok(pb::ListCatalogueSourcesResponse {
        sources: rows.iter().map(source).collect(),
    })
}

pub async fn register(
    ctx: &Context,
    caller: &Caller,
    request: pb::RegisterCatalogueSourceRequest,
) -> Result<pb::RegisterCatalogueSourceResponse, ApiError> {
    let data = commands::register_source(request, &ctx.packs)?;
    caller.require_region(&data.region)?;
    let mut conn = ctx.pool.get().await?;
    let row = store::upsert(&mut conn, &data).await?;
    Ok(pb::RegisterCatalogueSourceResponse {
        source: Some(source(&row)),
    })
}

pub async fn sync(
    ctx: &Context,
    caller: &Caller,
    request: pb::SyncCatalogueRequest,
) -> Result<pb::SyncCatalogueResponse, ApiError> {
    let mut f = Fields::new();
    let region = f.take("region", Name::required(&request.region));
    let provider = f.take("provider", Name::required(&request.provider));
    let (region, provider) = f.finish((region, provider))?;
    caller.require_region(&region)?;
    let row = {
        let mut conn = ctx.pool.get().await?;
        store::find(&mut conn, &region, &provider).await?
    };
    let Some(row) = row else {
        return Err(ApiError::not_found(format!(
            "catalogue source {provider} of region {region} (register it with \
             RegisterCatalogueSource)"
        )));
    };
    let client = school_client(&row).map_err(|e| ApiError::Unexpected(anyhow::anyhow!(e)))?;
    sync_source(ctx, caller, &row, &client).await
}

/// A client for the source's school, logged in as registered.
fn school_client(row: &SourceRow) -> Result<Client, String> {
    let login = row.login().map_err(|e| e.to_string())?;
    Ok(Client::new(&row.base_url, Patience::default())?.with_login(login))
}

/// What a school lists: its courses, and its programmes (which a school need not serve).
const LISTS: [(&str, Listed); 2] = [("courses", Listed::Always), ("programs", Listed::IfServed)];

#[derive(Clone, Copy, PartialEq)]
enum Listed {
    Always,
    /// A 404 or 501 on the first page says the school publishes none: not a failure.
    IfServed,
}

/// What a sync has read so far.
#[derive(Default)]
struct Progress {
    report: ImportReport,
    failures: Vec<Failure>,
    pages_read: i32,
    row_number: i64,
}

/// Reads the source's catalogue through `client` and writes it; the report.
pub async fn sync_source(
    ctx: &Context,
    caller: &Caller,
    row: &SourceRow,
    client: &Client,
) -> Result<pb::SyncCatalogueResponse, ApiError> {
    let start = Utc::now();
    let to = Destination {
        region: &row.region,
        provider: &row.provider,
        default_themes: &row.default_themes,
    };
    let mut progress = Progress::default();
    for (list, listed) in LISTS {
        sync_list(ctx, caller, client, &to, (list, listed), &mut progress).await?;
    }
    let Progress {
        report,
        failures,
        pages_read,
        ..
    } = progress;
    let rows = report.finish();
    tracing::info!(
        region = %row.region,
        provider = %row.provider,
        pages = pages_read,
        created = rows.created_count,
        updated = rows.updated_count,
        unchanged = rows.unchanged_count,
        refused = rows.rejected_count,
        failures = failures.len(),
        "catalogue synced over OOAPI"
    );
    Ok(pb::SyncCatalogueResponse {
        rows: Some(rows),
        pages_read,
        failures: failures
            .into_iter()
            .map(|f| pb::SyncFailure {
                url: f.url,
                reason: f.reason,
            })
            .collect(),
        start_time: Some(timestamp(start)),
        end_time: Some(timestamp(Utc::now())),
    })
}

/// Reads one list (`courses` or `programs`) page by page, each record with its
/// offerings, and writes each page's rows.
async fn sync_list(
    ctx: &Context,
    caller: &Caller,
    client: &Client,
    to: &Destination<'_>,
    (list, listed): (&str, Listed),
    progress: &mut Progress,
) -> Result<(), ApiError> {
    for number in 1..=MAX_PAGES {
        let page = match client.page(list, number).await {
            Ok(page) => page,
            Err(failure) => {
                let unserved = matches!(failure.status, Some(404 | 501));
                if !(listed == Listed::IfServed && number == 1 && unserved) {
                    progress.failures.push(failure);
                }
                return Ok(());
            }
        };
        progress.pages_read += 1;
        let mut chunk = Vec::with_capacity(page.items.len());
        for item in page.items {
            progress.row_number += 1;
            let row_number = progress.row_number;
            let course = match read_course(item) {
                Ok(course) => course,
                Err((code, violation)) => {
                    chunk.push(refused(row_number, &code, vec![violation]));
                    continue;
                }
            };
            let path = format!("{list}/{}/offerings", course.course_id);
            let runs = match offerings(client, &path, &course, &mut progress.failures).await {
                Ok(runs) => runs,
                Err(failure) => {
                    progress.failures.push(failure);
                    continue;
                }
            };
            chunk.push(match mapping::offering(to, &course, &runs) {
                Ok(request) => arrive(ctx, caller, row_number, request)?,
                Err(violations) => refused(row_number, &course.primary_code.code, violations),
            });
        }
        for result in import_chunk(ctx, chunk).await? {
            progress.report.add(result);
        }
        if !page.has_next_page {
            break;
        }
    }
    Ok(())
}

/// A course record, or its code (if it has one) and why it cannot be read.
fn read_course(item: Value) -> Result<Course, (String, FieldViolation)> {
    let code = item
        .pointer("/primaryCode/code")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let course: Course = serde_json::from_value(item).map_err(|e| {
        let violation = FieldViolation {
            field: "ooapi".into(),
            description: format!("not an OOAPI course: {e}"),
        };
        (code.clone(), violation)
    })?;
    // The id goes into a path: only the characters of an unreserved URL segment.
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~');
    if course.course_id.is_empty() || !course.course_id.chars().all(safe) {
        let violation = FieldViolation {
            field: "courseId".into(),
            description: "must be letters, digits, '-', '_', '.' or '~'".into(),
        };
        return Err((code, violation));
    }
    Ok(course)
}

/// Every offering of a course (or programme) at `path`, page by page; a malformed one
/// is reported and skipped.
async fn offerings(
    client: &Client,
    path: &str,
    course: &Course,
    failures: &mut Vec<Failure>,
) -> Result<Vec<Offering>, Failure> {
    let mut runs = Vec::new();
    for number in 1..=MAX_PAGES {
        let page = client.page(path, number).await?;
        for item in page.items {
            match serde_json::from_value::<Offering>(item) {
                Ok(run) => runs.push(run),
                Err(e) => failures.push(Failure {
                    url: format!("{path} (page {number})"),
                    reason: format!(
                        "an offering of {} is skipped: {e}",
                        course.primary_code.code
                    ),
                    status: None,
                }),
            }
        }
        if !page.has_next_page {
            break;
        }
    }
    Ok(runs)
}

/// The scheduled sync: every registered source once per `every`, claimed by one replica
/// at a time, each sync within a deadline; what it did is logged and kept on the source.
pub async fn sync_on_schedule(ctx: Context, every: Duration, shutdown: CancellationToken) {
    // Due sources are looked for every minute at most: a newly registered one is read
    // soon after, without a sync for every replica.
    let tick = every.min(Duration::from_secs(60));
    let deadline = every.clamp(Duration::from_secs(60), Duration::from_secs(3_600));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(tick) => {}
        }
        let due = match ctx.pool.get().await {
            Ok(mut conn) => store::claim_due(&mut conn, every.as_secs() as i64).await,
            Err(error) => {
                tracing::warn!(%error, "scheduled catalogue sync: no database connection");
                continue;
            }
        };
        let due = match due {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "scheduled catalogue sync: cannot claim due sources");
                continue;
            }
        };
        for row in due {
            let summary = tokio::select! {
                () = shutdown.cancelled() => return,
                summary = scheduled_sync(&ctx, &row, deadline) => summary,
            };
            if let Ok(mut conn) = ctx.pool.get().await
                && let Err(error) =
                    store::record_sync(&mut conn, &row.region, &row.provider, &summary).await
            {
                tracing::warn!(%error, "scheduled catalogue sync: cannot record its summary");
            }
        }
    }
}

/// One scheduled sync, as the region's programme manager would run it; a line saying
/// what it did.
async fn scheduled_sync(ctx: &Context, row: &SourceRow, deadline: Duration) -> String {
    let caller = Caller {
        subject: "llo-trajectories-schedule".into(),
        roles: [Role::ProgrammeManager].into(),
        regions: [row.region.clone()].into(),
        organisation_id: None,
    };
    let client = match school_client(row) {
        Ok(client) => client,
        Err(error) => return error,
    };
    let at = Utc::now().format("%Y-%m-%d %H:%M UTC");
    match tokio::time::timeout(deadline, sync_source(ctx, &caller, row, &client)).await {
        Ok(Ok(report)) => {
            let rows = report.rows.unwrap_or_default();
            format!(
                "{at}: {} page(s); {} created, {} updated, {} unchanged, {} refused; {} failure(s)",
                report.pages_read,
                rows.created_count,
                rows.updated_count,
                rows.unchanged_count,
                rows.rejected_count,
                report.failures.len()
            )
        }
        Ok(Err(error)) => {
            tracing::warn!(provider = %row.provider, %error, "scheduled catalogue sync failed");
            format!("{at}: failed: {error}")
        }
        Err(_) => {
            tracing::warn!(provider = %row.provider, "scheduled catalogue sync passed its deadline");
            format!("{at}: passed its deadline of {} s", deadline.as_secs())
        }
    }
}
