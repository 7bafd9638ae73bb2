#!/usr/bin/env python3
"""Builds the bundled demo study (datasets/demo/ucec/) from the raw CPTAC UCEC files.

The raw files (as bundled in the PyPI package cptac 0.4.1) are ~37 MB; the demo has to ship
inside the repository, so this script trims features (never samples) while keeping the files
byte-compatible with the originals: same names, gzipped TSV with an `idx` header, features as
rows, `NA` for missing, the original value strings and the original line endings. The real
loader therefore reads the demo exactly as it would read the full study.

Why the trimming rules look like they do:
* Features are ranked by variance because a near-constant feature cannot carry a finding in
  153 samples; features observed in fewer than half the samples are dropped before ranking, or
  sparse phosphosites with a handful of extreme values would win.
* Genes that matter for this cohort (recurrently mutated genes, computed from the MAF, plus a
  short curated list of pathway read-outs) are always kept, so the classic UCEC stories
  (PTEN loss -> PI3K/AKT activation, CTNNB1, TP53/CNV-high) remain discoverable.
* Proteome, RNA and CNA share one gene list so every kept gene can be tested in cis
  (copy number -> RNA -> protein).

Usage: python3 make_demo.py [--raw /work/shared/data/cptac-ucec] [--out ucec]
Output is reproducible: gzip is written with mtime=0 and no embedded file name.
"""

from __future__ import annotations

import argparse
import gzip
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_RAW = Path("/work/shared/data/cptac-ucec")

# How many features each layer keeps (before the always-kept cohort genes are added).
N_SHARED_GENES = 2000  # proteomics, transcriptomics_linear and CNA share this list
N_PHOSPHO_SITE = 2500
N_PHOSPHO_GENE = 1500
N_ACETYL = 500
N_MIRNA = 300
MIN_OBSERVED = 0.5  # fraction of samples a feature must be measured in to be ranked

# A gene is "recurrent" (always kept in every gene-level layer) if mutated in this many tumours.
RECURRENT_MIN_TUMOURS = 15
# The MAF and binary mutation table keep genes mutated in at least this many tumours.
MAF_MIN_TUMOURS = 5

# Read-outs of the pathways UCEC is known for, kept even if not among the most variable.
CURATED_GENES = [
    "PTEN", "PIK3CA", "PIK3R1", "PIK3R2", "AKT1", "AKT2", "AKT3", "MTOR", "RPS6", "RPS6KB1",
    "EIF4EBP1", "GSK3B", "TSC1", "TSC2", "INPPL1", "ARID1A", "CTNNB1", "TP53", "MDM2", "CDKN2A",
    "CDKN1A", "KRAS", "MAPK1", "MAPK3", "BRAF", "FBXW7", "CTCF", "ERBB2", "ESR1", "PGR",
    "MLH1", "MSH2", "MSH6", "PMS2", "POLE", "CCNE1", "MYC", "CDK1", "RB1", "STAT1", "JAK1",
]

CLINICAL_COLUMNS = [
    "idx", "Proteomics_Participant_ID", "Case_excluded", "Proteomics_Tumor_Normal",
    "Proteomics_TMT_batch", "Histologic_type", "Histologic_Grade_FIGO", "FIGO_stage",
    "tumor_Stage-Pathological", "Tumor_purity", "Purity_Cancer", "Purity_Immune",
    "Purity_Stroma", "Age", "BMI", "Race", "Diabetes", "MSI_status", "Genomics_subtype",
    "POLE_subtype", "Estrogen_Receptor", "Progesterone_Receptor", "LVSI",
    "ESTIMATE_ImmuneScore", "ESTIMATE_StromalScore", "CNV_class", "TP53_pathway",
    "PI3K_pathway", "Log2_variant_per_Mbp",
]

MAF_COLUMNS = [
    "Hugo_Symbol", "Entrez_Gene_Id", "Variant_Classification", "Variant_Type",
    "Tumor_Sample_Barcode", "HGVSp_Short",
]


