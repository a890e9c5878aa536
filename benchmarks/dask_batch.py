"""`grade-batch --cluster local` (Dask, N workers) against `grade-batch --jobs N`: Dask's scheduling
overhead as a ratio of wall times (target: within 10 %), and what one grade costs.

    python3 benchmarks/dask_batch.py                       # 40 submissions, 2 workers, one round
    python3 benchmarks/dask_batch.py --submissions 8 --rounds 3

The submissions are the shipped correct and flawed notebooks of tests/submissions, taken in turn from
each scenario (correct, flawed, correct, ...) so that every batch mixes scenarios and verdicts. Each
side grades the same copies into a fresh results folder, in a fresh process; with --rounds > 1 the
sides alternate which goes first, so that a change in the machine's load does not favour one. The Dask
side includes starting and closing its LocalCluster. CPU seconds are the batch process's and all its
descendants' (workers, sandboxes, kernels); the peak is the largest resident memory of any one of those
processes (a kernel, in practice). The machine's load average is printed before and after: on a shared
machine the wall times are only as good as that.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mib: float


def pick_submissions(count: int) -> list[Path]:
    """``count`` shipped notebooks, round-robin over scenarios and over correct/flawed within each."""
    pools: list[list[Path]] = []
    for scenario in sorted(p for p in SUBMISSIONS.iterdir() if (p / "correct").is_dir()):
        correct = sorted((scenario / "correct").glob("*.ipynb"))
        flawed = sorted((scenario / "flawed").glob("*.ipynb"))
        mixed = [nb for pair in zip(correct, flawed, strict=False) for nb in pair]
        longer = correct if len(correct) > len(flawed) else flawed
        pools.append(mixed + longer[min(len(correct), len(flawed)) :])
    picked: list[Path] = []
    depth = 0
    while len(picked) < count and any(depth < len(pool) for pool in pools):
        picked += [pool[depth] for pool in pools if depth < len(pool)][: count - len(picked)]
        depth += 1
    return picked


def copy_submissions(folder: Path, notebooks: list[Path]) -> None:
    folder.mkdir(parents=True)
    for notebook in notebooks:
        scenario, kind = notebook.parent.parent.name, notebook.parent.name
        shutil.copyfile(notebook, folder / f"{scenario}__{kind}__{notebook.name}")


def run(folder: Path, out: Path, extra: list[str], log: Path | None) -> Run:
    started = time.perf_counter()
    with open(log or os.devnull, "w", encoding="utf-8") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "heldout", "grade-batch", str(folder), "--out", str(out), *extra],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    # wait4: this child's own usage, its waited-for descendants included, not the earlier runs'.
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 4):  # 4: some submission's result is a sandbox_error (reported)
        raise SystemExit(f"grade-batch {' '.join(extra)} exited {child.returncode}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def sandbox_errors(out: Path) -> int:
    rows = (out / "summary.csv").read_text(encoding="utf-8").splitlines()[1:]
    return sum(",sandbox_error" in row or "sandbox_error:" in row for row in rows)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--logs", type=Path, help="keep each run's progress (stderr) in this folder")
    args = parser.parse_args()
    sides = {
        f"--jobs {args.workers}": ["--jobs", str(args.workers)],
        f"--cluster local ({args.workers} workers)": ["--cluster", "local", "--jobs", str(args.workers)],
    }
    runs: dict[str, list[Run]] = {name: [] for name in sides}
    notebooks = pick_submissions(args.submissions)
    scenarios = sorted({nb.parent.parent.name for nb in notebooks})
    print(f"{len(notebooks)} submissions from {len(scenarios)} scenarios ({', '.join(scenarios)})")
    print(f"load average before: {load()} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "in"
        copy_submissions(folder, notebooks)
        for round_ in range(args.rounds):
            order = list(sides.items()) if round_ % 2 == 0 else list(sides.items())[::-1]
            for name, extra in order:
                out = Path(scratch) / f"out-{round_}-{extra[0].strip('-')}"
                log = None
                if args.logs is not None:
                    args.logs.mkdir(parents=True, exist_ok=True)
                    log = args.logs / f"{out.name}.log"
                result = run(folder, out, extra, log)
                runs[name].append(result)
                print(
                    f"round {round_ + 1}: {name}: {result.wall:.1f} s wall, {result.cpu:.0f} CPU-s, "
                    f"peak {result.peak_mib:.0f} MiB, {sandbox_errors(out)} sandbox_error(s), "
                    f"load {load()}",
                    flush=True,
                )
    n = len(notebooks)
    jobs_name, dask_name = list(sides)
    print(f"\n{n} submissions, {args.workers} workers, median of {args.rounds} round(s)")
    medians = {}
    for name in sides:
        wall = statistics.median(r.wall for r in runs[name])
        cpu = statistics.median(r.cpu for r in runs[name])
        peak = max(r.peak_mib for r in runs[name])
        medians[name] = wall
        print(
            f"{name:<28} {wall:8.1f} s wall  {wall / n:6.2f} s per submission  "
            f"{cpu / n:6.1f} CPU-s per grade  peak {peak:.0f} MiB"
        )
    print(f"Dask / --jobs wall time: {medians[dask_name] / medians[jobs_name]:.3f}x (target <= 1.10x)")
    print(f"load average after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
