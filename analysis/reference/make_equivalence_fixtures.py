"""Reference values for analysis::equivalence (two one-sided tests, TOST) from statsmodels'
`ttost_ind`, written to analysis/tests/fixtures/equivalence.json.

Run: python3 analysis/reference/make_equivalence_fixtures.py (numpy, statsmodels).
Each case is two samples (with the 90% interval of the difference from `tconfint_diff`, the
interval TOST at alpha 0.05 compares with the margins), an equivalence interval (low, upp) for mean(x1) - mean(x2) and both
variance assumptions (Welch `unequal`, Student `pooled`). NaN marks a missing value the Rust side
must skip; statsmodels gets the observed values only.
"""

import json
import pathlib

import numpy as np
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW, ttost_ind

rng = np.random.default_rng(20261207)
cases = []


def add(name, x1, x2, low, upp):
    x1 = np.asarray(x1, dtype=float)
    x2 = np.asarray(x2, dtype=float)
    o1 = x1[~np.isnan(x1)]
    o2 = x2[~np.isnan(x2)]
    case = {"name": name, "x1": [None if np.isnan(v) else v for v in x1.tolist()],
            "x2": [None if np.isnan(v) else v for v in x2.tolist()], "low": low, "upp": upp}
    for usevar in ("unequal", "pooled"):
        p, (t1, p1, df1), (t2, p2, df2) = ttost_ind(o1, o2, low, upp, usevar=usevar)
        case[usevar] = {"p": float(p), "t_lower": float(t1), "p_lower": float(p1),
                        "t_upper": float(t2), "p_upper": float(p2), "df": float(df1)}
        lo, hi = CompareMeans(DescrStatsW(o1), DescrStatsW(o2)).tconfint_diff(alpha=0.10, usevar=usevar)
        case[usevar]["ci90_low"] = float(lo)
        case[usevar]["ci90_high"] = float(hi)
    cases.append(case)


# Equal means, margin half a standard deviation: equivalence shown with enough samples.
add("equal_means_large", rng.normal(0, 1, 60), rng.normal(0, 1, 70), -0.5, 0.5)
# Equal means, small groups: equivalence not shown (inconclusive, not "no change").
add("equal_means_small", rng.normal(0, 1, 6), rng.normal(0, 1, 5), -0.5, 0.5)
# A real shift outside the margin.
add("shifted", rng.normal(1.2, 1, 40), rng.normal(0, 1, 40), -0.5, 0.5)
# Unequal variances and sizes, asymmetric interval.
add("unequal_var", rng.normal(0.1, 2.5, 25), rng.normal(0, 0.6, 80), -0.8, 1.1)
# Missing values are skipped.
x1 = rng.normal(0, 1, 30)
x1[[2, 7, 19]] = np.nan
add("with_missing", x1, rng.normal(0.05, 1, 33), -0.6, 0.6)
# Deep tails: a tight interval around a large equal-mean sample.
add("deep_tail", rng.normal(5, 0.2, 400), rng.normal(5, 0.2, 400), -0.3, 0.3)

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "equivalence.json"
out.write_text(json.dumps({"cases": cases}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}")
