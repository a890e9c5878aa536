"""`grade-batch --cluster local` (Dask, N workers) against `grade-batch --jobs N`: Dask's scheduling
overhead as a ratio of wall times (target: within 10 %).

    python3 benchmarks/dask_batch.py                       # 40 copies of a quick notebook, 2 workers
    python3 benchmarks/dask_batch.py --submissions 4 --notebook solutions/imbalance/solution.ipynb

Each side grades the same copies into a fresh results folder, in a fresh process (the two alternate
when --rounds > 1). The Dask side includes starting and closing its LocalCluster (a few seconds), so
the ratio approaches its scheduling overhead alone as the batch grows. The peak is the largest
resident memory among the processes the batch waited for.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

QUICK = """import pandas as pd
from sklearn.linear_model import LogisticRegression
train = pd.read_csv("train.csv")
COLUMNS = ["amount", "card_present", "country_mismatch", "n_tx_last_24h", "declines_last_7d", "new_device"]
model = LogisticRegression(max_iter=200).fit(train[COLUMNS], train["is_fraud"])
def prepare_features(frame):
    return frame[COLUMNS]
report = {"metric": "average_precision", "estimate": 0.3, "threshold": 0.5}
"""


def make_copies(folder: Path, count: int, notebook: Path | None) -> None:
    if notebook is not None:
        source = json.loads(notebook.read_text(encoding="utf-8"))
    else:
        source = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {
                "heldout": {"scenario": "imbalance"},
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            },
            "cells": [
                {
                    "cell_type": "code",
                    "id": "c1",
                    "metadata": {},
                    "outputs": [],
                    "source": QUICK,
                    "execution_count": None,
                }
            ],
        }
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"candidate_{i:03d}.ipynb").write_text(json.dumps(source), encoding="utf-8")


def run(folder: Path, out: Path, extra: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "heldout", "grade-batch", str(folder), "--out", str(out), *extra],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--notebook", type=Path, help="the notebook to copy (default: a quick model)")
    args = parser.parse_args()
    sides = {
        f"--jobs {args.workers}": ["--jobs", str(args.workers)],
        f"--cluster local ({args.workers} workers)": ["--cluster", "local", "--jobs", str(args.workers)],
    }
    walls: dict[str, list[float]] = {name: [] for name in sides}
    peak = 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "in"
        make_copies(folder, args.submissions, args.notebook)
        for round_ in range(args.rounds):
            for name, extra in sides.items():
                wall, peak = run(folder, Path(scratch) / f"out-{round_}-{len(walls[name])}-{extra[0]}", extra)
                walls[name].append(wall)
                print(f"round {round_ + 1}: {name}: {wall:.1f} s wall", flush=True)
    jobs_name, dask_name = list(sides)
    jobs, dask = statistics.median(walls[jobs_name]), statistics.median(walls[dask_name])
    print(f"\n{args.submissions} submissions, {args.workers} workers, median of {args.rounds} round(s)")
    for name, wall in ((jobs_name, jobs), (dask_name, dask)):
        print(f"{name:<28} {wall:8.1f} s  {wall / args.submissions:6.2f} s per submission")
    print(f"Dask / --jobs wall time: {dask / jobs:.2f}x (target <= 1.10x)")
    print(f"peak resident memory of one child process: {peak / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
