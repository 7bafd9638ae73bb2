#!/usr/bin/env python3
"""Reference values for hypomics' logistic regression (analysis/src/logistic.rs), computed with
statsmodels' Logit fitted by Newton's method to a tight tolerance.

Versions: numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0 (recorded in the JSON). The null
log-likelihood is the closed form and the LR p-value scipy's chi2.sf of it (see case()).
Run:  python3 analysis/reference/make_logistic_fixtures.py  -> analysis/tests/fixtures/logistic.json
Inputs are seeded numpy draws with missing values, a categorical covariate and a deep tail
(LR p < 1e-40). NaN is written as null.
"""

import json
import math
import os
import sys

import numpy as np
import statsmodels
import statsmodels.api as sm
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")


# The strict-JSON conversion shared with the part-1 fixtures (NaN -> null, inf -> "inf").
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402


def case(name, y, columns):
    n = len(y)
    X = np.column_stack([np.ones(n)] + list(columns.values()))
    res = sm.Logit(y, X, missing="drop").fit(method="newton", maxiter=100, tol=1e-14, disp=0)
    assert res.mle_retvals["converged"], name
    # statsmodels fits the null model by Newton to its default tolerance (llnull ~1e-10 relative
    # off), which moves a deep LR p-value by ~1e-8 relative; the intercept-only likelihood has a
    # closed form, used here (statsmodels' value agrees to 1e-9, asserted).
    ok = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    k, m = float(y[ok].sum()), int(ok.sum())
    llnull = k * math.log(k / m) + (m - k) * math.log(1 - k / m)
    assert abs(llnull - res.llnull) <= 1e-9 * abs(llnull), name
    llr = 2 * (res.llf - llnull)
    return {
        "name": name,
        "y": y,
        "columns": columns,
        "nobs": float(res.nobs),
        "params": res.params,
        "bse": res.bse,
        "z": res.tvalues,
        "pvalues": res.pvalues,
        "llf": float(res.llf),
        "llnull": llnull,
        "llr": llr,
        "llr_pvalue": float(stats.chi2.sf(llr, res.df_model)),
    }


def main():
    rng = np.random.default_rng(41)
    cases = []
    n = 60
    x = rng.normal(0, 1, n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.3 + 1.2 * x)))).astype(float)
    cases.append(case("one_feature", y, {"x": x}))

    n = 90
    x = rng.normal(5, 2, n)
    x[[3, 17, 40]] = np.nan
    purity = rng.uniform(0.2, 0.9, n)
    batch = rng.choice(["B1", "B2", "B3"], n)
    eta = -2 + 0.5 * x - 1.5 * purity + 0.8 * (batch == "B2")
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    y[[5, 6]] = np.nan
    cases.append(
        case(
            "covariates_and_missing",
            y,
            {"x": x, "purity": purity, "batch[T.B2]": (batch == "B2").astype(float),
             "batch[T.B3]": (batch == "B3").astype(float)},
        )
    )

    n = 600
    x = rng.normal(0, 1, n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(2.5 * x)))).astype(float)
    cases.append(case("deep_tail", y, {"x": x}))

    import scipy

    versions = {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__}
    with open(os.path.join(OUT, "logistic.json"), "w") as f:
        json.dump(clean({"versions": versions, "cases": cases}), f)


if __name__ == "__main__":
    main()
