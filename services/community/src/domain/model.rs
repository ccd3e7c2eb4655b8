//! The community's vocabularies, as stored (snake_case text).

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(text: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }
    };
}

text_enum! {
    /// Who a member is: a company of the programme or one of the region's partners.
    MemberType {
        Company => "company",
        EmployersOrganisation => "employers_organisation",
        Union => "union",
        EducationProvider => "education_provider",
        PublicEmploymentService => "public_employment_service",
        Adviser => "adviser",
        Other => "other",
    }
}

text_enum! {
    KnowledgeKind {
        LearningExperience => "learning_experience",
        Instrument => "instrument",
        Strategy => "strategy",
    }
}

text_enum! {
    /// Community: the region's members; public: everyone (dissemination).
    Visibility {
        Community => "community",
        Public => "public",
    }
}

text_enum! {
    WorkshopStatus {
        Scheduled => "scheduled",
        Cancelled => "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_back() {
        for t in MemberType::ALL {
            assert_eq!(MemberType::parse(t.as_str()), Some(*t));
        }
        for k in KnowledgeKind::ALL {
            assert_eq!(KnowledgeKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Visibility::parse("nope"), None);
    }
}
