//! The Cox partial likelihood with Efron's handling of tied event times, and the Newton-Raphson
//! fit that maximises it.
//!
//! Efron ties are what lifelines' `CoxPHFitter` and R's `coxph` use by default; Breslow's cruder
//! approximation biases coefficients towards zero when many deaths share a day.
//!
//! Covariates are centred and scaled to unit standard deviation before fitting (and the estimates
//! scaled back), as lifelines does: the estimates are unchanged but the Newton steps are well
//! conditioned and the convergence tolerance means the same for every feature.

use super::linalg::{cholesky_in_place, cholesky_solve_in_place};
use crate::{NotTestable, Outcome};

/// One fit's samples, in decreasing time order so risk sets grow as the likelihood is walked.
#[derive(Debug, Default)]
pub(crate) struct CoxData {
    p: usize,
    /// Row-major `n x p`, standardised.
    x: Vec<f64>,
    event: Vec<bool>,
    /// Half-open ranges of samples sharing one time, in decreasing time.
    ties: Vec<(usize, usize)>,
    time_scratch: Vec<f64>,
    mean: Vec<f64>,
    scale: Vec<f64>,
    n_events: usize,
}

impl CoxData {
    /// Refills the buffers with `p` covariates per sample, reusing their allocations. `order`
    /// yields `(time, event, sample)` in *increasing* time order; `value(sample, j)` gives
    /// covariate `j` of that sample.
    pub(crate) fn fill_with(
        &mut self,
        p: usize,
        order: impl DoubleEndedIterator<Item = (f64, bool, usize)>,
        value: impl Fn(usize, usize) -> f64,
    ) {
        self.p = p;
        self.x.clear();
        self.event.clear();
        self.time_scratch.clear();
        for (t, e, sample) in order.rev() {
            self.x.extend((0..p).map(|j| value(sample, j)));
            self.event.push(e);
            self.time_scratch.push(t);
        }
        self.finish();
    }

    /// Like [`CoxData::fill_with`] for one covariate, the shape of a per-feature screen.
    pub(crate) fn fill_single(&mut self, rows: impl DoubleEndedIterator<Item = (f64, bool, f64)>) {
        self.p = 1;
        self.x.clear();
        self.event.clear();
        self.time_scratch.clear();
        for (t, e, x) in rows.rev() {
            self.x.push(x);
            self.event.push(e);
            self.time_scratch.push(t);
        }
        self.finish();
    }

    fn finish(&mut self) {
        self.n_events = self.event.iter().filter(|&&e| e).count();
        self.ties.clear();
        let mut start = 0;
        for (i, w) in self.time_scratch.windows(2).enumerate() {
            if w[0] != w[1] {
                self.ties.push((start, i + 1));
                start = i + 1;
            }
        }
        if !self.time_scratch.is_empty() {
            self.ties.push((start, self.time_scratch.len()));
        }
    }

    pub(crate) fn n(&self) -> usize {
        self.event.len()
    }

    pub(crate) fn n_events(&self) -> usize {
        self.n_events
    }

    /// Centres and scales every covariate (sample standard deviation, as lifelines). A covariate
    /// with no spread cannot be estimated.
    fn standardise(&mut self) -> Outcome<()> {
        let (n, p) = (self.n(), self.p);
        self.mean.clear();
        self.scale.clear();
        for j in 0..p {
            let col = self.x.iter().skip(j).step_by(p.max(1));
            let mean = col.clone().sum::<f64>() / n as f64;
            let ss: f64 = col.map(|v| (v - mean) * (v - mean)).sum();
            let sd = (ss / (n as f64 - 1.0)).sqrt();
            if !(sd > 0.0 && sd.is_finite()) || ss <= 1e-24 * mean * mean * n as f64 {
                return Err(NotTestable::ConstantValues);
            }
            self.mean.push(mean);
            self.scale.push(sd);
        }
        for row in self.x.chunks_exact_mut(p.max(1)) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = (*v - m) / s;
            }
        }
        Ok(())
    }
}

/// Log partial likelihood with its gradient and information (minus the Hessian).
#[derive(Debug, Default, Clone)]
struct Derivatives {
    ll: f64,
    grad: Vec<f64>,
    /// Row-major `p x p`.
    info: Vec<f64>,
}

/// Buffers of one likelihood evaluation.
#[derive(Debug, Default)]
struct EvalScratch {
    eta: Vec<f64>,
    w: Vec<f64>,
    s1: Vec<f64>,
    s2: Vec<f64>,
    t1: Vec<f64>,
    t2: Vec<f64>,
    mean_x: Vec<f64>,
}

