//! ExportReport: the shareable report, anonymised whoever asks, rendered whole and
//! streamed in chunks.
use llo_chassis::{ApiError, auth::Caller, download::chunks};
use llo_proto::reporting::v1 as pb;

use super::Context;
use crate::{
    domain::{figures, queries::ExportReport, suppression::Rule},
    export,
};

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
    let rule = Rule::anonymised(snapshot.min_group_size);
    ctx.remember(&mut conn, &snapshot, &rule).await?;
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
    Ok(chunks(&bytes, format.content_type(), &file_name)
        .into_iter()
        .map(|c| pb::ExportReportChunk {
            content_type: c.content_type,
            file_name: c.file_name,
            data: c.data,
        })
        .collect())
}
