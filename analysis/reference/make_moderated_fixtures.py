#!/usr/bin/env python3
"""Reference values for hypomics' moderated linear models (limma lmFit / contrasts.fit / eBayes),
OLS with levels emptied by missing values, and paired tests, written to
analysis/tests/fixtures/moderated.json and paired.json.

Versions: numpy 2.4.6, scipy 1.17.1, pandas 2.3.3, statsmodels 0.15.0, patsy 1.0.3 and inmoose
0.9.1 (the PyPI port of limma). inmoose's C++ extensions (edgepy, DESeq2 parts) take longer than
15 minutes to compile on the 2-core build machines and are not used by its limma code, so the
script imports the pure-Python limma from the unpacked sdist, with the one compiled helper it never
calls stubbed out:

    pip download --no-deps --no-build-isolation inmoose==0.9.1   # or take it from PyPI's files
    tar xzf inmoose-0.9.1.tar.gz                                  # sha256 1a931cd1405f8bb4...
    INMOOSE_SRC=$PWD/inmoose-0.9.1 python3 analysis/reference/make_moderated_fixtures.py

Two values are not inmoose's own output, by design (see analysis/src/moderated/mod.rs):
- the moderated F p-value is scipy.stats.f.sf(F, df1, df_total) as in R's limma (inmoose 0.9.1
  uses a chi-square on df1 because its classifyTestsF ignores df_total);
- df_total is recomputed as eBayes computed it for the p-values (df_residual + df_prior, capped at
  the pooled df): inmoose's tmixture_vector overwrites the stored array in place afterwards;
- nothing else: coefficients, stdev_unscaled, sigma, Amean, prior df and variance(s), posterior
  variances, moderated t and p-values, df_total and F are inmoose's.

Paired tests: scipy.stats.ttest_rel and scipy.stats.wilcoxon (zero_method="wilcox",
correction=False, method="auto": exact below 51 pairs without ties or zeros, else the normal
approximation), and statsmodels OLS with patient dummies for the patient-blocked model.

Inputs are seeded numpy draws including NaNs, a trend of variance with abundance, deep tails
(p < 1e-30) and non-orthogonal designs. NaN is written as null, infinity as "inf".
"""

import json
import math
import os
import sys
import types

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")


def import_inmoose_limma():
    src = os.environ.get("INMOOSE_SRC")
    if not src or not os.path.isdir(os.path.join(src, "inmoose", "limma")):
        sys.exit("set INMOOSE_SRC to an unpacked inmoose-0.9.1 sdist (see the header)")
    pkg = types.ModuleType("inmoose")
    pkg.__path__ = [os.path.join(src, "inmoose")]
    pkg.__version__ = "0.9.1"
    sys.modules["inmoose"] = pkg
    # utils/stats.py imports a compiled negative-binomial helper limma never calls.
    stub = types.ModuleType("inmoose.utils.stats_cpp")
    stub.nbinom_logpmf = None
    sys.modules["inmoose.utils.stats_cpp"] = stub
    import inmoose.limma as limma

    return limma


limma = import_inmoose_limma()


# The strict-JSON conversion shared with the part-1 fixtures (NaN -> null, inf -> "inf").
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402


def simulate(rng, n_features, n_samples, effects, missing=0.0):
    """Features x samples with abundance-dependent scatter drawn from a scaled inverse chi-square
    (d0 = 6), so the prior is finite and the trend is real."""
    means = rng.uniform(12.0, 26.0, n_features)
    s0 = 0.15 + 0.6 * np.exp(-(means - 12.0) / 4.0)
    variances = s0**2 * 6.0 / rng.chisquare(6.0, n_features)
    y = means[:, None] + rng.normal(0.0, 1.0, (n_features, n_samples)) * np.sqrt(variances)[:, None]
    y = y + effects
    if missing > 0:
        mask = rng.uniform(size=y.shape) < missing
        # Keep every feature estimable: at most two missing values each.
        for i in range(n_features):
            idx = np.flatnonzero(mask[i])
            mask[i, idx[2:]] = False
        y[mask] = np.nan
    return y


