//! Co-expression modules against SciPy average linkage
//! (analysis/reference/make_module_fixtures.py → tests/fixtures/modules.json).

use analysis::modules::{ModuleOptions, coexpression_modules, module_scores};
use datasets::{FeatureId, Matrix, SampleId};
use serde_json::Value;

fn fixture() -> Value {
    let path = format!("{}/tests/fixtures/modules.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn layer(data: &Value) -> Matrix {
    let columns: Vec<Vec<f64>> = data["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let n = columns[0].len();
    Matrix::from_features(
        (0..n).map(|s| SampleId::from(format!("s{s}"))).collect(),
        (0..columns.len())
            .map(|f| FeatureId::from(format!("g{f}")))
            .collect(),
        columns,
    )
    .unwrap()
}

fn names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn modules_and_scores_match_scipy() {
    let data = fixture();
    let matrix = layer(&data);
    let options = ModuleOptions {
        min_size: data["min_size"].as_u64().unwrap() as usize,
        max_distance: data["cut"].as_f64().unwrap(),
        min_observed: 0.0,
        ..ModuleOptions::default()
    };
    let found = coexpression_modules(&matrix, &options).unwrap();
    assert_eq!(found.clustered, 59, "the constant feature is left out");
    let want = data["modules"].as_array().unwrap();
    assert_eq!(found.modules.len(), want.len());
    for w in want {
        let members = names(&w["features"]);
        let got = found
            .modules
            .iter()
            .find(|m| {
                let mut g: Vec<String> = m.features.iter().map(|f| f.to_string()).collect();
                g.sort();
                g == members
            })
            .unwrap_or_else(|| panic!("scipy's module {members:?} not found"));
        let r = w["mean_correlation"].as_f64().unwrap();
        assert!(
            (got.mean_correlation - r).abs() < 1e-9,
            "{} vs {r}",
            got.mean_correlation
        );
        let scores =
            module_scores(&matrix, &[(FeatureId::from("M"), got.features.clone())]).unwrap();
        for (s, v) in w["scores"].as_array().unwrap().iter().enumerate() {
            let want = v.as_f64().unwrap();
            assert!((scores.value(s, 0) - want).abs() < 1e-9, "sample {s}");
        }
    }
}
