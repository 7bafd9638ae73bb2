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
use std::sync::OnceLock;

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

#[derive(Debug)]
pub struct Ledger {
    analyses: Vec<AnalysisRecord>,
    /// Where each analysis's rows start in the p-filter's family.
    offsets: Vec<usize>,
    /// Every row so far with its three layers; grows by one block per analysis, so a push
    /// prepares only the new analysis.
    filter: PFilter,
    /// Rows (flat) claimed by the p-filter at `Q_STRONG` over every test so far, ascending;
    /// computed on first use after a push.
    claimed: OnceLock<Vec<usize>>,
    /// Session-wide q per analysis per row; computed on first use after a push.
    q: OnceLock<Vec<Vec<f64>>>,
}

impl Default for Ledger {
    fn default() -> Self {
        Self {
            analyses: Vec::new(),
            offsets: Vec::new(),
            filter: PFilter::with_layers(LAYERS),
            claimed: OnceLock::new(),
            q: OnceLock::new(),
        }
    }
}

/// The p-filter's layers: rows, questions (`question_labels`), analyses.
const LAYERS: usize = 3;

impl Ledger {
    pub fn push(&mut self, record: AnalysisRecord) {
        let p: Vec<f64> = record.rows.iter().map(|r| r.p).collect();
        let n = p.len();
        let block = self.filter.push_block(
            &p,
            &[
                Partition::singletons(n),
                Partition::from_labels(&question_labels(&record)),
                Partition::from_labels(&vec![0u8; n]),
            ],
        );
        debug_assert!(block.is_ok(), "ledger partitions fit their rows");
        self.offsets.push(self.filter.len() - n);
        self.analyses.push(record);
        self.claimed = OnceLock::new();
        self.q = OnceLock::new();
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
        let offset = self.offsets[analysis_index];
        let mut rows: Vec<usize> = if q_max == Q_STRONG {
            let claimed = self.claimed();
            let from = claimed.partition_point(|&i| i < offset);
            let to = claimed.partition_point(|&i| i < offset + a.rows.len());
            claimed[from..to].iter().map(|&i| i - offset).collect()
        } else {
            (0..a.rows.len())
                .filter(|&r| self.q(analysis_index, r) <= q_max)
                .collect()
        };
        rows.retain(|&r| {
            let row = &a.rows[r];
            row.std_effect.abs() >= row.min_std_effect()
        });
        rows.sort_by(|&x, &y| a.rows[x].p.total_cmp(&a.rows[y].p));
        rows
    }

    fn claimed(&self) -> &[usize] {
        self.claimed.get_or_init(|| {
            self.filter
                .select_rows(Q_STRONG)
                .map(|s| s.rows)
                .unwrap_or_default()
        })
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

    /// q-values of every row; a row claimed at `Q_STRONG` quotes at most `Q_STRONG` (its exact q
    /// is below it, and a quoted q may be rounded up, never down).
    fn q_values(&self) -> Vec<Vec<f64>> {
        let mut flat = self.filter.q_values();
        for &i in self.claimed() {
            flat[i] = flat[i].min(Q_STRONG);
        }
        self.per_analysis(&flat)
    }
}

/// Each row's question within its analysis: the analysis itself, or for an analysis that
/// screens many subjects at once (`Kind::screens_many_subjects`: module and pathway scores
/// against every variable and mutation) its subject. As a layer of the p-filter this controls
/// the FDR among questions with a claim too, so a subject (a passenger mutation, say) is claimed
/// only when its own tests, taken together, stand out among the run's questions, not because
/// the strong subjects of the same analysis (a batch effect) loosened the analysis's threshold.
fn question_labels(record: &AnalysisRecord) -> Vec<&str> {
    if record.direction.question.kind().screens_many_subjects() {
        record.rows.iter().map(|r| r.variable.as_str()).collect()
    } else {
        vec![""; record.rows.len()]
    }
}
