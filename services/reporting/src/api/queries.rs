//! The one place a request with fields to read becomes a query or command: the scope
//! (a region of this installation, a sector of that region), the export's format, the
//! rebuild's request id. Every bad field is named at once in one BadRequest.
use llo_chassis::{
    ApiError,
    fields::{Fields, Name},
    idempotency::MAX_REQUEST_ID,
    packs::Packs,
};
use llo_proto::reporting::v1 as pb;

use crate::domain::queries::{ExportReport, Format, RebuildReadModels, Scope};

/// The installation a request is read against: its regions and their sectors.
#[derive(Clone, Copy)]
pub struct Installation<'a>(pub &'a Packs);

impl Installation<'_> {
    /// `region` (required, installed) and `sector` (optional, one of the region's).
    fn scope(&self, f: &mut Fields, region: &str, sector: &str) -> Option<Scope> {
        let region = f.take(
            "region",
            Name::required(region).and_then(|region| {
                if self.0.region(&region).is_some() {
                    Ok(region.into_string())
                } else {
                    Err("is not a region of this installation".into())
                }
            }),
        );
        let pack = region.as_deref().and_then(|r| self.0.region(r));
        let sector = f.take(
            "sector",
            Name::optional(sector).and_then(|sector| match (sector.non_empty(), pack) {
                (Some(sector), Some(pack)) if !pack.sectors.iter().any(|s| **s == *sector) => {
                    Err("is not a sector of the region".to_owned())
                }
                (sector, _) => Ok(sector.map(Name::into_string)),
            }),
        );
        Some(Scope {
            region: region?,
            sector: sector?,
        })
    }
}

impl TryFrom<(pb::GetProgrammeOverviewRequest, Installation<'_>)> for Scope {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::GetProgrammeOverviewRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, &r.sector);
        f.finish(scope)
    }
}

impl TryFrom<(pb::GetEvaluationRequest, Installation<'_>)> for Scope {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::GetEvaluationRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, &r.sector);
        f.finish(scope)
    }
}

/// Funding is per region: its budgets are the region's.
impl TryFrom<(pb::GetFundingStatusRequest, Installation<'_>)> for Scope {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::GetFundingStatusRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, "");
        f.finish(scope)
    }
}

impl TryFrom<(pb::ExportReportRequest, Installation<'_>)> for ExportReport {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::ExportReportRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, &r.sector);
        let format = f.take(
            "format",
            match pb::ReportFormat::try_from(r.format) {
                Ok(pb::ReportFormat::Json) => Ok(Format::Json),
                Ok(pb::ReportFormat::Csv) => Ok(Format::Csv),
                Ok(pb::ReportFormat::Html) => Ok(Format::Html),
                Ok(pb::ReportFormat::Unspecified) => Err("is required: JSON, CSV or HTML".into()),
                Err(_) => Err("is not a report format".into()),
            },
        );
        let (scope, format) = f.finish((scope, format))?;
        Ok(ExportReport { scope, format })
    }
}

impl TryFrom<pb::RebuildReadModelsRequest> for RebuildReadModels {
    type Error = ApiError;
    fn try_from(r: pb::RebuildReadModelsRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        if r.request_id.trim().chars().count() > MAX_REQUEST_ID {
            f.add(
                "request_id",
                format!("must be at most {MAX_REQUEST_ID} characters"),
            );
        }
        f.finish(Some(RebuildReadModels))
    }
}
