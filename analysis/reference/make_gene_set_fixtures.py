#!/usr/bin/env python3
"""Reference values for hypomics' gene-set statistics (analysis/src/enrichment/{gsea,ssgsea,
camera}.rs), written to analysis/tests/fixtures/gene_sets.json.

Versions: numpy 2.4.6, scipy 1.17.1, pandas 3.1.1, gseapy 1.3.1 (PyPI; `pip install gseapy==1.3.1`).

- Preranked GSEA: gseapy.prerank (permutation_type "gene_set", weight 1, 10000 permutations,
  seed 7). The enrichment scores are deterministic and compared exactly; NES and nominal p are
  Monte Carlo estimates, so hypomics (its own random sets) is compared within Monte Carlo error
  (the tolerances are in analysis/tests/stats/gene_sets.rs). gseapy's p is b/m; hypomics reports
  (b+1)/(m+1), both are written. The ES is also recomputed here by the explicit running sum
  (numpy), as a check of gseapy's value.
- ssGSEA: gseapy.ssgsea (sample_norm_method "rank", weight 0.25, permutation_num 0): raw ES and
  NES (ES / range of all ES). A second case with missing values is computed by the documented
  hypomics rule (a gene missing in a sample is left out of that sample's ranking) with the
  explicit running sum in numpy, since gseapy ranks NaN as the highest value.
- CAMERA: no Python port of limma's camera exists (inmoose 0.9.1 has none), so the formulas of
  Wu & Smyth (2012), as in limma's cameraPR / camera source, are written here in numpy/scipy:
  vif = 1 + (m - 1) rho; delta = G/(G-m) (mean_set - mean_all);
  pooled = ((G-1) var_all - delta^2 m (G-m)/G) / (G-2); t = delta / sqrt(pooled (vif/m + 1/(G-m)));
  p = 2 min(t.cdf, t.sf) on G-2 df (fixed rho) or min(df_residual, G-2) (estimated rho).
  The estimated rho follows camera: residual effects U (the last n-p rows of Q'y from the
  design's QR), each gene scaled to unit mean square, vif = m * mean(rowMeans(U_set)^2),
  rho = (vif - 1)/(m - 1). The statistic is the two-group pooled t (scipy.stats.ttest_ind).

Run:  python3 analysis/reference/make_gene_set_fixtures.py
"""

import json
import os
import sys

import gseapy
import numpy as np
import pandas as pd
import scipy
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402


def running_sum_es(scores_desc, member_mask, weight):
    """GSEA ES by the explicit walk over genes sorted by decreasing score."""
    w = np.abs(scores_desc) ** weight if weight != 0 else np.ones_like(scores_desc)
    k = member_mask.sum()
    n = len(scores_desc)
    step = np.where(member_mask, w / w[member_mask].sum(), -1.0 / (n - k))
    res = np.cumsum(step)
    mx, mn = res.max(), res.min()
    return mx if abs(mx) > abs(mn) else mn


def gsea_case(rng):
    n = 3000
    genes = [f"G{i:04d}" for i in range(n)]
    scores = rng.standard_t(5, n) * 1.5
    order = np.argsort(-scores)
    sets = {}
    # Enriched at the top, at the bottom, null, small, weak and large sets.
    sets["top"] = [genes[i] for i in rng.choice(order[:400], 40, replace=False)]
    sets["bottom"] = [genes[i] for i in rng.choice(order[-300:], 25, replace=False)]
    sets["null_a"] = [genes[i] for i in rng.choice(n, 60, replace=False)]
    sets["null_b"] = [genes[i] for i in rng.choice(n, 150, replace=False)]
    sets["weak_up"] = [genes[i] for i in rng.choice(order[:1200], 30, replace=False)]
    sets["mixed"] = [genes[i] for i in np.concatenate(
        [rng.choice(order[:200], 10, replace=False), rng.choice(order[-200:], 10, replace=False)])]
    sets["with_absent"] = [genes[i] for i in rng.choice(n, 20, replace=False)] + ["ABSENT1", "ABSENT2"]
    sets["too_small"] = [genes[i] for i in rng.choice(n, 10, replace=False)]
    rnk = pd.Series(scores, index=genes)
    res = gseapy.prerank(rnk=rnk, gene_sets=sets, min_size=15, max_size=500,
                         permutation_num=10000, weight=1.0, seed=7, threads=1,
                         outdir=None, verbose=False).res2d
    res = res.set_index("Term")
    desc = np.sort(scores)[::-1]
    names_desc = [genes[i] for i in np.argsort(-scores, kind="stable")]
    expected = {}
    for name, members in sets.items():
        mask = np.isin(names_desc, members)
        if mask.sum() < 15:
            expected[name] = None
            continue
        es_walk = running_sum_es(desc, mask, 1.0)
        row = res.loc[name]
        assert abs(float(row["ES"]) - es_walk) < 1e-12, (name, row["ES"], es_walk)
        expected[name] = {
            "set_size": int(mask.sum()),
            "es": float(row["ES"]),
            "nes": float(row["NES"]),
            "p_gseapy": float(row["NOM p-val"]),
        }
    return {
        "genes": genes,
        "scores": scores,
        "sets": sets,
        "min_size": 15,
        "max_size": 500,
        "permutations": 10000,
        "expected": expected,
    }


def ss_walk(values, members, weight):
    """ssGSEA raw ES of one sample by the explicit walk (missing genes left out)."""
    ok = ~np.isnan(values)
    v = values[ok]
    names = np.array(members["genes"])[ok]
    ranks = stats.rankdata(v)
    order = np.argsort(-v, kind="stable")
    r = ranks[order] ** weight
    mask = np.isin(names[order], members["set"])
    k, n = mask.sum(), len(v)
    step = np.where(mask, r / r[mask].sum(), -1.0 / (n - k))
    return np.cumsum(step).sum()


