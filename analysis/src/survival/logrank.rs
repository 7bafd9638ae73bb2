//! The log-rank test that two or more groups share one survival curve.

use super::SurvivalTimes;
use super::linalg::SymmetricSolver;
use crate::distributions::chi2_sf;
use crate::groups::{GroupLabels, Membership, TwoGroups};
use crate::{NotTestable, Outcome};
use serde::Serialize;

/// Result of a log-rank test over `k` groups: chi-square with `k − 1` degrees of freedom.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogRank {
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
    /// Per group, in label order: observed and expected events under the null.
    pub groups: Vec<LogRankGroup>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogRankGroup {
    pub label: String,
    pub n: usize,
    pub observed: usize,
    pub expected: f64,
}

/// Tests whether the levels of `groups` differ in survival (chi-square with `k − 1` degrees of
/// freedom). Groups are matched to the follow-up by sample ID; levels with no sample that has
/// follow-up are left out. Matches lifelines' `multivariate_logrank_test`.
pub fn logrank_test(surv: &SurvivalTimes, groups: &GroupLabels) -> Outcome<LogRank> {
    let codes = groups.aligned_to(surv.samples());
    let levels: Vec<&str> = groups.levels().iter().map(String::as_str).collect();
    logrank_codes(surv, &codes, &levels)
}

/// The log-rank test between the two groups of a split (lifelines' `logrank_test`).
pub fn logrank_two_groups(surv: &SurvivalTimes, groups: &TwoGroups) -> Outcome<LogRank> {
    let codes: Vec<Option<usize>> = groups
        .aligned_to(surv.samples())
        .into_iter()
        .map(|m| match m {
            Membership::A => Some(0),
            Membership::B => Some(1),
            Membership::Excluded => None,
        })
        .collect();
    let levels = [groups.name(Membership::A), groups.name(Membership::B)];
    logrank_codes(surv, &codes, &levels)
}

