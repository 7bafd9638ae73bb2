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

/// Relative tolerance for p- and q-values from closed forms. Every p-value is compared by its
/// relative error, however small it is: deep tails (down to 1e-300) are what the fixtures were
/// built for, so no absolute floor hides them.
pub const REL_P: f64 = 1e-9;

/// Asserts `actual` is within `rel` of `expected` relative to the expected magnitude, with an
/// absolute floor of 1e-14 for estimates and statistics that are zero up to rounding (a
/// coefficient of 1e-17 in the reference is cancellation noise). Never use it for probabilities:
/// use [`close_p`]. NaN and infinities must match exactly.
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

/// Asserts a probability matches by relative error alone, so a p-value of 1e-250 must agree
/// in its leading nine digits just like one of 0.3. Below the normal range (subnormals carry
/// fewer digits) the natural logarithms must agree to `rel` relative instead, and a reference
/// that underflowed to exactly zero needs a result below 1e-300.
pub fn close_p(actual: f64, expected: f64, rel: f64, what: &str) {
    if expected.is_nan() {
        assert!(actual.is_nan(), "{what}: got {actual}, expected NaN");
        return;
    }
    assert!(
        (0.0..=1.0).contains(&actual),
        "{what}: {actual:e} is not a probability"
    );
    if expected == 0.0 {
        assert!(actual < 1e-300, "{what}: got {actual:e}, expected 0");
    } else if expected < f64::MIN_POSITIVE {
        let (a, e) = (actual.ln(), expected.ln());
        assert!(
            (a - e).abs() <= rel * e.abs(),
            "{what}: got {actual:e}, expected {expected:e} (log rel diff {:e})",
            (a - e).abs() / e.abs()
        );
    } else {
        let diff = (actual - expected).abs();
        assert!(
            diff <= rel * expected,
            "{what}: got {actual:e}, expected {expected:e} (rel diff {:e})",
            diff / expected
        );
    }
}

pub fn close_field(actual: f64, expected: &Value, key: &str, rel: f64, what: &str) {
    close(actual, num(&expected[key]), rel, &format!("{what} {key}"));
}

/// [`close_p`] on a fixture field.
pub fn close_p_field(actual: f64, expected: &Value, key: &str, rel: f64, what: &str) {
    close_p(actual, num(&expected[key]), rel, &format!("{what} {key}"));
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

/// A layer from a fixture's sample IDs, feature IDs and one array of values per feature.
pub fn layer_from_rows(samples: &Value, features: &Value, rows: &Value) -> datasets::Matrix {
    datasets::Matrix::from_features(
        strings(samples)
            .into_iter()
            .map(datasets::SampleId::from)
            .collect(),
        strings(features)
            .into_iter()
            .map(|f| datasets::FeatureId::from(f.as_str()))
            .collect(),
        rows.as_array().unwrap().iter().map(nums).collect(),
    )
    .unwrap()
}