def ssgsea_case(rng):
    n_genes, n_samples = 400, 12
    genes = [f"H{i:03d}" for i in range(n_genes)]
    samples = [f"S{i:02d}" for i in range(n_samples)]
    x = rng.normal(8, 2, (n_genes, n_samples))
    x[:30] += rng.normal(0, 2, n_samples)  # a co-regulated module
    sets = {
        "module": genes[:30],
        "random": [genes[i] for i in rng.choice(n_genes, 25, replace=False)],
        "half_module": genes[:10] + [genes[i] for i in rng.choice(range(30, n_genes), 15, replace=False)],
        "with_absent": [genes[i] for i in rng.choice(n_genes, 12, replace=False)] + ["ABSENT"],
    }
    df = pd.DataFrame(x, index=genes, columns=samples)
    ss = gseapy.ssgsea(data=df, gene_sets=sets, sample_norm_method="rank", weight=0.25,
                       min_size=5, max_size=1000, permutation_num=0, outdir=None, threads=1,
                       verbose=False, seed=1)
    r = ss.res2d
    es = r.pivot(index="Term", columns="Name", values="ES").astype(float)
    nes = r.pivot(index="Term", columns="Name", values="NES").astype(float)
    expected = {}
    for name, members in sets.items():
        walk = [ss_walk(x[:, s], {"genes": genes, "set": members}, 0.25) for s in range(n_samples)]
        got = es.loc[name, samples].to_numpy()
        assert np.allclose(got, walk, rtol=1e-9), (name, got, walk)
        expected[name] = {
            "es": got,
            "nes": nes.loc[name, samples].to_numpy(),
            "n_genes": int(np.isin(genes, members).sum()),
        }
    # Missing values: hypomics' rule, by the walk.
    y = x.copy()
    y[rng.choice(n_genes, 40, replace=False), rng.choice(n_samples, 40)] = np.nan
    y[:5, 3] = np.nan
    missing = {
        name: [ss_walk(y[:, s], {"genes": genes, "set": members}, 0.25) for s in range(n_samples)]
        for name, members in sets.items()
    }
    return {
        "genes": genes,
        "samples": samples,
        "values": x,
        "values_missing": y,
        "sets": sets,
        "min_size": 5,
        "expected": expected,
        "expected_missing": missing,
    }


def camera_p(stat, iset, rho, df):
    g = len(stat)
    m = len(iset)
    m2 = g - m
    mean_all, var_all = stat.mean(), stat.var(ddof=1)
    delta = g / m2 * (stat[iset].mean() - mean_all)
    pooled = ((g - 1) * var_all - delta * delta * m * m2 / g) / (g - 2)
    vif = 1 + (m - 1) * rho
    t = delta / np.sqrt(pooled * (vif / m + 1 / m2))
    down, up = stats.t.cdf(t, df), stats.t.sf(t, df)
    return {"t": t, "df": df, "correlation": rho, "direction": "up" if up < down else "down",
            "p": min(2 * min(up, down), 1.0)}


def camera_case(rng):
    n_genes, n_a, n_b = 800, 8, 10
    genes = [f"C{i:03d}" for i in range(n_genes)]
    n = n_a + n_b
    x = rng.normal(0, 1, (n_genes, n))
    shared = rng.normal(0, 1, n)
    x[:40] += 0.8 * shared  # correlated pathway, no group effect
    x[40:70, :n_a] += 1.2  # shifted pathway
    x[70:90] += 0.5 * rng.normal(0, 1, n)
    x[70:90, n_a:] -= 2.0  # strong shift (deep p)
    group = np.array([0] * n_a + [1] * n_b)
    t = stats.ttest_ind(x[:, group == 0], x[:, group == 1], axis=1).statistic
    design = np.column_stack([np.ones(n), group])
    q, _ = np.linalg.qr(design, mode="complete")
    effects = q.T @ x.T  # n x G
    u = effects[2:]  # residual effects
    u = u / np.sqrt((u ** 2).mean(axis=0))
    residuals = x - np.where(group == 0, x[:, group == 0].mean(axis=1, keepdims=True),
                             x[:, group == 1].mean(axis=1, keepdims=True))
    sets = {
        "correlated_null": genes[:40],
        "shifted": genes[40:70],
        "strong_shift": genes[70:90],
        "random": [genes[i] for i in rng.choice(range(90, n_genes), 50, replace=False)],
        "with_absent": genes[100:110] + ["ABSENT"],
    }
    fixed, estimated = {}, {}
    df_residual = n - 2
    for name, members in sets.items():
        iset = np.flatnonzero(np.isin(genes, members))
        fixed[name] = camera_p(t, iset, 0.01, n_genes - 2)
        m = len(iset)
        vif = m * np.mean(u[:, iset].mean(axis=1) ** 2)
        rho = (vif - 1) / (m - 1)
        estimated[name] = camera_p(t, iset, rho, min(df_residual, n_genes - 2))
    return {
        "genes": genes,
        "statistic": t,
        "residuals": residuals,
        "df_residual": df_residual,
        "sets": sets,
        "expected_fixed": fixed,
        "expected_estimated": estimated,
    }


def main():
    rng = np.random.default_rng(17)
    payload = {
        "generated_by": "analysis/reference/make_gene_set_fixtures.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                     "pandas": pd.__version__, "gseapy": gseapy.__version__},
        "gsea": gsea_case(rng),
        "ssgsea": ssgsea_case(rng),
        "camera": camera_case(rng),
    }
    with open(os.path.join(OUT, "gene_sets.json"), "w") as f:
        json.dump(clean(payload), f)


if __name__ == "__main__":
    main()