/// Scratch reused across iterations and, in screens, across features.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    scratch: EvalScratch,
    current: Derivatives,
    candidate: Derivatives,
    beta: Vec<f64>,
    trial: Vec<f64>,
    step: Vec<f64>,
    factor: Vec<f64>,
}

/// A finished fit, on the covariates' original scale.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawFit {
    pub beta: Vec<f64>,
    /// Row-major `p x p` covariance of `beta`.
    pub covariance: Vec<f64>,
    pub log_likelihood: f64,
    pub null_log_likelihood: f64,
    pub iterations: usize,
    pub converged: bool,
}

fn evaluate(data: &CoxData, beta: &[f64], ws: &mut EvalScratch, out: &mut Derivatives) {
    let p = data.p;
    let n = data.n();
    ws.eta.clear();
    ws.eta.extend(
        data.x
            .chunks_exact(p)
            .map(|row| row.iter().zip(beta).map(|(x, b)| x * b).sum::<f64>()),
    );
    // One global shift keeps exp() from overflowing when coefficients grow large.
    let shift = ws.eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    ws.w.clear();
    ws.w.extend(ws.eta.iter().map(|e| (e - shift).exp()));

    out.ll = 0.0;
    out.grad.clear();
    out.grad.resize(p, 0.0);
    out.info.clear();
    out.info.resize(p * p, 0.0);
    ws.s1.clear();
    ws.s1.resize(p, 0.0);
    ws.s2.clear();
    ws.s2.resize(p * p, 0.0);
    ws.t1.resize(p, 0.0);
    ws.t2.resize(p * p, 0.0);
    ws.mean_x.resize(p, 0.0);
    let mut s0 = 0.0;
    debug_assert_eq!(ws.w.len(), n);

    for &(start, end) in &data.ties {
        let mut t0 = 0.0;
        ws.t1.fill(0.0);
        ws.t2.fill(0.0);
        let mut deaths = 0usize;
        for i in start..end {
            let xi = &data.x[i * p..(i + 1) * p];
            let wi = ws.w[i];
            s0 += wi;
            accumulate(&mut ws.s1, &mut ws.s2, xi, wi);
            if data.event[i] {
                deaths += 1;
                t0 += wi;
                accumulate(&mut ws.t1, &mut ws.t2, xi, wi);
                out.ll += ws.eta[i];
                for (g, x) in out.grad.iter_mut().zip(xi) {
                    *g += x;
                }
            }
        }
        if deaths == 0 {
            continue;
        }
        let d = deaths as f64;
        for l in 0..deaths {
            let f = l as f64 / d;
            let d0 = s0 - f * t0;
            out.ll -= d0.ln() + shift;
            for a in 0..p {
                ws.mean_x[a] = (ws.s1[a] - f * ws.t1[a]) / d0;
                out.grad[a] -= ws.mean_x[a];
            }
            for a in 0..p {
                for b in 0..=a {
                    out.info[a * p + b] += (ws.s2[a * p + b] - f * ws.t2[a * p + b]) / d0
                        - ws.mean_x[a] * ws.mean_x[b];
                }
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            out.info[b * p + a] = out.info[a * p + b];
        }
    }
}

/// Adds `w x` and the lower triangle of `w x xᵀ`.
#[inline]
fn accumulate(s1: &mut [f64], s2: &mut [f64], x: &[f64], w: f64) {
    let p = x.len();
    for a in 0..p {
        let wa = w * x[a];
        s1[a] += wa;
        for b in 0..=a {
            s2[a * p + b] += wa * x[b];
        }
    }
}

/// Maximises the partial likelihood by Newton-Raphson from `beta = 0`, halving a step whenever
/// it would lower the likelihood.
///
/// Converged means the full Newton step fell below `tolerance` in standardised units; that last
/// step is taken, so the estimates are accurate to about the square of the tolerance. Reaching
/// `max_iterations` instead usually means monotone likelihood (a covariate that separates early
/// from late deaths, coefficient drifting to infinity): the fit is then returned with
/// `converged = false` so callers can flag it rather than trust its p-values.
pub(crate) fn fit(
    data: &mut CoxData,
    ws: &mut Workspace,
    max_iterations: usize,
    tolerance: f64,
) -> Outcome<RawFit> {
    let (n, p) = (data.n(), data.p);
    if n < 2 {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: 2,
        });
    }
    if data.n_events() == 0 {
        return Err(NotTestable::NoEvents);
    }
    data.standardise()?;

    ws.beta.clear();
    ws.beta.resize(p, 0.0);
    evaluate(data, &ws.beta, &mut ws.scratch, &mut ws.current);
    let null_ll = ws.current.ll;
    if !null_ll.is_finite() {
        return Err(NotTestable::DidNotConverge { iterations: 0 });
    }

    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iterations {
        iterations += 1;
        ws.factor.clone_from(&ws.current.info);
        if !cholesky_in_place(&mut ws.factor, p) {
            return Err(if iterations == 1 {
                NotTestable::SingularDesign
            } else {
                NotTestable::DidNotConverge { iterations }
            });
        }
        ws.step.clone_from(&ws.current.grad);
        cholesky_solve_in_place(&ws.factor, p, &mut ws.step);
        let largest = ws.step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        if !largest.is_finite() {
            return Err(NotTestable::DidNotConverge { iterations });
        }
        if largest <= tolerance {
            for (b, s) in ws.beta.iter_mut().zip(&ws.step) {
                *b += s;
            }
            evaluate(data, &ws.beta, &mut ws.scratch, &mut ws.current);
            converged = true;
            break;
        }
        let mut scale = 1.0;
        let accepted = loop {
            ws.trial.clear();
            ws.trial
                .extend(ws.beta.iter().zip(&ws.step).map(|(b, s)| b + scale * s));
            evaluate(data, &ws.trial, &mut ws.scratch, &mut ws.candidate);
            let (old, new) = (ws.current.ll, ws.candidate.ll);
            if new.is_finite() && new >= old - 1e-12 * (1.0 + old.abs()) {
                break true;
            }
            scale *= 0.5;
            if scale < 1e-10 {
                break false;
            }
        };
        if !accepted {
            // No step raises the likelihood: it is at its numerical maximum along the Newton
            // direction but the step is not small, so the problem is ill-conditioned.
            break;
        }
        std::mem::swap(&mut ws.beta, &mut ws.trial);
        std::mem::swap(&mut ws.current, &mut ws.candidate);
    }

    if !ws.current.ll.is_finite() {
        return Err(NotTestable::DidNotConverge { iterations });
    }
    ws.factor.clone_from(&ws.current.info);
    if !cholesky_in_place(&mut ws.factor, p) {
        return Err(NotTestable::DidNotConverge { iterations });
    }
    // Covariance on the standardised scale is the inverse information; unscale both sides.
    let mut covariance = vec![0.0; p * p];
    let mut column = vec![0.0; p];
    for j in 0..p {
        column.fill(0.0);
        column[j] = 1.0;
        cholesky_solve_in_place(&ws.factor, p, &mut column);
        for i in 0..p {
            covariance[i * p + j] = column[i] / (data.scale[i] * data.scale[j]);
        }
    }
    let beta = ws
        .beta
        .iter()
        .zip(&data.scale)
        .map(|(b, s)| b / s)
        .collect();
    Ok(RawFit {
        beta,
        covariance,
        log_likelihood: ws.current.ll,
        null_log_likelihood: null_ll,
        iterations,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(t: &[f64], e: &[bool], x: &[f64]) -> CoxData {
        let mut d = CoxData::default();
        d.fill_single(t.iter().zip(e).zip(x).map(|((&t, &e), &x)| (t, e, x)));
        d
    }

    #[test]
    fn ties_are_grouped_in_decreasing_time() {
        let d = data(
            &[1.0, 2.0, 2.0, 3.0],
            &[true, true, false, true],
            &[0.0, 1.0, 2.0, 3.0],
        );
        assert_eq!(d.ties, vec![(0, 1), (1, 3), (3, 4)]);
        assert_eq!(d.n_events(), 3);
    }

    #[test]
    fn null_likelihood_without_ties_is_minus_sum_log_risk_set() {
        // Distinct times, all events: ll(0) = -Σ log(n_at_risk) = -(log 3 + log 2 + log 1).
        let mut d = data(&[1.0, 2.0, 3.0], &[true, true, true], &[0.3, -1.0, 2.0]);
        let mut ws = Workspace::default();
        let fit = fit(&mut d, &mut ws, 50, 1e-9).unwrap();
        assert!((fit.null_log_likelihood + 6f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn efron_null_likelihood_with_ties() {
        // Two tied deaths among 3 at risk then 1 death: Efron at beta=0 gives
        // -(log 3 + log(3 - 1)) - log 1.
        let mut d = data(&[1.0, 1.0, 2.0], &[true, true, true], &[0.0, 5.0, 1.0]);
        let mut ws = Workspace::default();
        let fit = fit(&mut d, &mut ws, 50, 1e-9).unwrap();
        assert!((fit.null_log_likelihood + 3f64.ln() + 2f64.ln()).abs() < 1e-12);
    }
}
