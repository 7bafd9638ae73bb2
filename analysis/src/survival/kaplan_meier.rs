//! Kaplan-Meier survival curves with Greenwood variance and a log(-log) confidence band.

use super::{SurvivalTimes, Z_95};
use crate::groups::GroupLabels;
use crate::{NotTestable, Outcome};
use serde::Serialize;

/// The estimated survival curve of one set of samples.
///
/// The 95% band uses the exponential Greenwood ("log(-log)") transform, as lifelines'
/// `KaplanMeierFitter` does: it stays inside [0, 1] and is far better behaved in small risk sets
/// than the plain `S ± 1.96·se` band.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KaplanMeier {
    /// One step per distinct observed time (events or censorings), in increasing time.
    pub steps: Vec<KmStep>,
    pub n_samples: usize,
    pub n_events: usize,
    /// The first time at which survival drops to 0.5 or below; `None` when it never does.
    ///
    /// "At or below" allows 1e-12 of rounding: lifelines computes `S` as `exp(Σ log(1 − d/n))`,
    /// which can land a hair above an exact 0.5 (e.g. 5/6 · 4/5 · 3/4) and then reports the next
    /// step instead.
    pub median: Option<f64>,
    /// The median read off the lower and upper band (`None` where that band stays above 0.5),
    /// as lifelines' `median_survival_times(confidence_interval_)` does.
    pub median_ci: (Option<f64>, Option<f64>),
}

/// The curve just after one distinct time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KmStep {
    pub time: f64,
    /// Samples still followed just before `time`.
    pub at_risk: usize,
    pub events: usize,
    pub censored: usize,
    pub survival: f64,
    /// Greenwood variance of `survival`: `S² · Σ d / (n (n − d))`.
    pub variance: f64,
    pub lower: f64,
    pub upper: f64,
}

impl KaplanMeier {
    /// Survival at time `t` (right-continuous step function; 1 before the first step).
    pub fn survival_at(&self, t: f64) -> f64 {
        let after = self.steps.partition_point(|s| s.time <= t);
        match after.checked_sub(1).and_then(|i| self.steps.get(i)) {
            Some(step) => step.survival,
            None => 1.0,
        }
    }
}

/// The Kaplan-Meier curve over all samples with complete follow-up.
pub fn kaplan_meier(surv: &SurvivalTimes) -> Outcome<KaplanMeier> {
    let observed: Vec<(f64, bool)> = (0..surv.len()).filter_map(|i| surv.get(i)).collect();
    fit(observed)
}

/// One Kaplan-Meier curve per level of `groups` (matched by sample ID), in level order. Levels
/// without any sample with follow-up are left out.
pub fn kaplan_meier_by_group(
    surv: &SurvivalTimes,
    groups: &GroupLabels,
) -> Vec<(String, KaplanMeier)> {
    let codes = groups.aligned_to(surv.samples());
    let mut members: Vec<Vec<(f64, bool)>> = vec![Vec::new(); groups.levels().len()];
    for (i, code) in codes.iter().enumerate() {
        if let (Some(code), Some(obs)) = (code, surv.get(i))
            && let Some(m) = members.get_mut(*code)
        {
            m.push(obs);
        }
    }
    groups
        .levels()
        .iter()
        .zip(members)
        .filter_map(|(label, obs)| fit(obs).ok().map(|km| (label.clone(), km)))
        .collect()
}

fn fit(mut observed: Vec<(f64, bool)>) -> Outcome<KaplanMeier> {
    if observed.is_empty() {
        return Err(NotTestable::TooFewObservations {
            observed: 0,
            required: 1,
        });
    }
    observed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n_samples = observed.len();
    let n_events = observed.iter().filter(|o| o.1).count();

    let mut steps: Vec<KmStep> = Vec::new();
    let mut at_risk = n_samples;
    let mut survival = 1.0;
    let mut greenwood_sum = 0.0;
    for chunk in observed.chunk_by(|a, b| a.0 == b.0) {
        let time = chunk[0].0;
        let events = chunk.iter().filter(|o| o.1).count();
        let censored = chunk.len() - events;
        if events > 0 {
            let (n, d) = (at_risk as f64, events as f64);
            survival *= 1.0 - d / n;
            // When everyone at risk dies the term is infinite; like lifelines, drop it: S is 0
            // from here on and so is its variance.
            if at_risk > events {
                greenwood_sum += d / (n * (n - d));
            }
        }
        let (lower, upper) = log_log_band(survival, greenwood_sum);
        steps.push(KmStep {
            time,
            at_risk,
            events,
            censored,
            survival,
            variance: survival * survival * greenwood_sum,
            lower,
            upper,
        });
        at_risk -= chunk.len();
    }

    let median = first_time_at_or_below(&steps, 0.5, |s| s.survival);
    let median_ci = (
        first_time_at_or_below(&steps, 0.5, |s| s.lower),
        first_time_at_or_below(&steps, 0.5, |s| s.upper),
    );
    Ok(KaplanMeier {
        steps,
        n_samples,
        n_events,
        median,
        median_ci,
    })
}