def read_text(path: Path, encoding: str = "utf-8") -> tuple[str, str]:
    """Returns the decoded text of a (possibly gzipped) file and its line terminator."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text = raw.decode(encoding)
    first_line_end = text.find("\n")
    eol = "\r\n" if first_line_end > 0 and text[first_line_end - 1] == "\r" else "\n"
    return text, eol


def read_table(path: Path, encoding: str = "utf-8") -> tuple[pd.DataFrame, str]:
    """Reads a TSV keeping every cell as the exact string shipped (so output matches input)."""
    text, eol = read_text(path, encoding)
    frame = pd.read_csv(
        io.StringIO(text), sep="\t", dtype=str, keep_default_na=False, na_filter=False
    )
    return frame, eol


def write_tsv(frame: pd.DataFrame, path: Path, eol: str, compress: bool) -> None:
    """Writes a TSV the way the originals are written; gzip gets mtime=0 for reproducibility."""
    body = frame.to_csv(sep="\t", index=False, lineterminator=eol).encode("utf-8")
    if compress:
        with path.open("wb") as raw, gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9
        ) as gz:
            gz.write(body)
    else:
        path.write_bytes(body)


def numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """The numeric view of a features-as-rows table (index = feature ID)."""
    values = frame.set_index("idx").replace("NA", np.nan)
    return values.apply(pd.to_numeric, errors="coerce")


def ranked_by_variance(values: pd.DataFrame) -> pd.Series:
    """Variance of each sufficiently observed feature, largest first."""
    observed = values.notna().mean(axis=1) >= MIN_OBSERVED
    return values[observed].var(axis=1, skipna=True).dropna().sort_values(ascending=False)


def gene_of(feature: str) -> str:
    """Gene symbol of a site ID (`PTEN-S380` -> `PTEN`, `A2M-K1176` -> `A2M`)."""
    return feature.rsplit("-", 1)[0]


def top_features(values: pd.DataFrame, n: int, keep_genes: set[str], by_gene) -> list[str]:
    """The `n` most variable features plus every measured feature of the kept genes,
    in the original file order."""
    ranked = ranked_by_variance(values)
    chosen = set(ranked.index[:n])
    chosen |= {f for f in values.index if by_gene(f) in keep_genes}
    return [f for f in values.index if f in chosen]


def subset_rows(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    wanted = set(features)
    return frame[frame["idx"].isin(wanted)]


def mutation_recurrence(maf: pd.DataFrame) -> pd.Series:
    """Number of distinct tumours with a (non-silent; the file has none) call per gene."""
    return maf.groupby("Hugo_Symbol")["Tumor_Sample_Barcode"].nunique().sort_values(
        ascending=False
    )


def shared_gene_list(layers: dict[str, pd.DataFrame], keep: set[str], n: int) -> list[str]:
    """Genes measured in every layer, ranked by their mean variance percentile across layers,
    so a gene qualifies by being variable overall rather than in one layer alone."""
    common = set.intersection(*(set(v.index) for v in layers.values()))
    percentiles = []
    for values in layers.values():
        ranked = ranked_by_variance(values.loc[values.index.isin(common)])
        percentiles.append(ranked.rank(pct=True))
    score = pd.concat(percentiles, axis=1).dropna().mean(axis=1).sort_values(ascending=False)
    chosen = list(score.index[:n])
    chosen_set = set(chosen)
    chosen += sorted(g for g in keep if g in common and g not in chosen_set)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW)
    parser.add_argument("--out", type=Path, default=HERE / "ucec")
    args = parser.parse_args()
    raw: Path = args.raw
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    # Mutations first: they decide which genes are always kept.
    maf_text, maf_eol = read_text(raw / "somatic.maf.gz")
    maf = pd.read_csv(
        io.StringIO(maf_text), sep="\t", dtype=str, keep_default_na=False, na_filter=False,
        usecols=MAF_COLUMNS,
    )[MAF_COLUMNS]
    recurrence = mutation_recurrence(maf)
    maf_genes = set(recurrence[recurrence >= MAF_MIN_TUMOURS].index)
    recurrent = set(recurrence[recurrence >= RECURRENT_MIN_TUMOURS].index)
    keep_genes = recurrent | set(CURATED_GENES)
    write_tsv(maf[maf["Hugo_Symbol"].isin(maf_genes)], out / "somatic.maf.gz", maf_eol, True)

    binary, eol = read_table(raw / "somatic_binary.cbt.gz")
    binary_genes = binary["idx"].str.split("_p.", n=1, regex=False).str[0]
    write_tsv(binary[binary_genes.isin(maf_genes)], out / "somatic_binary.cbt.gz", eol, True)

    # Proteome, RNA and CNA: one shared gene list for cis analyses.
    tables = {}
    for name in ["proteomics", "transcriptomics_linear", "CNA"]:
        tables[name] = read_table(raw / f"{name}.cct.gz")
    shared = shared_gene_list(
        {name: numeric(frame) for name, (frame, _) in tables.items()}, keep_genes, N_SHARED_GENES
    )
    for name, (frame, eol) in tables.items():
        # A cohort gene missing from one layer (FBXW7 has no protein) is still kept in the others.
        write_tsv(subset_rows(frame, shared + sorted(keep_genes)), out / f"{name}.cct.gz", eol, True)

    # Layers with their own feature spaces.
    own = [
        ("phosphoproteomics_site", N_PHOSPHO_SITE, gene_of),
        ("phosphoproteomics_gene", N_PHOSPHO_GENE, lambda f: f),
        ("acetylproteomics", N_ACETYL, gene_of),
        ("miRNA", N_MIRNA, lambda f: None),
    ]
    for name, n, by_gene in own:
        frame, eol = read_table(raw / f"{name}.cct.gz")
        features = top_features(numeric(frame), n, keep_genes, by_gene)
        write_tsv(subset_rows(frame, features), out / f"{name}.cct.gz", eol, True)

    # Clinical: the columns that matter, re-encoded from cp1252 to UTF-8.
    clinical, eol = read_table(raw / "clinical.txt", encoding="cp1252")
    missing = [c for c in CLINICAL_COLUMNS if c not in clinical.columns]
    if missing:
        raise SystemExit(f"clinical.txt lacks columns {missing}")
    write_tsv(clinical[CLINICAL_COLUMNS], out / "clinical.txt", eol, False)

    shutil.copyfile(raw / "LICENSE-cptac-package.md", HERE / "LICENSE-cptac-package.md")

    total = 0
    for path in sorted(out.iterdir()):
        size = path.stat().st_size
        total += size
        print(f"{path.name:32s} {size:>9,d} bytes")
    print(f"{'total':32s} {total:>9,d} bytes")
    print(f"always-kept genes: {len(keep_genes)}; shared gene list: {len(shared)}; "
          f"MAF genes: {len(maf_genes)}")


if __name__ == "__main__":
    main()
