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
