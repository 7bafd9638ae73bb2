#!/usr/bin/env python3
"""The Python peer of analysis/benches/screens.rs: the same screens on the same files with
scipy / statsmodels / lifelines, timed step by step and printed as the same table.

When the Rust bench has run (it writes target/bench-screens-rust.json), the table gains the Rust
median and the ratio Python / Rust.

Each step is written the way an analyst would with these libraries: scipy's vectorised
`ttest_ind` / `mannwhitneyu` with `nan_policy="omit"` over a features x samples array, per-feature
`spearmanr` on complete pairs, one lifelines `CoxPHFitter` per feature, statsmodels'
`multipletests`. Python runs on one core; the Rust bench uses every core rayon finds.

lifelines fits ~30 ms per feature, so the proteome-sized Cox step runs on the first
`--cox-features` features (default 500) and is scaled linearly to the whole layer; the table says
so. Pass `--cox-features 0` to fit every feature.

The moderated steps use inmoose 0.9.1's limma (lmFit + eBayes); set INMOOSE_SRC to an unpacked
inmoose-0.9.1 sdist as for make_moderated_fixtures.py, or install inmoose. Without it those steps
are skipped with a note. inmoose fits features with missing values one at a time (as limma does),
so on the proteome it runs on the first `--limma-features` features (default 300), scaled. The
patient-blocked step uses the matched pairs and the features complete on them, in both benches.

Gene-set steps (issue 17) use gseapy 1.3.1 (prerank with 1000 gene-set permutations on one
thread; ssgsea with sample_norm_method "rank", weight 0.25), WikiPathways sets from
graph/knowledge/wikipathways.gmt.gz, sizes 15-500. CAMERA has no Python implementation, so its
step times the numpy formula of make_gene_set_fixtures.py; Storey's smoother times the scipy
replication of make_storey_smoother_fixtures.py; Firth Cox times the scipy penalised likelihood
of make_survival_extra_fixtures.py on the first `--firth-features` features (default 30, scaled);
the Schoenfeld step fits lifelines CoxPHFitter + proportional_hazard_test on the first
`--ph-features` features (default 100, scaled); the phosphosite step fits statsmodels OLS on the
first `--ols-sites` sites (default 3000, scaled).

Run:  python3 analysis/reference/bench_peer.py [--data /work/shared/data]
HYPOMICS_BENCH_ONLY="GSEA,CAMERA" times only the steps whose names contain one of the substrings,
like the Rust bench.
"""

import argparse
import json
import os
import sys
import time
import warnings

import lifelines
import numpy as np
import pandas as pd
import scipy
from lifelines import CoxPHFitter
from scipy import stats
from statsmodels.stats.multitest import multipletests

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- inputs (as the Rust bench)


def read_tsv(path):
    """features x samples, NA -> NaN."""
    return pd.read_csv(path, sep="\t", index_col=0, na_values=["NA"], keep_default_na=False).astype(float)


def gene_symbol(feature):
    """Mirror of datasets::FeatureId::gene_symbol."""
    if "_p." in feature:
        return feature.split("_p.", 1)[0]
    if "-" in feature:
        gene, site = feature.rsplit("-", 1)
        if len(site) >= 2 and site[0] in "STYK" and site[1].isdigit():
            return gene
    return feature


def top_mutated_genes(variants, n):
    genes = (variants > 0).groupby([gene_symbol(f) for f in variants.index]).any()
    counts = genes.sum(axis=1)
    order = sorted(counts.index, key=lambda g: (-counts[g], g))[:n]
    return genes.loc[order].astype(float)


def synthetic_follow_up(n):
    i = np.arange(n)
    return 100.0 + (i * 7919) % 1000, (i % 3 != 0)


def read_acc(folder):
    c = pd.read_csv(os.path.join(folder, "clinical_colData.csv"), index_col=0)
    death, follow = c["days_to_death"].astype(float), c["days_to_last_followup"].astype(float)
    time_ = death.where(death.notna(), follow)
    event = death.notna().astype(float).where(time_.notna())
    rna = pd.read_csv(os.path.join(folder, "RNASeq2GeneNorm.csv"), index_col=0)
    rna.columns = [col[:12] for col in rna.columns]
    return np.log2(rna + 1.0), time_, event


# ---------------------------------------------------------------- steps


def welch_mwu(layer, a_cols, b_cols):
    a = layer[[c for c in layer.columns if c in a_cols]].to_numpy()
    b = layer[[c for c in layer.columns if c in b_cols]].to_numpy()
    t = stats.ttest_ind(a, b, axis=1, equal_var=False, nan_policy="omit")
    u = stats.mannwhitneyu(a, b, axis=1, nan_policy="omit")
    return np.asarray(t.pvalue, dtype=float), u


