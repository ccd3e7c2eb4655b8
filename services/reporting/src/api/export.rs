//! ExportReport: the shareable report, anonymised whoever asks, rendered whole and
//! streamed in chunks.
use llo_chassis::{ApiError, auth::Caller};
use llo_proto::reporting::v1 as pb;

use super::Context;
use crate::{
    domain::{figures, queries::ExportReport},
    export,
};

/// Bytes per streamed chunk.
pub const CHUNK: usize = 32 * 1024;

pub async fn export(
    ctx: &Context,
    caller: &Caller,
    request: pb::ExportReportRequest,
) -> Result<Vec<pb::ExportReportChunk>, ApiError> {
    let ExportReport { scope, format } = ExportReport::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let snapshot = ctx
        .snapshot(&mut conn, &scope.region, scope.sector.as_deref())
        .await?;
    let region = ctx.packs.region(&scope.region);
    let (name, programme) = region
        .map(|r| (r.name.clone(), r.programme.clone()))
        .unwrap_or_default();
    let mut report = figures::report(&snapshot, &name, &programme);
    if let Some(calendar) = region.and_then(|r| r.calendar.as_ref()) {
        figures::on_calendar(&mut report, calendar);
    }
    let bytes = export::render(&report, format).into_bytes();
    let file_name = format!(
        "llo-report-{}{}.{}",
        scope.region,
        scope
            .sector
            .as_deref()
            .map(|s| format!("-{s}"))
            .unwrap_or_default(),
        format.extension()
    );
    Ok(bytes
        .chunks(CHUNK)
        .enumerate()
        .map(|(i, data)| pb::ExportReportChunk {
            content_type: if i == 0 {
                format.content_type().to_owned()
            } else {
                String::new()
            },
            file_name: if i == 0 {
                file_name.clone()
            } else {
                String::new()
            },
            data: data.to_vec(),
        })
        .collect())
}
