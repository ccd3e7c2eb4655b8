//! Which role may call which TrajectoryService method (the README's matrix).
//! Region and organisation scoping, and a provider integrator's own courses, are
//! checked per call in `api`.
use llo_chassis::auth::{AccessPolicy, Role::*};

pub const POLICY: AccessPolicy = &[
    (
        "/llo.trajectories.v1.TrajectoryService/GetTrajectory",
        &[ProgrammeManager, Coach, CompanyHr, Evaluator],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ListTrajectories",
        &[ProgrammeManager, Coach, CompanyHr, Evaluator],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/AssignCoach",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/RegisterCoach",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ListCoaches",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/PlanIntervention",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/StartTrajectory",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/CompleteTrajectory",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/CancelTrajectory",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/RecordCoachingSession",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/GetDevelopmentPlan",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/AddLearningGoal",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/PlanLearningActivity",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/CompleteLearningActivity",
        &[ProgrammeManager, Coach, CompanyHr, Integrator],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/AllocateFunding",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/GetBudget",
        &[ProgrammeManager, Coach, CompanyHr, Evaluator],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/PublishCourseOffering",
        &[ProgrammeManager, Integrator],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ListCourseOfferings",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/SearchSkills",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ImportCourseOfferings",
        &[ProgrammeManager, Integrator],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/RegisterCatalogueSource",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/SyncCatalogue",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ListCatalogueSources",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/SetProjectParticipant",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/GetProjectPlan",
        &[ProgrammeManager, CompanyHr],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/RecordHours",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ReviewHours",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ReverseHours",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/LockPeriod",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ListTimeEntries",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/GetRealisation",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/RecordInvoice",
        &[ProgrammeManager, CompanyHr],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ReviewInvoice",
        &[ProgrammeManager],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ListInvoices",
        &[ProgrammeManager, CompanyHr],
    ),
    (
        "/llo.trajectories.v1.TrajectoryService/ExportStatement",
        &[ProgrammeManager],
    ),
];