/// The test over samples labelled by level index (`codes`, positional with `surv`).
fn logrank_codes(
    surv: &SurvivalTimes,
    codes: &[Option<usize>],
    levels: &[&str],
) -> Outcome<LogRank> {
    surv.check_len(codes.len(), "grouping")?;
    // Keep only levels some sample with follow-up belongs to, renumbered 0..k.
    let mut present = vec![0usize; levels.len()];
    for (i, c) in codes.iter().enumerate() {
        if let Some(&c) = c.as_ref()
            && surv.get(i).is_some()
            && let Some(slot) = present.get_mut(c)
        {
            *slot += 1;
        }
    }
    let mut new_code = vec![None; levels.len()];
    let mut labels = Vec::new();
    for (code, &count) in present.iter().enumerate() {
        if count > 0 {
            new_code[code] = Some(labels.len());
            labels.push(levels.get(code).copied().unwrap_or_default());
        }
    }
    // (time, event, group) of every sample with follow-up and a label.
    let mut obs: Vec<(f64, bool, usize)> = codes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let g = (*new_code.get((*c)?)?)?;
            surv.get(i).map(|(t, e)| (t, e, g))
        })
        .collect();
    let k = labels.len();
    let mut at_risk = vec![0usize; k];
    for o in &obs {
        at_risk[o.2] += 1;
    }
    if k < 2 {
        return Err(NotTestable::InvalidInput {
            detail: format!("log-rank needs at least 2 groups with follow-up, got {k}"),
        });
    }
    if !obs.iter().any(|o| o.1) {
        return Err(NotTestable::NoEvents);
    }
    obs.sort_by(|a, b| a.0.total_cmp(&b.0));

    let sizes = at_risk.clone();
    let mut observed = vec![0usize; k];
    let mut expected = vec![0.0; k];
    // Null covariance of observed − expected, k x k row-major.
    let mut cov = vec![0.0; k * k];
    let mut deaths_here = vec![0usize; k];
    for chunk in obs.chunk_by(|a, b| a.0 == b.0) {
        deaths_here.fill(0);
        for o in chunk.iter().filter(|o| o.1) {
            deaths_here[o.2] += 1;
        }
        let d: usize = deaths_here.iter().sum();
        if d > 0 {
            let n: usize = at_risk.iter().sum();
            let (nf, df) = (n as f64, d as f64);
            // Hypergeometric variance factor; with one sample at risk it is 0/0 and the
            // covariance term vanishes anyway.
            let factor = if n > 1 { (nf - df) / (nf - 1.0) } else { 1.0 } * df / (nf * nf);
            for g in 0..k {
                observed[g] += deaths_here[g];
                let ng = at_risk[g] as f64;
                expected[g] += df * ng / nf;
                for h in 0..k {
                    let nh = at_risk[h] as f64;
                    let delta = if g == h { nf } else { 0.0 };
                    cov[g * k + h] += factor * ng * (delta - nh);
                }
            }
        }
        for o in chunk {
            at_risk[o.2] -= 1;
        }
    }

    // The k deviations sum to zero, so drop the last group and use the (k−1) x (k−1) block.
    let m = k - 1;
    let z: Vec<f64> = (0..m).map(|g| observed[g] as f64 - expected[g]).collect();
    let block: Vec<f64> = (0..m)
        .flat_map(|g| cov[g * k..g * k + m].iter().copied())
        .collect();
    let solver = SymmetricSolver::new(block, m).ok_or(NotTestable::SingularDesign)?;
    let statistic = solver.quadratic_form_inverse(&z).max(0.0);
    let p_value = chi2_sf(statistic, m as f64);

    let groups = labels
        .iter()
        .zip(sizes)
        .zip(observed.iter().zip(&expected))
        .map(|((label, n), (&observed, &expected))| LogRankGroup {
            label: (*label).to_owned(),
            n,
            observed,
            expected,
        })
        .collect();
    Ok(LogRank {
        statistic,
        df: m,
        p_value,
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::SampleId;

    fn ids(n: usize) -> Vec<SampleId> {
        (0..n).map(|i| SampleId::from(format!("s{i}"))).collect()
    }

    fn labels(l: &[Option<&str>]) -> GroupLabels {
        GroupLabels::new(ids(l.len()), l).unwrap()
    }

    #[test]
    fn identical_groups_give_no_evidence() {
        let t = vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0];
        let s = SurvivalTimes::new(ids(6), t, vec![Some(true); 6]).unwrap();
        let g = labels(&[
            Some("a"),
            Some("b"),
            Some("a"),
            Some("b"),
            Some("a"),
            Some("b"),
        ]);
        let r = logrank_test(&s, &g).unwrap();
        assert!(r.statistic.abs() < 1e-12);
        assert!((r.p_value - 1.0).abs() < 1e-12);
        assert_eq!(r.groups[0].observed, 3);
        assert!((r.groups[0].expected - 3.0).abs() < 1e-12);
        let split = TwoGroups::from_labels(
            ids(6),
            &[
                Some("a"),
                Some("b"),
                Some("a"),
                Some("b"),
                Some("a"),
                Some("b"),
            ],
            "a",
            "b",
        )
        .unwrap();
        assert_eq!(
            logrank_two_groups(&s, &split).unwrap().statistic,
            r.statistic
        );
    }

    #[test]
    fn degenerate_inputs_are_reasons() {
        let s = SurvivalTimes::new(ids(2), vec![1.0, 2.0], vec![Some(false); 2]).unwrap();
        assert_eq!(
            logrank_test(&s, &labels(&[Some("a"), Some("b")])),
            Err(NotTestable::NoEvents)
        );
        assert!(matches!(
            logrank_test(&s, &labels(&[Some("a"), Some("a")])),
            Err(NotTestable::InvalidInput { .. })
        ));
        // A level whose only sample lacks follow-up is left out, leaving one group.
        let s = SurvivalTimes::new(ids(2), vec![1.0, f64::NAN], vec![Some(true); 2]).unwrap();
        assert!(matches!(
            logrank_test(&s, &labels(&[Some("a"), Some("b")])),
            Err(NotTestable::InvalidInput { .. })
        ));
    }
}
