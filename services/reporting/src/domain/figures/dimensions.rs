//! One company's scan per dimension, baseline beside follow-up.
use uuid::Uuid;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Cell, Tally},
};

/// One company's scan per dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionRow {
    pub dimension_id: String,
    pub dimension_name: String,
    pub baseline: Fig,
    pub follow_up: Fig,
    pub change: Fig,
    pub baseline_respondents: Fig,
    pub follow_up_respondents: Fig,
}

pub(super) fn dimension_rows(
    s: &Snapshot,
    organisation: Uuid,
    baseline_cell: Cell,
    follow_up_cell: Cell,
    t: &mut Tally,
) -> Vec<DimensionRow> {
    let baseline = s.scan(organisation, Round::Baseline);
    let follow_up = s.scan(organisation, Round::FollowUp);
    let sector = s
        .organisations
        .iter()
        .find(|o| o.id == organisation)
        .map_or("", |o| o.sector.as_str());
    s.dimensions
        .iter()
        .filter(|d| d.applies_to(sector))
        .map(|d| {
            let b = baseline.and_then(|x| x.score(&d.id));
            let f = follow_up.and_then(|x| x.score(&d.id));
            let fig = |score: Option<&DimensionScore>, cell: Cell, t: &mut Tally| match score {
                Some(score) => Fig::new(round2(score.mean), cell, t),
                None => Fig::not_available(),
            };
            let count = |score: Option<&DimensionScore>, cell: Cell, t: &mut Tally| match score {
                Some(score) => Fig::new(f64::from(score.respondents), cell, t),
                None => Fig::not_available(),
            };
            let change = match (b, f) {
                (Some(b), Some(f)) => Fig::new(
                    round2(f.mean - b.mean),
                    baseline_cell.and(follow_up_cell),
                    t,
                ),
                _ => Fig::not_available(),
            };
            DimensionRow {
                dimension_id: d.id.clone(),
                dimension_name: d.name.clone(),
                baseline: fig(b, baseline_cell, t),
                follow_up: fig(f, follow_up_cell, t),
                change,
                baseline_respondents: count(b, baseline_cell, t),
                follow_up_respondents: count(f, follow_up_cell, t),
            }
        })
        .collect()
}
