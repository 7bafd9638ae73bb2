//! Every test the session ran, in one place. Error control covers all of them: q-values are
//! Benjamini-Hochberg over every p-value of the run, not only over one analysis or the tests that
//! made it into a hypothesis — an agent that asks hundreds of questions must pay for all of them.
//!
//! The run's family is stratified by kind of question (stratified FDR, Sun et al. 2006): each
//! stratum (all mutation screens, all cis correlations, all enrichments, ...) gets BH over every
//! test of that kind in the run. Pooling everything in one BH lets thousands of real cis
//! correlations "pay" for false discoveries in label-shuffled screens; the calibration run showed
//! exactly that (as many hypotheses on shuffled labels as on real ones), and stratification is
//! the standard remedy that keeps overall FDR control.

use crate::question::{Direction, Kind};
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
            TestKind::WelchT | TestKind::OlsT => 0.5,
            TestKind::Spearman | TestKind::SpearmanTrend => 0.3,
            TestKind::CoxWald => 0.25,
            TestKind::Hypergeometric => 0.58, // 1.5-fold enrichment
            TestKind::ChiSquare => 0.3,       // Cramér's V
        }
    }
}

/// One completed analysis: the question, what was run on which samples, and every test result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AnalysisRecord {
    pub step: usize,
    pub direction: Direction,
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
    /// Session-wide q per analysis per row, recomputed as tests are added.
    q: Vec<Vec<f64>>,
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
                self.q(analysis_index, r) <= q_max && row.std_effect.abs() >= row.min_std_effect()
            })
            .collect();
        rows.sort_by(|&x, &y| a.rows[x].p.total_cmp(&a.rows[y].p));
        rows
    }

    fn recompute(&mut self) {
        self.q = self
            .analyses
            .iter()
            .map(|a| vec![f64::NAN; a.rows.len()])
            .collect();
        let mut strata: std::collections::BTreeMap<Kind, Vec<usize>> = Default::default();
        for (i, a) in self.analyses.iter().enumerate() {
            strata
                .entry(a.direction.question.kind())
                .or_default()
                .push(i);
        }
        for members in strata.values() {
            let p: Vec<f64> = members
                .iter()
                .flat_map(|&i| self.analyses[i].rows.iter().map(|r| r.p))
                .collect();
            let mut q = analysis::multiple_testing::benjamini_hochberg(&p).into_iter();
            for &i in members {
                for slot in self.q[i].iter_mut() {
                    *slot = q.next().unwrap_or(f64::NAN);
                }
            }
        }
    }
}
