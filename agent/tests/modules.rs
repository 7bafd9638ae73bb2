//! The co-expression module kind on a harder synthetic study: modules found without labels carry
//! a planted mutation effect as one strong test, the re-test of a fixed module on other samples
//! finds the same rows, and the hypermutation-confounded gene is not tested on hypermutated
//! tumours.

use agent::execute::Context;
use agent::kinds::Question;
use agent::kinds::modules::{FixedModule, Modules};
use datasets::synth::{PlantedRelation, SynthConfig, write_synthetic_study};
use datasets::{SampleId, Study};
use std::collections::HashSet;

fn harder_study(seed: u64) -> (tempfile::TempDir, Study, datasets::synth::Truth) {
    let dir = tempfile::tempdir().unwrap();
    let config = SynthConfig {
        seed,
        ..SynthConfig::harder()
    };
    let truth = write_synthetic_study(dir.path(), &config).unwrap();
    let study = Study::load(dir.path()).unwrap();
    (dir, study, truth)
}

#[test]
fn a_planted_mutation_module_is_one_strong_module_test() {
    let (_dir, study, truth) = harder_study(3);
    let samples: HashSet<SampleId> = study.clinical.samples.iter().cloned().collect();
    let ctx = Context {
        study: &study,
        scope: &samples,
        gene_sets: &[],
        seed: 1,
    };
    let PlantedRelation::MutationShiftsModule {
        mutation, features, ..
    } = &truth.planted[0].relation
    else {
        panic!("the first planted relation is the PTEN module");
    };
    let planted: HashSet<&str> = features.iter().map(|f| f.as_str()).collect();
    let question: Question = Modules {
        layer: "proteome".into(),
        module: None,
    }
    .into();
    let produced = question.execute(&ctx).unwrap();
    let variable = format!("{mutation} mutation");
    let best = produced
        .rows
        .iter()
        .filter(|r| r.variable == variable)
        .min_by(|a, b| a.p.total_cmp(&b.p))
        .expect("the mutation is tested against the modules");
    assert!(best.p < 1e-6, "{best:?}");
    assert!(best.effect < 0.0, "PTEN lowers its module");
    let modules = produced.params["modules"].as_array().unwrap();
    let members: Vec<String> = modules
        .iter()
        .find(|m| m["name"] == best.feature.as_str())
        .unwrap()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    let inside = members
        .iter()
        .filter(|f| planted.contains(f.as_str()))
        .count();
    assert!(
        inside >= 15 && 2 * inside >= members.len(),
        "{inside} of {members:?}"
    );

    // Re-testing that module (fixed members) against its variable gives that one row again.
    let fixed: Question = Modules {
        layer: "proteome".into(),
        module: Some(FixedModule {
            name: best.feature.clone(),
            features: members,
            variable: variable.clone(),
        }),
    }
    .into();
    let again = fixed.execute(&ctx).unwrap();
    assert!(again.rows.iter().all(|r| r.variable == variable));
    let row = again
        .rows
        .iter()
        .find(|r| r.feature == best.feature && r.contrast == best.contrast)
        .unwrap();
    assert!((row.p - best.p).abs() <= 1e-12 * best.p.max(1e-300));

    // The confounded gene's carriers are compared without hypermutated tumours: no module
    // moves with it, although one gene at a time it looks as if the MSI programme did.
    let rna: Question = Modules {
        layer: "rna".into(),
        module: None,
    }
    .into();
    let produced = rna.execute(&ctx).unwrap();
    let confounded = &truth.confounded[0].mutations[0];
    let min_p = produced
        .rows
        .iter()
        .filter(|r| r.variable == format!("{confounded} mutation"))
        .map(|r| r.p)
        .fold(1.0, f64::min);
    assert!(min_p > 1e-3, "{confounded}: p {min_p}");
    assert!(
        produced
            .notes
            .iter()
            .any(|n| n.contains("not hypermutated")),
        "{:?}",
        produced.notes
    );
    let msi = produced
        .rows
        .iter()
        .filter(|r| r.variable == "msi_status")
        .map(|r| r.p)
        .fold(1.0, f64::min);
    assert!(msi < 1e-6, "the MSI-H module itself is found: p {msi}");
}