def spearman_layer(layer, variable):
    y = variable.reindex(layer.columns).to_numpy(dtype=float)
    out = []
    for x in layer.to_numpy():
        m = ~np.isnan(x) & ~np.isnan(y)
        out.append(stats.spearmanr(x[m], y[m]) if m.sum() >= 3 else None)
    return out


def mutation_impact(mutations, layer):
    shared = [s for s in layer.columns if s in mutations.columns]
    values = layer[shared].to_numpy()
    out = []
    for _, status in mutations[shared].iterrows():
        mut, wt = status.to_numpy() > 0, status.to_numpy() == 0
        out.append(stats.ttest_ind(values[:, mut], values[:, wt], axis=1, equal_var=False, nan_policy="omit"))
    return out


def cis(source, target):
    shared = [s for s in target.columns if s in source.columns]
    src, tgt = source[shared].to_numpy(), target[shared].to_numpy()
    by_gene = {}
    for i, f in enumerate(source.index):
        by_gene.setdefault(gene_symbol(f), []).append(i)
    out = []
    for t, f in enumerate(target.index):
        for s in by_gene.get(gene_symbol(f), []):
            x, y = src[s], tgt[t]
            m = ~np.isnan(x) & ~np.isnan(y)
            out.append(stats.spearmanr(x[m], y[m]) if m.sum() >= 3 else None)
    return out


def cox_layer(layer, time_, event, limit=None):
    rows = layer.index if limit is None else layer.index[:limit]
    base = pd.DataFrame({"T": np.asarray(time_, dtype=float), "E": np.asarray(event, dtype=float)}, index=layer.columns)
    out = []
    for f in rows:
        df = base.assign(x=layer.loc[f].to_numpy()).dropna()
        try:
            out.append(CoxPHFitter().fit(df, "T", "E").summary)
        except Exception as e:  # constant features, failed convergence: not testable
            out.append(e)
    return out


def pca(layer, n_components=10, max_missing=0.2, max_sample_missing=0.5):
    """Same preprocessing as analysis::pca defaults, then numpy SVD."""
    x = layer.to_numpy().T  # samples x features
    miss = np.isnan(x).mean(axis=1)
    x = x[(miss <= max_sample_missing) & (miss < 1)]
    n = x.shape[0]
    obs = ~np.isnan(x)
    keep = (obs.sum(0) >= 2) & ((n - obs.sum(0)) <= max_missing * n)
    x = x[:, keep]
    mean = np.nanmean(x, axis=0)
    xc = np.where(np.isnan(x), 0.0, x - mean)
    xc = xc[:, (xc**2).sum(0) > 0]
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    return u[:, :n_components] * s[:n_components], s[:n_components] ** 2 / (n - 1)


def inmoose_limma():
    """inmoose's limma, installed or from INMOOSE_SRC (see make_moderated_fixtures.py)."""
    try:
        import inmoose.limma as limma

        return limma
    except ImportError:
        src = os.environ.get("INMOOSE_SRC")
        if not src:
            return None
        sys.path.insert(0, HERE)
        os.environ.setdefault("INMOOSE_SRC", src)
        from make_moderated_fixtures import import_inmoose_limma

        return import_inmoose_limma()


def moderated(limma, layer, a_cols, b_cols, trend, limit=None):
    cols = [c for c in layer.columns if c in a_cols or c in b_cols]
    data = layer[cols] if limit is None else layer[cols].iloc[:limit]
    design = np.column_stack([np.ones(len(cols)), [1.0 if c in a_cols else 0.0 for c in cols]])
    fit = limma.lmFit(data, design)
    return limma.eBayes(fit, trend=trend)


def blocked(limma, layer, a_cols, b_cols, participant):
    """limma ~ participant + group on the matched pairs, features complete on them (inmoose,
    unlike R's limma, fails on a feature whose missing values empty a participant's column)."""
    pairs = matched_pairs(a_cols, b_cols, participant)
    cols = [c for p in pairs for c in p]
    data = layer[cols].dropna()
    levels = sorted({participant[c] for c in cols})
    design = np.column_stack(
        [np.ones(len(cols))]
        + [[1.0 if participant[c] == lv else 0.0 for c in cols] for lv in levels[1:]]
        + [[1.0 if c in a_cols else 0.0 for c in cols]]
    )
    fit = limma.lmFit(data, design)
    return limma.eBayes(fit)


