"""What the rag_retrieval scenario costs: the import time of the IR libraries it depends on (measured as
fresh processes, so nothing is cached), the harness's baselines on the hidden queries, and a grade of
every rag_retrieval notebook in this repository, one after the other. Prints a table of figures.

    python3 benchmarks/rag_retrieval.py [--runs 3] [--no-grades]

A slow figure is a figure to read, not a failure; exits 1 only if a command could not run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("ir_measures", "pytrec_eval", "bm25s", "rank_bm25")


def _seconds(command: list[str]) -> float:
    begin = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - begin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-grades", action="store_true")
    args = parser.parse_args()
    bare = statistics.median(_seconds([sys.executable, "-c", "pass"]) for _ in range(args.runs))
    print(f"{'figure':<58} seconds")
    for name in LIBRARIES:
        took = statistics.median(_seconds([sys.executable, "-c", f"import {name}"]) for _ in range(args.runs))
        print(f"{'import ' + name + ' (over a bare interpreter)':<58} {took - bare:7.3f}")
    from heldout.grading import _retrieval_inputs, load_scenario

    manifest = load_scenario("rag_retrieval", ROOT)
    begin = time.perf_counter()
    _retrieval_inputs(
        ROOT / "datasets" / manifest.dataset.name,
        manifest.retrieval,
        manifest.dataset.holdout_features,
        manifest.dataset.holdout_labels,
        manifest.dataset.label,
        manifest.holdout.baselines,
    )
    print(f"{'baselines (BM25, TF-IDF) on the hidden queries':<58} {time.perf_counter() - begin:7.3f}")
    if args.no_grades:
        return 0
    notebooks = [ROOT / "solutions" / "rag_retrieval" / "solution.ipynb"]
    notebooks += sorted((ROOT / "tests" / "submissions" / "rag_retrieval").glob("*/*.ipynb"))
    total = 0.0
    for notebook in notebooks:
        took = _seconds([sys.executable, "-m", "heldout", "grade", str(notebook)])
        total += took
        print(f"{'grade ' + notebook.relative_to(ROOT).as_posix()[-50:]:<58} {took:7.3f}")
    print(f"{f'all {len(notebooks)} grades, one process each':<58} {total:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
