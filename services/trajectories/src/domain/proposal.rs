//! A proposed trajectory from a completed baseline scan: the sector's intervention
//! catalogue maps each weak dimension to its interventions. An intervention's kind is
//! data: the id of one of the sector pack's intervention kinds (the packs are checked at
//! start, so every catalogue entry names one).
use llo_chassis::packs::{Intervention, SectorPack};

/// The catalogue's interventions for the weak dimensions, weakest first.
pub fn interventions_for<'a>(
    pack: &'a SectorPack,
    weak_dimensions: &[String],
) -> Vec<&'a Intervention> {
    weak_dimensions
        .iter()
        .flat_map(|dimension| {
            pack.interventions
                .iter()
                .filter(move |i| &i.dimension == dimension)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use llo_chassis::packs::Packs;

    #[test]
    fn the_weakest_dimensions_get_their_catalogue_interventions() {
        let packs = Packs::load(&llo_chassis::testing::packs_dir()).unwrap();
        let pack = packs.sector("techniek-metaal").unwrap();
        let chosen = interventions_for(pack, &["leiderschap".into(), "kennisdeling".into()]);
        assert!(!chosen.is_empty());
        assert_eq!(chosen[0].dimension, "leiderschap");
        assert!(
            chosen
                .iter()
                .all(|i| i.dimension == "leiderschap" || i.dimension == "kennisdeling")
        );
        assert!(
            chosen
                .iter()
                .all(|i| pack.intervention_kind(&i.kind).is_some())
        );
    }
}
