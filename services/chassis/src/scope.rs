//! Caller scoping, the one place it is written: which regions a caller may name or list,
//! and which organisation a company-bound caller is held to. Every service's API asks
//! these; a security rule kept in four copies drifts.
use uuid::Uuid;

use crate::{ApiError, auth::Caller, fields::non_empty};

impl Caller {
    /// A region the caller names: PERMISSION_DENIED outside the token's regions.
    pub fn require_region(&self, region: &str) -> Result<(), ApiError> {
        if self.may_see_region(region) {
            Ok(())
        } else {
            Err(ApiError::denied(format!(
                "the token does not cover region {region}"
            )))
        }
    }

    /// The region a call is about: the one named, else the token's only region.
    /// INVALID_ARGUMENT when the token covers several and none is named;
    /// PERMISSION_DENIED for a region outside the token.
    pub fn region_or_only(&self, region: &str) -> Result<String, ApiError> {
        let region = match non_empty(region) {
            Some(region) => region.to_owned(),
            None if self.regions.len() == 1 => {
                self.regions.iter().next().cloned().unwrap_or_default()
            }
            None => {
                return Err(ApiError::invalid(
                    "region",
                    "is required when the token covers several regions",
                ));
            }
        };
        self.require_region(&region)?;
        Ok(region)
    }

    /// The regions a listing covers: the one asked for (if the token has it), else every
    /// region of the token.
    pub fn listing_regions<'a>(&'a self, region: &'a str) -> Result<Vec<&'a str>, ApiError> {
        match non_empty(region) {
            Some(region) => {
                self.require_region(region)?;
                Ok(vec![region])
            }
            None => Ok(self.regions.iter().map(String::as_str).collect()),
        }
    }

    /// The organisation a company-bound caller is held to (`Caller::is_company_scoped`);
    /// `None` for a region-wide caller. A bound token that names no organisation, or a
    /// malformed one, is held to the nil id, which matches no row.
    pub fn own_organisation(&self) -> Option<Uuid> {
        self.is_company_scoped().then(|| {
            self.organisation_id
                .as_deref()
                .and_then(|o| o.parse().ok())
                .unwrap_or(Uuid::nil())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::auth::Role;

    fn caller(roles: &[Role], regions: &[&str], organisation: Option<&str>) -> Caller {
        Caller {
            subject: "test".into(),
            roles: roles.iter().copied().collect(),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            organisation_id: organisation.map(str::to_owned),
        }
    }

    #[test]
    fn a_region_outside_the_token_is_denied() {
        let coach = caller(&[Role::Coach], &["achterhoek"], None);
        assert!(coach.require_region("achterhoek").is_ok());
        let denied = coach.require_region("twente").unwrap_err();
        assert!(matches!(denied, ApiError::PermissionDenied(m) if m.contains("twente")));
    }

    #[test]
    fn no_region_named_means_the_only_one_or_an_invalid_argument() {
        let one = caller(&[Role::Coach], &["achterhoek"], None);
        assert_eq!(one.region_or_only("").unwrap(), "achterhoek");
        assert!(matches!(
            one.region_or_only("twente"),
            Err(ApiError::PermissionDenied(_))
        ));
        let two = caller(&[Role::Coach], &["achterhoek", "twente"], None);
        assert_eq!(two.region_or_only("twente").unwrap(), "twente");
        assert!(matches!(
            two.region_or_only(""),
            Err(ApiError::InvalidArgument(v)) if v[0].field == "region"
        ));
    }

    #[test]
    fn a_listing_covers_the_region_asked_for_or_every_region_of_the_token() {
        let two = caller(&[Role::Coach], &["achterhoek", "twente"], None);
        assert_eq!(two.listing_regions("twente").unwrap(), ["twente"]);
        let mut all = two.listing_regions("").unwrap();
        all.sort_unstable();
        assert_eq!(all, ["achterhoek", "twente"]);
        assert!(two.listing_regions("drenthe").is_err());
    }

    #[test]
    fn a_company_bound_caller_is_held_to_its_organisation_or_to_none() {
        let id = Uuid::now_v7();
        let hr = caller(&[Role::CompanyHr], &["achterhoek"], Some(&id.to_string()));
        assert_eq!(hr.own_organisation(), Some(id));
        let without = caller(&[Role::CompanyHr], &["achterhoek"], None);
        assert_eq!(without.own_organisation(), Some(Uuid::nil()));
        let malformed = caller(&[Role::Integrator], &["achterhoek"], Some("not-an-id"));
        assert_eq!(malformed.own_organisation(), Some(Uuid::nil()));
        let uwv = caller(&[Role::Integrator], &["achterhoek"], None);
        assert_eq!(uwv.own_organisation(), None);
        let manager = caller(
            &[Role::ProgrammeManager],
            &["achterhoek"],
            Some(&id.to_string()),
        );
        assert_eq!(manager.own_organisation(), None);
    }
}
