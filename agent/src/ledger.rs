//! Every test the session ran, in one place. Error control covers all of them: an agent that asks
//! hundreds of questions must pay for all of them, not only for the tests that made it into a
//! hypothesis.
//!
//! The run's claims are chosen by the p-filter (`analysis::p_filter`, Barber and Ramdas 2017)
//! with three layers: the rows, the questions they answer (an analysis, or one subject of an
//! analysis that screens many), and the analyses. It controls the FDR among claimed rows, among
//! questions with a claim and among analyses with a claim, all at `Q_STRONG`, over everything
//! the run tested.
//! The stratified BH used before (BH per kind of question) did not: under the global null each
//! of ~11 strata claimed something with probability ~alpha, so a run claimed something about 40%
//! of the time. The simulation in `analysis/tests/p_filter.rs` runs the adaptive loop (follow-ups
//! opened from interim claims) under the global null and under mixtures.
//!
//! Interim decisions (is this analysis strong enough to follow up?) use the selection at
//! `Q_STRONG` over the tests so far; q-values for quoting are the smallest level at which the
//! p-filter claims a row, computed when first asked for after the ledger changed.

use crate::question::PlannedDirection;
use analysis::p_filter::{PFilter, Partition};
use datasets::SampleId;
use graph::TestKind;
use serde::{Deserialize, Serialize};

/// Default false-discovery level for calling a finding strong.
pub const Q_STRONG: f64 = 0.05;

/// One test result: a row of findings.tsv. Its numbers may be NaN or infinite (no interval, a
/// degenerate statistic); the journal writes those so they come back (`journal::float`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestRow {
    pub layer: String,
    pub feature: String,
    pub gene: String,
    /// The clinical variable, mutation, cluster set or partner layer tested against.
    pub variable: String,
    /// Contrast within the variable (`mutated vs wild-type`, `Serous vs rest`, `per SD`).
    pub contrast: String,
    /// The test that produced the row.
    pub test: TestKind,
    /// Effect on the module's natural scale (mean difference on the layer's scale, rho, log HR).
    #[serde(with = "crate::journal::float")]
    pub effect: f64,
    #[serde(with = "crate::journal::float")]
    pub ci_low: f64,
    #[serde(with = "crate::journal::float")]
    pub ci_high: f64,
    /// Effect on a common scale for thresholds: Hedges' g, rho, log HR per SD, log2 fold enrichment.
    #[serde(with = "crate::journal::float")]
    pub std_effect: f64,
    #[serde(with = "crate::journal::float")]
    pub statistic: f64,
    #[serde(with = "crate::journal::float")]
    pub p: f64,
    pub n: usize,
    /// A caveat about the test's assumptions, stated with the finding (a Cox model whose
    /// proportional-hazards check fails, a fit rescued by Firth's penalty); `None` when there is
    /// none. Rows journaled before the field existed read as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl TestRow {
    pub fn direction(&self) -> &'static str {
        if self.effect > 0.0 {
            "up"
        } else if self.effect < 0.0 {
            "down"
        } else {
            "none"
        }
    }

    /// Smallest standardised effect worth reporting for this kind of test.
    pub fn min_std_effect(&self) -> f64 {
        match self.test {
            TestKind::WelchT
            | TestKind::MannWhitney
            | TestKind::ModeratedT
            | TestKind::PairedT
            | TestKind::OlsT => 0.5,
            TestKind::Spearman | TestKind::SpearmanTrend => 0.3,
            TestKind::CoxWald | TestKind::CoxFirth => 0.25,
            TestKind::Hypergeometric => 0.58, // 1.5-fold enrichment
            // A normalised enrichment score beyond 1: the set's walk deviates more than random
            // sets of its size do on average.
            TestKind::Gsea => 1.0,
            // Members' mean signed z a quarter of a null SD away from the other genes'.
            TestKind::Camera => 0.25,
            TestKind::ChiSquare => 0.3, // Cramér's V
        }
    }
}

/// One completed analysis: the question, what was run on which samples, and every test result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AnalysisRecord {
    pub step: usize,
    pub direction: PlannedDirection,
    pub module: String,
    pub params: serde_json::Value,
    pub layers: Vec<String>,
    pub samples: Vec<SampleId>,
    pub rows: Vec<TestRow>,
    /// Features that could not be tested, with the most common reason.
    pub not_testable: usize,
    pub notes: Vec<String>,
}

#[derive(Default, Debug)]
pub struct Ledger {
    analyses: Vec<AnalysisRecord>,
    /// Per analysis per row: claimed by the p-filter at `Q_STRONG` over every test so far.
    claimed: Vec<Vec<bool>>,
    /// Session-wide q per analysis per row; computed on first use after a push.
    q: std::sync::OnceLock<Vec<Vec<f64>>>,
}

