//! Field rules. Each check returns the message a caller sees in the field violation.
use llo_chassis::{Violations, packs::Packs};

use super::model::{OrganisationDraft, ParticipantDraft, ParticipantSource, ValidParticipant};

pub const MAX_NAME: usize = 200;
pub const MAX_TEXT: usize = 2_000;
pub const MAX_REQUEST_ID: usize = 128;

/// A Chamber of Commerce (KvK) number: exactly 8 digits.
pub fn kvk_number(value: &str) -> Result<(), String> {
    if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("must be exactly 8 digits".into())
    }
}

/// E-mail syntax (the practical subset of RFC 5321 that mail systems accept).
pub fn email(value: &str) -> Result<(), String> {
    let invalid = || Err("is not a valid e-mail address".to_owned());
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid();
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return invalid();
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
    if local_ok && domain_ok {
        Ok(())
    } else {
        invalid()
    }
}

/// Non-blank text of at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        Err("is required".into())
    } else if value.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(())
    }
}

pub fn optional_text(value: &str, max: usize) -> Result<(), String> {
    if value.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(())
    }
}

pub fn request_id(value: &str) -> Result<(), String> {
    optional_text(value, MAX_REQUEST_ID)
}

/// An id this service issued (a UUID).
pub use llo_chassis::fields::check_id as id;

pub fn organisation(draft: &OrganisationDraft, packs: &Packs, violations: &mut Violations) {
    match packs.region(&draft.region) {
        None if draft.region.is_empty() => violations.add("region", "is required"),
        None => violations.add("region", format!("unknown region {:?}", draft.region)),
        Some(region) if !draft.sector.is_empty() && !region.sectors.contains(&draft.sector) => {
            violations.add(
                "sector",
                format!(
                    "sector {:?} is not part of the {} programme (one of: {})",
                    draft.sector,
                    region.id,
                    region.sectors.join(", ")
                ),
            )
        }
        Some(_) => {}
    }
    if draft.sector.is_empty() {
        violations.add("sector", "is required");
    } else if packs.sector(&draft.sector).is_none() {
        violations.add("sector", format!("unknown sector {:?}", draft.sector));
    }
    violations.check("name", required_text(&draft.name, MAX_NAME));
    violations.check("kvk_number", kvk_number(&draft.kvk_number));
    violations.check("municipality", required_text(&draft.municipality, MAX_NAME));
    if draft.employee_count < 1 {
        violations.add("employee_count", "must be at least 1");
    }
}

