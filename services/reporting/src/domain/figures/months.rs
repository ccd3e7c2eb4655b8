//! Learning per month of completion. Each view's months are a table whose total (the
//! view's hours attended) is published, and the views are linked: the region's month
//! is its sectors' months together, the region's hours its sectors' hours. The rows
//! rule protects each table and the sibling rule (`siblings::held`) a sector against
//! the region; but a hidden month can still follow from the tables together (a sibling
//! with no row that month, a sector whose one hidden month is its shown total). So an
//! audit over all of them (`audit::Sums`) hides one more month row at a time until no
//! month that describes a small group follows from what every view shows.
use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::*;
use crate::domain::{
    audit::Sums,
    model::*,
    suppression::{Cell, Rule, Tally},
};

/// Learning per month (of completion): participation over time.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthParticipation {
    pub month: String,
    /// The programme phase the month falls in (its first day), when the region has a
    /// calendar.
    pub phase: Option<String>,
    pub active_participants: Fig,
    pub hours_attended: Fig,
}

/// The months of the view `s`, with what the linked audit adds hidden as complementary.
pub fn months(s: &Snapshot, rule: &Rule) -> Vec<MonthParticipation> {
    let mut view = siblings::held(s, rule, months_of, &mut Tally::default());
    if !rule.applies {
        return view;
    }
    let whole = s.whole_region.as_deref().unwrap_or(s);
    let added = Linked::of(whole, rule).protection();
    for month in view.iter_mut() {
        if added.contains(&(s.sector.clone(), month.month.clone())) {
            let mut row = Tally::default();
            month.active_participants = Fig::new(0.0, Cell::Complementary, &mut row);
            month.hours_attended = Fig::new(0.0, Cell::Complementary, &mut row);
        }
    }
    view
}

/// Learning per month of completion, the months a table whose total (the hours
/// attended) is published.
fn months_of(s: &Snapshot, rule: &Rule) -> Vec<MonthParticipation> {
    let by_month = by_month(s);
    let month_people: Vec<u64> = by_month.values().map(|v| v.0.len() as u64).collect();
    let month_plan = rule.rows(&month_people);
    by_month
        .into_iter()
        .zip(month_plan.rows)
        .map(|((month, (active, hours)), cell)| {
            let mut row = Tally::default();
            MonthParticipation {
                month,
                phase: None,
                active_participants: Fig::new(n(active.len()), cell, &mut row),
                hours_attended: Fig::new(hours, cell, &mut row),
            }
        })
        .collect()
}

/// Each month's active people and hours attended.
fn by_month(s: &Snapshot) -> BTreeMap<String, (BTreeSet<Uuid>, f64)> {
    let mut by_month: BTreeMap<String, (BTreeSet<Uuid>, f64)> = BTreeMap::new();
    for a in s.activities.iter().filter(|a| a.completed) {
        if let Some(month) = &a.completed_month {
            let entry = by_month.entry(month.clone()).or_default();
            entry.0.insert(a.participant_id);
            entry.1 += f64::from(a.actual_hours);
        }
    }
    by_month
}

/// One view's months as it shows them: each row's state and people, and whether its
/// total (the overview's hours attended) is shown.
struct MonthsView {
    sector: Option<String>,
    rows: BTreeMap<String, (Cell, u64)>,
    total_shown: bool,
}

impl MonthsView {
    fn of(s: &Snapshot, rule: &Rule) -> MonthsView {
        let people = by_month(s);
        let rows = siblings::held(s, rule, months_of, &mut Tally::default())
            .into_iter()
            .map(|m| {
                let active = people.get(&m.month).map_or(0, |v| v.0.len() as u64);
                (m.month, (m.hours_attended.cell, active))
            })
            .collect();
        MonthsView {
            sector: s.sector.clone(),
            rows,
            total_shown: overview(s, rule).hours_attended.cell.is_shown(),
        }
    }
}

/// The region's months and every sector's, and the sums between them.
struct Linked {
    views: Vec<MonthsView>,
    months: Vec<String>,
}

impl Linked {
    /// `whole`: the region (every view is cut from it, so every view finds the same).
    fn of(whole: &Snapshot, rule: &Rule) -> Linked {
        let mut views = vec![MonthsView::of(whole, rule)];
        for sector in whole.sibling_sectors() {
            let cut = whole.clone().restrict_to_sector(&sector);
            views.push(MonthsView::of(&cut, rule));
        }
        let months: BTreeSet<String> = views.iter().flat_map(|v| v.rows.keys().cloned()).collect();
        Linked {
            views,
            months: months.into_iter().collect(),
        }
    }

    /// Figure numbers: view `v`'s month `j`, then each view's total.
    fn cell(&self, v: usize, j: usize) -> usize {
        v * self.months.len() + j
    }

    fn total(&self, v: usize) -> usize {
        self.views.len() * self.months.len() + v
    }

    /// A view's total is its months; the region's month is its sectors' (view 0 is the
    /// region), and so is its total.
    fn sums(&self) -> Sums {
        let (views, months) = (self.views.len(), self.months.len());
        let mut sums = Sums::new(views * months + views);
        for v in 0..views {
            sums.sum(self.total(v), (0..months).map(|j| self.cell(v, j)));
        }
        for j in 0..months {
            sums.sum(self.cell(0, j), (1..views).map(|v| self.cell(v, j)));
        }
        sums.sum(self.total(0), (1..views).map(|v| self.total(v)));
        sums
    }

    /// The month rows (view's sector, month) to hide as well, chosen one at a time: the
    /// one that leaves the fewest small groups disclosed, then the one with the fewest
    /// people. A small group that would follow even with every row hidden (a total that
    /// is its one month) is past what hiding rows can mend and does not drive the choice.
    fn protection(&self) -> BTreeSet<(Option<String>, String)> {
        let sums = self.sums();
        let figures = self.views.len() * (self.months.len() + 1);
        let (mut hidden, mut small, mut people) =
            (vec![false; figures], vec![false; figures], vec![0; figures]);
        let mut rows = Vec::new();
        for (v, view) in self.views.iter().enumerate() {
            hidden[self.total(v)] = !view.total_shown;
            for (j, month) in self.months.iter().enumerate() {
                // A month a view does not list is nobody's: known to be zero.
                let Some((cell, active)) = view.rows.get(month) else {
                    continue;
                };
                let i = self.cell(v, j);
                hidden[i] = !cell.is_shown();
                small[i] = *cell == Cell::SmallGroup;
                people[i] = *active;
                if cell.is_shown() && *active > 0 {
                    rows.push(i);
                }
            }
        }
        let leaks = |hidden: &[bool], mendable: &[bool]| {
            let disclosed = sums.disclosed(hidden);
            (0..figures)
                .filter(|i| disclosed[*i] && small[*i] && mendable[*i])
                .count()
        };
        let mut all_hidden = hidden.clone();
        for i in &rows {
            all_hidden[*i] = true;
        }
        let beyond = sums.disclosed(&all_hidden);
        let mendable: Vec<bool> = beyond.iter().map(|d| !d).collect();
        let mut added = BTreeSet::new();
        while leaks(&hidden, &mendable) > 0 {
            let best = rows
                .iter()
                .copied()
                .filter(|i| !hidden[*i])
                .min_by_key(|i| {
                    let mut trial = hidden.clone();
                    trial[*i] = true;
                    (leaks(&trial, &mendable), people[*i], *i)
                });
            let Some(i) = best else { break };
            hidden[i] = true;
            let (v, j) = (i / self.months.len(), i % self.months.len());
            added.insert((self.views[v].sector.clone(), self.months[j].clone()));
        }
        added
    }
}
