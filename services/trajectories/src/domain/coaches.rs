//! The coach registry's rules: which regions a registration leaves a coach with, and
//! which coach a trajectory may be given.
use llo_chassis::Refused;

/// The regions after a registration: the ones asked for, plus those of an earlier
/// registration that the registering manager does not cover (another region's manager
/// keeps them). Sorted, without repeats.
pub fn regions_after_registration(
    existing: &[String],
    requested: &[String],
    caller_covers: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut regions: Vec<String> = existing
        .iter()
        .filter(|region| !caller_covers(region))
        .chain(requested)
        .cloned()
        .collect();
    regions.sort();
    regions.dedup();
    regions
}

/// A trajectory gets only a coach registered for its region.
pub fn ensure_assignable(
    coach_id: &str,
    registered_regions: Option<&[String]>,
    region: &str,
) -> Result<(), Refused> {
    match registered_regions {
        Some(regions) if regions.iter().any(|r| r == region) => Ok(()),
        Some(_) => Err(Refused::new(
            "COACH_NOT_REGISTERED",
            format!("coach {coach_id} is not registered for region {region}"),
        )),
        None => Err(Refused::new(
            "COACH_NOT_REGISTERED",
            format!(
                "coach {coach_id} is not in the coach registry; a programme manager registers coaches (RegisterCoach)"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn a_registration_replaces_the_callers_regions_and_keeps_the_others() {
        let existing = strings(&["achterhoek", "twente"]);
        let after =
            regions_after_registration(&existing, &strings(&["zwolle"]), |r| r == "achterhoek");
        assert_eq!(after, ["twente", "zwolle"]);
    }

    #[test]
    fn a_first_registration_takes_the_requested_regions_sorted_once() {
        let after =
            regions_after_registration(&[], &strings(&["twente", "achterhoek", "twente"]), |_| {
                true
            });
        assert_eq!(after, ["achterhoek", "twente"]);
    }

    #[test]
    fn only_a_coach_registered_for_the_region_is_assignable() {
        let regions = strings(&["achterhoek"]);
        assert!(ensure_assignable("anja", Some(&regions), "achterhoek").is_ok());
        let elsewhere = ensure_assignable("anja", Some(&regions), "twente").unwrap_err();
        assert_eq!(elsewhere.reason, "COACH_NOT_REGISTERED");
        assert!(
            elsewhere.message.contains("region twente"),
            "{}",
            elsewhere.message
        );
        let unknown = ensure_assignable("erik", None, "achterhoek").unwrap_err();
        assert_eq!(unknown.reason, "COACH_NOT_REGISTERED");
        assert!(unknown.message.contains("registry"), "{}", unknown.message);
    }
}
