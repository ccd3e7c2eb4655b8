//! The evaluation: change per dimension, per company and for the region.
use uuid::Uuid;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Cell, Rule, Tally},
};

#[derive(Debug, Clone, PartialEq)]
pub struct DimensionEvaluation {
    pub dimension_id: String,
    pub dimension_name: String,
    /// The sector whose companies alone it evaluates (see `Dimension::sector`).
    pub sector: Option<String>,
    pub mean_baseline: Fig,
    pub mean_follow_up: Fig,
    pub change: Fig,
    pub companies: u32,
    pub baseline_respondents: Fig,
    pub follow_up_respondents: Fig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompanyEvaluation {
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub cell: Cell,
    pub dimensions: Vec<DimensionRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub dimensions: Vec<DimensionEvaluation>,
    pub companies: Vec<CompanyEvaluation>,
    pub workshop_participants: Fig,
    pub attendance_rate: Fig,
    pub average_feedback: Fig,
    pub feedback_count: Fig,
    pub participants_completed: Fig,
    pub activities_completed: Fig,
    pub credentials: Fig,
    pub hours_attended: Fig,
    /// Learning by ESCO skill of the courses completed.
    pub by_skill: Vec<SkillLearning>,
    pub companies_compared: u32,
    pub mean_change: Fig,
    pub dimensions_improved: u32,
    pub dimensions_declined: u32,
    pub tally: Tally,
}

/// The evaluation of a view; a sector's is held against the region and its siblings.
pub fn evaluation(s: &Snapshot, rule: &Rule) -> Evaluation {
    let mut added = Tally::default();
    let mut e = siblings::held(s, rule, evaluation_of, &mut added);
    e.tally.small_group += added.small_group;
    e.tally.complementary += added.complementary;
    e
}

fn evaluation_of(s: &Snapshot, rule: &Rule) -> Evaluation {
    let mut t = Tally::default();
    let plans = plans(s, rule);
    let compared = compared(s);
    let total = plans.scans_total;
    let dimensions: Vec<DimensionEvaluation> = s
        .dimensions
        .iter()
        .map(|d| {
            let answered: Vec<(Uuid, &DimensionScore, &DimensionScore)> = compared
                .iter()
                .filter(|(o, ..)| d.applies_to(&o.sector))
                .filter_map(|(o, b, f)| Some((o.id, b.score(&d.id)?, f.score(&d.id)?)))
                .collect();
            let pairs: Vec<(&DimensionScore, &DimensionScore)> =
                answered.iter().map(|(_, b, f)| (*b, *f)).collect();
            let weighted = |follow_up: bool| {
                let pick = |p: &(&DimensionScore, &DimensionScore)| {
                    if follow_up { p.1.clone() } else { p.0.clone() }
                };
                let respondents: i64 = pairs.iter().map(|p| i64::from(pick(p).respondents)).sum();
                let sum: f64 = pairs
                    .iter()
                    .map(|p| pick(p).mean * f64::from(pick(p).respondents))
                    .sum();
                (
                    if respondents > 0 {
                        sum / respondents as f64
                    } else {
                        0.0
                    },
                    respondents,
                )
            };
            let (b, b_n) = weighted(false);
            let (f, f_n) = weighted(true);
            // The dimension's total covers only the companies that answered it: with
            // exactly one of them hidden, the total minus the shown rows gives it back.
            let hidden = answered
                .iter()
                .filter(|(o, ..)| !Plans::of(&plans.scans, *o).is_shown())
                .count();
            let cell = if pairs.is_empty() {
                Cell::NotAvailable
            } else if !total.is_shown() {
                total
            } else if rule.applies && hidden == 1 {
                Cell::Complementary
            } else {
                rule.single(b_n.min(f_n).max(0) as u64)
            };
            DimensionEvaluation {
                dimension_id: d.id.clone(),
                dimension_name: d.name.clone(),
                sector: d.sector.clone(),
                mean_baseline: Fig::new(round2(b), cell, &mut t),
                mean_follow_up: Fig::new(round2(f), cell, &mut t),
                change: Fig::new(round2(round2(f) - round2(b)), cell, &mut t),
                companies: pairs.len() as u32,
                baseline_respondents: Fig::new(b_n as f64, cell, &mut t),
                follow_up_respondents: Fig::new(f_n as f64, cell, &mut t),
            }
        })
        .collect();
    let companies = compared
        .iter()
        .map(|(o, _, _)| {
            let cell = plans.scans.get(&o.id).copied().unwrap_or(Cell::Shown);
            let mut row_tally = Tally::default();
            let dimensions = if cell.is_shown() {
                dimension_rows(s, o.id, cell, cell, &mut row_tally)
            } else {
                Vec::new()
            };
            t.count(cell);
            CompanyEvaluation {
                organisation_id: o.id,
                organisation_name: o.name.clone(),
                cell,
                dimensions,
            }
        })
        .collect();
    let recorded: Vec<&Registration> = s
        .registrations
        .iter()
        .filter(|r| r.attendance.is_some())
        .collect();
    let recorded_people = people(recorded.iter().filter_map(|r| r.participant_id));
    let rate = if recorded.is_empty() {
        0.0
    } else {
        round2(n(recorded.iter().filter(|r| attended(r)).count()) / n(recorded.len()))
    };
    let completed: Vec<&Activity> = s.activities.iter().filter(|a| a.completed).collect();
    let completed_people = people(completed.iter().map(|a| a.participant_id));
    let learning_cell = rule.single(completed_people);
    let shown_changes: Vec<f64> = dimensions
        .iter()
        .filter(|d| d.change.cell.is_shown())
        .map(|d| d.change.value)
        .collect();
    let mean_change = if shown_changes.is_empty() {
        Fig {
            value: 0.0,
            cell: if compared.is_empty() {
                Cell::NotAvailable
            } else {
                total
            },
        }
    } else {
        Fig::shown(round2(
            shown_changes.iter().sum::<f64>() / n(shown_changes.len()),
        ))
    };
    Evaluation {
        companies_compared: compared.len() as u32,
        dimensions_improved: shown_changes.iter().filter(|c| **c > 0.0).count() as u32,
        dimensions_declined: shown_changes.iter().filter(|c| **c < 0.0).count() as u32,
        mean_change,
        dimensions,
        companies,
        workshop_participants: Fig::new(
            recorded_people as f64,
            rule.single(recorded_people),
            &mut t,
        ),
        attendance_rate: Fig::new(rate, rule.single(recorded_people), &mut t),
        average_feedback: {
            let (mean, raters) = ratings(&s.feedback);
            Fig::new(mean, rule.single(raters), &mut t)
        },
        feedback_count: {
            let raters = people(s.feedback.iter().map(Feedback::rater));
            Fig::new(n(s.feedback.len()), rule.single(raters), &mut t)
        },
        participants_completed: Fig::new(completed_people as f64, learning_cell, &mut t),
        activities_completed: Fig::new(n(completed.len()), learning_cell, &mut t),
        credentials: Fig::new(
            n(completed.iter().filter(|a| a.credential).count()),
            learning_cell,
            &mut t,
        ),
        hours_attended: Fig::new(
            completed.iter().map(|a| f64::from(a.actual_hours)).sum(),
            learning_cell,
            &mut t,
        ),
        by_skill: skills::by_skill(s, rule, learning_cell, &mut t),
        tally: t,
    }
}
