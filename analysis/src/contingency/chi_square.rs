//! Pearson's chi-square test of independence for r x c tables, as
//! `scipy.stats.chi2_contingency`: Yates' continuity correction (optional) applies only when the
//! table has one degree of freedom, moving each observed count half a unit towards its expected
//! count (never past it).

use super::ContingencyTable;
use crate::distributions::chi2_sf;
use crate::outcome::{NotTestable, Outcome};
use serde::{Deserialize, Serialize};

/// Result of the chi-square test of independence.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChiSquare {
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
    /// Number of samples in the table.
    pub n: u64,
    /// Whether Yates' correction was applied (requested and df = 1).
    pub yates: bool,
    /// Cramér's V from the uncorrected statistic: `sqrt(chi2 / (n (min(r, c) - 1)))`.
    pub cramers_v: f64,
}

/// Chi-square test of independence. Rows and columns with no samples are dropped first (a level
/// absent from the cohort carries no information and would make expected counts zero); if fewer
/// than two rows or columns remain the variables do not vary and the result is
/// [`NotTestable::ConstantValues`].
pub fn chi_square(table: &ContingencyTable, yates: bool) -> Outcome<ChiSquare> {
    let t = table.without_empty_margins();
    if t.rows() < 2 || t.cols() < 2 {
        return Err(NotTestable::ConstantValues);
    }
    let (rs, cs) = (t.row_sums(), t.col_sums());
    let n = t.total();
    let total = n as f64;
    let df = ((t.rows() - 1) * (t.cols() - 1)) as f64;
    let apply_yates = yates && df == 1.0;
    let (mut statistic, mut uncorrected) = (0.0, 0.0);
    for (r, &row_sum) in rs.iter().enumerate() {
        for (c, &col_sum) in cs.iter().enumerate() {
            let expected = row_sum as f64 * col_sum as f64 / total;
            let observed = t.get(r, c) as f64;
            let diff = observed - expected;
            uncorrected += diff * diff / expected;
            let adjusted = if apply_yates {
                diff.abs() - diff.abs().min(0.5)
            } else {
                diff.abs()
            };
            statistic += adjusted * adjusted / expected;
        }
    }
    let k = t.rows().min(t.cols()) as f64;
    Ok(ChiSquare {
        statistic,
        df,
        p_value: chi2_sf(statistic, df),
        n,
        yates: apply_yates,
        cramers_v: (uncorrected / (total * (k - 1.0))).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_by_two_closed_form() {
        // [[10, 20], [30, 40]]: chi2 = N (ad - bc)^2 / (r1 r2 c1 c2) = 100 * 200^2 / (30*70*40*60).
        let t = ContingencyTable::new(2, 2, vec![10, 20, 30, 40]).unwrap();
        let r = chi_square(&t, false).unwrap();
        let expect = 100.0 * 200.0f64.powi(2) / (30.0 * 70.0 * 40.0 * 60.0);
        assert!((r.statistic - expect).abs() < 1e-13);
        // Yates: N (|ad - bc| - N/2)^2 / (r1 r2 c1 c2).
        let y = chi_square(&t, true).unwrap();
        let expect = 100.0 * 150.0f64.powi(2) / (30.0 * 70.0 * 40.0 * 60.0);
        assert!((y.statistic - expect).abs() < 1e-13);
        assert!(y.yates);
    }

    #[test]
    fn single_level_is_constant() {
        let t = ContingencyTable::new(2, 2, vec![5, 0, 7, 0]).unwrap();
        assert_eq!(
            chi_square(&t, false).unwrap_err(),
            NotTestable::ConstantValues
        );
    }
}
