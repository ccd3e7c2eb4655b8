//! Learning by skill: per ESCO skill of the courses completed, the people who completed
//! one and the activities. A table whose total (people who completed learning) is
//! published: a skill row about fewer people than the minimum group is hidden, with a
//! partner where exactly one is (`Rule::rows`). Rows overlap (one course teaches several
//! skills, one person takes several courses), so the rows never add up to the total; the
//! partner is there for when they happen to. Across views (a sector against the region
//! and its siblings) and answers (what an earlier one hid) each row is held by its key
//! like every figure (`siblings`).
use std::collections::BTreeMap;

use uuid::Uuid;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Cell, Rule, Tally},
};

#[derive(Debug, Clone, PartialEq)]
pub struct SkillLearning {
    pub skill_uri: String,
    /// The skills list's label; the URI for a skill no list names (any longer).
    pub label: String,
    /// People who completed a course teaching it.
    pub participants: Fig,
    /// Completed activities teaching it.
    pub activities: Fig,
}

/// The rows, by label; every row hidden as `total` is when the total is.
pub(super) fn by_skill(
    s: &Snapshot,
    rule: &Rule,
    total: Cell,
    tally: &mut Tally,
) -> Vec<SkillLearning> {
    let mut learners: BTreeMap<&str, (Vec<Uuid>, usize)> = BTreeMap::new();
    for activity in s.activities.iter().filter(|a| a.completed) {
        for uri in &activity.skill_uris {
            let row = learners.entry(uri.as_str()).or_default();
            row.0.push(activity.participant_id);
            row.1 += 1;
        }
    }
    let label = |uri: &str| {
        s.skills
            .iter()
            .find(|k| k.uri == uri)
            .map_or_else(|| uri.to_owned(), |k| k.label.clone())
    };
    let mut rows: Vec<(String, &str, u64, usize)> = learners
        .into_iter()
        .map(|(uri, (ids, activities))| (label(uri), uri, people(ids), activities))
        .collect();
    rows.sort_by_cached_key(|r| (r.0.to_lowercase(), r.1));
    let counts: Vec<u64> = rows.iter().map(|r| r.2).collect();
    let plan = rule.rows(&counts);
    rows.into_iter()
        .zip(plan.rows)
        .map(|((label, uri, participants, activities), cell)| {
            let cell = if total.is_shown() { cell } else { total };
            SkillLearning {
                skill_uri: uri.to_owned(),
                label,
                participants: Fig::new(participants as f64, cell, tally),
                activities: Fig::new(n(activities), cell, tally),
            }
        })
        .collect()
}
