//! Anonymity as a rule of the read side. A figure shown outside a company never
//! describes fewer people than the region's minimum group size: such a cell is
//! suppressed (primary suppression), and where a published total would let someone
//! subtract the one hidden cell back, a second cell is suppressed too (secondary or
//! complementary suppression, as statistics offices do).
//!
//! The rules:
//! - A cell describing `n` people with `0 < n < min` is hidden (`SmallGroup`). A
//!   cell about nobody (`n = 0`) reveals nothing about a person and stays.
//! - In a table whose total is published, the rows are the unit: a hidden row hides
//!   all of its cells. When exactly one row is hidden, the shown row with the fewest
//!   people (and at least one person; the first of equals) is hidden as well
//!   (`Complementary`). Such a row always exists: were every other row empty, the
//!   total would be the small row itself, and hidden as the next rule says.
//! - A total that itself describes fewer than `min` people is hidden (`SmallGroup`).
//! - Money has a dominance rule as well: an amount to which one company contributes more
//!   than `DOMINANT_SHARE` of it tells that company's own amount nearly exactly, and is
//!   hidden (`Dominance`), with a partner where a published total would give it back.
//! - Nothing is hidden from a caller who may see the figures in full (`Rule::full`).

/// An amount is dominated when one company contributes more than this share of it.
pub const DOMINANT_SHARE: f64 = 0.85;

/// Whether one figure is shown, and if not, why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Cell {
    #[default]
    Shown,
    /// Describes fewer people than the minimum group size.
    SmallGroup,
    /// Hidden so that a total cannot give a small-group cell back.
    Complementary,
    /// An amount one company makes up most of.
    Dominance,
    /// No event carries the data.
    NotAvailable,
}

impl Cell {
    pub fn is_shown(self) -> bool {
        self == Cell::Shown
    }

    /// Hidden by a rule (not merely without data): what a later answer must keep hidden.
    pub fn is_suppressed(self) -> bool {
        !matches!(self, Cell::Shown | Cell::NotAvailable)
    }

    /// The stricter of two states (a row hidden hides each cell of it).
    pub fn and(self, other: Cell) -> Cell {
        use Cell::*;
        match (self, other) {
            (NotAvailable, _) | (_, NotAvailable) => NotAvailable,
            (SmallGroup, _) | (_, SmallGroup) => SmallGroup,
            (Dominance, _) | (_, Dominance) => Dominance,
            (Complementary, _) | (_, Complementary) => Complementary,
            _ => Shown,
        }
    }
}

/// The suppression applied to one view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub min_group_size: u32,
    /// False: the caller sees everything (programme manager, coach, own company).
    pub applies: bool,
}

impl Rule {
    pub fn full(min_group_size: u32) -> Rule {
        Rule {
            min_group_size,
            applies: false,
        }
    }

    pub fn anonymised(min_group_size: u32) -> Rule {
        Rule {
            min_group_size,
            applies: true,
        }
    }

    fn small(&self, people: u64) -> bool {
        people > 0 && people < u64::from(self.min_group_size)
    }

    /// One figure about `people` persons, with no published total around it.
    pub fn single(&self, people: u64) -> Cell {
        if self.applies && self.small(people) {
            Cell::SmallGroup
        } else {
            Cell::Shown
        }
    }

    /// Is an amount made of these companies' `parts` (in cents) one that a single
    /// company dominates? Never for a caller who sees everything, nor for nothing, nor
    /// in a region whose minimum group is one (it publishes everything).
    pub fn dominated(&self, parts: &[i64]) -> bool {
        let total: i64 = parts.iter().map(|p| p.max(&0)).sum();
        let largest = parts.iter().copied().max().unwrap_or(0);
        self.applies
            && self.min_group_size > 1
            && total > 0
            && largest as f64 > DOMINANT_SHARE * total as f64
    }

    /// Where exactly one row of a table with a published total is hidden, hides the shown
    /// row with the fewest people (at least one) as well.
    pub fn pair_single_hidden(&self, people: &[u64], rows: &mut [Cell]) {
        if !self.applies || rows.iter().filter(|c| !c.is_shown()).count() != 1 {
            return;
        }
        let all: Vec<usize> = (0..rows.len()).collect();
        if let Some(i) = smallest_shown(&all, people, rows) {
            rows[i] = Cell::Complementary;
        }
    }

