//! Fixture loading and tolerance checks shared by the reference tests.

use serde_json::Value;

/// Relative tolerance for closed-form statistics compared with scipy / statsmodels.
pub const REL: f64 = 1e-9;

pub fn load(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A number from the fixture: `null` is NaN, `"inf"` / `"-inf"` are infinities.
pub fn num(v: &Value) -> f64 {
    match v {
        Value::Null => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => other
            .as_f64()
            .unwrap_or_else(|| panic!("not a number: {other}")),
    }
}

pub fn nums(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// Asserts `actual` is within `rel` of `expected` relative to the expected magnitude (with an
/// absolute floor of 1e-14 for values that are zero up to rounding); NaN and infinities must
/// match exactly.
pub fn close(actual: f64, expected: f64, rel: f64, what: &str) {
    if expected.is_nan() || expected.is_infinite() {
        assert!(
            actual.is_nan() && expected.is_nan() || actual == expected,
            "{what}: got {actual}, expected {expected}"
        );
        return;
    }
    let diff = (actual - expected).abs();
    assert!(
        diff <= rel * expected.abs() || diff <= 1e-14,
        "{what}: got {actual:e}, expected {expected:e} (rel diff {:e})",
        diff / expected.abs()
    );
}

pub fn close_field(actual: f64, expected: &Value, key: &str, rel: f64, what: &str) {
    close(actual, num(&expected[key]), rel, &format!("{what} {key}"));
}

/// A matrix from a fixture: sample ids, and an object of feature name -> values over samples.
pub fn matrix(samples: &Value, columns: &Value) -> datasets::Matrix {
    let samples: Vec<datasets::SampleId> = strings(samples)
        .into_iter()
        .map(datasets::SampleId::from)
        .collect();
    let cols = columns.as_object().unwrap();
    datasets::Matrix::from_features(
        samples,
        cols.keys()
            .map(|k| datasets::FeatureId::from(k.as_str()))
            .collect(),
        cols.values().map(nums).collect(),
    )
    .unwrap()
}
