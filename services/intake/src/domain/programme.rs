//! Where an organisation belongs: a region of the installed packs and a sector of that
//! region's programme.
use llo_chassis::{fields::Fields, packs::Packs};

/// The region and sector, trimmed, when the packs know both and the region's programme
/// includes the sector; otherwise `None`, with the violations on `region` and `sector`.
pub fn place(
    packs: &Packs,
    region: &str,
    sector: &str,
    fields: &mut Fields,
) -> Option<(String, String)> {
    let (region, sector) = (region.trim(), sector.trim());
    let mut problems: Vec<(&str, String)> = Vec::new();
    match packs.region(region) {
        None if region.is_empty() => problems.push(("region", "is required".into())),
        None => problems.push(("region", format!("unknown region {region:?}"))),
        Some(pack) if !sector.is_empty() && !pack.sectors.iter().any(|s| s == sector) => problems
            .push((
                "sector",
                format!(
                    "sector {sector:?} is not part of the {} programme (one of: {})",
                    pack.id,
                    pack.sectors.join(", ")
                ),
            )),
        Some(_) => {}
    }
    if sector.is_empty() {
        problems.push(("sector", "is required".into()));
    } else if packs.sector(sector).is_none() {
        problems.push(("sector", format!("unknown sector {sector:?}")));
    }
    let placed = problems.is_empty();
    for (field, description) in problems {
        fields.add(field, description);
    }
    placed.then(|| (region.to_owned(), sector.to_owned()))
}

#[cfg(test)]
mod tests {
    use llo_chassis::{ApiError, testing::packs_dir};

    use super::*;

    type Place = Option<(String, String)>;
    type Found = Vec<(String, String)>;

    /// What `place` answers for this region and sector, and the violations it reports
    /// as (field, reason).
    fn placed(region: &str, sector: &str) -> (Place, Found) {
        let packs = Packs::load(&packs_dir()).unwrap();
        let mut fields = Fields::new();
        let placed_at = place(&packs, region, sector, &mut fields);
        let violations = match fields.finish(Some(())) {
            Ok(()) => Vec::new(),
            Err(ApiError::InvalidArgument(v)) => {
                v.into_iter().map(|v| (v.field, v.description)).collect()
            }
            Err(other) => panic!("{other}"),
        };
        (placed_at, violations)
    }

    fn violation(field: &str, reason: &str) -> (String, String) {
        (field.to_owned(), reason.to_owned())
    }

    #[test]
    fn an_installed_region_and_one_of_its_sectors_place_an_organisation() {
        assert_eq!(
            placed(" achterhoek ", "techniek-metaal"),
            (
                Some(("achterhoek".to_owned(), "techniek-metaal".to_owned())),
                vec![]
            )
        );
    }

    #[test]
    fn every_bad_place_is_named() {
        assert_eq!(
            placed("", "techniek-metaal"),
            (None, vec![violation("region", "is required")])
        );
        assert_eq!(
            placed("drenthe", "techniek-metaal"),
            (
                None,
                vec![violation("region", "unknown region \"drenthe\"")]
            )
        );
        let (placed_at, found) = placed("achterhoek", "zorg-welzijn");
        assert_eq!(placed_at, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "sector");
        assert!(
            found[0]
                .1
                .contains("not part of the achterhoek programme (one of: techniek-metaal)"),
            "{found:?}"
        );
        let (_, found) = placed("achterhoek", "bakkerij");
        let fields: Vec<_> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["sector", "sector"],
            "not in the programme, and unknown"
        );
        assert_eq!(
            placed("achterhoek", ""),
            (None, vec![violation("sector", "is required")])
        );
        // Earlier violations of other fields do not hide a good place.
        let packs = Packs::load(&packs_dir()).unwrap();
        let mut fields = Fields::new();
        fields.add("name", "is required");
        assert!(place(&packs, "achterhoek", "techniek-metaal", &mut fields).is_some());
    }
}
