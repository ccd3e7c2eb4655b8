//! The vocabulary of intake, stored as text and mapped to protobuf enums in `api`.
use std::fmt;

macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(ParticipantRole {
    Director => "director",
    Manager => "manager",
    Supervisor => "supervisor",
    Employee => "employee",
});

text_enum!(ParticipantSource {
    Company => "company",
    UwvReferral => "uwv_referral",
});

text_enum!(Round {
    Baseline => "baseline",
    FollowUp => "follow_up",
});

text_enum!(AssessmentStatus {
    Open => "open",
    Completed => "completed",
});

/// A participant as an enrolment or import row describes them, before validation.
#[derive(Debug, Clone, Default)]
pub struct ParticipantDraft {
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub role: Option<ParticipantRole>,
    pub job_title: String,
    pub consent_given: bool,
    /// `None` means the company itself.
    pub source: Option<ParticipantSource>,
    pub uwv_reference: String,
}

/// A participant that passed validation: trimmed, e-mail lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidParticipant {
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub role: ParticipantRole,
    pub job_title: String,
    pub source: ParticipantSource,
    pub uwv_reference: Option<String>,
}

/// An organisation as registration describes it, before validation.
#[derive(Debug, Clone, Default)]
pub struct OrganisationDraft {
    pub region: String,
    pub sector: String,
    pub name: String,
    pub kvk_number: String,
    pub municipality: String,
    pub employee_count: i32,
}
