//! Categorical x categorical association: r x c contingency tables, the chi-square test of
//! independence and Fisher's exact test for 2 x 2 tables, plus the hypergeometric distribution
//! both Fisher's test and gene-set over-representation rest on.

mod chi_square;
mod fisher;
pub mod hypergeometric;

pub use chi_square::{ChiSquare, chi_square};
pub use fisher::{FisherExact, fisher_exact};

use crate::groups::GroupLabels;
use crate::outcome::{NotTestable, Outcome};
use datasets::SampleId;
use serde::{Deserialize, Serialize};

/// Counts of samples per (row level, column level), row-major.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContingencyTable {
    rows: usize,
    cols: usize,
    counts: Vec<u64>,
}

impl ContingencyTable {
    /// A table from row-major counts; `None` if the shape does not match.
    pub fn new(rows: usize, cols: usize, counts: Vec<u64>) -> Option<Self> {
        (rows.checked_mul(cols) == Some(counts.len())).then_some(Self { rows, cols, counts })
    }

    /// Cross-tabulates two label vectors of equal length (level indices; `None` = missing,
    /// skipped). Levels beyond the given level counts are an error.
    pub fn from_labels(
        row_labels: &[Option<usize>],
        row_levels: usize,
        col_labels: &[Option<usize>],
        col_levels: usize,
    ) -> Outcome<Self> {
        if row_labels.len() != col_labels.len() {
            return Err(NotTestable::InvalidInput {
                detail: format!(
                    "{} row labels but {} column labels",
                    row_labels.len(),
                    col_labels.len()
                ),
            });
        }
        let mut counts = vec![0u64; row_levels * col_levels];
        for (r, c) in row_labels.iter().zip(col_labels) {
            if let (Some(r), Some(c)) = (*r, *c) {
                if r >= row_levels || c >= col_levels {
                    return Err(NotTestable::InvalidInput {
                        detail: format!("label ({r}, {c}) outside {row_levels} x {col_levels}"),
                    });
                }
                counts[r * col_levels + c] += 1;
            }
        }
        Ok(Self {
            rows: row_levels,
            cols: col_levels,
            counts,
        })
    }

    /// Cross-tabulates two sample annotations, matching samples by ID: only samples labelled in
    /// both count. Rows follow `rows.levels()`, columns `cols.levels()`.
    pub fn from_annotations(rows: &GroupLabels, cols: &GroupLabels) -> Self {
        let samples: &[SampleId] = rows.samples();
        let col_labels = cols.aligned_to(samples);
        let (r, c) = (rows.levels().len(), cols.levels().len());
        let mut counts = vec![0u64; r * c];
        for (a, b) in rows.labels().iter().zip(&col_labels) {
            if let (Some(a), Some(b)) = (*a, *b) {
                counts[a * c + b] += 1;
            }
        }
        Self {
            rows: r,
            cols: c,
            counts,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn get(&self, row: usize, col: usize) -> u64 {
        if row < self.rows && col < self.cols {
            self.counts[row * self.cols + col]
        } else {
            0
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn row_sums(&self) -> Vec<u64> {
        (0..self.rows)
            .map(|r| (0..self.cols).map(|c| self.get(r, c)).sum())
            .collect()
    }

    pub fn col_sums(&self) -> Vec<u64> {
        (0..self.cols)
            .map(|c| (0..self.rows).map(|r| self.get(r, c)).sum())
            .collect()
    }

    /// The table without empty rows and columns (levels no sample carries).
    pub fn without_empty_margins(&self) -> Self {
        let rs = self.row_sums();
        let cs = self.col_sums();
        let keep_r: Vec<usize> = (0..self.rows).filter(|&r| rs[r] > 0).collect();
        let keep_c: Vec<usize> = (0..self.cols).filter(|&c| cs[c] > 0).collect();
        let counts = keep_r
            .iter()
            .flat_map(|&r| keep_c.iter().map(move |&c| (r, c)))
            .map(|(r, c)| self.get(r, c))
            .collect();
        Self {
            rows: keep_r.len(),
            cols: keep_c.len(),
            counts,
        }
    }

    /// The four cells `[[a, b], [c, d]]` of a 2 x 2 table.
    pub fn as_2x2(&self) -> Option<[[u64; 2]; 2]> {
        (self.rows == 2 && self.cols == 2).then(|| {
            [
                [self.get(0, 0), self.get(0, 1)],
                [self.get(1, 0), self.get(1, 1)],
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_tabulation() {
        let t = ContingencyTable::from_labels(
            &[Some(0), Some(1), Some(1), None, Some(0)],
            2,
            &[Some(2), Some(0), Some(0), Some(1), Some(2)],
            3,
        )
        .unwrap();
        assert_eq!(t.get(0, 2), 2);
        assert_eq!(t.get(1, 0), 2);
        assert_eq!(t.total(), 4);
        let trimmed = t.without_empty_margins();
        assert_eq!((trimmed.rows(), trimmed.cols()), (2, 2));
        assert_eq!(trimmed.as_2x2(), Some([[0, 2], [2, 0]]));
    }

    #[test]
    fn annotations_align_by_id() {
        let ids = |v: &[&str]| v.iter().map(|&s| SampleId::from(s)).collect::<Vec<_>>();
        let a =
            GroupLabels::new(ids(&["s1", "s2", "s3"]), &[Some("x"), Some("y"), Some("y")]).unwrap();
        let b =
            GroupLabels::new(ids(&["s3", "s1", "s4"]), &[Some("p"), Some("q"), Some("p")]).unwrap();
        let t = ContingencyTable::from_annotations(&a, &b);
        // s1: (x, q); s3: (y, p); s2 has no column label.
        assert_eq!(t.as_2x2(), Some([[0, 1], [1, 0]]));
    }
}
