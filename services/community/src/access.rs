//! Which role may call which CommunityService method. The README's matrix is this table.
//! Region and organisation scoping is applied on top, per call, in `api`: a company's
//! HR contact (or its HR system's integrator token) registers and sees only its own
//! company's participants.
use llo_chassis::auth::{AccessPolicy, Role::*};

pub const POLICY: AccessPolicy = &[
    (
        "/llo.community.v1.CommunityService/RegisterPartner",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.community.v1.CommunityService/ListMembers",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.community.v1.CommunityService/GetMember",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.community.v1.CommunityService/ScheduleWorkshop",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.community.v1.CommunityService/GetWorkshop",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.community.v1.CommunityService/ListWorkshops",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
    (
        "/llo.community.v1.CommunityService/CancelWorkshop",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.community.v1.CommunityService/RegisterForWorkshop",
        &[ProgrammeManager, Coach, CompanyHr, Integrator],
    ),
    (
        "/llo.community.v1.CommunityService/CancelRegistration",
        &[ProgrammeManager, Coach, CompanyHr, Integrator],
    ),
    (
        "/llo.community.v1.CommunityService/ListRegistrations",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.community.v1.CommunityService/RecordAttendance",
        &[ProgrammeManager, Coach],
    ),
    (
        "/llo.community.v1.CommunityService/SubmitWorkshopFeedback",
        &[ProgrammeManager, Coach, CompanyHr, Integrator],
    ),
    (
        "/llo.community.v1.CommunityService/PublishKnowledgeItem",
        &[ProgrammeManager, Coach, CompanyHr],
    ),
    (
        "/llo.community.v1.CommunityService/SearchKnowledge",
        &[ProgrammeManager, Coach, CompanyHr, Integrator, Evaluator],
    ),
];
