#!/usr/bin/env python3
"""Reference values for the statistics in hypomics-analysis (part 1: group comparisons,
correlation, contingency tables, regression, multiple testing, enrichment, mutation impact and
cis effects).

Run from anywhere:  python3 analysis/reference/make_fixtures.py
Writes JSON fixtures into analysis/tests/fixtures/, which the Rust integration tests in
analysis/tests/stats/ read and compare against (1e-9 relative unless a test says otherwise).

Every reference value comes from scipy / statsmodels, except where no library implements the
quantity (Hedges' g interval, rank-biserial interval, Spearman Fisher-z interval, Storey q
values); those are computed here from the formula documented in the Rust module, so the test
checks the implementation of that formula.

Inputs are seeded numpy draws and deliberately include ties, NaNs, tiny and unbalanced groups,
and deep-tail cases (p < 1e-100). In JSON, NaN is written as null and +-inf as "inf"/"-inf".
"""

import json
import math
import os

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
Z975 = stats.norm.ppf(0.975)


def clean(x):
    """Recursively convert numpy types, NaN -> None and inf -> strings for strict JSON."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [clean(v) for v in x.tolist()]
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return x


def write(name, payload):
    payload = {
        "generated_by": "analysis/reference/make_fixtures.py",
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
        **payload,
    }
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(clean(payload), f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", os.path.relpath(path))


def observed(v):
    v = np.asarray(v, dtype=float)
    return v[~np.isnan(v)]


# ---------------------------------------------------------------------------------------------
# Two-group comparisons
# ---------------------------------------------------------------------------------------------


def hedges(a, b):
    na, nb = len(a), len(b)
    df = na + nb - 2
    sp = math.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / df)
    d = (np.mean(a) - np.mean(b)) / sp
    j = math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)
    g = j * d
    se = j * math.sqrt((na + nb) / (na * nb) + d * d / (2 * (na + nb)))
    return d, g, g - Z975 * se, g + Z975 * se


def rank_biserial(u, na, nb):
    r = 2 * u / (na * nb) - 1
    se = math.sqrt((na + nb + 1) / (3 * na * nb))
    with np.errstate(divide="ignore"):
        z = np.arctanh(r)
    return r, math.tanh(z - Z975 * se), math.tanh(z + Z975 * se)


def mwu_method(a, b):
    pooled = np.concatenate([a, b])
    ties = len(np.unique(pooled)) < len(pooled)
    return "asymptotic" if (len(a) > 8 and len(b) > 8) or ties else "exact"


def two_group_expected(a_raw, b_raw):
    a, b = observed(a_raw), observed(b_raw)
    welch = stats.ttest_ind(a, b, equal_var=False)
    ci = welch.confidence_interval(0.95)
    student = stats.ttest_ind(a, b, equal_var=True)
    mw = stats.mannwhitneyu(a, b, alternative="two-sided", method="auto")
    d, g, g_lo, g_hi = hedges(a, b)
    r, r_lo, r_hi = rank_biserial(mw.statistic, len(a), len(b))
    return {
        "n_a": len(a),
        "n_b": len(b),
        "mean_a": np.mean(a),
        "mean_b": np.mean(b),
        "welch": {"statistic": welch.statistic, "df": welch.df, "p_value": welch.pvalue},
        "mean_difference": {"value": np.mean(a) - np.mean(b), "ci_low": ci.low, "ci_high": ci.high},
        "student": {"statistic": student.statistic, "df": student.df, "p_value": student.pvalue},
        "cohens_d": d,
        "hedges_g": {"value": g, "ci_low": g_lo, "ci_high": g_hi},
        "mann_whitney": {
            "u": mw.statistic,
            "p_value": mw.pvalue,
            "method": mwu_method(a, b),
            "rank_biserial": {"value": r, "ci_low": r_lo, "ci_high": r_hi},
        },
    }


def make_compare(rng):
    cases = []

    def add(name, a, b):
        cases.append({"name": name, "a": list(a), "b": list(b), "expected": two_group_expected(a, b)})

    add("moderate", rng.normal(1.0, 1.0, 10), rng.normal(0.0, 1.5, 12))
    add("tiny_exact", rng.normal(0, 1, 3), rng.normal(2, 1, 3))
    add("unbalanced_exact", rng.normal(0.5, 1, 4), rng.normal(0, 2, 40))
    add("eight_vs_many_exact", rng.normal(0.3, 1, 8), rng.normal(0, 1, 150))
    add("nine_vs_nine_asymptotic", rng.normal(0.8, 1, 9), rng.normal(0, 1, 9))
    add("ties_asymptotic", np.round(rng.normal(1, 1, 15)), np.round(rng.normal(0, 1, 20)))
    add("ties_small", np.array([1.0, 2.0, 2.0, 3.0, 5.0]), np.array([2.0, 3.0, 3.0, 4.0, 6.0, 7.0]))
    a = rng.normal(0, 1, 14)
    b = rng.normal(1, 2, 11)
    a[[2, 7]] = np.nan
    b[[0]] = np.nan
    add("with_missing", a, b)
    add("one_group_constant", np.array([2.0, 2.0, 2.0, 2.0]), rng.normal(0, 1, 6))
    add("log_intensities", rng.normal(25, 0.3, 30), rng.normal(24.6, 0.5, 25))
    add("deep_tail", rng.normal(5, 1, 60), rng.normal(0, 1, 60))
    add("very_deep_tail", rng.normal(12, 1, 200), rng.normal(0, 1, 200))
    add("exact_separated", np.arange(10.0, 18.0), np.arange(0.0, 7.0) + 0.5)

    k_cases = []

    def add_k(name, groups):
        obs = [observed(g) for g in groups]
        f = stats.f_oneway(*obs)
        h = stats.kruskal(*obs)
        k_cases.append(
            {
                "name": name,
                "groups": [list(g) for g in groups],
                "expected": {
                    "anova": {"statistic": f.statistic, "p_value": f.pvalue},
                    "kruskal": {"statistic": h.statistic, "p_value": h.pvalue},
                    "means": [np.mean(g) for g in obs],
                },
            }
        )

    add_k("three_groups", [rng.normal(m, 1, n) for m, n in [(0, 8), (0.5, 10), (1.5, 12)]])
    add_k("unbalanced_four", [rng.normal(m, s, n) for m, s, n in [(0, 1, 3), (1, 2, 30), (0.2, 1, 5), (2, 0.5, 4)]])
    add_k("ties", [np.round(rng.normal(m, 1, n)) for m, n in [(0, 10), (1, 10), (1, 9)]])
    g = [rng.normal(m, 1, n) for m, n in [(0, 10), (0.3, 12), (0.6, 11)]]
    g[0][3] = np.nan
    g[2][[0, 5]] = np.nan
    add_k("with_missing", g)
    add_k("deep_tail", [rng.normal(m, 1, 50) for m in (0, 5, 10)])
    add_k("two_groups", [rng.normal(0, 1, 6), rng.normal(1, 1, 7)])

    write("compare.json", {"two_groups": cases, "k_groups": k_cases})


# ---------------------------------------------------------------------------------------------
# Correlation
# ---------------------------------------------------------------------------------------------


def make_correlation(rng):
    cases = []

    def add(name, x, y):
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        keep = ~np.isnan(x) & ~np.isnan(y)
        xo, yo = x[keep], y[keep]
        n = int(keep.sum())
        pr = stats.pearsonr(xo, yo)
        ci = pr.confidence_interval(0.95)
        sr = stats.spearmanr(xo, yo)
        rho = sr.statistic
        if n > 3:
            z = np.arctanh(rho)
            se = 1 / math.sqrt(n - 3)
            s_lo, s_hi = math.tanh(z - Z975 * se), math.tanh(z + Z975 * se)
        else:
            s_lo, s_hi = -1.0, 1.0
        cases.append(
            {
                "name": name,
                "x": list(x),
                "y": list(y),
                "expected": {
                    "n": n,
                    "pearson": {"value": pr.statistic, "p_value": pr.pvalue, "ci_low": ci.low, "ci_high": ci.high},
                    "spearman": {"value": rho, "p_value": sr.pvalue, "ci_low": s_lo, "ci_high": s_hi},
                },
            }
        )

    x = rng.normal(0, 1, 30)
    add("moderate", x, 0.5 * x + rng.normal(0, 1, 30))
    x = rng.normal(0, 1, 4)
    add("n_four", x, x + rng.normal(0, 1, 4))
    x = np.round(rng.normal(0, 2, 40))
    add("ties", x, np.round(x + rng.normal(0, 2, 40)))
    x = rng.normal(0, 1, 25)
    y = -0.7 * x + rng.normal(0, 0.5, 25)
    x[[1, 4]] = np.nan
    y[[4, 10, 11]] = np.nan
    add("with_missing_negative", x, y)
    x = rng.normal(0, 1, 150)
    add("deep_tail", x, x + rng.normal(0, 0.1, 150))
    x = rng.normal(0, 1, 50)
    add("null", x, rng.normal(0, 1, 50))
    write("correlation.json", {"cases": cases})


# ---------------------------------------------------------------------------------------------
# Contingency tables and the hypergeometric distribution
# ---------------------------------------------------------------------------------------------


def make_contingency(rng):
    chi = []
    for name, table in [
        ("two_by_two", [[12, 5], [7, 15]]),
        ("two_by_two_small", [[3, 1], [1, 4]]),
        ("three_by_four", rng.integers(1, 30, size=(3, 4)).tolist()),
        ("two_by_three", [[20, 15, 5], [5, 10, 30]]),
        ("deep_tail", [[900, 100], [100, 900]]),
    ]:
        for correction in (True, False):
            r = stats.chi2_contingency(np.array(table), correction=correction)
            chi.append(
                {
                    "name": name,
                    "table": table,
                    "yates": correction,
                    "expected": {"statistic": r.statistic, "p_value": r.pvalue, "df": r.dof},
                }
            )

    fisher = []
    for name, table in [
        ("tea", [[3, 1], [1, 3]]),
        ("moderate", [[12, 5], [7, 15]]),
        ("unbalanced", [[2, 30], [10, 25]]),
        ("zero_cell", [[0, 8], [6, 5]]),
        ("zero_off_diagonal", [[9, 0], [3, 7]]),
        ("symmetric_p_one", [[5, 5], [5, 5]]),
        ("large", [[150, 80], [90, 160]]),
        ("deep_tail", [[500, 10], [10, 500]]),
        ("lower_side", [[1, 20], [25, 3]]),
    ]:
        r = stats.fisher_exact(np.array(table))
        t = Table2x2(np.array(table, dtype=float), shift_zeros=True)
        lo, hi = t.oddsratio_confint(0.05)
        fisher.append(
            {
                "name": name,
                "table": table,
                "expected": {"odds_ratio": r.statistic, "p_value": r.pvalue, "ci_low": lo, "ci_high": hi},
            }
        )

    hyper = []
    for x, M, n, N in [
        (2, 10, 4, 3),
        (0, 50, 10, 12),
        (7, 50, 10, 12),
        (30, 20000, 200, 300),
        (3, 20000, 200, 300),
        (0, 20000, 200, 300),
        (60, 20000, 100, 150),
        (95, 20000, 100, 150),
        (150, 1000, 300, 200),
        (45, 1000, 300, 200),
    ]:
        hyper.append(
            {
                "x": x,
                "total": M,
                "successes": n,
                "draws": N,
                "pmf": stats.hypergeom.pmf(x, M, n, N),
                "cdf": stats.hypergeom.cdf(x, M, n, N),
                "sf": stats.hypergeom.sf(x, M, n, N),
            }
        )
    write("contingency.json", {"chi_square": chi, "fisher": fisher, "hypergeometric": hyper})


# ---------------------------------------------------------------------------------------------
# OLS with covariates
# ---------------------------------------------------------------------------------------------


def make_regression(rng):
    n = 40
    samples = [f"S{i:03d}" for i in range(n)]
    group = np.where(rng.random(n) < 0.5, "tumour", "normal")
    purity = rng.uniform(0.2, 0.9, n)
    purity[5] = np.nan  # one sample without purity: dropped from every fit
    batch = rng.choice(["B1", "B2", "B3"], n)
    features = {}
    features["effect"] = 2.0 * (group == "tumour") + 1.5 * np.nan_to_num(purity) + rng.normal(0, 1, n)
    with_missing = 0.3 * (group == "tumour") + (batch == "B2") * 1.0 + rng.normal(0, 1, n)
    with_missing[[0, 7, 19]] = np.nan
    features["with_missing"] = with_missing
    features["strong"] = 25 + 8.0 * (group == "tumour") + rng.normal(0, 0.2, n)
    features["null"] = rng.normal(10, 2, n)

    # statsmodels: Intercept, group[T.tumour], purity, batch[T.B2], batch[T.B3] (same order as
    # the Rust DesignBuilder: two_groups, numeric, categorical).
    fits = {}
    for name, y in features.items():
        df = pd.DataFrame(
            {
                "y": y,
                "tumour": (group == "tumour").astype(float),
                "purity": purity,
                "B2": (batch == "B2").astype(float),
                "B3": (batch == "B3").astype(float),
            }
        )
        X = sm.add_constant(df[["tumour", "purity", "B2", "B3"]])
        res = sm.OLS(df["y"], X, missing="drop").fit()
        fits[name] = {
            "nobs": res.nobs,
            "df_resid": res.df_resid,
            "params": list(res.params),
            "bse": list(res.bse),
            "tvalues": list(res.tvalues),
            "pvalues": list(res.pvalues),
            "rsquared": res.rsquared,
        }
    write(
        "regression.json",
        {
            "samples": samples,
            "group": list(group),
            "purity": list(purity),
            "batch": list(batch),
            "terms": ["Intercept", "group[T.tumour]", "purity", "batch[T.B2]", "batch[T.B3]"],
            "features": {k: list(v) for k, v in features.items()},
            "expected": fits,
        },
    )


# ---------------------------------------------------------------------------------------------
# Multiple testing
# ---------------------------------------------------------------------------------------------


def storey(p, lam=0.5):
    """Storey q-values with fixed lambda, as the R qvalue package for a single lambda."""
    p = np.asarray(p, float)
    keep = ~np.isnan(p)
    pk = p[keep]
    m = len(pk)
    pi0 = min(1.0, np.mean(pk >= lam) / (1 - lam))
    order = np.argsort(pk)
    ranked = pk[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    q = np.empty(m)
    q[order] = q_sorted
    out = np.full(len(p), np.nan)
    out[keep] = pi0 * q
    return pi0, out


def adjust_skip_nan(p, method):
    p = np.asarray(p, float)
    keep = ~np.isnan(p)
    out = np.full(len(p), np.nan)
    out[keep] = multipletests(p[keep], method=method)[1]
    return out


def make_multiple_testing(rng):
    cases = []
    for name, p in [
        ("uniform", rng.uniform(0, 1, 50)),
        ("mixture", np.concatenate([rng.uniform(0, 1, 80), rng.beta(0.1, 5, 40)])),
        ("ties_and_nan", np.array([0.01, 0.01, np.nan, 0.2, 0.04, 0.04, np.nan, 0.9, 1.0, 0.5, 1e-300])),
        ("deep", np.array([1e-300, 1e-200, 1e-50, 1e-10, 0.3, 0.7])),
        ("all_null_large_p", rng.uniform(0.6, 1, 20)),
    ]:
        pi0, q = storey(p)
        cases.append(
            {
                "name": name,
                "p": list(p),
                "bh": adjust_skip_nan(p, "fdr_bh"),
                "by": adjust_skip_nan(p, "fdr_by"),
                "bonferroni": adjust_skip_nan(p, "bonferroni"),
                "storey_pi0": pi0,
                "storey_q": q,
            }
        )
    write("multiple_testing.json", {"cases": cases})


# ---------------------------------------------------------------------------------------------
# Enrichment
# ---------------------------------------------------------------------------------------------


def make_enrichment(rng):
    universe = [f"G{i}" for i in range(2000)]
    hits = set(rng.choice(universe, 150, replace=False))
    sets = {}
    # Enriched: 40 genes, 25 of them hits.
    hit_list = sorted(hits)
    non_hits = [g for g in universe if g not in hits]
    sets["ENRICHED"] = list(rng.choice(hit_list, 25, replace=False)) + list(rng.choice(non_hits, 15, replace=False))
    sets["RANDOM_A"] = list(rng.choice(universe, 60, replace=False))
    sets["RANDOM_B"] = list(rng.choice(universe, 12, replace=False))
    # Partly outside the universe: only measured members count.
    sets["PARTLY_OUTSIDE"] = list(rng.choice(universe, 20, replace=False)) + [f"X{i}" for i in range(30)]
    sets["TOO_SMALL"] = list(rng.choice(universe, 3, replace=False))
    sets["ALL_HITS"] = hit_list[:30]
    # Six members: the rank-sum test uses the exact Mann-Whitney distribution (no ties).
    sets["SMALL_EXACT"] = list(rng.choice(universe, 6, replace=False))
    gmt = "".join(f"{k}\tdescription of {k}\t" + "\t".join(v) + "\n" for k, v in sets.items())

    min_size, max_size = 5, 1000
    ora = []
    M, N = len(universe), len(hits)
    for name, genes in sets.items():
        members = [g for g in dict.fromkeys(genes) if g in set(universe)]
        if len(members) < min_size:
            ora.append({"set": name, "testable": False})
            continue
        k = sum(g in hits for g in members)
        ora.append(
            {
                "set": name,
                "testable": True,
                "set_size": len(members),
                "overlap": k,
                "p_value": stats.hypergeom.sf(k - 1, M, len(members), N),
            }
        )
    tested_p = [c["p_value"] for c in ora if c["testable"]]
    q = iter(multipletests(tested_p, method="fdr_bh")[1])
    for c in ora:
        if c["testable"]:
            c["q_value"] = next(q)

    # Rank-based test: scores for most of the universe; set members shifted for ENRICHED.
    scores = rng.normal(0, 1, len(universe))
    index = {g: i for i, g in enumerate(universe)}
    for g in sets["ENRICHED"]:
        scores[index[g]] += 1.5
    scores[rng.choice(len(universe), 100, replace=False)] = np.nan
    rank_cases = []
    for label, sc in [("continuous", scores), ("ties", np.round(scores, 1))]:
        results = []
        scored = {g: s for g, s in zip(universe, sc) if not np.isnan(s)}
        for name, genes in sets.items():
            members = [g for g in dict.fromkeys(genes) if g in scored]
            if len(members) < min_size:
                results.append({"set": name, "testable": False})
                continue
            mset = set(members)
            a = np.array([scored[g] for g in members])
            b = np.array([s for g, s in scored.items() if g not in mset])
            mw = stats.mannwhitneyu(a, b, alternative="two-sided", method="auto")
            results.append(
                {
                    "set": name,
                    "testable": True,
                    "set_size": len(members),
                    "u": mw.statistic,
                    "p_value": mw.pvalue,
                    "method": mwu_method(a, b),
                    "mean_difference": a.mean() - b.mean(),
                }
            )
        tested_p = [c["p_value"] for c in results if c["testable"]]
        q = iter(multipletests(tested_p, method="fdr_bh")[1])
        for c in results:
            if c["testable"]:
                c["q_value"] = next(q)
        rank_cases.append({"name": label, "scores": list(sc), "results": results})

    write(
        "enrichment.json",
        {
            "gmt": gmt,
            "universe": universe,
            "hits": sorted(hits),
            "min_set_size": min_size,
            "max_set_size": max_size,
            "ora": ora,
            "rank_sum": rank_cases,
        },
    )


# ---------------------------------------------------------------------------------------------
# Mutation impact and cis effects (cross-layer, aligned by sample ID)
# ---------------------------------------------------------------------------------------------


def make_mutation_impact(rng):
    n = 30
    layer_samples = [f"P{i:02d}" for i in range(n)]
    # The mutation table covers 26 of the samples plus two unknown to the layer, in another order.
    mut_samples = [f"P{i:02d}" for i in rng.permutation(np.arange(2, 28))] + ["Q01", "Q02"]
    genes = {
        "TP53": (rng.random(len(mut_samples)) < 0.4).astype(float),
        "KRAS": (rng.random(len(mut_samples)) < 0.15).astype(float),
        "RARE": np.zeros(len(mut_samples)),
        "UNKNOWN_STATUS": (rng.random(len(mut_samples)) < 0.5).astype(float),
    }
    genes["RARE"][[0, 1]] = 1.0
    genes["UNKNOWN_STATUS"][[3, 8]] = np.nan
    layer = {
        "F_SHIFT": rng.normal(0, 1, n),
        "F_MISSING": rng.normal(5, 2, n),
        "F_LOG": rng.normal(22, 0.4, n),
        "F_CONST": np.full(n, 3.0),
    }
    layer["F_MISSING"][[2, 5, 9, 17]] = np.nan
    tp53_status = dict(zip(mut_samples, genes["TP53"]))
    for i, s in enumerate(layer_samples):
        if tp53_status.get(s) == 1.0:
            layer["F_SHIFT"][i] += 2.0

    cells = []
    for g, status in genes.items():
        st = dict(zip(mut_samples, status))
        for f, values in layer.items():
            a = [v for s, v in zip(layer_samples, values) if st.get(s) == 1.0 and not np.isnan(v)]
            b = [v for s, v in zip(layer_samples, values) if st.get(s) == 0.0 and not np.isnan(v)]
            a, b = np.array(a), np.array(b)
            cell = {"mutation": g, "feature": f}
            if len(a) < 3 or len(b) < 3:
                cell["not_testable"] = "group_too_small"
            elif np.all(np.concatenate([a, b]) == np.concatenate([a, b])[0]):
                cell["not_testable"] = "constant_values"
            else:
                cell["expected"] = two_group_expected(a, b)
            cells.append(cell)
    write(
        "mutation_impact.json",
        {
            "layer_samples": layer_samples,
            "layer": {k: list(v) for k, v in layer.items()},
            "mutation_samples": mut_samples,
            "mutations": {k: list(v) for k, v in genes.items()},
            "cells": cells,
        },
    )


def make_cis(rng):
    n = 24
    samples = [f"C{i:02d}" for i in range(n)]
    rna_samples = samples[3:] + ["R1", "R2"]
    genes = ["EGFR", "PTEN", "TP53", "MYC"]
    cna = {g: np.round(rng.normal(0, 0.6, n), 1) for g in genes}  # ties, as segment values have
    cna_by_sample = {g: dict(zip(samples, v)) for g, v in cna.items()}
    rna = {}
    for g in genes[:3] + ["GAPDH"]:
        base = np.array([cna_by_sample.get(g, {}).get(s, 0.0) for s in rna_samples])
        rna[g] = 2.0 * base + rng.normal(8, 0.7, len(rna_samples))
    rna["PTEN"][[1, 4]] = np.nan
    pairs = []
    for g in rna:
        if g not in cna:
            continue
        x = np.array([cna_by_sample[g].get(s, np.nan) for s in rna_samples])
        y = rna[g]
        keep = ~np.isnan(x) & ~np.isnan(y)
        pr = stats.pearsonr(x[keep], y[keep])
        sr = stats.spearmanr(x[keep], y[keep])
        pairs.append(
            {
                "gene": g,
                "n": int(keep.sum()),
                "pearson": {"value": pr.statistic, "p_value": pr.pvalue},
                "spearman": {"value": sr.statistic, "p_value": sr.pvalue},
            }
        )
    write(
        "cis.json",
        {
            "cna_samples": samples,
            "cna": {k: list(v) for k, v in cna.items()},
            "rna_samples": rna_samples,
            "rna": {k: list(v) for k, v in rna.items()},
            "pairs": pairs,
        },
    )


def main():
    os.makedirs(OUT, exist_ok=True)
    make_compare(np.random.default_rng(20240601))
    make_correlation(np.random.default_rng(20240602))
    make_contingency(np.random.default_rng(20240603))
    make_regression(np.random.default_rng(20240604))
    make_multiple_testing(np.random.default_rng(20240605))
    make_enrichment(np.random.default_rng(20240606))
    make_mutation_impact(np.random.default_rng(20240607))
    make_cis(np.random.default_rng(20240608))


if __name__ == "__main__":
    main()