def moderated_case(name, y, design_cols, contrasts, samples):
    """Runs inmoose on features x samples `y`; design columns exclude the intercept."""
    n = y.shape[1]
    names = ["Intercept"] + list(design_cols.keys())
    X = np.column_stack([np.ones(n)] + [np.asarray(v, float) for v in design_cols.values()])
    features = [f"f{i:03d}" for i in range(y.shape[0])]
    exprs = pd.DataFrame(y, index=features, columns=samples)
    fit = limma.lmFit(exprs, pd.DataFrame(X, columns=names).to_numpy())
    base = {
        "coefficients": fit.coefficients.to_numpy().tolist(),
        "stdev_unscaled": fit.stdev_unscaled.to_numpy().tolist(),
        "sigma": np.asarray(fit.sigma),
        "df_residual": np.asarray(fit.df_residual),
        "amean": np.asarray(fit.Amean),
    }
    cmat = pd.DataFrame(
        np.column_stack([c["weights"] for c in contrasts]),
        index=fit.coefficients.columns,
        columns=[c["name"] for c in contrasts],
    )
    cfit = limma.contrasts_fit(fit, contrasts=cmat)
    moderated = {}
    for trend in (False, True):
        eb = limma.eBayes(cfit, trend=trend)
        # eb.df_total itself is overwritten in place by inmoose's tmixture_vector (it sets the
        # smaller df to the largest after the p-values were computed); recompute it as eBayes
        # did for the p-values.
        df_res = np.asarray(cfit.df_residual, dtype=float)
        df_total = np.minimum(df_res + float(np.asarray(eb.df_prior)), np.nansum(df_res))
        F = np.asarray(eb.F, dtype=float).reshape(-1)
        moderated["trend" if trend else "plain"] = {
            "df_prior": float(np.asarray(eb.df_prior)),
            "s2_prior": np.atleast_1d(np.asarray(eb.s2_prior)),
            "s2_post": np.asarray(eb.s2_post),
            "df_total": df_total,
            "coefficients": cfit.coefficients.to_numpy().tolist(),
            "stdev_unscaled": cfit.stdev_unscaled.to_numpy().tolist(),
            "t": np.asarray(eb.t).tolist(),
            "p_value": np.asarray(eb.p_value).tolist(),
            "f": F,
            "f_df1": len(contrasts),
            # R limma's F p-value (see the header).
            "f_p_value": stats.f.sf(F, len(contrasts), df_total),
        }
    return {
        "name": name,
        "samples": samples,
        "features": features,
        "y": y.tolist(),
        "design": {k: np.asarray(v, float) for k, v in design_cols.items()},
        "terms": names,
        "contrasts": contrasts,
        "fit": base,
        "moderated": moderated,
    }


def moderated_fixture():
    rng = np.random.default_rng(20261206)
    cases = []

    # Two groups of 6, 400 features, 40 with effects (a few huge: deep tails), some NaNs.
    n = 12
    group = np.array([1.0] * 6 + [0.0] * 6)
    effects = np.zeros((400, n))
    effects[:40] = rng.choice([-1, 1], 40)[:, None] * rng.uniform(0.5, 3.0, 40)[:, None] * group
    effects[:3] *= 30.0
    y = simulate(rng, 400, n, effects, missing=0.02)
    samples = [f"S{i:02d}" for i in range(n)]
    cases.append(
        moderated_case(
            "two_groups",
            y,
            {"group[T.A]": group},
            [{"name": "group[T.A]", "weights": [0.0, 1.0]}],
            samples,
        )
    )

    # Three groups with a numeric covariate (non-orthogonal), two contrasts, complete data.
    n = 15
    g = np.array(["a"] * 5 + ["b"] * 5 + ["c"] * 5)
    purity = rng.uniform(0.3, 0.9, n)
    b, c = (g == "b").astype(float), (g == "c").astype(float)
    effects = np.zeros((300, n))
    effects[:30] = rng.normal(0, 1.5, 30)[:, None] * b + rng.normal(0, 1.5, 30)[:, None] * c
    y = simulate(rng, 300, n, effects + 0.8 * purity)
    samples = [f"T{i:02d}" for i in range(n)]
    cases.append(
        moderated_case(
            "three_groups_covariate",
            y,
            {"g[T.b]": b, "g[T.c]": c, "purity": purity},
            [
                {"name": "b - c", "weights": [0.0, 1.0, -1.0, 0.0]},
                {"name": "b", "weights": [0.0, 1.0, 0.0, 0.0]},
            ],
            samples,
        )
    )
    return cases


