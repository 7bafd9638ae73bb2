#!/usr/bin/env python3
"""Reference values for hypomics' PCA and clustering modules, computed with numpy and scipy.

Writes analysis/tests/fixtures/pca.json and cluster.json. Each case carries its inputs (layers as
one list per feature, missing values as null) so the Rust tests need no data folder.

PCA reproduces the documented preprocessing of analysis/src/pca.rs (drop samples missing more than
max_sample_missing_fraction of features; drop features missing in more than max_missing_fraction
of the kept samples or constant; centre; mean-impute; optionally scale by the sample standard
deviation) and then takes numpy's SVD. Component signs follow the Rust convention: the
largest-magnitude loading of each component is positive.

Silhouettes use a direct numpy implementation of Rousseeuw's definition (singletons score 0, as
scikit-learn); dendrograms use scipy.cluster.hierarchy.linkage(method="average").

Run:  python3 analysis/reference/make_pca_cluster_fixtures.py
"""

import gzip
import json
import os
import sys

import numpy as np
import scipy
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
CPTAC = "/work/shared/data/cptac-ucec/proteomics.cct.gz"


def versions():
    return {"numpy": np.__version__, "scipy": scipy.__version__}


def nullable(values):
    return [None if np.isnan(v) else float(v) for v in values]


# ---------------------------------------------------------------- PCA


def reference_pca(x, n_components, max_missing_fraction, scale, max_sample_missing_fraction):
    """x: samples x features with NaN. Mirrors analysis/src/pca.rs."""
    n, p = x.shape
    miss = np.isnan(x).sum(axis=1)
    keep_s = (miss / p <= max_sample_missing_fraction) & (miss < p)
    x = x[keep_s]
    n = x.shape[0]
    cols, kept_f = [], []
    for j in range(p):
        c = x[:, j].copy()
        obs = ~np.isnan(c)
        if obs.sum() < 2 or (n - obs.sum()) > max_missing_fraction * n:
            continue
        mean = c[obs].mean()
        c = np.where(obs, c - mean, 0.0)
        ss = (c**2).sum()
        if not ss > 1e-24 * mean * mean * n:
            continue
        if scale:
            c = c / np.sqrt(ss / (n - 1))
        cols.append(c)
        kept_f.append(j)
    xc = np.column_stack(cols)
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    k = min(n_components, int((s**2 > (s[0] ** 2) * 1e-12).sum()))
    scores = u[:, :k] * s[:k]
    loadings = vt[:k]
    for c in range(k):
        if loadings[c][np.argmax(np.abs(loadings[c]))] < 0:
            loadings[c] *= -1
            scores[:, c] *= -1
    total = (xc**2).sum()
    return {
        "kept_samples": [int(i) for i in np.flatnonzero(keep_s)],
        "kept_features": kept_f,
        "explained_variance": [float(v) for v in s[:k] ** 2 / (n - 1)],
        "explained_variance_ratio": [float(v) for v in s[:k] ** 2 / total],
        "scores": [[float(v) for v in scores[:, c]] for c in range(k)],
        "loadings": [[float(v) for v in loadings[c]] for c in range(k)],
    }


def pca_case(name, x, sample_names, feature_names, n_components, max_missing_fraction, scale,
             max_sample_missing_fraction=0.5):
    return {
        "name": name,
        "samples": sample_names,
        "features": feature_names,
        "values": [nullable(x[:, j]) for j in range(x.shape[1])],
        "options": {
            "n_components": n_components,
            "max_missing_fraction": max_missing_fraction,
            "scale": scale,
            "max_sample_missing_fraction": max_sample_missing_fraction,
        },
        "expected": reference_pca(x, n_components, max_missing_fraction, scale, max_sample_missing_fraction),
    }


