//! The pre-specified check behind a chain's "same gene, other layer" link: one gene's feature
//! in another layer (RNA) between the groups of the primary finding's contrast. It answers three
//! ways: changed (Welch p < 0.05), unchanged (TOST: the difference lies within plus or minus
//! [`MARGIN_SD`] pooled standard deviations), or inconclusive. A non-significant difference is
//! never read as "unchanged"; only the equivalence test says that.
//!
//! One check per link, stated before it is run (the chain predicts it), so it is judged at the
//! nominal level like a held-out re-test; it is run again on the held-out samples.

use crate::execute::groups::contrast_groups;
use crate::execute::{Context, restrict_features};
use crate::hypothesis::{fmt_effect, fmt_p};
use analysis::compare::{CompareOptions, TwoGroupComparison, compare_two_groups};
use analysis::equivalence::{Equivalence, VarianceModel, pooled_sd, tost};
use analysis::groups::Membership;
use graph::LinkFinding;

/// The equivalence margin in pooled standard deviations: the smallest standardised difference
/// the screens report as an effect (Hedges' g 0.5, `TestRow::min_std_effect`), so "unchanged"
/// means "less than an effect the run would have called one".
pub const MARGIN_SD: f64 = 0.5;

/// Level of the check's tests (difference and equivalence).
pub const CHECK_ALPHA: f64 = 0.05;

/// One gene's feature of `layer` compared between the two groups of `contrast` of `variable`.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupCheck {
    pub variable: String,
    pub contrast: String,
    pub layer: String,
    pub gene: String,
}

/// What the check found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// Different at [`CHECK_ALPHA`], with the sign of the difference, and not within the margin.
    Changed(f64),
    /// Equivalent within the margin at [`CHECK_ALPHA`].
    Unchanged,
    /// Neither shown.
    Inconclusive,
}

/// The check's numbers.
#[derive(Clone, Debug)]
pub struct CheckOutcome {
    pub feature: String,
    pub comparison: TwoGroupComparison,
    pub equivalence: Equivalence,
    /// The margin on the layer's scale (`MARGIN_SD` pooled SDs).
    pub margin: f64,
}

impl CheckOutcome {
    pub fn verdict(&self) -> Verdict {
        if self.equivalence.shown(CHECK_ALPHA) {
            Verdict::Unchanged
        } else if self.comparison.welch.p_value < CHECK_ALPHA {
            Verdict::Changed(self.comparison.mean_difference.value.signum())
        } else {
            Verdict::Inconclusive
        }
    }

    /// The finding a link cites: the equivalence test for "unchanged", else the difference.
    pub fn finding(&self, layer: &str, contrast: &str) -> LinkFinding {
        let n = self.comparison.n_a + self.comparison.n_b;
        let d = &self.comparison.mean_difference;
        match self.verdict() {
            Verdict::Unchanged => LinkFinding {
                finding: None,
                test: "TOST (Welch)".into(),
                effect: self.equivalence.difference,
                ci_low: self.equivalence.ci90_low,
                ci_high: self.equivalence.ci90_high,
                p: self.equivalence.p,
                q: None,
                n,
                summary: format!(
                    "{layer} {} ({contrast}): difference {} [90% CI {}, {}] within ±{} ({MARGIN_SD} SD), TOST p={}, n={n}",
                    self.feature,
                    fmt_effect(self.equivalence.difference),
                    fmt_effect(self.equivalence.ci90_low),
                    fmt_effect(self.equivalence.ci90_high),
                    fmt_effect(self.margin),
                    fmt_p(self.equivalence.p),
                ),
            },
            _ => LinkFinding {
                finding: None,
                test: "Welch t".into(),
                effect: d.value,
                ci_low: d.ci_low,
                ci_high: d.ci_high,
                p: self.comparison.welch.p_value,
                q: None,
                n,
                summary: format!(
                    "{layer} {} ({contrast}): difference {} [{}, {}], p={}, n={n}",
                    self.feature,
                    fmt_effect(d.value),
                    fmt_effect(d.ci_low),
                    fmt_effect(d.ci_high),
                    fmt_p(self.comparison.welch.p_value),
                ),
            },
        }
    }
}

impl GroupCheck {
    /// Runs the check on the samples of `ctx` (tumours only, as the screens compare them).
    /// `None` when the gene is not measured in the layer or the groups are too small.
    pub fn run(&self, ctx: &Context<'_>) -> Option<CheckOutcome> {
        let layer = ctx.layer(&self.layer).ok()?;
        let matrix = ctx.scoped_matrix(
            &restrict_features(&layer.matrix, std::slice::from_ref(&self.gene), true),
            false,
        );
        // The gene-level feature when there is one (`MLH1`), else its first (`MLH1|probe`).
        let column = (0..matrix.n_features())
            .find(|&j| matrix.features()[j].as_str() == self.gene)
            .or((matrix.n_features() > 0).then_some(0))?;
        let samples = matrix.samples().to_vec();
        let groups = contrast_groups(ctx, &self.variable, &self.contrast, &samples).ok()?;
        let values = matrix.feature(column);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (m, &v) in groups.aligned_to(&samples).iter().zip(values) {
            match m {
                Membership::A => a.push(v),
                Membership::B => b.push(v),
                Membership::Excluded => {}
            }
        }
        let comparison = compare_two_groups(
            &a,
            &b,
            &CompareOptions {
                min_per_group: 3,
                rank_test: false,
            },
        )
        .ok()?;
        let clean =
            |v: &[f64]| -> Vec<f64> { v.iter().copied().filter(|x| x.is_finite()).collect() };
        let (a, b) = (clean(&a), clean(&b));
        let margin = MARGIN_SD * pooled_sd(&a, &b)?;
        let equivalence = tost(&a, &b, -margin, margin, VarianceModel::Unequal).ok()?;
        Some(CheckOutcome {
            feature: matrix.features()[column].to_string(),
            comparison,
            equivalence,
            margin,
        })
    }
}
