//! Clustering against numpy silhouettes and SciPy average linkage
//! (analysis/reference/make_pca_cluster_fixtures.py → tests/fixtures/cluster.json).

use analysis::cluster::{KMeansOptions, average_linkage, choose_k, kmeans, silhouette};
use datasets::{FeatureId, Matrix, SampleId};
use serde_json::Value;

fn fixture() -> Value {
    let path = format!("{}/tests/fixtures/cluster.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn labels(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn points(data: &Value) -> Matrix {
    let samples: Vec<SampleId> = data["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| SampleId::from(s.as_str().unwrap()))
        .collect();
    let columns: Vec<Vec<f64>> = data["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(floats)
        .collect();
    let features = (0..columns.len())
        .map(|j| FeatureId::from(format!("x{j}")))
        .collect();
    Matrix::from_features(samples, features, columns).unwrap()
}

#[track_caller]
fn assert_all_close(got: &[f64], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= rel * b.abs().max(1e-12),
            "{what}[{i}]: {a} vs {b}"
        );
    }
}

#[test]
fn silhouette_matches_numpy() {
    let data = fixture();
    let m = points(&data);
    let s = silhouette(&m, &labels(&data["planted"])).unwrap();
    let want = floats(&data["planted_silhouette"]);
    assert_all_close(&s.per_sample, &want, 1e-9, "planted");
    let mean = want.iter().sum::<f64>() / want.len() as f64;
    assert!((s.mean - mean).abs() <= 1e-9 * mean);
    // Arbitrary labels with a singleton cluster (which scores 0).
    let s = silhouette(&m, &labels(&data["random_labels"])).unwrap();
    assert_all_close(
        &s.per_sample,
        &floats(&data["random_silhouette"]),
        1e-9,
        "random",
    );
    assert_eq!(s.per_sample[0], 0.0);
}

#[test]
fn kmeans_recovers_planted_blobs() {
    let data = fixture();
    let m = points(&data);
    let r = kmeans(&m, 3, &KMeansOptions::default()).unwrap();
    assert_eq!(r.labels, labels(&data["planted"]));
    let inertia = data["planted_inertia"].as_f64().unwrap();
    assert!((r.inertia - inertia).abs() <= 1e-9 * inertia);
    assert!(r.converged);
}

#[test]
fn kmeans_is_deterministic_for_a_seed() {
    let data = fixture();
    let m = points(&data);
    let opts = KMeansOptions {
        n_init: 4,
        seed: 42,
        ..KMeansOptions::default()
    };
    // k = 5 over 3 blobs has several local optima, so starts genuinely differ.
    let a = kmeans(&m, 5, &opts).unwrap();
    let b = kmeans(&m, 5, &opts).unwrap();
    assert_eq!(a, b);
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let c = single.install(|| kmeans(&m, 5, &opts).unwrap());
    assert_eq!(a, c);
}

#[test]
fn choose_k_picks_the_planted_number() {
    let data = fixture();
    let m = points(&data);
    let r = choose_k(&m, 2..=6, &KMeansOptions::default()).unwrap();
    assert_eq!(r.best.k, 3);
    assert_eq!(r.best.labels, labels(&data["planted"]));
    let want = floats(&data["planted_silhouette"]);
    let mean = want.iter().sum::<f64>() / want.len() as f64;
    assert!((r.silhouette.mean - mean).abs() <= 1e-9 * mean);
    assert_eq!(r.candidates.len(), 5);
    // Inertia can only fall as k grows (for the best of many starts on separated blobs).
    assert!(
        r.candidates
            .windows(2)
            .all(|w| w[1].inertia <= w[0].inertia)
    );
}

#[test]
fn average_linkage_matches_scipy() {
    let data = fixture();
    let m = points(&data);
    let d = average_linkage(&m).unwrap();
    let heights: Vec<f64> = d.merges.iter().map(|x| x.height).collect();
    assert_all_close(&heights, &floats(&data["linkage_heights"]), 1e-9, "heights");
    let pairs: Vec<[usize; 2]> = d.merges.iter().map(|x| [x.left, x.right]).collect();
    let want: Vec<[usize; 2]> = data["linkage_pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            [
                p[0].as_u64().unwrap() as usize,
                p[1].as_u64().unwrap() as usize,
            ]
        })
        .collect();
    assert_eq!(pairs, want);
    let sizes: Vec<usize> = d.merges.iter().map(|x| x.size).collect();
    assert_eq!(sizes, labels(&data["linkage_sizes"]));
    for (k, want) in data["cuts"].as_object().unwrap() {
        let k: usize = k.parse().unwrap();
        assert_eq!(d.cut(k).unwrap(), labels(want), "cut into {k}");
    }
}