/// Validates a participant; `prefix` names the fields in a nested message.
pub fn participant(
    draft: &ParticipantDraft,
    violations: &mut Violations,
) -> Option<ValidParticipant> {
    let before = violations.is_empty();
    violations.check("given_name", required_text(&draft.given_name, MAX_NAME));
    violations.check("family_name", required_text(&draft.family_name, MAX_NAME));
    violations.check("email", email(draft.email.trim()));
    if draft.role.is_none() {
        violations.add(
            "role",
            "is required: director, manager, supervisor or employee",
        );
    }
    violations.check("job_title", optional_text(&draft.job_title, MAX_NAME));
    if !draft.consent_given {
        violations.add("consent_given", "nobody is enrolled without their consent");
    }
    let source = draft.source.unwrap_or(ParticipantSource::Company);
    let uwv_reference = draft.uwv_reference.trim();
    match source {
        ParticipantSource::UwvReferral if uwv_reference.is_empty() => {
            violations.add("uwv_reference", "is required for a UWV referral")
        }
        ParticipantSource::Company if !uwv_reference.is_empty() => {
            violations.add("uwv_reference", "is only for UWV referrals")
        }
        _ => violations.check("uwv_reference", optional_text(uwv_reference, MAX_NAME)),
    }
    if !before || !violations.is_empty() {
        return None;
    }
    Some(ValidParticipant {
        given_name: draft.given_name.trim().to_owned(),
        family_name: draft.family_name.trim().to_owned(),
        email: draft.email.trim().to_lowercase(),
        role: draft.role?,
        job_title: draft.job_title.trim().to_owned(),
        source,
        uwv_reference: (!uwv_reference.is_empty()).then(|| uwv_reference.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::ParticipantRole;

    #[test]
    fn kvk_numbers_are_eight_digits() {
        assert!(kvk_number("12345678").is_ok());
        for bad in ["1234567", "123456789", "1234567a", "", "12 34567"] {
            assert!(kvk_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_syntax() {
        for good in [
            "jan.jansen@lensink.nl",
            "a+b@sub.example.com",
            "ö@bücher.de",
        ] {
            assert!(email(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "jan",
            "jan@",
            "@lensink.nl",
            "jan@lensink",
            "jan jansen@x.nl",
            "jan..j@x.nl",
            "jan@-x.nl",
            "jan@x.1",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    fn draft() -> ParticipantDraft {
        ParticipantDraft {
            given_name: " Jan ".into(),
            family_name: "Jansen".into(),
            email: "Jan.Jansen@Lensink.NL".into(),
            role: Some(ParticipantRole::Employee),
            job_title: "Lasser".into(),
            consent_given: true,
            source: None,
            uwv_reference: String::new(),
        }
    }

    #[test]
    fn a_valid_participant_is_normalised() {
        let mut violations = Violations::new();
        let valid = participant(&draft(), &mut violations).unwrap();
        assert_eq!(valid.given_name, "Jan");
        assert_eq!(valid.email, "jan.jansen@lensink.nl");
        assert_eq!(valid.source, ParticipantSource::Company);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut bad = draft();
        bad.email = "nope".into();
        bad.role = None;
        bad.consent_given = false;
        bad.source = Some(ParticipantSource::UwvReferral);
        let mut violations = Violations::new();
        assert!(participant(&bad, &mut violations).is_none());
        let fields: Vec<_> = violations.into_vec().into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["email", "role", "consent_given", "uwv_reference"]);
    }

    fn fields(violations: Violations) -> Vec<(String, String)> {
        violations
            .into_vec()
            .into_iter()
            .map(|v| (v.field, v.description))
            .collect()
    }

    #[test]
    fn email_limits_are_exact() {
        let local = "a".repeat(64);
        let label = "b".repeat(63);
        // 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 characters: the longest address.
        let longest = format!("{local}@{label}.{label}.{}", "c".repeat(61));
        assert_eq!(longest.len(), 254);
        assert!(email(&longest).is_ok());
        let too_long = format!("{local}@{label}.{label}.{}", "c".repeat(62));
        assert_eq!(too_long.len(), 255);
        assert!(email(&too_long).is_err());
        assert!(email(&format!("{local}@x.nl")).is_ok());
        assert!(email(&format!("a{local}@x.nl")).is_err());
        assert!(email(&format!("jan@{label}.nl")).is_ok());
        assert!(email(&format!("jan@b{label}.nl")).is_err());
        for good in ["jan@my-company.nl", "jan@x.nl", "o'neil_{x}@a.b.nl"] {
            assert!(email(good).is_ok(), "{good}");
        }
        for bad in [
            ".jan@x.nl",
            "jan.@x.nl",
            "ja(n@x.nl",
            "jan@x..nl",
            "jan@x-.nl",
            "jan@x_y.nl",
            "jan@x.n",
            "jan@.nl",
            "jan@x.nl\u{7}",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_limits_are_exact() {
        assert_eq!(required_text("   ", 5), Err("is required".into()));
        assert_eq!(required_text("ééééé", 5), Ok(()));
        assert_eq!(
            required_text("abcdef", 5),
            Err("must be at most 5 characters".into())
        );
        assert_eq!(optional_text("", 5), Ok(()));
        assert_eq!(optional_text("ééééé", 5), Ok(()));
        assert!(optional_text("abcdef", 5).is_err());
        assert!(request_id(&"r".repeat(MAX_REQUEST_ID)).is_ok());
        assert!(request_id(&"r".repeat(MAX_REQUEST_ID + 1)).is_err());
    }

    fn packs() -> Packs {
        use llo_chassis::packs::{RegionPack, SectorPack};
        use std::{collections::HashMap, sync::Arc};
        let sector = |id: &str| SectorPack {
            id: id.into(),
            name: id.into(),
            likert_min: 1,
            likert_max: 5,
            priority_dimensions: 1,
            dimensions: vec![],
            items: vec![],
            interventions: vec![],
            themes: vec![],
            funding_rules: vec![],
        };
        let region = RegionPack {
            id: "twente".into(),
            name: "Twente".into(),
            programme: "LLO".into(),
            min_group_size: 5,
            sectors: vec!["metal".into()],
            budgets: vec![],
        };
        Packs {
            sectors: HashMap::from([
                ("metal".to_owned(), Arc::new(sector("metal"))),
                ("care".to_owned(), Arc::new(sector("care"))),
            ]),
            regions: HashMap::from([("twente".to_owned(), Arc::new(region))]),
        }
    }

    fn organisation_draft() -> OrganisationDraft {
        OrganisationDraft {
            region: "twente".into(),
            sector: "metal".into(),
            name: "Lensink".into(),
            kvk_number: "12345678".into(),
            municipality: "Hengelo".into(),
            employee_count: 1,
        }
    }

    fn check_organisation(draft: &OrganisationDraft) -> Vec<(String, String)> {
        let mut violations = Violations::new();
        organisation(draft, &packs(), &mut violations);
        fields(violations)
    }

    #[test]
    fn a_valid_organisation_has_no_violations() {
        assert_eq!(check_organisation(&organisation_draft()), []);
    }

    #[test]
    fn every_bad_organisation_field_is_named() {
        let field_names = |draft: &OrganisationDraft| -> Vec<String> {
            check_organisation(draft)
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        let mut d = organisation_draft();
        d.region = String::new();
        assert_eq!(
            check_organisation(&d),
            [("region".to_owned(), "is required".to_owned())]
        );
        d.region = "drenthe".into();
        assert_eq!(
            check_organisation(&d),
            [("region".to_owned(), "unknown region \"drenthe\"".to_owned())]
        );
        let mut d = organisation_draft();
        d.sector = "care".into();
        let found = check_organisation(&d);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "sector");
        assert!(
            found[0]
                .1
                .contains("not part of the twente programme (one of: metal)")
        );
        d.sector = "bakery".into();
        assert_eq!(field_names(&d), ["sector", "sector"]);
        d.sector = String::new();
        assert_eq!(
            check_organisation(&d),
            [("sector".to_owned(), "is required".to_owned())]
        );
        let mut d = organisation_draft();
        d.name = " ".into();
        d.kvk_number = "123".into();
        d.municipality = String::new();
        d.employee_count = 0;
        assert_eq!(
            field_names(&d),
            ["name", "kvk_number", "municipality", "employee_count"]
        );
    }

    #[test]
    fn a_participant_is_returned_only_when_no_violation_came_before_or_now() {
        let mut violations = Violations::new();
        violations.add("organisation_id", "is required");
        assert!(participant(&draft(), &mut violations).is_none());
        assert_eq!(fields(violations).len(), 1);
    }

    #[test]
    fn every_participant_field_is_trimmed_and_uwv_references_kept() {
        let mut d = draft();
        d.family_name = " Jansen ".into();
        d.job_title = " Lasser ".into();
        d.email = " Jan@X.nl ".into();
        d.source = Some(ParticipantSource::UwvReferral);
        d.uwv_reference = " UWV-1 ".into();
        let mut violations = Violations::new();
        let valid = participant(&d, &mut violations).unwrap();
        assert_eq!(
            valid,
            ValidParticipant {
                given_name: "Jan".into(),
                family_name: "Jansen".into(),
                email: "jan@x.nl".into(),
                role: ParticipantRole::Employee,
                job_title: "Lasser".into(),
                source: ParticipantSource::UwvReferral,
                uwv_reference: Some("UWV-1".into()),
            }
        );
        assert_eq!(
            participant(&draft(), &mut violations)
                .unwrap()
                .uwv_reference,
            None
        );
    }

    #[test]
    fn a_company_participant_has_no_uwv_reference_and_texts_are_bounded() {
        let mut d = draft();
        d.uwv_reference = "UWV-1".into();
        let mut violations = Violations::new();
        assert!(participant(&d, &mut violations).is_none());
        assert_eq!(
            fields(violations),
            [(
                "uwv_reference".to_owned(),
                "is only for UWV referrals".to_owned()
            )]
        );
        let mut d = draft();
        d.source = Some(ParticipantSource::UwvReferral);
        d.uwv_reference = "U".repeat(MAX_NAME + 1);
        d.job_title = "J".repeat(MAX_NAME + 1);
        d.given_name = String::new();
        d.family_name = String::new();
        let mut violations = Violations::new();
        assert!(participant(&d, &mut violations).is_none());
        let names: Vec<_> = fields(violations).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            names,
            ["given_name", "family_name", "job_title", "uwv_reference"]
        );
    }
}
