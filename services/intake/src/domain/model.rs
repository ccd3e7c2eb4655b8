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
