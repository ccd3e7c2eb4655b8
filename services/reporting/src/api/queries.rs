//! The one place a request with fields to read becomes a query or command: the scope
//! (a region of this installation, a sector of that region, a release), the export's
//! format, a release's note, the request ids. Every bad field is named at once in one
//! BadRequest.
use llo_chassis::{
    ApiError,
    fields::{Fields, Name, Text, check_id},
    idempotency::MAX_REQUEST_ID,
    packs::Packs,
};
use llo_proto::reporting::v1 as pb;

use crate::domain::queries::{
    ExportReport, Format, MAX_RELEASE_NOTE, OrganisationProgress, PublishRelease,
    RebuildReadModels, Scope,
};

/// `release`: 0 (none named) or a release number.
fn release(f: &mut Fields, value: i32) -> Option<Option<i32>> {
    f.take(
        "release",
        match value {
            0 => Ok(None),
            n if n > 0 => Ok(Some(n)),
            _ => Err(
                "must be 0 (the latest release, or live figures for those who see them \
                      in full) or a release number from 1"
                    .into(),
            ),
        },
    )
}

fn request_id(f: &mut Fields, value: &str) {
    if value.trim().chars().count() > MAX_REQUEST_ID {
        f.add(
            "request_id",
            format!("must be at most {MAX_REQUEST_ID} characters"),
        );
    }
}

/// The installation a request is read against: its regions and their sectors.
#[derive(Clone, Copy)]
pub struct Installation<'a>(pub &'a Packs);

impl Installation<'_> {
    /// `region` (required, installed), `sector` (optional, one of the region's) and
    /// `release` (0 or a number).
    fn scope(&self, f: &mut Fields, region: &str, sector: &str, number: i32) -> Option<Scope> {
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
        let release = release(f, number);
        Some(Scope {
            region: region?,
            sector: sector?,
            release: release?,
        })
    }
}

impl TryFrom<(pb::GetProgrammeOverviewRequest, Installation<'_>)> for Scope {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::GetProgrammeOverviewRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, &r.sector, r.release);
        f.finish(scope)
    }
}

impl TryFrom<(pb::GetEvaluationRequest, Installation<'_>)> for Scope {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::GetEvaluationRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, &r.sector, r.release);
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
        let scope = installation.scope(&mut f, &r.region, "", r.release);
        f.finish(scope)
    }
}

impl TryFrom<(pb::ExportReportRequest, Installation<'_>)> for ExportReport {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::ExportReportRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, &r.sector, r.release);
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
        request_id(&mut f, &r.request_id);
        f.finish(Some(RebuildReadModels))
    }
}

impl TryFrom<pb::GetOrganisationProgressRequest> for OrganisationProgress {
    type Error = ApiError;
    fn try_from(r: pb::GetOrganisationProgressRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let organisation_id = f.take("organisation_id", check_id(&r.organisation_id));
        let release = release(&mut f, r.release);
        let (organisation_id, release) = f.finish((organisation_id, release))?;
        Ok(OrganisationProgress {
            organisation_id,
            release,
        })
    }
}

impl TryFrom<(pb::PublishReleaseRequest, Installation<'_>)> for PublishRelease {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::PublishReleaseRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, "", 0);
        let note = f.take("note", Text::<MAX_RELEASE_NOTE>::optional(&r.note));
        request_id(&mut f, &r.request_id);
        let (scope, note) = f.finish((scope, note))?;
        Ok(PublishRelease {
            region: scope.region,
            note: note.into_string(),
        })
    }
}

impl TryFrom<(pb::ListReleasesRequest, Installation<'_>)> for Scope {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::ListReleasesRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let scope = installation.scope(&mut f, &r.region, "", 0);
        f.finish(scope)
    }
}