def make_pca():
    rng = np.random.default_rng(11)
    cases = []
    # Wide (n < p, Gram path): rank-3 structure plus noise, with gaps.
    n, p = 25, 60
    x = rng.normal(size=(n, 3)) @ rng.normal(size=(3, p)) * 2 + rng.normal(size=(n, p)) * 0.5 + 5
    x[rng.random((n, p)) < 0.03] = np.nan
    x[:12, 7] = np.nan  # feature missing in ~half the samples: dropped
    x[:, 9] = 4.2  # constant: dropped
    x[3, :45] = np.nan  # sample missing 75% of features: dropped
    s = [f"s{i}" for i in range(n)]
    f = [f"f{j}" for j in range(p)]
    cases.append(pca_case("wide_imputed", x, s, f, 5, 0.2, False))
    # Tall (n > p, covariance path), complete, scaled.
    n, p = 40, 6
    x = rng.normal(size=(n, p)) * np.array([1, 10, 100, 0.1, 3, 7]) + rng.normal(size=(n, 1))
    cases.append(pca_case("tall_scaled", x, [f"s{i}" for i in range(n)], [f"f{j}" for j in range(p)], 3, 0.0, True))
    # Real: the first 100 proteins of CPTAC UCEC, all 153 samples, with their missing values.
    if os.path.exists(CPTAC):
        with gzip.open(CPTAC, "rt") as fh:
            header = fh.readline().rstrip("\n").split("\t")[1:]
            rows, names = [], []
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                names.append(parts[0])
                rows.append([np.nan if v in ("NA", "") else float(v) for v in parts[1:]])
                if len(rows) == 100:
                    break
        x = np.array(rows).T
        cases.append(pca_case("cptac_proteome_100", x, header, names, 5, 0.2, False))
    return {"versions": versions(), "cases": cases}


# ---------------------------------------------------------------- clustering


def silhouette(x, labels):
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    labels = np.asarray(labels)
    out = np.zeros(len(labels))
    for i in range(len(labels)):
        own = labels == labels[i]
        if own.sum() < 2:
            continue
        a = d[i, own].sum() / (own.sum() - 1)
        b = min(d[i, labels == c].mean() for c in np.unique(labels) if c != labels[i])
        out[i] = (b - a) / max(a, b)
    return out


def first_appearance(labels):
    seen = {}
    return [seen.setdefault(l, len(seen)) for l in labels]


def make_cluster():
    rng = np.random.default_rng(5)
    centres = np.array([[0, 0, 0, 0], [8, 0, 3, 0], [0, 9, 0, -4]], dtype=float)
    sizes = [10, 12, 14]
    planted = np.repeat([0, 1, 2], sizes)
    order = rng.permutation(len(planted))
    planted = planted[order]
    x = centres[planted] + rng.normal(size=(len(planted), 4))
    inertia = sum(((x[planted == c] - x[planted == c].mean(0)) ** 2).sum() for c in range(3))
    sil = silhouette(x, planted)
    random_labels = rng.integers(0, 3, size=len(planted))
    random_labels[0] = 3  # a singleton cluster
    rsil = silhouette(x, random_labels)
    z = linkage(pdist(x), method="average")
    cuts = {str(k): first_appearance(fcluster(z, k, criterion="maxclust")) for k in (2, 3, 5)}
    return {
        "versions": versions(),
        "samples": [f"s{i}" for i in range(len(planted))],
        "values": [[float(v) for v in x[:, j]] for j in range(x.shape[1])],
        "planted": first_appearance(planted),
        "planted_inertia": float(inertia),
        "planted_silhouette": [float(v) for v in sil],
        "random_labels": [int(v) for v in random_labels],
        "random_silhouette": [float(v) for v in rsil],
        "linkage_heights": [float(v) for v in z[:, 2]],
        "linkage_pairs": [[int(a), int(b)] for a, b in z[:, :2]],
        "linkage_sizes": [int(v) for v in z[:, 3]],
        "cuts": cuts,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, make in [("pca", make_pca), ("cluster", make_cluster)]:
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w") as fh:
            json.dump(make(), fh, indent=1)
        print("wrote", os.path.relpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
