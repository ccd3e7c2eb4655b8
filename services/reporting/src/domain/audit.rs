//! Which hidden figures follow from the shown ones, however they are combined: the
//! audit a statistics office runs on linked tables before it publishes them (τ-ARGUS).
//!
//! Figures are numbered; some are shown, the others hidden; sums tie them together
//! (a total is the sum of its parts). A hidden figure is disclosed when the sums fix its
//! value whatever the other hidden figures are: when its unit vector lies in the row
//! space of the sums restricted to the hidden figures. That is exactly what any
//! combination of additions and subtractions of published figures can give back, not
//! only the one-unknown-at-a-time sums an attacker tries by hand. Bounds (a hidden
//! figure known to lie between two values) are not audited.
//!
//! Exact: integer elimination, each row divided by the greatest common divisor of its
//! entries, so no tolerance is needed.

/// Figures and the sums between them.
#[derive(Debug, Clone, Default)]
pub struct Sums {
    figures: usize,
    sums: Vec<(usize, Vec<usize>)>,
}

impl Sums {
    pub fn new(figures: usize) -> Sums {
        Sums {
            figures,
            sums: Vec::new(),
        }
    }

    /// `total` is the sum of `parts` (figure numbers below `new`'s count).
    pub fn sum(&mut self, total: usize, parts: impl IntoIterator<Item = usize>) {
        self.sums.push((total, parts.into_iter().collect()));
    }

    /// For each figure: whether it is hidden (`hidden[i]`) and yet follows from the
    /// shown figures and the sums.
    pub fn disclosed(&self, hidden: &[bool]) -> Vec<bool> {
        debug_assert_eq!(hidden.len(), self.figures);
        let unknowns: Vec<usize> = (0..self.figures).filter(|i| hidden[*i]).collect();
        let column = |figure: usize| unknowns.binary_search(&figure).ok();
        // Each sum as a row over the hidden figures; the shown ones are constants.
        let mut rows: Vec<Vec<i128>> = self
            .sums
            .iter()
            .map(|(total, parts)| {
                let mut row = vec![0i128; unknowns.len()];
                if let Some(c) = column(*total) {
                    row[c] += 1;
                }
                for c in parts.iter().filter_map(|p| column(*p)) {
                    row[c] -= 1;
                }
                row
            })
            .filter(|row| row.iter().any(|x| *x != 0))
            .collect();
        let pivots = reduce(&mut rows, unknowns.len());
        let mut disclosed = vec![false; self.figures];
        for (row, c) in pivots {
            if rows[row].iter().filter(|x| **x != 0).count() == 1 {
                disclosed[unknowns[c]] = true;
            }
        }
        disclosed
    }
}

/// Brings `rows` to reduced row echelon form (integer entries, each row divided by the
/// gcd of its entries); returns each pivot's row and column.
fn reduce(rows: &mut [Vec<i128>], columns: usize) -> Vec<(usize, usize)> {
    let mut pivots = Vec::new();
    let mut next = 0;
    for c in 0..columns {
        let Some(found) = (next..rows.len()).find(|r| rows[*r][c] != 0) else {
            continue;
        };
        rows.swap(next, found);
        let pivot_row = rows[next].clone();
        // Sums are sparse: only the pivot row's non-zero entries change another row
        // (beyond scaling it by the pivot, which a pivot of 1 spares).
        let pivot_entries: Vec<(usize, i128)> = (pivot_row.iter().copied().enumerate())
            .filter(|(_, x)| *x != 0)
            .collect();
        let p = pivot_row[c];
        for (r, row) in rows.iter_mut().enumerate() {
            if r == next || row[c] == 0 {
                continue;
            }
            let x = row[c];
            if p != 1 {
                row.iter_mut().for_each(|entry| *entry *= p);
            }
            for (j, pivot_entry) in &pivot_entries {
                row[*j] -= pivot_entry * x;
            }
            if p != 1 || x.abs() != 1 {
                normalise(row);
            }
        }
        pivots.push((next, c));
        next += 1;
    }
    pivots
}

fn normalise(row: &mut [i128]) {
    let divisor = row.iter().fold(0i128, |g, x| gcd(g, x.abs()));
    if divisor > 1 {
        for x in row.iter_mut() {
            *x /= divisor;
        }
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-by-two table with its margins: cells 0–3 (a b / c d), row totals 4 and 5,
    /// column totals 6 and 7, the grand total 8.
    fn two_by_two() -> Sums {
        let mut sums = Sums::new(9);
        sums.sum(4, [0, 1]);
        sums.sum(5, [2, 3]);
        sums.sum(6, [0, 2]);
        sums.sum(7, [1, 3]);
        sums.sum(8, [4, 5]);
        sums.sum(8, [6, 7]);
        sums
    }

    fn hiding(figures: &[usize]) -> Vec<bool> {
        (0..9).map(|i| figures.contains(&i)).collect()
    }

    #[test]
    fn one_hidden_cell_follows_from_its_total() {
        let disclosed = two_by_two().disclosed(&hiding(&[0]));
        assert_eq!(disclosed, hiding(&[0]));
    }

    #[test]
    fn a_hidden_rectangle_of_cells_holds() {
        // The four inner cells hidden, the margins shown: a + b, c + d, a + c, b + d are
        // known, but not one of them alone.
        assert_eq!(two_by_two().disclosed(&hiding(&[0, 1, 2, 3])), hiding(&[]));
    }

    #[test]
    fn two_cells_in_one_row_fall_when_a_column_gives_one() {
        // a and b hidden in a row, but a's column total shown with c: a follows, then b.
        assert_eq!(two_by_two().disclosed(&hiding(&[0, 1])), hiding(&[0, 1]));
    }

    #[test]
    fn what_only_a_combination_of_sums_gives_is_found() {
        // a, b, c hidden with a's row and column totals: row 5 (c + d) gives c, column 7
        // (b + d) gives b, the grand total less row 5 gives row 4, hence a.
        let disclosed = two_by_two().disclosed(&hiding(&[0, 1, 2, 4, 6]));
        assert_eq!(disclosed, hiding(&[0, 1, 2, 4, 6]));
        // With d hidden too, no single cell follows: only a + b and a + c, the grand
        // total less the shown margins.
        let hidden = hiding(&[0, 1, 2, 3, 4, 6]);
        assert_eq!(two_by_two().disclosed(&hidden), hiding(&[4, 6]));
    }

    #[test]
    fn a_difference_of_two_sums_is_found_where_no_sum_has_one_unknown() {
        // x + y = 10 and x + y + z = 13 (figures 0–2, totals 3 and 4): z follows though
        // each sum has two or three unknowns.
        let mut sums = Sums::new(5);
        sums.sum(3, [0, 1]);
        sums.sum(4, [0, 1, 2]);
        let hidden = [true, true, true, false, false];
        assert_eq!(
            sums.disclosed(&hidden),
            vec![false, false, true, false, false]
        );
    }
}
