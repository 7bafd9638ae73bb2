#!/usr/bin/env python3
"""The pandas peer of datasets/benches/load.rs: reads the same study files with pandas.read_csv
(gzip by extension, leading `#` lines skipped, the first column as index, undecodable bytes
replaced) and prints wall time and the process's peak resident memory as JSON. Started by the
Rust bench with the file list; needs pandas (`pip install pandas`)."""

import gzip
import json
import resource
import sys
import time

import pandas as pd


def leading_comment_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    n = 0
    with opener(path, "rb") as f:
        for line in f:
            if not line.startswith(b"#"):
                break
            n += 1
    return n


def read(path):
    name = path.lower().removesuffix(".gz")
    sep = "," if name.endswith(".csv") else "\t"
    return pd.read_csv(path, sep=sep, index_col=0, skiprows=leading_comment_lines(path),
                       low_memory=False, encoding_errors="replace")


def main():
    start = time.perf_counter()
    cells = 0
    for path in sys.argv[1:]:
        frame = read(path)
        cells += frame.size
    wall = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"wall_s": wall, "peak_rss_bytes": peak, "files": len(sys.argv) - 1, "cells": cells}))


if __name__ == "__main__":
    main()
