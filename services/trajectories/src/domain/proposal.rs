//! A proposed trajectory from a completed baseline scan: the sector's intervention
//! catalogue maps each weak dimension to its interventions.
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

/// What an intervention is; stored (and named in the sector packs) by its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterventionKind {
    CoachingDirectors,
    CoachingSupervisors,
    TeamWorkshop,
    Training,
    HrInstrument,
}

impl InterventionKind {
    pub const ALL: [InterventionKind; 5] = [
        InterventionKind::CoachingDirectors,
        InterventionKind::CoachingSupervisors,
        InterventionKind::TeamWorkshop,
        InterventionKind::Training,
        InterventionKind::HrInstrument,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InterventionKind::CoachingDirectors => "coaching_directors",
            InterventionKind::CoachingSupervisors => "coaching_supervisors",
            InterventionKind::TeamWorkshop => "team_workshop",
            InterventionKind::Training => "training",
            InterventionKind::HrInstrument => "hr_instrument",
        }
    }

    pub fn parse(text: &str) -> Option<InterventionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
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
                .all(|i| InterventionKind::parse(&i.kind).is_some())
        );
    }

    #[test]
    fn every_intervention_kind_reads_back_from_its_word() {
        for kind in InterventionKind::ALL {
            assert_eq!(InterventionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(InterventionKind::parse("Training"), None);
    }
}
