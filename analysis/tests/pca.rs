//! PCA against numpy's SVD on the same preprocessing
//! (analysis/reference/make_pca_cluster_fixtures.py → tests/fixtures/pca.json).

use analysis::pca::{MissingValues, PcaOptions, pca};
use datasets::{FeatureId, Matrix, SampleId};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// Each vector equal to its reference within `rel` of the reference's largest magnitude.
#[track_caller]
fn assert_vectors_close(got: &[Vec<f64>], want: &Value, rel: f64, what: &str) {
    let want: Vec<Vec<f64>> = want.as_array().unwrap().iter().map(floats).collect();
    assert_eq!(got.len(), want.len(), "{what}: number of components");
    for (c, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.len(), w.len());
        let scale = w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for (i, (a, b)) in g.iter().zip(w).enumerate() {
            assert!(
                (a - b).abs() <= rel * scale,
                "{what} component {c} entry {i}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn pca_matches_numpy_svd() {
    let data = fixture("pca.json");
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let samples: Vec<SampleId> = strings(&case["samples"])
            .into_iter()
            .map(SampleId::from)
            .collect();
        let features: Vec<FeatureId> = strings(&case["features"])
            .into_iter()
            .map(FeatureId::from)
            .collect();
        let columns = case["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let layer = Matrix::from_features(samples.clone(), features.clone(), columns).unwrap();
        let o = &case["options"];
        let max_missing = o["max_missing_fraction"].as_f64().unwrap();
        let options = PcaOptions {
            n_components: o["n_components"].as_u64().unwrap() as usize,
            missing: if max_missing == 0.0 {
                MissingValues::DropIncompleteFeatures
            } else {
                MissingValues::ImputeMean {
                    max_missing_fraction: max_missing,
                }
            },
            scale: o["scale"].as_bool().unwrap(),
            max_sample_missing_fraction: o["max_sample_missing_fraction"].as_f64().unwrap(),
        };
        let r = pca(&layer, &options).unwrap();
        let want = &case["expected"];

        let kept_samples: Vec<SampleId> = want["kept_samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| samples[i.as_u64().unwrap() as usize].clone())
            .collect();
        let kept_features: Vec<FeatureId> = want["kept_features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| features[i.as_u64().unwrap() as usize].clone())
            .collect();
        assert_eq!(r.samples, kept_samples, "{name}: samples kept");
        assert_eq!(r.features, kept_features, "{name}: features kept");
        assert_eq!(r.dropped_samples, samples.len() - kept_samples.len());

        for (key, got) in [
            ("explained_variance", &r.explained_variance),
            ("explained_variance_ratio", &r.explained_variance_ratio),
        ] {
            let want = floats(&want[key]);
            assert_eq!(got.len(), want.len(), "{name} {key}");
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() <= 1e-9 * b.abs(), "{name} {key}: {a} vs {b}");
            }
        }
        assert_vectors_close(&r.scores, &want["scores"], 1e-9, &format!("{name} scores"));
        assert_vectors_close(
            &r.loadings,
            &want["loadings"],
            1e-9,
            &format!("{name} loadings"),
        );

        let m = r.scores_matrix().unwrap();
        assert_eq!(m.n_samples(), r.samples.len());
        assert_eq!(m.features()[0].as_str(), "PC1");
        assert_eq!(m.feature(0), r.scores[0].as_slice());
    }
}
