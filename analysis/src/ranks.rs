//! Average ranks with tie bookkeeping.
//!
//! Every rank-based test (Mann-Whitney, Kruskal-Wallis, Spearman, the rank-sum set test) needs
//! the same two things from one sort: the average ranks (ties share the mean of the ranks they
//! span, as `scipy.stats.rankdata(method="average")`) and the tie term `sum(t^3 - t)` over tie
//! groups that the normal approximations correct with. Computing both in one pass means each
//! feature is sorted exactly once.

/// What the ranking learned about ties.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Ties {
    /// `sum(t^3 - t)` over groups of `t` equal values; zero without ties.
    pub tie_term: f64,
    /// Whether any value occurs more than once.
    pub any: bool,
}

/// Reusable buffers so ranking many features allocates only once per thread.
#[derive(Clone, Debug, Default)]
pub struct RankScratch {
    order: Vec<usize>,
}

impl RankScratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Writes the 1-based average ranks of `values` into `ranks` (resized to match) and returns the
/// tie summary. `values` must not contain NaN; callers filter missing values first.
pub fn average_ranks(values: &[f64], ranks: &mut Vec<f64>, scratch: &mut RankScratch) -> Ties {
    let n = values.len();
    ranks.clear();
    ranks.resize(n, 0.0);
    let order = &mut scratch.order;
    order.clear();
    order.extend(0..n);
    order.sort_unstable_by(|&i, &j| values[i].total_cmp(&values[j]));

    let mut ties = Ties::default();
    let mut start = 0;
    while start < n {
        let value = values[order[start]];
        let mut end = start + 1;
        while end < n && values[order[end]] == value {
            end += 1;
        }
        // Positions start..end (0-based) hold ranks start+1..=end; their mean is below.
        let average = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = average;
        }
        let t = (end - start) as f64;
        if end - start > 1 {
            ties.any = true;
            ties.tie_term += t * t * t - t;
        }
        start = end;
    }
    ties
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_the_average_rank() {
        let mut ranks = Vec::new();
        let mut scratch = RankScratch::new();
        let ties = average_ranks(&[3.0, 1.0, 3.0, 2.0, 3.0], &mut ranks, &mut scratch);
        assert_eq!(ranks, vec![4.0, 1.0, 4.0, 2.0, 4.0]);
        assert!(ties.any);
        assert_eq!(ties.tie_term, 24.0);
    }

    #[test]
    fn no_ties() {
        let mut ranks = Vec::new();
        let mut scratch = RankScratch::new();
        let ties = average_ranks(&[0.5, -1.0, 2.0], &mut ranks, &mut scratch);
        assert_eq!(ranks, vec![2.0, 1.0, 3.0]);
        assert_eq!(ties, Ties::default());
        let ties = average_ranks(&[], &mut ranks, &mut scratch);
        assert!(ranks.is_empty() && !ties.any);
    }
}
