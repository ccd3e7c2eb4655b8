//! The community's vocabularies, as stored (snake_case text).

llo_chassis::text_enum! {
    /// Who a member is: a company of the programme or one of the region's partners.
    pub enum MemberType {
        Company => "company",
        EmployersOrganisation => "employers_organisation",
        Union => "union",
        EducationProvider => "education_provider",
        PublicEmploymentService => "public_employment_service",
        Adviser => "adviser",
        Other => "other",
    }
}

llo_chassis::text_enum! {
    pub enum KnowledgeKind {
        LearningExperience => "learning_experience",
        Instrument => "instrument",
        Strategy => "strategy",
    }
}

llo_chassis::text_enum! {
    /// Community: the region's members; public: everyone (dissemination).
    pub enum Visibility {
        Community => "community",
        Public => "public",
    }
}

llo_chassis::text_enum! {
    pub enum WorkshopStatus {
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
            assert_eq!(MemberType::parse(t.as_str()), Some(t));
        }
        for k in KnowledgeKind::ALL {
            assert_eq!(KnowledgeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Visibility::parse("nope"), None);
    }
}