def signed_rank_reference(d):
    """scipy's wilcoxon, with the exact and permutation p-values recomputed from exact integer
    counts of sign patterns: scipy forms 1 - cdf for the upper tail, which loses all relative
    precision below ~1e-12, so deep exact tails are checked against integers instead. The two
    agree to 1e-9 wherever scipy's value is above 1e-8 (asserted here)."""
    d = np.asarray(d, float)
    w = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="auto")
    nz = d[d != 0]
    ranks = stats.rankdata(np.abs(nz))
    r_plus = float(ranks[nz > 0].sum())
    ties = len(np.unique(np.abs(nz))) < len(nz)
    if len(d) <= 50 and not ties and len(nz) == len(d):
        method = "exact"
    elif len(d) <= 13:
        method = "permutation"
    else:
        method = "asymptotic"
    p = float(w.pvalue)
    if method != "asymptotic":
        weights = [int(round(2 * r)) for r in ranks]
        counts = {0: 1}
        for wt in weights:
            nxt = dict(counts)
            for k, c in counts.items():
                nxt[k + wt] = nxt.get(k + wt, 0) + c
            counts = nxt
        t = int(round(2 * r_plus))
        below = sum(c for k, c in counts.items() if k <= t)
        above = sum(c for k, c in counts.items() if k >= t)
        from fractions import Fraction

        exact = min(Fraction(1), Fraction(2 * min(below, above), 2 ** len(nz)))
        if p > 1e-8:
            assert abs(float(exact) - p) <= 1e-9 * p, (float(exact), p)
        p = float(exact)
    return {
        "differences": d,
        "statistic": float(w.statistic),
        "r_plus": r_plus,
        "p_value": p,
        "scipy_p_value": float(w.pvalue),
        "method": method,
    }


def signed_rank_cases():
    rng = np.random.default_rng(5)
    cases = {
        "exact_n9": rng.normal(0.3, 1, 9),
        "exact_n30": rng.normal(0.4, 1, 30),
        "exact_all_positive_n50": np.abs(rng.normal(0, 1, 50)) + 0.01,
        "permutation_ties_n12": np.round(rng.normal(0.5, 1, 12), 0),
        "permutation_zero_n8": np.concatenate([[0.0], rng.normal(1.0, 1, 7)]),
        "asymptotic_ties_n25": np.round(rng.normal(0.5, 1, 25), 1),
        "asymptotic_zeros_n20": np.concatenate([[0.0, 0.0, 0.0], np.round(rng.normal(0.5, 1, 17), 1)]),
        "asymptotic_n80": rng.normal(0.2, 1, 80),
        "asymptotic_deep_n400": np.abs(rng.normal(0, 1, 400)) + 0.01,
    }
    return [{"name": k, **signed_rank_reference(v)} for k, v in cases.items()]


