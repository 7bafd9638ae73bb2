//! Refinement before demotion, end to end.
//!
//! A synthetic study written here with full control over its strata: tumours are MSI-H (70%) or
//! MSS, and MSI-H shifts many proteins (the study's expression axis, so a grouping's effects are
//! adjusted for `msi_status`). The tested grouping `risk_group` (high/low) is common in MSI-H
//! tumours and rare in MSS ones, so every MSI-shifted protein differs by risk group across the
//! cohort, and the difference vanishes after adjustment. One protein, TGT1, also truly rises with
//! high risk, but only inside MSS tumours (planted there alone). The run must:
//! - restate TGT1's hypothesis narrowed to MSS (typed `Narrowed { msi_status, MSS }`), with the
//!   stratum's numbers from the ledger and the stratified tests cited as ledger findings;
//! - keep an MSI-only protein's hypothesis demoted, with `NotHeld` and what was tried.

use agent::hypothesis::Hypothesis;
use agent::kinds::Question;
use agent::knowledge::Knowledge;
use agent::planner::OfflinePlanner;
use agent::run::{Budget, RunConfig, RunResult, run};
use graph::{ContradictionKind, RefinementOutcome};
use std::fmt::Write as _;
use std::path::Path;

/// The noise seed. Whether TGT1's cohort-wide difference is still detected after adjustment
/// depends on the draw (the MSS stratum carries a fifth of the adjusted model's weight, so the
/// pooled estimate is a diluted 1.5); with this seed it is not, which is the case under test.
/// With other seeds the adjusted difference may hold, and then no refinement is needed.
const SEED: u64 = 4;
const N: usize = 600;
/// Proteins shifted in MSI-H tumours (the expression axis), besides TGT1.
const MSI_PROTEINS: usize = 60;
const BACKGROUND: usize = 240;
const MSI_SHIFT: f64 = 1.5;
/// TGT1's shift in MSI-H tumours: larger, so it is the strongest risk-group difference.
const TGT_MSI_SHIFT: f64 = 4.0;
/// High-risk vs low-risk difference of TGT1 inside MSS tumours only.
const TGT_MSS_EFFECT: f64 = 1.5;

/// Deterministic standard normal draws (an LCG through Box-Muller).
struct Normal(u64);

impl Normal {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn draw(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn msi_high(i: usize) -> bool {
    i % 10 < 7
}

/// Half of MSI-H tumours are high risk; one in nine MSS tumours is.
fn high_risk(i: usize) -> bool {
    if msi_high(i) {
        (i / 10).is_multiple_of(2)
    } else {
        i % 10 == 7 && (i / 10).is_multiple_of(3)
    }
}

fn write_study(dir: &Path, seed: u64) {
    let mut clinical = String::from("sample_id\tmsi_status\trisk_group\n");
    for i in 0..N {
        let _ = writeln!(
            clinical,
            "S{i:03}\t{}\t{}",
            if msi_high(i) { "MSI-H" } else { "MSS" },
            if high_risk(i) { "high" } else { "low" }
        );
    }
    std::fs::write(dir.join("clinical.tsv"), clinical).unwrap();
    let mut rng = Normal(seed);
    let mut proteome = String::from("gene");
    for i in 0..N {
        let _ = write!(proteome, "\tS{i:03}");
    }
    proteome.push('\n');
    let mut feature = |name: &str, shift: &dyn Fn(usize) -> f64, out: &mut String| {
        out.push_str(name);
        for i in 0..N {
            let _ = write!(out, "\t{:.4}", 10.0 + rng.draw() + shift(i));
        }
        out.push('\n');
    };
    feature(
        "TGT1",
        &|i| {
            if msi_high(i) {
                TGT_MSI_SHIFT
            } else if high_risk(i) {
                TGT_MSS_EFFECT
            } else {
                0.0
            }
        },
        &mut proteome,
    );
    for f in 0..MSI_PROTEINS {
        feature(
            &format!("MSI{f}"),
            &|i| if msi_high(i) { MSI_SHIFT } else { 0.0 },
            &mut proteome,
        );
    }
    for f in 0..BACKGROUND {
        feature(&format!("BG{f}"), &|_| 0.0, &mut proteome);
    }
    std::fs::write(dir.join("proteome.tsv"), proteome).unwrap();
}

fn run_study(study: &datasets::Study) -> RunResult {
    run_study_with(study, 20)
}

fn run_study_with(study: &datasets::Study, max_analyses: usize) -> RunResult {
    let knowledge = Knowledge::embedded().expect("knowledge");
    let config = RunConfig {
        permutations: 0,
        max_hypotheses: 10_000,
        budget: Budget {
            max_analyses,
            max_seconds: 1200.0,
        },
        ..RunConfig::default()
    };
    let mut planner = OfflinePlanner::default();
    run(study, &knowledge, &config, None, &mut planner, &mut |_| {}).expect("run")
}

/// The hypothesis whose primary finding is `feature`'s risk-group difference.
fn about<'r>(result: &'r RunResult, feature: &str) -> Option<&'r Hypothesis> {
    result.hypotheses.iter().find(|h| {
        h.validation.feature == feature
            && matches!(&h.validation.question, Question::ClinicalGroups(q) if q.variable == "risk_group")
    })
}

