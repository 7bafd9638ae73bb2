//! Builders shared by the integration tests (each test file uses a subset).
#![allow(dead_code)]

use datasets::{FeatureId, SampleId};
use graph::{
    Claim, EntityClass, EntityKind, EntityRef, HypothesisStatus, InputFile, NewAnalysis,
    NewDirection, NewFinding, NewHypothesis, RelationKind, ResearchGraph, RunId,
};
use serde_json::json;

pub fn analysis(run: RunId, study: &str, module: &str) -> NewAnalysis {
    NewAnalysis {
        run,
        study: study.into(),
        direction: None,
        module: module.into(),
        params: json!({"min_group_size": 5, "method": "welch"}),
        input_layers: vec!["proteomics".into(), "clinical".into()],
        sample_set: (1..=20)
            .map(|i| SampleId::new(format!("S{i:03}")))
            .collect(),
        inputs: vec![
            InputFile {
                path: format!("{study}/proteomics.cct.gz"),
                sha256: "a".repeat(64),
            },
            InputFile {
                path: format!("{study}/clinical.txt"),
                sha256: "b".repeat(64),
            },
        ],
        software_version: "test-0.1".into(),
        derived_from: Vec::new(),
    }
}

/// A differential-abundance finding: `feature` higher (effect > 0) or lower in `group`.
pub fn de_finding(feature: &str, group: &str, effect: f64, p: f64, q: f64) -> NewFinding {
    let relation = if effect > 0.0 {
        RelationKind::HigherIn
    } else {
        RelationKind::LowerIn
    };
    NewFinding {
        layer: "proteomics".into(),
        feature: FeatureId::new(feature),
        variable: "tumor_normal".into(),
        contrast: Some(format!("{group} vs rest")),
        test: graph::TestKind::WelchT,
        statistic: effect * 4.0,
        effect,
        ci_low: Some(effect - 0.5),
        ci_high: Some(effect + 0.5),
        p,
        q: Some(q),
        n: 20,
        warning: None,
        claim: Some(Claim {
            subject: EntityRef::from_feature(&FeatureId::new(feature)),
            relation,
            object: EntityRef::SampleGroup(group.into()),
        }),
    }
}

/// A finding with no claim (a null result kept for the record).
pub fn null_finding(feature: &str) -> NewFinding {
    NewFinding {
        claim: None,
        ..de_finding(feature, "Tumor", 0.01, 0.9, 0.95)
    }
}

/// A correlation finding between two features.
pub fn correlation(a: &str, b: &str, rho: f64, q: f64) -> NewFinding {
    NewFinding {
        layer: "proteomics".into(),
        feature: FeatureId::new(a),
        variable: b.into(),
        contrast: None,
        test: graph::TestKind::Spearman,
        statistic: rho,
        effect: rho,
        ci_low: None,
        ci_high: None,
        p: q / 2.0,
        q: Some(q),
        n: 20,
        warning: None,
        claim: Some(Claim {
            subject: EntityRef::from_feature(&FeatureId::new(a)),
            relation: RelationKind::CorrelatesWith,
            object: EntityRef::from_feature(&FeatureId::new(b)),
        }),
    }
}

pub fn direction(run: RunId) -> NewDirection {
    NewDirection {
        run,
        question: "Does PTEN mutation change protein abundance?".into(),
        subject: EntityClass::new(EntityKind::Mutation),
        relation: RelationKind::AssociatedWith,
        object: EntityClass::measured_in(EntityKind::Gene, "proteomics"),
        rationale: Some("PTEN is the most mutated gene in UCEC".into()),
        focus: vec![EntityRef::Mutation("PTEN".into())],
    }
}

/// The story's hypothesis scored with the given total (the other components do not matter to
/// the store).
pub fn scored(total: f64) -> graph::Hypothesis {
    graph::Hypothesis {
        id: "H1".into(),
        rank: 1,
        kind: "mutation_impact".into(),
        statement: "PTEN protein is lower in tumours".into(),
        entities: vec![graph::Mention::feature("proteome", "PTEN")],
        score: graph::ScoreBreakdown {
            total,
            effect: 0.9,
            replication: 0.5,
            ..Default::default()
        },
        replication: graph::Replication::default(),
        ..Default::default()
    }
}