/// The exponential Greenwood band: a normal interval for `log(-log S)`, mapped back.
///
/// Where `S` is 1 (no event yet) or 0 (everyone has died) the transform is undefined; the band
/// collapses onto `S` there, as in lifelines.
fn log_log_band(survival: f64, greenwood_sum: f64) -> (f64, f64) {
    if survival >= 1.0 || survival <= 0.0 {
        return (survival, survival);
    }
    let v = survival.ln();
    let half_width = Z_95 * greenwood_sum.sqrt() / v;
    let centre = (-v).ln();
    (
        (-(centre - half_width).exp()).exp(),
        (-(centre + half_width).exp()).exp(),
    )
}

fn first_time_at_or_below(steps: &[KmStep], q: f64, value: impl Fn(&KmStep) -> f64) -> Option<f64> {
    steps.iter().find(|s| value(s) <= q + 1e-12).map(|s| s.time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::SampleId;

    fn ids(n: usize) -> Vec<SampleId> {
        (0..n).map(|i| SampleId::from(format!("s{i}"))).collect()
    }

    fn surv(t: &[f64], e: &[bool]) -> SurvivalTimes {
        SurvivalTimes::new(
            ids(t.len()),
            t.to_vec(),
            e.iter().map(|&e| Some(e)).collect(),
        )
        .unwrap()
    }

    #[test]
    fn curves_per_group() {
        let s = surv(&[1.0, 2.0, 3.0, 4.0], &[true, true, false, true]);
        let g = GroupLabels::new(ids(4), &[Some("x"), Some("y"), Some("x"), None]).unwrap();
        let curves = kaplan_meier_by_group(&s, &g);
        assert_eq!(curves.len(), 2);
        assert_eq!(curves[0].0, "x");
        assert_eq!(curves[0].1.n_samples, 2);
        assert_eq!(curves[1].1.steps[0].survival, 0.0);
    }

    #[test]
    fn hand_computed_curve() {
        // 4 at risk: death at 1 (S = 3/4), censoring at 2, death at 3 among 2 (S = 3/8).
        let km = kaplan_meier(&surv(&[1.0, 2.0, 3.0, 4.0], &[true, false, true, false])).unwrap();
        assert_eq!(km.steps.len(), 4);
        assert!((km.steps[0].survival - 0.75).abs() < 1e-15);
        assert!((km.steps[1].survival - 0.75).abs() < 1e-15);
        assert!((km.steps[2].survival - 0.375).abs() < 1e-15);
        assert_eq!(km.steps[2].at_risk, 2);
        assert_eq!(km.median, Some(3.0));
        assert_eq!(km.survival_at(0.5), 1.0);
        assert_eq!(km.survival_at(2.5), 0.75);
        // Greenwood: S² (1/(4·3) + 1/(2·1)).
        let expected = 0.375f64.powi(2) * (1.0 / 12.0 + 0.5);
        assert!((km.steps[2].variance - expected).abs() < 1e-15);
        assert!(km.steps[2].lower < 0.375 && km.steps[2].upper > 0.375);
    }

    #[test]
    fn no_events_gives_flat_curve_without_median() {
        let km = kaplan_meier(&surv(&[1.0, 2.0], &[false, false])).unwrap();
        assert!(km.steps.iter().all(|s| s.survival == 1.0 && s.lower == 1.0));
        assert_eq!(km.median, None);
    }

    #[test]
    fn empty_input_is_not_testable() {
        let s = SurvivalTimes::new(ids(1), vec![f64::NAN], vec![Some(true)]).unwrap();
        assert!(matches!(
            kaplan_meier(&s),
            Err(NotTestable::TooFewObservations { .. })
        ));
    }
}