    /// A table of rows (each about `people[i]` persons) whose total is published.
    pub fn rows(&self, people: &[u64]) -> RowPlan {
        self.rows_keeping(people, &[])
    }

    /// `rows`, with the rows `kept[i]` hidden as well (hidden in an earlier answer) before
    /// any partner is chosen, so that they protect the small rows first.
    fn rows_keeping(&self, people: &[u64], kept: &[bool]) -> RowPlan {
        if !self.applies {
            return RowPlan {
                rows: vec![Cell::Shown; people.len()],
                total: Cell::Shown,
            };
        }
        let mut rows: Vec<Cell> = people
            .iter()
            .map(|&n| {
                if self.small(n) {
                    Cell::SmallGroup
                } else {
                    Cell::Shown
                }
            })
            .collect();
        let total_people: u64 = people.iter().sum();
        if self.small(total_people) {
            return RowPlan {
                rows,
                total: Cell::SmallGroup,
            };
        }
        for (row, _) in rows.iter_mut().zip(kept).filter(|(_, k)| **k) {
            if row.is_shown() {
                *row = Cell::Complementary;
            }
        }
        // The total is not small, so another row has people: a partner exists.
        self.pair_single_hidden(people, &mut rows);
        RowPlan {
            rows,
            total: Cell::Shown,
        }
    }
}

/// The outcome for a table: one state per row, and one for its total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPlan {
    pub rows: Vec<Cell>,
    pub total: Cell,
}

impl Rule {
    /// A table whose rows fall into groups (the companies of a region by sector) with a
    /// total per group published as well (a sector's view): `rows` over all, then in
    /// each group whose total is shown and holds exactly one hidden row, the group's
    /// shown row with the fewest people is hidden too. Adding a hidden row never leaves
    /// another total with exactly one, so one pass settles it. Returns the plan and
    /// each group's total state, in `groups`' order of first appearance.
    ///
    /// `kept[i]`: row `i` was hidden in an earlier answer and stays hidden (so that the
    /// difference between two answers does not give it back), counted as complementary.
    pub fn rows_in_groups<'g>(
        &self,
        people: &[u64],
        groups: &[&'g str],
        kept: &[bool],
    ) -> (RowPlan, Vec<(&'g str, Cell)>) {
        let mut plan = self.rows_keeping(people, kept);
        let mut totals: Vec<(&str, Cell)> = Vec::new();
        for group in distinct(groups) {
            let members = members_of(groups, group);
            let total = self.single(members.iter().map(|i| people[*i]).sum());
            totals.push((group, total));
            let hidden = members
                .iter()
                .filter(|i| !plan.rows[**i].is_shown())
                .count();
            if self.applies
                && total.is_shown()
                && hidden == 1
                && let Some(i) = smallest_shown(&members, people, &plan.rows)
            {
                plan.rows[i] = Cell::Complementary;
            }
        }
        // The groups' totals are a table of their own, whose total is the region's: with
        // one group's total hidden, the region's less the others' gives it back. So every
        // other group with people hides its total too (as a sector's view does beside a
        // hidden sibling), and at least one of its rows, or its rows would add up to it.
        let any_hidden = totals.iter().any(|(_, c)| !c.is_shown());
        if self.applies && plan.total.is_shown() && any_hidden {
            self.beside_small_groups(people, groups, &mut plan.rows);
            for (group, total) in &mut totals {
                let has_people = members_of(groups, group).iter().any(|i| people[*i] > 0);
                if total.is_shown() && has_people {
                    *total = Cell::Complementary;
                }
            }
        }
        (plan, totals)
    }

    /// A sub-table over some of the rows (the companies that answered one dimension),
    /// with a total per group published too: where one group's total is small, every
    /// other group with people keeps at least one of its rows hidden, or its rows would
    /// add up to its total and the region's less it give the small one back.
    pub fn beside_small_groups(&self, people: &[u64], groups: &[&str], rows: &mut [Cell]) {
        let sum = |members: &[usize]| -> u64 { members.iter().map(|i| people[*i]).sum() };
        let by_group: Vec<Vec<usize>> = distinct(groups)
            .into_iter()
            .map(|g| members_of(groups, g))
            .collect();
        let any_small = by_group.iter().any(|m| self.small(sum(m)));
        if !self.applies || self.small(people.iter().sum()) || !any_small {
            return;
        }
        for members in &by_group {
            if self.small(sum(members)) || members.iter().any(|i| !rows[*i].is_shown()) {
                continue;
            }
            if let Some(i) = smallest_shown(members, people, rows) {
                rows[i] = Cell::Complementary;
            }
        }
    }
}

/// The shown row among `members` with the fewest people (at least one; the first of
/// equals): the partner a hidden row takes with it.
fn smallest_shown(members: &[usize], people: &[u64], rows: &[Cell]) -> Option<usize> {
    members
        .iter()
        .copied()
        .filter(|i| rows[*i].is_shown() && people[*i] > 0)
        .min_by_key(|i| (people[*i], *i))
}

/// The groups of `groups`, each once, in order of first appearance.
fn distinct<'g>(groups: &[&'g str]) -> Vec<&'g str> {
    let mut seen: Vec<&str> = Vec::new();
    for group in groups {
        if !seen.contains(group) {
            seen.push(group);
        }
    }
    seen
}

