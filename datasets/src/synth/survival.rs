//! Overall survival with a known hazard ratio: exponential event times whose hazard is
//! multiplied by `hazard_ratio` per standard deviation of the planted feature, and independent
//! exponential censoring tuned to the requested censored fraction.

use super::clinical::Survival;
use super::config::SurvivalSpec;
use super::rng::exponential;
use rand::Rng;

/// Survival of each tumour given its (uncensored, pre-missingness) feature values.
pub(super) fn draw_survival(
    feature: &[f64],
    spec: &SurvivalSpec,
    rng: &mut impl Rng,
) -> Vec<Survival> {
    let z = standardize(feature);
    let baseline = std::f64::consts::LN_2 / spec.median_days;
    let beta = spec.hazard_ratio.ln();
    // For exponential event and censoring times P(censored) = c / (1 + c) at the baseline hazard.
    let c = spec.censoring_fraction / (1.0 - spec.censoring_fraction);
    z.iter()
        .map(|&x| {
            let event_time = exponential(rng, baseline * (beta * x).exp());
            let censor_time = if c > 0.0 {
                exponential(rng, baseline * c)
            } else {
                f64::INFINITY
            };
            let event = event_time <= censor_time;
            let time = event_time.min(censor_time);
            Survival {
                days: time.ceil().clamp(1.0, 36_500.0) as u32,
                event,
            }
        })
        .collect()
}

/// Zero mean, unit variance; a constant input gives all zeros rather than NaN.
pub(super) fn standardize(values: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    if values.is_empty() {
        return Vec::new();
    }
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let sd = var.sqrt();
    values
        .iter()
        .map(|v| if sd > 0.0 { (v - mean) / sd } else { 0.0 })
        .collect()
}
