#!/usr/bin/env python3
"""Builds graph/knowledge/complexes.gmt.gz and graph/knowledge/gene_positions.tsv.gz.

Inputs are the two Debian 12 (bookworm) Bioconductor annotation packages today's genes.tsv.gz and
go_bp.gmt.gz came from; nothing else is read, so the output is reproducible byte for byte (gzip
with mtime=0 and no file name, rows sorted in Python code-point order):

    apt-get download r-bioc-org.hs.eg.db=3.16.0-1 r-bioc-go.db=3.16.0-1
    dpkg-deb -x r-bioc-org.hs.eg.db_3.16.0-1_all.deb x
    dpkg-deb -x r-bioc-go.db_3.16.0-1_all.deb x
    python3 graph/knowledge/build/build_complexes_positions.py x graph/knowledge

complexes.gmt.gz: GO cellular-component terms that are `is_a` descendants of GO:0032991
"protein-containing complex" (the term itself left out). A gene belongs to a complex when NCBI
gene2go (via org.Hs.eg.db `go_cc`) annotates it to the term or to a complex term below it (the GO
true-path rule, over `is_a` and `part_of` between complex terms, from GO.db `go_cc_parents`).
Evidence code ND ("no data") is left out; all others are kept. Only sets of 2..=200 genes are
kept: one gene is no complex, and above 200 a term is a broad class ("transferase complex"), not
a physical partner set.

gene_positions.tsv.gz: one row per gene with an assembled-chromosome location in org.Hs.eg.db
`chromosome_locations` (UCSC hg38 gene models, GRCh38): chromosome, arm (p/q from the NCBI
cytoband, empty when the band is missing or spans both arms), band, start, end (the outermost
coordinates over the gene's transcripts, absolute values) and strand (from the sign UCSC stores).
Alt/fix contigs are ignored. Pseudoautosomal genes listed on X and Y are placed where their NCBI
cytoband says (X first when both). The gene universe is the same as genes.tsv.gz
(NCBI protein-coding and ncRNA), checked against that file when it is given.
"""

import gzip
import io
import re
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

COMPLEX_ROOT = "GO:0032991"
MIN_SIZE, MAX_SIZE = 2, 200
KEPT_TYPES = ("protein-coding", "ncRNA")
MAIN = re.compile(r"^(?:[1-9]|1[0-9]|2[0-2]|X|Y|MT)$")


def write_gz(path: Path, text: str) -> None:
    raw = io.BytesIO()
    # mtime=0 and no file name: two runs give the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(raw.getvalue())


def genes(org: sqlite3.Connection) -> dict[int, str]:
    """Internal id -> symbol for the protein-coding and ncRNA genes."""
    rows = org.execute(
        "SELECT gi._id, gi.symbol FROM gene_info gi JOIN genetype t USING(_id) "
        f"WHERE t.gene_type IN {KEPT_TYPES!r}"
    )
    out = dict(rows)
    assert len(set(out.values())) == len(out), "symbols must be unique"
    return out


def complexes(org: sqlite3.Connection, go: sqlite3.Connection, symbols: dict[int, str]) -> str:
    names = dict(go.execute("SELECT go_id, term FROM go_term WHERE ontology = 'CC'"))
    parents = defaultdict(list)  # child -> [(parent, relationship)]
    children = defaultdict(list)
    for child, parent, rel in go.execute(
        "SELECT c.go_id, p.go_id, r.relationship_type FROM go_cc_parents r "
        "JOIN go_term c ON c._id = r._id JOIN go_term p ON p._id = r._parent_id"
    ):
        parents[child].append((parent, rel))
        if rel == "isa":
            children[parent].append(child)
    # Complex terms: is_a descendants of the root.
    complex_terms, stack = set(), [COMPLEX_ROOT]
    while stack:
        for child in children[stack.pop()]:
            if child not in complex_terms:
                complex_terms.add(child)
                stack.append(child)

    def complex_ancestors(term: str) -> set[str]:
        seen, stack = {term}, [term]
        while stack:
            for parent, _rel in parents[stack.pop()]:
                if parent in complex_terms and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    members = defaultdict(set)
    ancestors_of = {}
    for gid, term, evidence in org.execute("SELECT _id, go_id, evidence FROM go_cc"):
        if evidence == "ND" or term not in complex_terms or gid not in symbols:
            continue
        if term not in ancestors_of:
            ancestors_of[term] = complex_ancestors(term)
        for t in ancestors_of[term]:
            members[t].add(symbols[gid])
    lines = []
    for term in sorted(members):
        genes_in = sorted(members[term])
        if MIN_SIZE <= len(genes_in) <= MAX_SIZE:
            lines.append("\t".join([term, names[term], *genes_in]))
    return "\n".join(lines) + "\n"


