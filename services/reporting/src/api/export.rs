//! ExportReport: the shareable report, anonymised whoever asks, streamed in chunks. It
//! is a release's report (the one asked for, else the latest), as published; programme
//! managers and coaches asking for none get a draft of the live figures, marked so.
use llo_chassis::{ApiError, auth::Caller, download::chunks};
use llo_proto::reporting::v1 as pb;

use super::{Context, region_rule, releases::stored};
use crate::{
    domain::{
        figures::{self, Report},
        model::Snapshot,
        queries::ExportReport,
        release::{Answer, Edition},
    },
    export,
};

/// The report of a view, with the region's names and calendar; not yet part of a
/// release.
pub fn report_of(ctx: &Context, snapshot: &Snapshot) -> Report {
    let region = ctx.packs.region(&snapshot.region);
    let (name, programme) = region
        .map(|r| (r.name.clone(), r.programme.clone()))
        .unwrap_or_default();
    let mut report = figures::report(snapshot, &name, &programme);
    if let Some(calendar) = region.and_then(|r| r.calendar.as_ref()) {
        figures::on_calendar(&mut report, calendar);
    }
    report
}

pub async fn export(
    ctx: &Context,
    caller: &Caller,
    request: pb::ExportReportRequest,
) -> Result<Vec<pb::ExportReportChunk>, ApiError> {
    let ExportReport { scope, format } = ExportReport::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let sector = scope.sector.as_deref();
    let full_view = !region_rule(caller, ctx.min_group_size(&scope.region)).applies;
    let (bytes, edition) = match Edition::of(scope.release, full_view) {
        Edition::Release(number) => {
            let answer = Answer::Report(sector, format);
            let (release, file) = stored(&mut conn, &scope.region, number, answer).await?;
            (file, format!("release-{}", release.number))
        }
        // A draft uses what releases have hidden but adds nothing to it: it is not
        // published.
        Edition::Live => {
            let snapshot = ctx.snapshot(&mut conn, &scope.region, sector).await?;
            let report = report_of(ctx, &snapshot);
            (export::render(&report, format).into_bytes(), "draft".into())
        }
    };
    let file_name = format!(
        "llo-report-{}{}-{edition}.{}",
        scope.region,
        sector.map(|s| format!("-{s}")).unwrap_or_default(),
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
