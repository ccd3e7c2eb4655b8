//! Scoring the learning-culture scan: answers are checked against the sector's
//! questionnaire, reverse-scored items are turned around, and each dimension gets
//! the mean of its item scores over all respondents and the number of respondents.
use std::collections::{HashMap, HashSet};

use llo_chassis::{Violations, packs::SectorPack};

/// One answer: an item and its Likert score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub item_id: String,
    pub score: i32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DimensionScore {
    pub dimension_id: String,
    pub name: String,
    pub mean: f64,
    pub respondent_count: u32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum PriorityTheme {
    /// One of the weakest dimensions.
    Scan {
        dimension_id: String,
        description: String,
    },
    /// A need the coach took from the management interview.
    ManagementInterview { description: String },
}

/// Every item answered exactly once, every score within the Likert range.
pub fn check_answers(pack: &SectorPack, answers: &[Answer], violations: &mut Violations) {
    let mut seen = HashSet::new();
    for (index, answer) in answers.iter().enumerate() {
        if pack.item(&answer.item_id).is_none() {
            violations.add(
                format!("answers[{index}].item_id"),
                format!("unknown item {:?}", answer.item_id),
            );
        } else if !seen.insert(answer.item_id.as_str()) {
            violations.add(
                format!("answers[{index}].item_id"),
                format!("item {:?} is answered more than once", answer.item_id),
            );
        }
        if !(pack.likert_min..=pack.likert_max).contains(&answer.score) {
            violations.add(
                format!("answers[{index}].score"),
                format!("must be from {} to {}", pack.likert_min, pack.likert_max),
            );
        }
    }
    let missing: Vec<&str> = pack
        .items
        .iter()
        .map(|i| i.id.as_str())
        .filter(|id| !seen.contains(id))
        .collect();
    if !missing.is_empty() {
        violations.add(
            "answers",
            format!(
                "every item must be answered; missing: {}",
                missing.join(", ")
            ),
        );
    }
}

/// The score an answer counts for, reverse-scored items turned around.
pub fn item_score(pack: &SectorPack, answer: &Answer) -> Option<f64> {
    let item = pack.item(&answer.item_id)?;
    let score = if item.reverse {
        pack.likert_min + pack.likert_max - answer.score
    } else {
        answer.score
    };
    Some(f64::from(score))
}

/// Scores per dimension, in the pack's order. `responses` holds each respondent's answers.
pub fn score(pack: &SectorPack, responses: &[Vec<Answer>]) -> Vec<DimensionScore> {
    // dimension -> (sum, count, respondents)
    let mut totals: HashMap<&str, (f64, u32, u32)> = HashMap::new();
    for answers in responses {
        let mut answered: HashSet<&str> = HashSet::new();
        for answer in answers {
            let (Some(item), Some(value)) = (pack.item(&answer.item_id), item_score(pack, answer))
            else {
                continue;
            };
            let entry = totals.entry(item.dimension.as_str()).or_default();
            entry.0 += value;
            entry.1 += 1;
            answered.insert(item.dimension.as_str());
        }
        for dimension in answered {
            totals.entry(dimension).or_default().2 += 1;
        }
    }
    pack.dimensions
        .iter()
        .map(|d| {
            let (sum, count, respondents) = totals.get(d.id.as_str()).copied().unwrap_or_default();
            DimensionScore {
                dimension_id: d.id.clone(),
                name: d.name.clone(),
                mean: if count == 0 {
                    0.0
                } else {
                    sum / f64::from(count)
                },
                respondent_count: respondents,
            }
        })
        .collect()
}

/// The weakest dimensions (lowest mean; ties in pack order), at most `priority_dimensions`.
pub fn weakest(pack: &SectorPack, scores: &[DimensionScore]) -> Vec<DimensionScore> {
    let mut answered: Vec<&DimensionScore> =
        scores.iter().filter(|s| s.respondent_count > 0).collect();
    answered.sort_by(|a, b| a.mean.total_cmp(&b.mean));
    answered
        .into_iter()
        .take(pack.priority_dimensions)
        .cloned()
        .collect()
}

/// Priority themes: the weakest dimensions, then the coach's needs.
pub fn priority_themes(
    pack: &SectorPack,
    scores: &[DimensionScore],
    needs: &[String],
) -> Vec<PriorityTheme> {
    let from_scan = weakest(pack, scores)
        .into_iter()
        .map(|s| PriorityTheme::Scan {
            description: format!("{} (gemiddeld {:.2})", s.name, s.mean),
            dimension_id: s.dimension_id,
        });
    let from_interview = needs.iter().map(|n| PriorityTheme::ManagementInterview {
        description: n.trim().to_owned(),
    });
    from_scan.chain(from_interview).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use llo_chassis::packs::{Dimension, Item};

    fn pack() -> SectorPack {
        let dimension = |id: &str| Dimension {
            id: id.into(),
            name: id.to_uppercase(),
            description: String::new(),
        };
        let item = |id: &str, dimension: &str, reverse: bool| Item {
            id: id.into(),
            dimension: dimension.into(),
            text: id.into(),
            reverse,
        };
        SectorPack {
            id: "test".into(),
            name: "Test".into(),
            likert_min: 1,
            likert_max: 5,
            priority_dimensions: 1,
            dimensions: vec![dimension("lead"), dimension("share")],
            items: vec![
                item("l1", "lead", false),
                item("l2", "lead", true),
                item("s1", "share", false),
            ],
            intervention_kinds: vec![],
            interventions: vec![],
            learning_themes: vec![],
            themes: vec![],
            funding_rules: vec![],
            skills: None,
        }
    }

    fn answers(l1: i32, l2: i32, s1: i32) -> Vec<Answer> {
        vec![
            Answer {
                item_id: "l1".into(),
                score: l1,
            },
            Answer {
                item_id: "l2".into(),
                score: l2,
            },
            Answer {
                item_id: "s1".into(),
                score: s1,
            },
        ]
    }

    #[test]
    fn reverse_items_are_turned_around_and_averaged_by_hand() {
        // lead: respondent A: 4 and (6-2)=4; B: 2 and (6-5)=1 → (4+4+2+1)/4 = 2.75
        // share: 3 and 5 → 4.0
        let scores = score(&pack(), &[answers(4, 2, 3), answers(2, 5, 5)]);
        assert_eq!(scores[0].dimension_id, "lead");
        assert!((scores[0].mean - 2.75).abs() < 1e-9);
        assert_eq!(scores[0].respondent_count, 2);
        assert!((scores[1].mean - 4.0).abs() < 1e-9);
    }

    #[test]
    fn the_weakest_dimension_leads_the_priority_themes() {
        let pack = pack();
        let scores = score(&pack, &[answers(4, 2, 3), answers(2, 5, 5)]);
        let themes = priority_themes(&pack, &scores, &["Opvolging vergrijzing".into()]);
        assert_eq!(themes.len(), 2);
        assert!(
            matches!(&themes[0], PriorityTheme::Scan { dimension_id, .. } if dimension_id == "lead")
        );
        assert!(
            matches!(&themes[1], PriorityTheme::ManagementInterview { description } if description == "Opvolging vergrijzing")
        );
    }

    #[test]
    fn answers_must_cover_every_item_once_within_range() {
        let pack = pack();
        let mut violations = Violations::new();
        let bad = vec![
            Answer {
                item_id: "l1".into(),
                score: 6,
            },
            Answer {
                item_id: "l1".into(),
                score: 3,
            },
            Answer {
                item_id: "x".into(),
                score: 3,
            },
        ];
        check_answers(&pack, &bad, &mut violations);
        let fields: Vec<_> = violations.into_vec().into_iter().map(|v| v.field).collect();
        assert_eq!(
            fields,
            [
                "answers[0].score",
                "answers[1].item_id",
                "answers[2].item_id",
                "answers"
            ]
        );
    }

    #[test]
    fn complete_answers_within_range_pass_and_missing_items_are_listed() {
        let pack = pack();
        let mut violations = Violations::new();
        check_answers(&pack, &answers(1, 5, 3), &mut violations);
        assert!(violations.is_empty());
        let mut violations = Violations::new();
        check_answers(&pack, &answers(0, 3, 3)[1..], &mut violations);
        let found: Vec<_> = violations
            .into_vec()
            .into_iter()
            .map(|v| (v.field, v.description))
            .collect();
        assert_eq!(
            found,
            [(
                "answers".to_owned(),
                "every item must be answered; missing: l1".to_owned()
            )]
        );
    }

    #[test]
    fn an_item_score_turns_reverse_items_around_within_the_range() {
        let mut pack = pack();
        pack.likert_min = 0;
        pack.likert_max = 10;
        let answer = |item: &str, score| Answer {
            item_id: item.into(),
            score,
        };
        assert_eq!(item_score(&pack, &answer("l1", 3)), Some(3.0));
        assert_eq!(item_score(&pack, &answer("l2", 3)), Some(7.0));
        assert_eq!(item_score(&pack, &answer("x", 3)), None);
    }

    #[test]
    fn unknown_items_are_skipped_and_unanswered_dimensions_score_nothing() {
        let pack = pack();
        let mut only_lead = answers(3, 3, 3);
        only_lead.truncate(1);
        only_lead.push(Answer {
            item_id: "x".into(),
            score: 1,
        });
        let scores = score(&pack, &[only_lead.clone(), only_lead]);
        assert_eq!(scores[0].mean, 3.0);
        assert_eq!(scores[0].respondent_count, 2);
        assert_eq!(scores[1].mean, 0.0);
        assert_eq!(scores[1].respondent_count, 0);
        // A dimension nobody answered is not the weakest, though its mean is 0.
        let weakest = weakest(&pack, &scores);
        assert_eq!(weakest.len(), 1);
        assert_eq!(weakest[0].dimension_id, "lead");
    }

    #[test]
    fn the_weakest_are_the_lowest_means_at_most_the_packs_number() {
        let mut pack = pack();
        let scores = score(&pack, &[answers(5, 1, 2)]);
        // lead: (5 + 5) / 2 = 5, share: 2
        assert_eq!(scores[0].mean, 5.0);
        let themes = priority_themes(&pack, &scores, &[" Vergrijzing ".into()]);
        assert_eq!(
            themes,
            [
                PriorityTheme::Scan {
                    dimension_id: "share".into(),
                    description: "SHARE (gemiddeld 2.00)".into()
                },
                PriorityTheme::ManagementInterview {
                    description: "Vergrijzing".into()
                }
            ]
        );
        pack.priority_dimensions = 2;
        let ids: Vec<_> = weakest(&pack, &scores)
            .into_iter()
            .map(|s| s.dimension_id)
            .collect();
        assert_eq!(ids, ["share", "lead"]);
    }
}