pub fn hypothesis(run: RunId, supported_by: Vec<graph::FindingId>) -> NewHypothesis {
    NewHypothesis {
        run,
        hypothesis: scored(0.8),
        status: HypothesisStatus::Proposed,
        supported_by,
        contradicted_by: Vec::new(),
        derived_from: Vec::new(),
        concerns: vec![EntityRef::gene("PTEN")],
    }
}

/// A small but complete research story: a run with a direction, two analyses (one derived from
/// the other), findings with claims, a replication and a hypothesis.
pub struct Story {
    pub run: RunId,
    pub first: graph::RecordedAnalysis,
    pub second: graph::RecordedAnalysis,
    pub hypothesis: graph::HypothesisId,
}

pub fn write_story(g: &mut ResearchGraph, label: &str, study: &str) -> Story {
    let run = g.start_run(label, Some("integration test")).unwrap();
    let dir = g.add_direction(direction(run)).unwrap();
    let mut a = analysis(run, study, "differential_abundance");
    a.direction = Some(dir);
    let first = g
        .record_analysis(
            a,
            vec![
                de_finding("PTEN", "Tumor", -1.2, 1e-6, 1e-4),
                de_finding("PTEN-S380", "Tumor", -0.8, 1e-3, 0.01),
                de_finding("CTGF", "Tumor", 2.0, 1e-8, 1e-6),
                null_finding("GAPDH"),
            ],
        )
        .unwrap();
    let mut b = analysis(run, study, "correlation");
    b.derived_from = vec![first.analysis];
    b.params = json!({"method": "spearman"});
    let second = g
        .record_analysis(
            b,
            vec![
                correlation("PTEN", "AKT1", -0.6, 0.002),
                correlation("AKT1", "MTOR", 0.7, 0.001),
            ],
        )
        .unwrap();
    let hypothesis = g
        .add_hypothesis(hypothesis(run, vec![first.findings[0], first.findings[1]]))
        .unwrap();
    g.add_hypothesis_evidence(hypothesis, second.findings[0], graph::Stance::Supports)
        .unwrap();
    g.update_hypothesis(hypothesis, HypothesisStatus::Supported, scored(0.85))
        .unwrap();
    Story {
        run,
        first,
        second,
        hypothesis,
    }
}

/// A fresh empty store on `backend` for one test, removed when dropped.
pub fn scratch(backend: graph::sql::Backend) -> graph::sql::scratch::ScratchStore {
    graph::sql::scratch::ScratchStore::new(backend)
        .unwrap_or_else(|e| panic!("creating a {backend} test store: {e}"))
}

/// Runs each named test function (taking `&ScratchStore`) once per backend: `name::sqlite` and
/// `name::postgres`, each on its own fresh store.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&crate::common::scratch(graph::sql::Backend::Sqlite));
            }
            #[test]
            fn postgres() {
                super::$name(&crate::common::scratch(graph::sql::Backend::Postgres));
            }
        }
    )*};
}

/// A registered study's profile: one numeric clinical variable whose range holds `low`, so a
/// test can check that numbers survive the store (and a copy between backends) bit for bit.
pub fn profile(low: f64) -> datasets::summary::StudySummary {
    datasets::summary::StudySummary {
        name: "demo".into(),
        root: String::new(),
        clinical_file: "clinical.txt".into(),
        samples: 3,
        tumor_samples: None,
        normal_samples: None,
        layers: Vec::new(),
        clinical_variables: vec![datasets::summary::VariableSummary {
            name: "Purity".into(),
            display_name: None,
            kind: "numeric",
            observed: 3,
            levels: Vec::new(),
            range: Some((low, 0.1)),
        }],
        survival: Vec::new(),
        files: Vec::new(),
        warnings: Vec::new(),
    }
}