def matched_pairs(a_cols, b_cols, participant):
    by = {}
    for c, p in participant.items():
        if isinstance(p, str) and (c in a_cols or c in b_cols):
            by.setdefault(p, ([], []))[0 if c in a_cols else 1].append(c)
    return [(a[0], b[0]) for a, b in by.values() if len(a) == 1 and len(b) == 1]


def paired_tests(layer, pairs):
    a = layer[[p[0] for p in pairs]].to_numpy()
    b = layer[[p[1] for p in pairs]].to_numpy()
    t = stats.ttest_rel(a, b, axis=1, nan_policy="omit")
    w = []
    for x, y in zip(a, b):
        m = ~np.isnan(x) & ~np.isnan(y)
        d = x[m] - y[m]
        w.append(stats.wilcoxon(d, zero_method="wilcox", correction=False) if m.sum() >= 3 and (d != 0).any() else None)
    return t, w


def read_gmt(path):
    import gzip

    with gzip.open(path, "rt") as fh:
        return {f[0]: [g for g in f[2:] if g] for f in (line.rstrip("\n").split("\t") for line in fh) if len(f) > 2}


def camera_fixed(stat, sets, rho=0.01, min_size=15):
    from make_gene_set_fixtures import camera_p

    index = {g: i for i, g in enumerate(stat.index)}
    values = stat.to_numpy()
    out = {}
    for name, genes in sets.items():
        iset = sorted({index[g] for g in genes if g in index})
        if len(iset) >= min_size:
            out[name] = camera_p(values, np.array(iset), rho, len(values) - 2)
    return out


def ols_sites(phospho, proteome, a_cols, b_cols, limit):
    import statsmodels.api as sm

    cols = [c for c in phospho.columns if c in proteome.columns]
    group = np.array([1.0 if c in a_cols else 0.0 if c in b_cols else np.nan for c in cols])
    out = []
    for site in phospho.index[:limit]:
        gene = gene_symbol(site)
        if gene not in proteome.index:
            continue
        y = phospho.loc[site, cols].to_numpy()
        p = proteome.loc[gene, cols].to_numpy()
        ok = ~np.isnan(y) & ~np.isnan(p) & ~np.isnan(group)
        if ok.sum() < 5:
            continue
        x = sm.add_constant(np.column_stack([group[ok], p[ok]]), has_constant="add")
        out.append(sm.OLS(y[ok], x).fit().pvalues)
    return out


def ph_layer(layer, time_, event, limit):
    from lifelines.statistics import proportional_hazard_test

    base = pd.DataFrame({"T": np.asarray(time_, dtype=float), "E": np.asarray(event, dtype=float)}, index=layer.columns)
    out = []
    for f in layer.index[:limit]:
        df = base.assign(x=layer.loc[f].to_numpy()).dropna()
        try:
            cph = CoxPHFitter().fit(df, "T", "E")
            out.append(proportional_hazard_test(cph, df, time_transform="rank").summary)
        except Exception as e:
            out.append(e)
    return out


def firth_layer(layer, time_, event, limit):
    from make_survival_extra_fixtures import firth_case

    t = np.asarray(time_, dtype=float)
    e = np.asarray(event, dtype=bool)
    out = []
    for f in layer.index[:limit]:
        x = layer.loc[f].to_numpy()
        ok = ~np.isnan(x)
        out.append(firth_case(f, t[ok], e[ok], {"x": x[ok]}))
    return out


# ---------------------------------------------------------------- timing