/// The rows of one group.
fn members_of(groups: &[&str], group: &str) -> Vec<usize> {
    (0..groups.len()).filter(|i| groups[*i] == group).collect()
}

/// How many cells a view hid, and why: what a response and the report say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub small_group: u32,
    pub complementary: u32,
    pub dominance: u32,
}

impl Tally {
    pub fn count(&mut self, cell: Cell) -> Cell {
        match cell {
            Cell::SmallGroup => self.small_group += 1,
            Cell::Complementary => self.complementary += 1,
            Cell::Dominance => self.dominance += 1,
            Cell::Shown | Cell::NotAvailable => {}
        }
        cell
    }

    pub fn any(&self) -> bool {
        self.small_group + self.complementary + self.dominance > 0
    }

    /// The sentence a response and the report carry.
    pub fn explanation(&self, rule: &Rule) -> String {
        if !rule.applies {
            return "Shown in full: this caller may see every figure of the region.".into();
        }
        let min = rule.min_group_size;
        if !self.any() {
            return format!(
                "No figure describes fewer than {min} people, so nothing was suppressed."
            );
        }
        let mut text = format!(
            "{} cell(s) describe fewer than {min} people and are suppressed; {} more cell(s) \
             are suppressed so that a published total cannot give a hidden one back.",
            self.small_group, self.complementary
        );
        if self.dominance > 0 {
            text.push_str(&format!(
                " {} amount(s) are suppressed because one company makes up more than {:.0} % \
                 of each.",
                self.dominance,
                DOMINANT_SHARE * 100.0
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Cell::*, *};

    const RULE: Rule = Rule {
        min_group_size: 5,
        applies: true,
    };

    #[test]
    fn a_single_cell_under_the_minimum_is_hidden_zero_and_the_minimum_are_not() {
        assert_eq!(RULE.single(0), Shown);
        assert_eq!(RULE.single(1), SmallGroup);
        assert_eq!(RULE.single(4), SmallGroup);
        assert_eq!(RULE.single(5), Shown);
        assert_eq!(RULE.single(500), Shown);
    }

    #[test]
    fn the_full_rule_hides_nothing() {
        let full = Rule::full(5);
        assert_eq!(full.single(1), Shown);
        let plan = full.rows(&[1, 2, 30]);
        assert_eq!(plan.rows, vec![Shown, Shown, Shown]);
        assert_eq!(plan.total, Shown);
    }

    #[test]
    fn one_small_row_takes_the_smallest_other_row_with_it() {
        let plan = RULE.rows(&[12, 3, 7, 20]);
        assert_eq!(plan.rows, vec![Shown, SmallGroup, Complementary, Shown]);
        assert_eq!(plan.total, Shown);
    }

    #[test]
    fn the_partner_is_the_first_of_equal_rows_and_never_an_empty_one() {
        let plan = RULE.rows(&[0, 9, 2, 9]);
        assert_eq!(plan.rows, vec![Shown, Complementary, SmallGroup, Shown]);
    }

    #[test]
    fn two_small_rows_protect_each_other() {
        let plan = RULE.rows(&[3, 4, 10]);
        assert_eq!(plan.rows, vec![SmallGroup, SmallGroup, Shown]);
        assert_eq!(plan.total, Shown);
    }

    #[test]
    fn rows_without_small_groups_stay() {
        let plan = RULE.rows(&[0, 6, 0]);
        assert_eq!(plan.rows, vec![Shown, Shown, Shown]);
        assert_eq!(plan.total, Shown);
        assert_eq!(RULE.rows(&[]).total, Shown);
    }

    #[test]
    fn a_small_total_is_hidden_itself() {
        let plan = RULE.rows(&[1, 2]);
        assert_eq!(plan.rows, vec![SmallGroup, SmallGroup]);
        assert_eq!(plan.total, SmallGroup);
    }

    #[test]
    fn a_small_row_with_only_empty_rows_beside_it_is_a_small_total() {
        // Nothing to pair it with, and no need: the total is the small row itself.
        let plan = RULE.rows(&[2, 0, 0]);
        assert_eq!(plan.rows, vec![SmallGroup, Shown, Shown]);
        assert_eq!(plan.total, SmallGroup);
        // One non-empty row beside it is enough for a partner, however large.
        let plan = RULE.rows(&[2, 0, 30]);
        assert_eq!(plan.rows, vec![SmallGroup, Shown, Complementary]);
        assert_eq!(plan.total, Shown);
    }

    #[test]
    fn a_sectors_total_with_one_hidden_company_takes_a_partner_from_the_sector() {
        // The region pairs metal's small 3 with its smallest shown row, metal's 9:
        // metal already holds two hidden rows, care none.
        let groups = ["metal", "metal", "metal", "care", "care"];
        let (plan, totals) = RULE.rows_in_groups(&[3, 20, 9, 30, 40], &groups, &[]);
        assert_eq!(
            plan.rows,
            vec![SmallGroup, Shown, Complementary, Shown, Shown]
        );
        assert_eq!(totals, vec![("metal", Shown), ("care", Shown)]);
        // Care's 8 is the region's smallest: metal's total less its 20 would give the
        // 3 back, so metal's 9 goes; care's total less its 40 would give the 8, so 40.
        let (plan, _) = RULE.rows_in_groups(&[3, 20, 9, 8, 40], &groups, &[]);
        assert_eq!(
            plan.rows,
            vec![
                SmallGroup,
                Shown,
                Complementary,
                Complementary,
                Complementary
            ]
        );
        // A small sector hides its own total; nothing to pair within it.
        let (plan, totals) =
            RULE.rows_in_groups(&[2, 0, 9, 30], &["bouw", "bouw", "care", "care"], &[]);
        assert_eq!(
            plan.rows,
            vec![SmallGroup, Shown, Complementary, Complementary]
        );
        // Care's total would be the region's less bouw's hidden one: it goes too.
        assert_eq!(totals, vec![("bouw", SmallGroup), ("care", Complementary)]);
        // A sector left with all rows shown hides its smallest, or they would add up.
        let (plan, totals) =
            RULE.rows_in_groups(&[1, 1, 9, 30], &["bouw", "bouw", "care", "care"], &[]);
        assert_eq!(
            plan.rows,
            vec![SmallGroup, SmallGroup, Complementary, Shown]
        );
        assert_eq!(totals, vec![("bouw", SmallGroup), ("care", Complementary)]);
    }

    #[test]
    fn beside_a_small_sector_of_one_dimension_each_other_sector_hides_a_row() {
        // Care's 2 answered this dimension: metal's 9 and 30 would add up to metal's
        // total, and the region's less it to care's.
        let mut rows = vec![SmallGroup, Shown, Shown];
        RULE.beside_small_groups(&[2, 9, 30], &["care", "metal", "metal"], &mut rows);
        assert_eq!(rows, vec![SmallGroup, Complementary, Shown]);
        // Metal already hides one: nothing more.
        let mut rows = vec![SmallGroup, Shown, Complementary];
        RULE.beside_small_groups(&[2, 9, 30], &["care", "metal", "metal"], &mut rows);
        assert_eq!(rows, vec![SmallGroup, Shown, Complementary]);
    }

    #[test]
    fn a_row_hidden_before_stays_hidden_and_never_alone() {
        let groups = ["metal"; 4];
        // Nothing small today, but the 6 and the 9 were hidden in an earlier answer.
        let (plan, _) = RULE.rows_in_groups(&[12, 6, 9, 20], &groups, &[false, true, true]);
        assert_eq!(plan.rows, vec![Shown, Complementary, Complementary, Shown]);
        // One kept row alone (its partner has left) takes a partner again.
        let (plan, _) = RULE.rows_in_groups(&[12, 6, 20], &groups[..3], &[false, true]);
        assert_eq!(plan.rows, vec![Complementary, Complementary, Shown]);
        // A caller who sees everything sees everything.
        let (plan, _) = Rule::full(5).rows_in_groups(&[12, 6], &groups[..2], &[true, true]);
        assert_eq!(plan.rows, vec![Shown, Shown]);
    }

    /// The property the rule exists for: whatever is shown, no hidden small row can
    /// be computed as the total minus the shown rows.
    #[test]
    fn no_hidden_small_row_is_the_total_minus_the_shown_ones() {
        let cases: Vec<Vec<u64>> = vec![
            vec![3, 10, 11],
            vec![1, 5],
            vec![4, 0, 0, 8],
            vec![2, 2, 2, 9],
            vec![6, 7, 1],
            vec![5, 5, 5],
            vec![0, 4, 0, 0, 12, 30],
        ];
        for people in cases {
            let plan = RULE.rows(&people);
            if !plan.total.is_shown() {
                continue;
            }
            let hidden: Vec<usize> = (0..people.len())
                .filter(|i| !plan.rows[*i].is_shown())
                .collect();
            assert_ne!(hidden.len(), 1, "{people:?} → {plan:?}");
            if hidden.iter().any(|i| plan.rows[*i] == SmallGroup) {
                // The hidden ones together describe at least two rows with people.
                let with_people = hidden.iter().filter(|i| people[**i] > 0).count();
                assert!(with_people >= 2, "{people:?} → {plan:?}");
            }
        }
    }

    #[test]
    fn the_tally_counts_and_explains() {
        let mut tally = Tally::default();
        for cell in RULE.rows(&[12, 3, 7]).rows {
            tally.count(cell);
        }
        assert_eq!(
            tally,
            Tally {
                small_group: 1,
                complementary: 1,
                dominance: 0,
            }
        );
        let text = tally.explanation(&RULE);
        assert!(text.contains("fewer than 5 people"), "{text}");
        assert!(
            Tally::default()
                .explanation(&Rule::full(5))
                .contains("in full")
        );
    }

    #[test]
    fn the_stricter_state_wins() {
        assert_eq!(Shown.and(Complementary), Complementary);
        assert_eq!(Complementary.and(SmallGroup), SmallGroup);
        assert_eq!(SmallGroup.and(NotAvailable), NotAvailable);
        assert_eq!(Shown.and(Shown), Shown);
    }

    #[test]
    fn the_explanation_says_whether_anything_was_hidden() {
        assert_eq!(
            Tally::default().explanation(&RULE),
            "No figure describes fewer than 5 people, so nothing was suppressed."
        );
        assert!(!Tally::default().any());
        let one_small = Tally {
            small_group: 1,
            complementary: 0,
            dominance: 0,
        };
        assert!(one_small.any());
        assert!(
            Tally {
                small_group: 0,
                complementary: 2,
                dominance: 0,
            }
            .any()
        );
        assert_eq!(
            one_small.explanation(&RULE),
            "1 cell(s) describe fewer than 5 people and are suppressed; 0 more cell(s) are \
             suppressed so that a published total cannot give a hidden one back."
        );
        let mut counted = Tally::default();
        for cell in [
            SmallGroup,
            Complementary,
            Complementary,
            Shown,
            NotAvailable,
        ] {
            assert_eq!(counted.count(cell), cell);
        }
        assert_eq!(
            counted,
            Tally {
                small_group: 1,
                complementary: 2,
                dominance: 0,
            }
        );
        assert_eq!(
            Tally::default().explanation(&Rule::full(5)),
            "Shown in full: this caller may see every figure of the region."
        );
    }
}
