//! The answer of a streaming import stays bounded however long the stream runs: every
//! row of the first [`ROWS_IN_FULL`] gets its result; after those, only rows worth a
//! caller's attention (rejected, or otherwise not created) do, at most
//! [`MAX_LATER_RESULTS`]; the rest is counted in `omitted`.

/// Every row of a stream this long gets its result (a typical company's or school's
/// import).
pub const ROWS_IN_FULL: i64 = 1_000;
/// After those, at most this many results of rows worth attention.
pub const MAX_LATER_RESULTS: usize = 1_000;

#[derive(Debug)]
pub struct BoundedResults<T> {
    results: Vec<T>,
    later: usize,
    omitted: i32,
}

impl<T> Default for BoundedResults<T> {
    fn default() -> Self {
        Self {
            results: Vec::new(),
            later: 0,
            omitted: 0,
        }
    }
}

impl<T> BoundedResults<T> {
    /// Adds the result of row `row_number` (1-based); `noteworthy` rows are kept after
    /// the first [`ROWS_IN_FULL`], up to [`MAX_LATER_RESULTS`].
    pub fn add(&mut self, row_number: i64, noteworthy: bool, result: T) {
        if row_number <= ROWS_IN_FULL {
            self.results.push(result);
        } else if noteworthy && self.later < MAX_LATER_RESULTS {
            self.later += 1;
            self.results.push(result);
        } else {
            self.omitted = self.omitted.saturating_add(1);
        }
    }

    /// The results kept, in the order added, and how many rows have none.
    pub fn finish(self) -> (Vec<T>, i32) {
        (self.results, self.omitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_rows_in_full_then_noteworthy_ones_up_to_the_cap() {
        let mut answer = BoundedResults::default();
        for row in 1..=ROWS_IN_FULL {
            answer.add(row, false, row);
        }
        // After the first thousand: a plain row is only counted...
        answer.add(ROWS_IN_FULL + 1, false, ROWS_IN_FULL + 1);
        // ...and noteworthy rows are kept up to the cap, then counted too.
        let first_later = ROWS_IN_FULL + 2;
        let last = first_later + MAX_LATER_RESULTS as i64;
        for row in first_later..=last {
            answer.add(row, true, row);
        }
        let (results, omitted) = answer.finish();
        assert_eq!(results.len(), ROWS_IN_FULL as usize + MAX_LATER_RESULTS);
        assert_eq!(results[ROWS_IN_FULL as usize], first_later);
        assert_eq!(results.last(), Some(&(last - 1)));
        assert_eq!(
            omitted, 2,
            "the plain row and the one noteworthy row over the cap"
        );
    }
}