def paired_fixture():
    """Tumour vs matched normal for 10 patients: paired t, Wilcoxon signed-rank, the
    patient-blocked OLS, and limma with design ~ patient + group."""
    rng = np.random.default_rng(17)
    n_pat = 10
    patients = [f"P{i:02d}" for i in range(n_pat)]
    samples = [f"{p}-T" for p in patients] + [f"{p}-N" for p in patients]
    tissue = ["tumour"] * n_pat + ["normal"] * n_pat
    patient_of = patients + patients
    n_feat = 120
    base = rng.normal(20, 2, (n_feat, n_pat))
    effect = np.zeros(n_feat)
    effect[:15] = rng.uniform(0.5, 2.5, 15) * rng.choice([-1, 1], 15)
    effect[0] = 6.0
    noise_sd = 0.2 + 0.5 * rng.uniform(size=n_feat)
    tumour = base + effect[:, None] + rng.normal(0, 1, (n_feat, n_pat)) * noise_sd[:, None]
    normal = base + rng.normal(0, 1, (n_feat, n_pat)) * noise_sd[:, None]
    # Ties and a zero difference for Wilcoxon's other branches; a missing value.
    tumour[5] = np.round(tumour[5], 0)
    normal[5] = np.round(normal[5], 0)
    normal[6, 0] = tumour[6, 0]
    tumour[7, 3] = np.nan
    y = np.concatenate([tumour, normal], axis=1)

    rows = []
    for i in range(n_feat):
        t, nn = tumour[i], normal[i]
        ok = np.isfinite(t) & np.isfinite(nn)
        tt = stats.ttest_rel(t[ok], nn[ok])
        d = t[ok] - nn[ok]
        w = signed_rank_reference(d)
        rows.append(
            {
                "n_pairs": int(ok.sum()),
                "mean_difference": float(d.mean()),
                "t": float(tt.statistic),
                "df": float(tt.df),
                "t_p_value": float(tt.pvalue),
                "w": w["statistic"],
                "w_r_plus": w["r_plus"],
                "w_p_value": w["p_value"],
                "w_method": w["method"],
            }
        )

    # Patient-blocked OLS on the complete pairs: equals the paired t on complete features.
    levels = sorted(patients)
    X = np.column_stack(
        [np.ones(2 * n_pat)]
        + [np.array([1.0 if p == lv else 0.0 for p in patient_of]) for lv in levels[1:]]
        + [np.array([1.0 if t == "tumour" else 0.0 for t in tissue])]
    )
    names = ["Intercept"] + [f"patient[T.{lv}]" for lv in levels[1:]] + ["group[T.tumour]"]
    blocked = []
    for i in range(n_feat):
        res = sm.OLS(y[i], X, missing="drop").fit()
        blocked.append(
            {
                "estimate": float(res.params[-1]),
                "std_error": float(res.bse[-1]),
                "t": float(res.tvalues[-1]),
                "p_value": float(res.pvalues[-1]),
                "df_residual": float(res.df_resid),
            }
        )
    features = [f"g{i:03d}" for i in range(n_feat)]
    limma_case = moderated_case(
        "paired_blocked",
        y,
        {n: X[:, j + 1] for j, n in enumerate(names[1:])},
        [{"name": "group[T.tumour]", "weights": [0.0] * (len(names) - 1) + [1.0]}],
        samples,
    )
    return {
        "samples": samples,
        "patients": patient_of,
        "tissue": tissue,
        "features": features,
        "y": y.tolist(),
        "paired": rows,
        "blocked_ols": blocked,
        "limma": limma_case,
        "signed_rank": signed_rank_cases(),
    }


def dropped_levels_fixture():
    """OLS y ~ group + purity + batch where a feature's missing values empty a batch level.
    The reference is statsmodels OLS on the design without the aliased level columns (R's lm
    drops them in order: an empty level, or the last level when the reference level is empty)."""
    rng = np.random.default_rng(23)
    n = 30
    samples = [f"R{i:02d}" for i in range(n)]
    group = np.where(np.arange(n) % 2 == 0, "tumour", "normal")
    batch = np.array(["B1", "B2", "B3"])[np.arange(n) // 10]
    purity = rng.uniform(0.2, 0.9, n)
    g = (group == "tumour").astype(float)
    columns = {
        "Intercept": np.ones(n),
        "group[T.tumour]": g,
        "purity": purity,
        "batch[T.B2]": (batch == "B2").astype(float),
        "batch[T.B3]": (batch == "B3").astype(float),
    }
    features, expected = {}, {}
    cases = [("b2_missing", batch == "B2", ["batch[T.B2]"]),
             ("reference_missing", batch == "B1", ["batch[T.B3]"]),
             ("none_missing", np.zeros(n, bool), [])]
    for name, missing, dropped in cases:
        y = 5 + 1.5 * g + 2 * purity + (batch == "B2") * 0.7 + rng.normal(0, 0.5, n)
        y[missing] = np.nan
        features[name] = y
        kept = [k for k in columns if k not in dropped]
        X = np.column_stack([columns[k] for k in kept])
        res = sm.OLS(y, X, missing="drop").fit()
        expected[name] = {
            "dropped": dropped,
            "kept": kept,
            "params": res.params,
            "bse": res.bse,
            "pvalues": res.pvalues,
            "df_resid": float(res.df_resid),
        }
    return {
        "samples": samples,
        "group": group.tolist(),
        "batch": batch.tolist(),
        "purity": purity,
        "features": features,
        "expected": expected,
    }


def versions():
    return {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "statsmodels": statsmodels.__version__,
        "inmoose": "0.9.1",
    }


def main():
    with open(os.path.join(OUT, "moderated.json"), "w") as f:
        json.dump(
            clean({"versions": versions(), "cases": moderated_fixture(), "dropped_levels": dropped_levels_fixture()}), f
        )
    with open(os.path.join(OUT, "paired.json"), "w") as f:
        json.dump(clean({"versions": versions(), **paired_fixture()}), f)


if __name__ == "__main__":
    main()
