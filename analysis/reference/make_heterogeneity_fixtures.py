#!/usr/bin/env python3
"""Reference values for Cochran's Q test of homogeneity (analysis/src/heterogeneity.rs), from
statsmodels' fixed-effect meta-analysis: combine_effects(estimates, variances).test_homogeneity()
for Q, df and p, mean_effect_fe and sd_eff_w_fe for the pooled estimate and its standard error.
Run:  python3 analysis/reference/make_heterogeneity_fixtures.py -> tests/fixtures/heterogeneity.json
"""

import json
import os
import sys

import numpy as np
import statsmodels
from statsmodels.stats.meta_analysis import combine_effects

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402


def case(estimates, std_errors):
    e = np.array(estimates, dtype=float)
    v = np.array(std_errors, dtype=float) ** 2
    r = combine_effects(e, v)
    h = r.test_homogeneity()
    return {"estimates": estimates, "std_errors": std_errors, "q": float(h.statistic),
            "df": int(h.df), "p": float(h.pvalue), "pooled": float(r.mean_effect_fe),
            "pooled_se": float(r.sd_eff_w_fe)}


def main():
    rng = np.random.default_rng(17)
    cases = [
        # Two strata of a narrowed hypothesis: similar effects, and clearly different ones.
        case([1.08, 1.30], [0.43, 0.27]),
        case([1.5, 0.02], [0.21, 0.12]),
        case([0.64, 1.96, 2.00], [0.95, 0.78, 0.60]),
        # A deep tail: very different, very precise estimates.
        case([2.0, -2.0, 0.0], [0.1, 0.1, 0.2]),
        # Identical estimates: Q = 0, p = 1.
        case([0.7, 0.7, 0.7, 0.7], [0.3, 0.1, 0.2, 0.5]),
        case(list(np.round(rng.normal(0, 1, 12), 6)), list(np.round(rng.uniform(0.2, 1.5, 12), 6))),
    ]
    payload = {"versions": {"statsmodels": statsmodels.__version__}, "cases": cases}
    with open(os.path.join(OUT, "heterogeneity.json"), "w") as f:
        json.dump(clean(payload), f, indent=1)


if __name__ == "__main__":
    main()