#[test]
fn an_effect_inside_one_stratum_is_narrowed_and_a_confounded_one_is_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_study(dir.path(), SEED);
    let study = datasets::Study::load(dir.path()).expect("load");
    let result = run_study(&study);
    let listing: Vec<String> = result
        .hypotheses
        .iter()
        .map(|h| {
            format!(
                "{}: {} | {:?}",
                h.model.id, h.model.statement, h.model.score.refinement
            )
        })
        .collect();

    // The stratified re-tests ran during exploration and are ordinary ledger rows.
    let stratified: Vec<usize> = result
        .ledger
        .analyses()
        .iter()
        .enumerate()
        .filter(|(_, a)| matches!(a.direction.question, Question::Stratified(_)))
        .map(|(i, _)| i)
        .collect();
    assert!(!stratified.is_empty(), "no stratified follow-up ran");

    // TGT1: the cohort-wide difference is explained by MSI status, but it holds within MSS.
    let tgt = about(&result, "TGT1").unwrap_or_else(|| panic!("{listing:#?}"));
    let refinement = tgt
        .model
        .score
        .refinement
        .as_ref()
        .unwrap_or_else(|| panic!("TGT1 not refined: {listing:#?}"));
    assert_eq!(
        refinement.outcome,
        RefinementOutcome::Narrowed {
            variable: "msi_status".into(),
            stratum: "MSS".into()
        },
        "{listing:#?}"
    );
    assert!(
        tgt.model.statement.starts_with("Within MSS (msi_status): "),
        "{}",
        tgt.model.statement
    );
    // The stratum's numbers are a ledger row's: the MSS re-test of TGT1, cited by id.
    let (index, row) = result
        .ledger
        .analyses()
        .iter()
        .enumerate()
        .filter(|(i, _)| stratified.contains(i))
        .find_map(|(i, a)| {
            a.rows
                .iter()
                .position(|r| r.feature == "TGT1" && r.contrast.contains("within msi_status=MSS"))
                .map(|r| (i, r))
        })
        .expect("the MSS re-test of TGT1 in the ledger");
    let a = &result.ledger.analyses()[index];
    let mss = &a.rows[row];
    assert!(mss.effect > 0.0 && mss.p < 0.025, "{mss:?}");
    assert!(
        refinement
            .findings
            .contains(&agent::hypothesis::finding_id(a.step, row)),
        "{refinement:?}"
    );
    // ...and cited as the narrowed hypothesis's evidence.
    assert!(
        tgt.model
            .evidence
            .iter()
            .any(|e| e.finding == agent::hypothesis::finding_id(a.step, row)),
        "{:?}",
        tgt.model.evidence
    );
    let quoted = format!("difference {}", agent::hypothesis::fmt_effect(mss.effect));
    assert!(
        tgt.model.statement.contains(&quoted),
        "{} / {quoted}",
        tgt.model.statement
    );
    // The narrowed claim was re-tested on held-out MSS samples, and that is its replication.
    let held_out = refinement.replication.as_ref().expect("held-out re-test");
    assert_eq!(held_out.cohort, "held-out samples (MSS (msi_status) only)");
    assert_eq!(&tgt.model.replication, held_out);
    // Refined, not demoted for the adjustment it failed.
    assert!(
        tgt.model
            .score
            .contradictions
            .iter()
            .any(|c| c.kind == ContradictionKind::VanishesAfterAdjustment),
        "{:?}",
        tgt.model.score.contradictions
    );

    // A protein shifted only by MSI status: nothing holds inside a stratum, the demotion stays.
    let confounded: Vec<&Hypothesis> = result
        .hypotheses
        .iter()
        .filter(|h| h.validation.feature.starts_with("MSI"))
        .filter(|h| {
            h.model
                .score
                .contradictions
                .iter()
                .any(|c| c.kind == ContradictionKind::VanishesAfterAdjustment)
        })
        .collect();
    assert!(!confounded.is_empty(), "{listing:#?}");
    let not_held = confounded
        .iter()
        .filter_map(|h| h.model.score.refinement.as_ref())
        .find(|r| r.outcome == RefinementOutcome::NotHeld)
        .unwrap_or_else(|| panic!("no NotHeld refinement: {listing:#?}"));
    assert!(
        not_held
            .detail
            .starts_with("refinement tried: re-tested within each stratum of msi_status")
            && not_held.detail.contains("did not hold"),
        "{}",
        not_held.detail
    );
    assert!(not_held.replication.is_none());
    assert_eq!(not_held.findings.len(), 2, "{not_held:?}");

    // hypotheses.json carries the typed outcome.
    let json = agent::output::hypotheses_json(&result);
    let stored = json["hypotheses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == tgt.model.id.as_str())
        .unwrap();
    assert_eq!(stored["score"]["refinement"]["outcome"], "narrowed");
    assert_eq!(stored["score"]["refinement"]["stratum"], "MSS");
}

