#!/usr/bin/env python3
"""Compare the outputs of two `hypomics run` folders: hypotheses.json, findings.tsv and report.html.

A refactoring that claims "behaviour unchanged" runs the same command on the commit before and the
commit after (e.g. `hypomics run --demo --out /tmp/before --permutations 2`) and then

    python3 scripts/compare_runs.py /tmp/before /tmp/after

What legitimately differs between two runs of the same code is masked first: wall-clock seconds,
timestamps, the output folder's path and the graph run id. Everything else must be identical;
the script prints the first differing lines of each file that is not and exits 1. Standard
library only, so it runs anywhere Python 3 does.
"""

import difflib
import json
import re
import sys
from pathlib import Path

FILES = ("hypotheses.json", "findings.tsv", "report.html")

# Keys whose values vary from run to run of the same code.
VOLATILE_KEYS = {"seconds", "started_at", "finished_at", "created_at", "updated_at"}

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
SECONDS = re.compile(r"\b\d+(\.\d+)? ?(s|seconds)\b")


def mask_json(value):
    if isinstance(value, dict):
        return {k: ("<masked>" if k in VOLATILE_KEYS else mask_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value


def normalise(name: str, text: str, run_dir: Path) -> list[str]:
    for folder in {str(run_dir), str(run_dir.resolve())}:
        text = text.replace(folder, "<out>")
    if name.endswith(".json"):
        text = json.dumps(mask_json(json.loads(text)), indent=1, sort_keys=True)
    text = TIMESTAMP.sub("<time>", text)
    if name.endswith(".html"):
        text = SECONDS.sub("<seconds>", text)
        text = re.sub(r"run \d+\b", "run <id>", text)
        # One line per tag, so a difference points at the element rather than a megabyte line.
        text = text.replace(">", ">\n")
    return text.splitlines()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[0])
        print(f"usage: {argv[0]} BEFORE_DIR AFTER_DIR")
        return 2
    before, after = Path(argv[1]), Path(argv[2])
    differing = 0
    for name in FILES:
        paths = (before / name, after / name)
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            print(f"{name}: missing {', '.join(missing)}")
            differing += 1
            continue
        a = normalise(name, paths[0].read_text(encoding="utf-8"), before)
        b = normalise(name, paths[1].read_text(encoding="utf-8"), after)
        if a == b:
            print(f"{name}: identical ({len(a)} lines after masking)")
            continue
        differing += 1
        diff = list(difflib.unified_diff(a, b, str(paths[0]), str(paths[1]), n=1, lineterm=""))
        print(f"{name}: DIFFERS ({sum(1 for d in diff if d[:1] in '+-') - 2} changed lines)")
        for line in diff[:60]:
            print("  " + line[:300])
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
