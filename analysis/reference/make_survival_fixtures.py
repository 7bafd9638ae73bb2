#!/usr/bin/env python3
"""Reference values for hypomics' survival module, computed with lifelines.

Writes analysis/tests/fixtures/survival_{km,logrank,cox}.json. Each case carries its own inputs
(missing values as null) so the Rust tests need no data folder. Inputs are synthetic (seeded numpy)
plus the real TCGA-ACC follow-up from /work/shared/data/tcga-acc-mini when it is present.

Cox fits are run with tightened Newton-Raphson tolerances (lifelines' defaults stop while the
estimates are still ~1e-5 away from the maximum), so the Rust fit can be compared to 1e-6.

Run:  python3 analysis/reference/make_survival_fixtures.py
Versions used are recorded in each JSON file.
"""

import json
import os
import sys
import warnings

import lifelines
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
ACC = "/work/shared/data/tcga-acc-mini"
TIGHT = {"precision": 1e-13, "r_precision": 1e-15, "max_steps": 500}


def nullable(values):
    """Floats with NaN as None, booleans kept, for JSON."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
        elif isinstance(v, (bool, np.bool_)):
            out.append(bool(v))
        else:
            out.append(float(v))
    return out


def finite_or_none(v):
    v = float(v)
    return v if np.isfinite(v) else None


def versions():
    return {"lifelines": lifelines.__version__, "numpy": np.__version__, "pandas": pd.__version__}


# ---------------------------------------------------------------- inputs


def acc_followup():
    """TCGA-ACC follow-up: death time when recorded, otherwise last follow-up (as
    SurvivalTimes::from_death_or_followup)."""
    path = os.path.join(ACC, "clinical_colData.csv")
    if not os.path.exists(path):
        return None
    c = pd.read_csv(path, index_col=0)
    death = c["days_to_death"].astype(float)
    follow = c["days_to_last_followup"].astype(float)
    time = death.where(death.notna(), follow)
    event = pd.Series(np.where(death.notna(), True, np.where(follow.notna(), False, None)), index=c.index)
    return c, time, event


def acc_expression(patients):
    """log2(RSEM + 1) of the RNA-seq genes, one column per patient (NaN where not profiled)."""
    rna = pd.read_csv(os.path.join(ACC, "RNASeq2GeneNorm.csv"), index_col=0)
    rna.columns = [c[:12] for c in rna.columns]
    rna = rna.loc[:, ~rna.columns.duplicated()]
    return np.log2(rna.reindex(columns=patients) + 1.0)


def synthetic(seed, n, ties=True, censor_frac=0.3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    rate = np.exp(0.7 * x)
    t = rng.exponential(1.0 / rate) * 100
    if ties:
        t = np.ceil(t / 10) * 10  # coarse times: many tied deaths
    e = rng.random(n) > censor_frac
    return t, e, x, rng


# ---------------------------------------------------------------- Kaplan-Meier


def km_case(name, time, event):
    time = np.asarray(time, dtype=float)
    ev = list(event)
    keep = np.array([not np.isnan(t) and e is not None for t, e in zip(time, ev)])
    t = time[keep]
    e = np.array([bool(x) for x, k in zip(ev, keep) if k])
    kmf = KaplanMeierFitter().fit(t, e)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    table = kmf.event_table
    steps = []
    for u in np.unique(t):
        steps.append(
            {
                "time": float(u),
                "at_risk": int(table.loc[u, "at_risk"]),
                "events": int(table.loc[u, "observed"]),
                "censored": int(table.loc[u, "censored"]),
                "survival": float(sf.loc[u]),
                "lower": float(ci.iloc[:, 0].loc[u]),
                "upper": float(ci.iloc[:, 1].loc[u]),
            }
        )
    median_ci = lifelines.utils.median_survival_times(ci)
    return {
        "name": name,
        "time": nullable(time),
        "event": [None if x is None else bool(x) for x in ev],
        "steps": steps,
        "median": finite_or_none(kmf.median_survival_time_),
        "median_ci": [finite_or_none(median_ci.iloc[0, 0]), finite_or_none(median_ci.iloc[0, 1])],
    }


def make_km():
    cases = []
    t, e, _, _ = synthetic(1, 60)
    t[3] = np.nan
    ev = [bool(v) for v in e]
    ev[7] = None
    cases.append(km_case("synthetic_ties_missing", t, ev))
    # Survival hits exactly 0.5, and the last sample dies (curve reaches 0).
    cases.append(km_case("exact_half_then_zero", [1, 2, 3, 4, 5, 6], [True, True, True, False, True, True]))
    cases.append(km_case("censoring_first", [1, 1, 2, 3, 3, 4, 5], [False, False, True, True, False, True, False]))
    acc = acc_followup()
    if acc is not None:
        _, time, event = acc
        cases.append(km_case("tcga_acc", time.values, list(event.values)))
    return {"versions": versions(), "cases": cases}


# ---------------------------------------------------------------- log-rank


def logrank_case(name, time, event, groups):
    time = np.asarray(time, dtype=float)
    keep = [not np.isnan(t) and e is not None and g is not None for t, e, g in zip(time, event, groups)]
    idx = [i for i, k in enumerate(keep) if k]
    res = multivariate_logrank_test(
        time[idx], np.array([groups[i] for i in idx]), np.array([bool(event[i]) for i in idx])
    )
    return {
        "name": name,
        "time": nullable(time),
        "event": [None if x is None else bool(x) for x in event],
        "group": list(groups),
        "statistic": float(res.test_statistic),
        "p_value": float(res.p_value),
        "df": int(res.degrees_of_freedom),
    }


def make_logrank():
    cases = []
    t, e, x, rng = synthetic(2, 80)
    two = ["high" if v > 0 else "low" for v in x]
    cases.append(logrank_case("synthetic_two_groups", t, [bool(v) for v in e], two))
    three = [["a", "b", "c"][int(v)] for v in rng.integers(0, 3, size=80)]
    three[5] = None
    cases.append(logrank_case("synthetic_three_groups_null", t, [bool(v) for v in e], three))
    # A strong difference, to check the p-value deep in the tail.
    n = 400
    g = np.repeat(["x", "y"], n // 2)
    tt = np.concatenate([rng.exponential(10, n // 2), rng.exponential(1, n // 2)])
    ee = rng.random(n) > 0.1
    cases.append(logrank_case("strong_difference_tail", tt, [bool(v) for v in ee], list(g)))
    acc = acc_followup()
    if acc is not None:
        c, time, event = acc
        stage = [None if pd.isna(s) else str(s) for s in c["pathologic_stage"]]
        cases.append(logrank_case("tcga_acc_stage", time.values, list(event.values), stage))
        sub = [None if pd.isna(s) else str(s) for s in c["C1A.C1B"]]
        cases.append(logrank_case("tcga_acc_c1a_c1b", time.values, list(event.values), sub))
    return {"versions": versions(), "cases": cases}


# ---------------------------------------------------------------- Cox


def cox_fit(time, event, covariates):
    """covariates: dict name -> array (NaN missing). Returns the lifelines summary as a dict."""
    df = pd.DataFrame({"T": time, "E": [None if e is None else float(e) for e in event]})
    for k, v in covariates.items():
        df[k] = np.asarray(v, dtype=float)
    df = df.dropna().astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cph = CoxPHFitter().fit(df, "T", "E", fit_options=TIGHT)
    s = cph.summary
    lr = cph.log_likelihood_ratio_test()
    return {
        "n_samples": int(df.shape[0]),
        "n_events": int(df["E"].sum()),
        "coefficients": [
            {
                "name": k,
                "coef": float(s.loc[k, "coef"]),
                "se": float(s.loc[k, "se(coef)"]),
                "hazard_ratio": float(s.loc[k, "exp(coef)"]),
                "hr_lower": float(s.loc[k, "exp(coef) lower 95%"]),
                "hr_upper": float(s.loc[k, "exp(coef) upper 95%"]),
                "z": float(s.loc[k, "z"]),
                "wald_p": float(s.loc[k, "p"]),
            }
            for k in covariates
        ],
        "log_likelihood": float(cph.log_likelihood_),
        "lr_statistic": float(lr.test_statistic),
        "lr_p": float(lr.p_value),
    }


def make_cox():
    univariate, multivariable = [], []
    t, e, x, rng = synthetic(3, 120)
    ev = [bool(v) for v in e]
    xs = x.copy()
    xs[[4, 9, 50]] = np.nan
    univariate.append({"name": "synthetic_ties", "time": nullable(t), "event": ev, "x": nullable(xs),
                       "expected": cox_fit(t, ev, {"x": xs})})
    # Raw (unscaled) values far from zero: lifelines standardises internally, so must we.
    big = 1000.0 + 50.0 * x
    univariate.append({"name": "large_offset_scale", "time": nullable(t), "event": ev, "x": nullable(big),
                       "expected": cox_fit(t, ev, {"x": big})})
    # Strong effect: Wald and LR p-values far in the tail.
    n = 300
    xx = rng.normal(size=n)
    tt = rng.exponential(1.0 / np.exp(1.5 * xx))
    ee = [bool(v) for v in rng.random(n) > 0.2]
    univariate.append({"name": "strong_effect_tail", "time": nullable(tt), "event": ee, "x": nullable(xx),
                       "expected": cox_fit(tt, ee, {"x": xx})})
    # Continuous times, no ties, and a null effect.
    tc = rng.exponential(1.0, 90)
    xc = rng.normal(size=90)
    ec = [bool(v) for v in rng.random(90) > 0.4]
    univariate.append({"name": "no_ties_null", "time": nullable(tc), "event": ec, "x": nullable(xc),
                       "expected": cox_fit(tc, ec, {"x": xc})})

    # Multivariable: three covariates, one with missing values, heavy ties.
    age = rng.normal(60, 10, size=120)
    grade = rng.integers(1, 4, size=120).astype(float)
    grade[[2, 30]] = np.nan
    cov = {"x": x, "age": age, "grade": grade}
    multivariable.append({"name": "synthetic_three_covariates", "time": nullable(t), "event": ev,
                          "covariates": {k: nullable(v) for k, v in cov.items()},
                          "expected": cox_fit(t, ev, cov)})

    screen = None
    acc = acc_followup()
    if acc is not None:
        c, time, event = acc
        expr = acc_expression(list(c.index))
        genes = ["MKI67", "TOP2A", "BUB1B", "CCNB1", "STAR", "IGF2", "TP53", "CTNNB1"]
        genes = [g for g in genes if g in expr.index]
        for g in genes[:4]:
            univariate.append({"name": f"tcga_acc_{g}", "time": nullable(time.values), "event": list(event.values),
                               "x": nullable(expr.loc[g].values),
                               "expected": cox_fit(time.values, list(event.values), {g: expr.loc[g].values})})
        age = -c["years_to_birth"].astype(float).values
        stage = c["pathologic_stage"].map({"stage i": 1, "stage ii": 2, "stage iii": 3, "stage iv": 4}).astype(float).values
        cov = {"age": age, "stage": stage, genes[0]: expr.loc[genes[0]].values}
        multivariable.append({"name": "tcga_acc_age_stage_gene", "time": nullable(time.values),
                              "event": list(event.values), "covariates": {k: nullable(v) for k, v in cov.items()},
                              "expected": cox_fit(time.values, list(event.values), cov)})

        # A small layer screen: features as rows, with one constant and one all-missing feature
        # the Rust screen must report as not testable.
        layer = expr.iloc[:10].copy()
        layer.loc["CONSTANT"] = 3.0
        layer.loc["ALL_MISSING"] = np.nan
        results = []
        for f in layer.index:
            if f in ("CONSTANT", "ALL_MISSING"):
                results.append(None)
                continue
            vals = layer.loc[f].values
            if np.nanstd(vals) == 0:
                results.append(None)
                continue
            results.append(cox_fit(time.values, list(event.values), {f: vals}))
        # The same screen adjusted for age and stage (feature first, then the covariates).
        adjusted = []
        for f, r in zip(layer.index, results):
            if r is None:
                adjusted.append(None)
                continue
            adjusted.append(cox_fit(time.values, list(event.values),
                                    {f: layer.loc[f].values, "age": age, "stage": stage}))
        screen = {
            "samples": list(layer.columns),
            "features": list(layer.index),
            "time": nullable(time.values),
            "event": list(event.values),
            "values": [nullable(layer.loc[f].values) for f in layer.index],
            "expected": results,
            "covariates": {"age": nullable(age), "stage": nullable(stage)},
            "expected_adjusted": adjusted,
        }
    return {"versions": versions(), "univariate": univariate, "multivariable": multivariable, "screen": screen}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, make in [("km", make_km), ("logrank", make_logrank), ("cox", make_cox)]:
        data = make()
        path = os.path.join(OUT, f"survival_{name}.json")
        with open(path, "w") as fh:
            json.dump(data, fh, indent=1)
        print("wrote", os.path.relpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
