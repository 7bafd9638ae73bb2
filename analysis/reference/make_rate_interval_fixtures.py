#!/usr/bin/env python3
"""Reference values for Garwood's exact Poisson interval of a mean per-run count
(analysis/src/rate_interval.rs), from scipy's chi-square quantiles:
low = chi2.ppf(a/2, 2x) / 2, high = chi2.ppf(1 - a/2, 2x + 2) / 2 for the total x, divided by the
number of runs; dispersion = sample variance (ddof=1) / mean of the per-run counts.
Run:  python3 analysis/reference/make_rate_interval_fixtures.py -> tests/fixtures/rate_interval.json
"""

import json
import os
import sys

import numpy as np
import scipy
from scipy.stats import chi2

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402


def case(counts, level):
    a = 1 - level
    x = sum(counts)
    runs = len(counts)
    low = 0.0 if x == 0 else chi2.ppf(a / 2, 2 * x) / 2
    high = chi2.ppf(1 - a / 2, 2 * x + 2) / 2
    mean = x / runs
    c = np.array(counts, dtype=float)
    dispersion = c.var(ddof=1) / mean if runs >= 2 and mean > 0 else None
    return {"counts": counts, "level": level, "mean": mean, "low": low / runs,
            "high": high / runs, "dispersion": dispersion}


def main():
    cases = [
        case([0] * 10, 0.95),
        case([0] * 9 + [1], 0.95),
        case([0, 0, 3, 0, 0, 0, 9, 0, 0, 0], 0.95),
        case([2, 1, 0, 3, 1, 2, 0, 1, 4, 2, 1, 0], 0.95),
        case([5], 0.9),
        case([40, 37, 52, 45, 41], 0.99),
        case([0, 1], 0.5),
    ]
    payload = {"versions": {"scipy": scipy.__version__}, "cases": cases}
    with open(os.path.join(OUT, "rate_interval.json"), "w") as f:
        json.dump(clean(payload), f, indent=1)


if __name__ == "__main__":
    main()