def timed(rows, step, size, reps, fn, scale=1.0, note=""):
    """Times fn, unless HYPOMICS_BENCH_ONLY (comma-separated substrings, as in screens.rs) names
    none of step; then returns None."""
    only = os.environ.get("HYPOMICS_BENCH_ONLY")
    if only and not any(o in step for o in only.split(",")):
        return None
    times, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * scale)
        if times[-1] > 20:  # slow steps: one repetition is enough
            break
    times.sort()
    rows.append({"step": step, "input": size, "reps": len(times), "median_s": times[len(times) // 2],
                 "min_s": times[0], "note": note})
    print(f"  {step:<44} {times[len(times) // 2]:>10.4f} s {note}", file=sys.stderr)
    return result


def shape(df):
    return f"{df.shape[0]} x {df.shape[1]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    ap.add_argument("--cox-features", type=int, default=500)
    ap.add_argument("--limma-features", type=int, default=300)
    ap.add_argument("--ph-features", type=int, default=100)
    ap.add_argument("--firth-features", type=int, default=30)
    ap.add_argument("--ols-sites", type=int, default=3000)
    ap.add_argument("--rust-json", default=os.path.join(HERE, "..", "..", "target", "bench-screens-rust.json"))
    args = ap.parse_args()
    ucec = os.path.join(args.data, "cptac-ucec")
    if not os.path.exists(os.path.join(ucec, "proteomics.cct.gz")):
        print(f"skipping: {ucec} not found (pass --data)")
        return
    warnings.simplefilter("ignore")

    t0 = time.perf_counter()
    proteome = read_tsv(os.path.join(ucec, "proteomics.cct.gz"))
    rna = read_tsv(os.path.join(ucec, "transcriptomics_linear.cct.gz"))
    phospho = read_tsv(os.path.join(ucec, "phosphoproteomics_site.cct.gz"))
    cna = read_tsv(os.path.join(ucec, "CNA.cct.gz"))
    variants = read_tsv(os.path.join(ucec, "somatic_binary.cbt.gz"))
    clinical = pd.read_csv(os.path.join(ucec, "clinical.txt"), sep="\t", index_col=0, encoding="cp1252")
    print(f"read inputs in {time.perf_counter() - t0:.1f} s (not timed below)", file=sys.stderr)

    tissue = clinical["Proteomics_Tumor_Normal"].fillna("")
    tumor = set(tissue.index[tissue == "Tumor"])
    normal = set(tissue.index[tissue.str.endswith("normal")])
    immune = pd.to_numeric(clinical["ESTIMATE_ImmuneScore"], errors="coerce")
    mutations = top_mutated_genes(variants, 50)

    rows = []
    phospho_p = None
    for name, layer, reps in [("proteome", proteome, 5), ("RNA", rna, 5), ("phosphosites", phospho, 3)]:
        tested = timed(rows, f"Welch + Mann-Whitney, {name}", shape(layer), reps,
                       lambda l=layer: welch_mwu(l, tumor, normal))
        if name == "phosphosites" and tested is not None:
            phospho_p = tested[0]
    limma = inmoose_limma()
    lim = args.limma_features if 0 < args.limma_features < proteome.shape[0] else None
    lscale = proteome.shape[0] / lim if lim else 1.0
    lnote = f"(fitted {lim} features, scaled x{lscale:.1f})" if lim else ""
    participant = clinical["Proteomics_Participant_ID"].to_dict()
    if limma is not None:
        timed(rows, "moderated t (eBayes, trend), proteome", shape(proteome), 1,
              lambda: moderated(limma, proteome, tumor, normal, True, lim), scale=lscale, note=lnote)
    else:
        print("  (inmoose not found: skipping the moderated steps; see the header)", file=sys.stderr)
    pairs = matched_pairs(tumor, normal, participant)
    timed(rows, "paired t + signed-rank, proteome", f"{len(pairs)} pairs x {proteome.shape[0]}", 3,
          lambda: paired_tests(proteome, pairs))
    if limma is not None:
        cols = [c for p in pairs for c in p]
        timed(rows, "patient-blocked moderated t, proteome", f"{proteome[cols].dropna().shape[0]} x {len(cols)}",
              3, lambda: blocked(limma, proteome, tumor, normal, participant))
    timed(rows, "Spearman vs immune score, proteome", shape(proteome), 5, lambda: spearman_layer(proteome, immune))
    timed(rows, "mutation impact (Welch), 50 genes x proteome", f"50 x {shape(proteome)}", 3,
          lambda: mutation_impact(mutations, proteome))
    for name, src, tgt in [("CNV -> RNA", cna, rna), ("RNA -> protein", rna, proteome), ("CNV -> protein", cna, proteome)]:
        timed(rows, f"cis Spearman, {name}", f"{src.shape[0]} ~ {tgt.shape[0]}", 3, lambda s=src, t=tgt: cis(s, t))

    acc = os.path.join(args.data, "tcga-acc-mini")
    if os.path.exists(os.path.join(acc, "clinical_colData.csv")):
        acc_rna, acc_time, acc_event = read_acc(acc)
        acc_time, acc_event = acc_time.reindex(acc_rna.columns), acc_event.reindex(acc_rna.columns)
        timed(rows, "univariate Cox, TCGA-ACC RNA", shape(acc_rna), 3, lambda: cox_layer(acc_rna, acc_time, acc_event))
    t_syn, e_syn = synthetic_follow_up(proteome.shape[1])
    limit = args.cox_features if 0 < args.cox_features < proteome.shape[0] else None
    scale = proteome.shape[0] / limit if limit else 1.0
    note = f"(fitted {limit} features, scaled x{scale:.1f})" if limit else ""
    timed(rows, "univariate Cox, proteome (synthetic follow-up)", shape(proteome), 1,
          lambda: cox_layer(proteome, t_syn, e_syn, limit), scale=scale, note=note)

    if phospho_p is not None:
        p = phospho_p[~np.isnan(phospho_p)]
        timed(rows, "Benjamini-Hochberg, phosphosite Welch p", f"{len(phospho_p)} p-values", 20,
              lambda: multipletests(p, method="fdr_bh"))
        sys.path.insert(0, HERE)
        from make_storey_smoother_fixtures import case as storey_case

        timed(rows, "Storey q (qvalue smoother), phosphosite Welch p", f"{len(phospho_p)} p-values", 3,
              lambda: storey_case(phospho_p))

    import gseapy

    sets = read_gmt(os.path.join(HERE, "..", "..", "graph", "knowledge", "wikipathways.gmt.gz"))
    a = proteome[[c for c in proteome.columns if c in tumor]].to_numpy()
    b = proteome[[c for c in proteome.columns if c in normal]].to_numpy()
    t_stat = pd.Series(np.asarray(stats.ttest_ind(a, b, axis=1, equal_var=False, nan_policy="omit").statistic,
                                  dtype=float), index=proteome.index).dropna()
    sets_shape = f"{len(sets)} sets x {len(proteome.index)} genes"
    timed(rows, "preranked GSEA (1000 permutations), proteome t", sets_shape, 1,
          lambda: gseapy.prerank(rnk=t_stat, gene_sets=sets, min_size=15, max_size=500, permutation_num=1000,
                                 threads=1, seed=123, outdir=None, verbose=False))
    timed(rows, "CAMERA (inter-gene correlation 0.01), proteome t", sets_shape, 3,
          lambda: camera_fixed(t_stat, sets))
    timed(rows, "ssGSEA scores, proteome", f"{len(sets)} sets x {shape(proteome)}", 1,
          lambda: gseapy.ssgsea(data=proteome, gene_sets=sets, sample_norm_method="rank", weight=0.25,
                                min_size=15, max_size=100000, permutation_num=0, threads=1, outdir=None,
                                verbose=False))
    osites = min(args.ols_sites, phospho.shape[0]) if args.ols_sites > 0 else phospho.shape[0]
    oscale = phospho.shape[0] / osites
    timed(rows, "phosphosite ~ tumour + protein (OLS)", shape(phospho), 1,
          lambda: ols_sites(phospho, proteome, tumor, normal, osites), scale=oscale,
          note=f"(fitted {osites} sites, scaled x{oscale:.1f})" if oscale > 1 else "")
    for step, fn, n in [("Schoenfeld PH test, proteome (synthetic follow-up)", ph_layer, args.ph_features),
                        ("Firth Cox, proteome (synthetic follow-up)", firth_layer, args.firth_features)]:
        k = min(n, proteome.shape[0]) if n > 0 else proteome.shape[0]
        s = proteome.shape[0] / k
        timed(rows, step, shape(proteome), 1, lambda fn=fn, k=k: fn(proteome, t_syn, e_syn, k), scale=s,
              note=f"(fitted {k} features, scaled x{s:.1f})" if s > 1 else "")
    timed(rows, "PCA (10 components), proteome", shape(proteome), 5, lambda: pca(proteome))

    rust = {}
    if os.path.exists(args.rust_json):
        with open(args.rust_json) as fh:
            rust = {r["step"]: r for r in json.load(fh)}
    print()
    print(f"hypomics analysis screens (Python {sys.version.split()[0]}: numpy {np.__version__}, scipy {scipy.__version__}, "
          f"lifelines {lifelines.__version__}; 1 thread)")
    head = f"{'step':<46} {'features x samples':>18} {'reps':>5} {'median s':>12} {'min s':>12}"
    if rust:
        head += f" {'Rust median s':>14} {'Python/Rust':>12}"
    print(head)
    for r in rows:
        line = f"{r['step']:<46} {r['input']:>18} {r['reps']:>5} {r['median_s']:>12.4f} {r['min_s']:>12.4f}"
        if rust and r["step"] in rust:
            rs = rust[r["step"]]["median_s"]
            line += f" {rs:>14.4f} {r['median_s'] / rs:>11.1f}x"
        print(line + (f"  {r['note']}" if r["note"] else ""))
    for step, r in rust.items():
        if step not in {row["step"] for row in rows}:
            print(f"{step:<46} {r['input']:>18} {'':>5} {'-':>12} {'-':>12} {r['median_s']:>14.4f}  (no Python counterpart)")


if __name__ == "__main__":
    main()
