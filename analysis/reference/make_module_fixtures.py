#!/usr/bin/env python3
"""Reference values for analysis/src/modules.rs (co-expression modules), computed with scipy.

Writes analysis/tests/fixtures/modules.json: a samples x features layer with three planted
co-expressed groups, some missing values and a constant feature, and what scipy gives for the
documented method: per-feature z-scores (ddof=1) with missing values set to 0, Pearson correlation
of those columns, scipy.cluster.hierarchy.linkage(method="average") on 1 - r, fcluster at the cut
height (criterion="distance"), clusters of at least min_size features as modules, and each
module's score per sample (mean z of its observed members).

Run:  python3 analysis/reference/make_module_fixtures.py
"""

import json
import os

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "modules.json")

rng = np.random.default_rng(20261207)
n, m = 40, 60
x = rng.normal(size=(m, n))
for start, share in [(0, 0.6), (12, 0.45), (30, 0.5)]:
    programme = rng.normal(size=n)
    for f in range(start, start + 10):
        x[f] = np.sqrt(share) * programme + np.sqrt(1 - share) * x[f]
x = x * rng.uniform(0.5, 2.0, size=(m, 1)) + rng.normal(size=(m, 1))
x[5, 3] = np.nan
x[20, [1, 7]] = np.nan
x[50] = 1.0  # constant: never clustered

min_size, cut = 5, 0.75
keep = [f for f in range(m) if np.nanstd(x[f]) > 0]
z = []
for f in keep:
    v = x[f]
    obs = np.isfinite(v)
    mu, sd = v[obs].mean(), v[obs].std(ddof=1)
    z.append(np.where(obs, (v - mu) / sd, 0.0))
z = np.array(z)
# Pearson over the z-columns as the documented method computes it: the cosine of the zero-filled
# z-scores (np.corrcoef would centre the filled columns again).
norms = np.sqrt((z * z).sum(1))
r = (z @ z.T) / np.outer(norms, norms)
np.fill_diagonal(r, 1.0)
d = np.clip(1 - r, 0, None)
np.fill_diagonal(d, 0.0)
labels = fcluster(linkage(squareform(d, checks=False), method="average"), cut, criterion="distance")
modules = []
for c in np.unique(labels):
    members = [keep[i] for i in np.where(labels == c)[0]]
    if len(members) >= min_size:
        idx = [keep.index(f) for f in members]
        scores = []
        for s in range(n):
            vals = [z[i, s] for i, f in zip(idx, members) if np.isfinite(x[f, s])]
            scores.append(float(np.mean(vals)) if vals else None)
        sub = r[np.ix_(idx, idx)]
        mean_r = float(sub[np.triu_indices(len(idx), 1)].mean())
        modules.append({"features": [f"g{f}" for f in members], "scores": scores, "mean_correlation": mean_r})

json.dump(
    {
        "values": [[None if not np.isfinite(v) else float(v) for v in row] for row in x],
        "min_size": min_size,
        "cut": cut,
        "modules": modules,
    },
    open(OUT, "w"),
    indent=1,
)
print(f"{len(modules)} modules:", [len(mm["features"]) for mm in modules])
