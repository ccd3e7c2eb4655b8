//! Which role may call which IntakeService method. The README's matrix is this table.
//! Region and organisation scoping is applied on top, per call, in `api`.
use llo_chassis::auth::{AccessPolicy, Role::*};

pub const POLICY: AccessPolicy = &[
    (
        "/llo.intake.v1.IntakeService/RegisterOrganisation",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.intake.v1.IntakeService/GetOrganisation",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.intake.v1.IntakeService/ListOrganisations",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.intake.v1.IntakeService/EnrolParticipant",
        &[ProgrammeManager, Coach, CompanyHr, Integrator],
    ),
    (
        "/llo.intake.v1.IntakeService/GetParticipant",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.intake.v1.IntakeService/ListParticipants",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.intake.v1.IntakeService/ImportParticipants",
        &[ProgrammeManager, CompanyHr, Integrator],
    ),
    (
        "/llo.intake.v1.IntakeService/StartAssessment",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.intake.v1.IntakeService/SubmitAssessmentResponse",
        &[ProgrammeManager, Coach, CompanyHr, Integrator],
    ),
    (
        "/llo.intake.v1.IntakeService/CompleteAssessment",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.intake.v1.IntakeService/GetAssessment",
        // Not evaluators: a company's scan scores are theirs in anonymised form only,
        // through reporting (which suppresses small groups).
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.intake.v1.IntakeService/RecordLearningNeeds",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.intake.v1.IntakeService/EraseParticipant",
        &[ProgrammeManager, CompanyHr],
    ),
    (
        "/llo.intake.v1.IntakeService/ListCredentials",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.intake.v1.IntakeService/VerifyCredential",
        // Anyone authenticated: a credential is its holder's to show to whomever.
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.intake.v1.IntakeService/RevokeCredential",
        &[ProgrammeManager],
    ),
];
