//! The vocabulary of intake, stored as text and mapped to protobuf enums in `api`.

llo_chassis::text_enum!(pub enum ParticipantRole {
    Director => "director",
    Manager => "manager",
    Supervisor => "supervisor",
    Employee => "employee",
});

llo_chassis::text_enum!(pub enum ParticipantSource {
    Company => "company",
    UwvReferral => "uwv_referral",
});

llo_chassis::text_enum!(pub enum Round {
    Baseline => "baseline",
    FollowUp => "follow_up",
});

llo_chassis::text_enum!(pub enum AssessmentStatus {
    Open => "open",
    Completed => "completed",
});