def arm_of(band: str, chromosome: str) -> str:
    """`p` or `q` when every part of the NCBI band is on one arm of `chromosome`, else empty."""
    arms = set()
    for part in re.split(r"[;\-]", band):
        part = part.strip()
        if part.startswith(chromosome):
            part = part[len(chromosome):]
        elif part[:1].isdigit() or part[:1] in "XY":
            return ""  # a band on another chromosome (e.g. X;Y)
        if not part:
            continue  # a bare chromosome ("6;6p12.3") says nothing about the arm
        if part[0] not in ("p", "q"):
            return ""  # "cen" and other forms that are not one arm
        arms.add(part[0])
    return arms.pop() if len(arms) == 1 else ""


def positions(org: sqlite3.Connection, symbols: dict[int, str]) -> str:
    bands = defaultdict(list)
    for gid, band in org.execute("SELECT _id, cytogenetic_location FROM cytogenetic_locations"):
        bands[gid].append(band)
    spans = defaultdict(list)  # (gid, seqname) -> [(start, end)]
    for gid, seq, start, end in org.execute(
        "SELECT _id, seqname, start_location, end_location FROM chromosome_locations"
    ):
        if gid in symbols and MAIN.match(seq):
            spans[(gid, seq)].append((start, end))
    by_gene = defaultdict(list)
    for gid, seq in spans:
        by_gene[gid].append(seq)
    rows = []
    for gid, seqs in by_gene.items():
        band = ";".join(sorted(bands[gid]))
        # Where NCBI's band puts it; X before Y for pseudoautosomal genes.
        by_band = [s for s in seqs if any(b.startswith(s) and not b[len(s):][:1].isdigit() for b in bands[gid])]
        choice = sorted(by_band or seqs, key=lambda s: (s != "X", s))[0]
        coords = spans[(gid, choice)]
        signs = {s < 0 for s, _ in coords} | {e < 0 for _, e in coords}
        strand = "." if len(signs) != 1 else ("-" if signs.pop() else "+")
        start = min(min(abs(s), abs(e)) for s, e in coords)
        end = max(max(abs(s), abs(e)) for s, e in coords)
        chrom_bands = [b for b in bands[gid] if b.startswith(choice)]
        arm = arm_of(";".join(chrom_bands), choice) if chrom_bands else ""
        rows.append((symbols[gid], choice, arm, band, str(start), str(end), strand))
    rows.sort()
    header = "symbol\tchromosome\tarm\tband\tstart\tend\tstrand"
    return "\n".join([header, *("\t".join(r) for r in rows)]) + "\n"


def check_universe(symbols: dict[int, str], genes_tsv: Path) -> None:
    with gzip.open(genes_tsv, "rt", encoding="utf-8") as f:
        next(f)
        shipped = {line.split("\t", 1)[0] for line in f if line.strip()}
    assert shipped == set(symbols.values()), "gene universe differs from genes.tsv.gz"


def main() -> None:
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    lib = root / "usr/lib/R/site-library"
    org = sqlite3.connect(lib / "org.Hs.eg.db/extdata/org.Hs.eg.sqlite")
    go = sqlite3.connect(lib / "GO.db/extdata/GO.sqlite")
    symbols = genes(org)
    if (out / "genes.tsv.gz").exists():
        check_universe(symbols, out / "genes.tsv.gz")
    write_gz(out / "complexes.gmt.gz", complexes(org, go, symbols))
    write_gz(out / "gene_positions.tsv.gz", positions(org, symbols))


if __name__ == "__main__":
    main()
