//! The figures, computed from a region's read models, with the suppression rule of
//! the view applied. Pure: the api maps these to proto, the export renders them. One
//! module per figure; what they share is here.
#[cfg(test)]
mod attack;
mod dimensions;
mod evaluation;
mod funding;
mod months;
mod overview;
mod plans;
mod progress;
mod project;
mod report;
mod siblings;
mod skills;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use uuid::Uuid;

use super::{
    model::*,
    suppression::{Cell, Tally},
};

pub use dimensions::*;
pub use evaluation::*;
pub use funding::*;
pub use months::*;
pub use overview::*;
pub use plans::*;
pub use progress::*;
pub use project::*;
pub use report::*;
pub use siblings::hidden_keys;
pub use skills::SkillLearning;

/// A figure and whether it may be shown (its value is 0 when it may not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fig {
    pub value: f64,
    pub cell: Cell,
}

impl Fig {
    pub fn new(value: f64, cell: Cell, tally: &mut Tally) -> Fig {
        let cell = tally.count(cell);
        Fig {
            value: if cell.is_shown() { value } else { 0.0 },
            cell,
        }
    }

    pub fn shown(value: f64) -> Fig {
        Fig {
            value,
            cell: Cell::Shown,
        }
    }

    pub fn not_available() -> Fig {
        Fig {
            value: 0.0,
            cell: Cell::NotAvailable,
        }
    }
}

fn n(count: usize) -> f64 {
    count as f64
}

fn people<I: IntoIterator<Item = Uuid>>(ids: I) -> u64 {
    ids.into_iter().collect::<BTreeSet<_>>().len() as u64
}

/// The mean rating and how many people gave one.
fn ratings(feedback: &[Feedback]) -> (f64, u64) {
    let raters = people(feedback.iter().map(Feedback::rater));
    if feedback.is_empty() {
        return (0.0, raters);
    }
    let sum: i64 = feedback.iter().map(|f| i64::from(f.rating)).sum();
    (round2(sum as f64 / n(feedback.len())), raters)
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
