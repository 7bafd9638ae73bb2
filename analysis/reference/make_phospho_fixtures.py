#!/usr/bin/env python3
"""Reference values for phosphosite effects adjusted for protein level
(analysis/src/phospho.rs), written to analysis/tests/fixtures/phospho.json.

Versions: numpy 2.4.6, pandas 3.1.1, statsmodels 0.15.0. Each site is fitted with
statsmodels OLS (missing="drop") as site ~ 1 + term + protein, term being the tumour (1) /
normal (0) indicator or the same gene's copy number, on the samples the three share; the
layers hold different samples in different orders, with NaNs, so pairing by sample ID is
exercised. Reported: n, and estimate / standard error / t / p of the term and the protein.

Run:  python3 analysis/reference/make_phospho_fixtures.py
"""

import json
import os
import sys

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, HERE)
from make_fixtures import clean  # noqa: E402


def fit(y, term, protein):
    x = sm.add_constant(np.column_stack([term, protein]), has_constant="add")
    ok = np.isfinite(y) & np.isfinite(term) & np.isfinite(protein)
    r = sm.OLS(y[ok], x[ok]).fit()
    def coef(j):
        return {"estimate": r.params[j], "std_error": r.bse[j], "t": r.tvalues[j],
                "p": r.pvalues[j]}
    return {"n": int(ok.sum()), "effect": coef(1), "protein": coef(2), "r_squared": r.rsquared}


def main():
    rng = np.random.default_rng(4242)
    n = 60
    samples = [f"P{i:03d}" for i in range(n)]
    tumour = np.array([1.0] * 32 + [0.0] * 28)
    genes = ["AKT1", "MTOR", "EGFR", "PTEN", "TP53", "CDK1"]
    protein = {}
    cna = {}
    for g in genes:
        cna[g] = rng.normal(0, 0.4, n)
        protein[g] = 0.8 * cna[g] + 0.9 * tumour * rng.uniform(0, 1.5) + rng.normal(0, 0.5, n)
    sites = {}
    for g in genes:
        for s in ("S10", "T20"):
            beyond = rng.choice([0.0, 1.2])
            y = 0.9 * protein[g] + beyond * tumour + 0.3 * cna[g] + rng.normal(0, 0.4, n)
            y[rng.choice(n, 5, replace=False)] = np.nan
            sites[f"{g}-{s}"] = y
    sites["ORPHAN-S1"] = rng.normal(size=n)  # no protein: skipped
    # Deep tail: a site with a strong stoichiometry shift.
    sites["EGFR-Y1068"] = protein["EGFR"] + 4.0 * tumour + rng.normal(0, 0.2, n)
    protein["CDK1"][[2, 9, 33]] = np.nan
    # Layer layouts: protein lacks some samples and is shuffled; cna lacks others.
    prot_order = rng.permutation(n)[: n - 4]
    cna_order = rng.permutation(n)[: n - 3]
    site_names = list(sites)
    expected_group, expected_cis = {}, {}
    prot_present = np.zeros(n, bool)
    prot_present[prot_order] = True
    cna_present = np.zeros(n, bool)
    cna_present[cna_order] = True
    for name in site_names:
        g = name.rsplit("-", 1)[0]
        if g not in protein:
            continue
        y = sites[name].copy()
        p = np.where(prot_present, protein[g], np.nan)
        expected_group[name] = fit(y, tumour, p)
        c = np.where(cna_present, cna[g], np.nan)
        expected_cis[name] = fit(y, c, p)
    payload = {
        "generated_by": "analysis/reference/make_phospho_fixtures.py",
        "versions": {"numpy": np.__version__, "pandas": pd.__version__,
                     "statsmodels": statsmodels.__version__},
        "samples": samples,
        "tumour": tumour,
        "sites": {"features": site_names, "values": [sites[s] for s in site_names]},
        "protein": {"samples": [samples[i] for i in prot_order], "features": genes,
                    "values": [protein[g][prot_order] for g in genes]},
        "cna": {"samples": [samples[i] for i in cna_order], "features": genes,
                "values": [cna[g][cna_order] for g in genes]},
        "expected_group": expected_group,
        "expected_cis": expected_cis,
    }
    with open(os.path.join(OUT, "phospho.json"), "w") as f:
        json.dump(clean(payload), f)


if __name__ == "__main__":
    main()
