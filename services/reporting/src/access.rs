//! Which role may call which ReportingService method. The README's matrix is this
//! table. On top, per call in `api`: the region scope, and which view a caller gets —
//! programme managers and coaches of the region see the figures in full; a company's
//! HR contact (or its HR system's integrator token) sees its own company in full;
//! evaluators and region-wide integrators see anonymised figures, and only from a
//! release a programme manager published (see `domain::suppression`, `api::releases`);
//! an export is anonymised for everyone.
use llo_chassis::auth::{AccessPolicy, Role::*};

pub const POLICY: AccessPolicy = &[
    (
        "/llo.reporting.v1.ReportingService/GetProgrammeOverview",
        &[ProgrammeManager, Coach, Integrator, Evaluator],
    ),
    (
        "/llo.reporting.v1.ReportingService/GetOrganisationProgress",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.reporting.v1.ReportingService/GetEvaluation",
        &[ProgrammeManager, Coach, Integrator, Evaluator],
    ),
    (
        "/llo.reporting.v1.ReportingService/GetFundingStatus",
        &[ProgrammeManager, Coach, Evaluator],
    ),
    (
        "/llo.reporting.v1.ReportingService/ExportReport",
        &[ProgrammeManager, Coach, Evaluator],
    ),
    (
        "/llo.reporting.v1.ReportingService/RebuildReadModels",
        &[ProgrammeManager],
    ),
    (
        "/llo.reporting.v1.ReportingService/PublishRelease",
        &[ProgrammeManager],
    ),
    (
        "/llo.reporting.v1.ReportingService/ListReleases",
        &[ProgrammeManager, Coach, Integrator, Evaluator],
    ),
];
