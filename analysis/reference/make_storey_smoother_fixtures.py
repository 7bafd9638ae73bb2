#!/usr/bin/env python3
"""Reference values for Storey's q-values with qvalue's pi0 smoother
(analysis/src/multiple_testing.rs `storey_smoother`), written to
analysis/tests/fixtures/storey_smoother.json.

Versions: numpy 2.4.6, scipy 1.17.1. R's qvalue (pi0est with pi0.method = "smoother",
lambda = seq(0.05, 0.95, 0.05), smooth.df = 3) is replicated here without R:
- pi0(lambda) = mean(p >= lambda) / (1 - lambda) on the non-NaN p-values;
- the smoother is scipy.interpolate.make_smoothing_spline (the natural cubic smoothing spline
  minimising sum (y - g(x))^2 + lam * integral g''^2, the criterion of R's smooth.spline with
  knots at every x), with lam found by brentq so that the trace of the smoother matrix (built by
  smoothing unit vectors) is 3, the meaning of smooth.spline's df;
- pi0 = min(smoothed value at lambda = 0.95, 1); q = pi0 * Benjamini-Hochberg
  (scipy.stats.false_discovery_control(method="bh")), NaN kept in place.
Python qvalue ports on PyPI (multipy's qvalue, qvalue-py) use other smoothers (UnivariateSpline
with automatic smoothing, or a quadratic fit), so they are not used as the reference.

Run:  python3 analysis/reference/make_storey_smoother_fixtures.py
"""

import json
import os
import sys

import numpy as np
import scipy
from scipy import interpolate, optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402

LAMBDAS = np.arange(1, 20) * 0.05


def smoother(x, y, df):
    def trace(log_lam):
        lam = np.exp(log_lam)
        return sum(
            interpolate.make_smoothing_spline(x, np.eye(len(x))[i], lam=lam)(x)[i]
            for i in range(len(x))
        )
    log_lam = optimize.brentq(lambda v: trace(v) - df, -40, 20, xtol=1e-14, rtol=1e-15)
    return interpolate.make_smoothing_spline(x, y, lam=np.exp(log_lam))(x)


def case(p):
    ok = p[~np.isnan(p)]
    raw = np.array([np.mean(ok >= l) / (1 - l) for l in LAMBDAS])
    fit = smoother(LAMBDAS, raw, 3.0)
    pi0 = min(fit[-1], 1.0) if fit[-1] > 0 else 1.0
    q = np.full(len(p), np.nan)
    q[~np.isnan(p)] = pi0 * stats.false_discovery_control(ok, method="bh")
    return {"p": p, "pi0_lambda": raw, "pi0_smooth": fit, "pi0": pi0, "q": q}


def main():
    rng = np.random.default_rng(2017)
    cases = {}
    mix = np.concatenate([rng.uniform(size=700), rng.beta(0.2, 6, size=300)])
    cases["mixture"] = case(mix)
    cases["all_null"] = case(rng.uniform(size=500))
    strong = np.concatenate([rng.uniform(size=100), 10 ** -rng.uniform(2, 40, size=400)])
    cases["mostly_signal"] = case(strong)
    small = rng.uniform(size=40) ** 1.5
    small[[3, 7]] = np.nan
    cases["small_with_nan"] = case(small)
    payload = {
        "generated_by": "analysis/reference/make_storey_smoother_fixtures.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
        "cases": cases,
    }
    with open(os.path.join(OUT, "storey_smoother.json"), "w") as f:
        json.dump(clean(payload), f)


if __name__ == "__main__":
    main()