/// On the demo (real CPTAC tumours), many failed claims still reach significance in some stratum
/// of purity or subtype, with the same effect in the others: those are not narrowed, since a
/// stratum is only where the effect lives when the strata differ (Cochran's Q). A narrowed claim
/// says that its confounder's strata differ, and a uniform one keeps its statement.
#[test]
fn on_the_demo_a_claim_is_narrowed_only_where_its_strata_differ() {
    let study = datasets::demo::load().expect("demo");
    let result = run_study_with(&study, 60);
    let refined: Vec<(&Hypothesis, &graph::Refinement)> = result
        .hypotheses
        .iter()
        .filter_map(|h| h.model.score.refinement.as_deref().map(|r| (h, r)))
        .collect();
    let mut uniform = 0;
    for (h, r) in &refined {
        match &r.outcome {
            RefinementOutcome::Narrowed { variable, .. } => {
                assert!(
                    r.detail
                        .contains(&format!("the strata of {variable} differ (Cochran's Q=")),
                    "{}",
                    r.detail
                );
                assert!(
                    h.model.statement.starts_with("Within "),
                    "{}",
                    h.model.statement
                );
            }
            RefinementOutcome::Uniform => {
                uniform += 1;
                assert_demoted(h, r, "but the strata do not differ");
            }
            RefinementOutcome::Undecided => {
                assert_demoted(h, r, "no other stratum of its confounder could be tested");
            }
            RefinementOutcome::NotHeld => {}
        }
        // Every comparison the detail mentions is one that was made.
        assert!(!r.detail.contains("()"), "{}", r.detail);
    }
    assert!(
        uniform > 0,
        "expected a claim holding in strata that do not differ: {:?}",
        refined
            .iter()
            .map(|(_, r)| r.headline())
            .collect::<Vec<_>>()
    );
}

/// On TCGA-ACC (a small real cohort of another layout), a failed claim's purity halves often
/// cannot both be tested: the one that holds is then compared with nothing, and the refinement
/// says so (`Undecided`) instead of calling the strata alike or narrowing to the one tested.
#[test]
fn on_tcga_acc_a_stratum_without_a_twin_is_undecided() {
    let root = std::env::var_os("HYPOMICS_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
        });
    let dir = root.join("tcga-acc-mini");
    if !dir.is_dir() {
        eprintln!("skipping: {} not found", dir.display());
        return;
    }
    let study = datasets::Study::load(&dir).expect("TCGA-ACC");
    let result = run_study_with(&study, 60);
    let refined: Vec<&graph::Refinement> = result
        .hypotheses
        .iter()
        .filter_map(|h| h.model.score.refinement.as_deref())
        .collect();
    for r in &refined {
        assert!(!r.detail.contains("()"), "{}", r.detail);
        if r.outcome == RefinementOutcome::Undecided {
            assert!(r.replication.is_none());
            assert_eq!(
                r.headline(),
                "refinement tried, strata could not be compared"
            );
        }
    }
    assert!(
        refined
            .iter()
            .any(|r| r.outcome == RefinementOutcome::Undecided),
        "{:?}",
        refined.iter().map(|r| r.headline()).collect::<Vec<_>>()
    );
}

/// A refinement that did not narrow: its detail says why, the statement is not restated and no
/// held-out re-test of a stratum was made.
fn assert_demoted(h: &Hypothesis, r: &graph::Refinement, why: &str) {
    assert!(r.detail.contains(why), "{}", r.detail);
    assert!(
        !h.model.statement.starts_with("Within "),
        "{}",
        h.model.statement
    );
    assert!(r.replication.is_none());
}