impl Ledger {
    pub fn push(&mut self, record: AnalysisRecord) {
        self.analyses.push(record);
        self.recompute();
    }

    pub fn analyses(&self) -> &[AnalysisRecord] {
        &self.analyses
    }

    pub fn analysis(&self, step: usize) -> Option<&AnalysisRecord> {
        self.analyses.iter().find(|a| a.step == step)
    }

    pub fn total_tests(&self) -> usize {
        self.analyses.iter().map(|a| a.rows.len()).sum()
    }

    pub fn q(&self, analysis_index: usize, row: usize) -> f64 {
        self.q
            .get_or_init(|| self.q_values())
            .get(analysis_index)
            .and_then(|q| q.get(row))
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// Index of an analysis by step.
    pub fn index_of(&self, step: usize) -> Option<usize> {
        self.analyses.iter().position(|a| a.step == step)
    }

    /// Rows of an analysis that pass the session-wide q threshold and the effect-size floor,
    /// strongest first.
    pub fn strong_rows(&self, analysis_index: usize, q_max: f64) -> Vec<usize> {
        let Some(a) = self.analyses.get(analysis_index) else {
            return Vec::new();
        };
        let mut rows: Vec<usize> = (0..a.rows.len())
            .filter(|&r| {
                let row = &a.rows[r];
                let claimed = if q_max == Q_STRONG {
                    self.claimed[analysis_index][r]
                } else {
                    self.q(analysis_index, r) <= q_max
                };
                claimed && row.std_effect.abs() >= row.min_std_effect()
            })
            .collect();
        rows.sort_by(|&x, &y| a.rows[x].p.total_cmp(&a.rows[y].p));
        rows
    }

    /// Every row's p-value with the analysis it belongs to, in ledger order.
    fn filter(&self) -> Option<PFilter> {
        let p: Vec<f64> = self
            .analyses
            .iter()
            .flat_map(|a| a.rows.iter().map(|r| r.p))
            .collect();
        let family: Vec<usize> = self
            .analyses
            .iter()
            .enumerate()
            .flat_map(|(i, a)| std::iter::repeat_n(i, a.rows.len()))
            .collect();
        PFilter::new(
            &p,
            &[
                Partition::singletons(p.len()),
                Partition::from_labels(&self.question_labels()),
                Partition::from_labels(&family),
            ],
        )
        .ok()
    }

    /// Each row's question: its analysis, or for an analysis that screens many subjects at once
    /// (`Kind::screens_many_subjects`: module and pathway scores against every variable and
    /// mutation) its analysis and subject. As a layer of the p-filter this controls the FDR among
    /// questions with a claim too, so a subject (a passenger mutation, say) is claimed only when
    /// its own tests, taken together, stand out among the run's questions, not because the
    /// strong subjects of the same analysis (a batch effect) loosened the analysis's threshold.
    fn question_labels(&self) -> Vec<usize> {
        let mut labels = Vec::with_capacity(self.total_tests());
        let mut next = 0;
        for a in &self.analyses {
            if a.direction.question.kind().screens_many_subjects() {
                let mut subjects: std::collections::HashMap<&str, usize> =
                    std::collections::HashMap::new();
                for row in &a.rows {
                    labels.push(*subjects.entry(row.variable.as_str()).or_insert_with(|| {
                        next += 1;
                        next - 1
                    }));
                }
            } else {
                labels.extend(std::iter::repeat_n(next, a.rows.len()));
                next += 1;
            }
        }
        labels
    }

    /// Splits a flat per-row vector back into one vector per analysis.
    fn per_analysis<T: Clone>(&self, flat: &[T]) -> Vec<Vec<T>> {
        let mut rest = flat;
        self.analyses
            .iter()
            .map(|a| {
                let (head, tail) = rest.split_at(a.rows.len().min(rest.len()));
                rest = tail;
                head.to_vec()
            })
            .collect()
    }

    fn recompute(&mut self) {
        self.q = std::sync::OnceLock::new();
        let selected = self
            .filter()
            .and_then(|f| f.select(Q_STRONG).ok())
            .map(|s| s.selected)
            .unwrap_or_default();
        self.claimed = self.per_analysis(&selected);
    }

    /// q-values of every row; a row claimed at `Q_STRONG` quotes at most `Q_STRONG` (its exact q
    /// is below it, and a quoted q may be rounded up, never down).
    fn q_values(&self) -> Vec<Vec<f64>> {
        let Some(filter) = self.filter() else {
            return self
                .analyses
                .iter()
                .map(|a| vec![f64::NAN; a.rows.len()])
                .collect();
        };
        let mut q = self.per_analysis(&filter.q_values());
        for (qa, ca) in q.iter_mut().zip(&self.claimed) {
            for (qi, &c) in qa.iter_mut().zip(ca) {
                if c {
                    *qi = qi.min(Q_STRONG);
                }
            }
        }
        q
    }
}
