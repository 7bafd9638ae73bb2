#!/usr/bin/env python3
"""Reference values for per-sample gene-set scores by the combined z-score method (Lee et al.
2008; GSVA's method="zscore"), analysis/src/enrichment/sample_scores.rs.

No Python library implements it (GSVA is R), so the formula is computed here with numpy 2.4.6:
z = (x - mean) / sd per gene over its observed samples (sd with ddof=1; genes with < 3 observed
values or no variance are not scored), score = sum of observed member z / sqrt(number observed).
Run:  python3 analysis/reference/make_sample_score_fixtures.py -> tests/fixtures/sample_scores.json
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402


def main():
    rng = np.random.default_rng(8)
    n_samples, n_genes = 20, 60
    genes = [f"G{i:02d}" for i in range(n_genes)]
    samples = [f"S{i:02d}" for i in range(n_samples)]
    x = rng.normal(10, 2, (n_genes, n_samples)) + rng.normal(0, 3, n_genes)[:, None]
    x[:8] += rng.normal(0, 1.5, n_samples)  # a co-regulated module
    x[3, [1, 4, 9]] = np.nan
    x[5, :18] = np.nan  # too few observed: not scored
    x[6] = 7.0  # constant: not scored
    x[7, 0] = np.nan
    sets = {
        "module": genes[:8],
        "random": [genes[i] for i in (10, 20, 30, 40, 50)],
        "with_absent": genes[50:55] + ["NOT_A_GENE"],
        "too_small": ["G05", "G06", "NOT_A_GENE"],
    }
    z = {}
    for g, row in zip(genes, x):
        obs = row[~np.isnan(row)]
        if len(obs) < 3 or np.std(obs, ddof=1) == 0:
            continue
        z[g] = (row - obs.mean()) / np.std(obs, ddof=1)
    expected = {}
    for name, members in sets.items():
        rows = [z[g] for g in members if g in z]
        if len(rows) < 2:
            expected[name] = None
            continue
        m = np.array(rows)
        k = (~np.isnan(m)).sum(axis=0)
        expected[name] = {"n_genes": len(rows), "scores": np.nansum(m, axis=0) / np.sqrt(k)}
    payload = {
        "versions": {"numpy": np.__version__},
        "samples": samples,
        "genes": genes,
        "values": x,
        "sets": sets,
        "min_size": 2,
        "expected": expected,
    }
    with open(os.path.join(OUT, "sample_scores.json"), "w") as f:
        json.dump(clean(payload), f)


if __name__ == "__main__":
    main()
