"""What grading costs, measured against doing nothing: prints a table of figures and ratios.

Every ratio is the median of several runs made in this one process run, alternating its two sides so
that a shared machine's drift hits both alike. Exits non-zero only when something cannot be measured,
never because a target is missed. Run: `python benchmarks/bench.py` (or `nox -s bench`).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "datasets" / "card_fraud"

FIT_HEAVY = [
    """
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
train = pd.read_csv("train.csv")
COLUMNS = ["amount", "card_present", "country_mismatch", "customer_avg_amount_30d", "n_tx_last_24h",
           "declines_last_7d", "new_device"]
y = train["is_fraud"]
X_train, X_test, y_train, y_test = train_test_split(train[COLUMNS], y, stratify=y, random_state=0)
""",
    """
grid = {"logisticregression__C": [0.001 * 2**k for k in range(30)],
        "logisticregression__class_weight": [None, "balanced"]}
search = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)), grid,
                      cv=StratifiedKFold(5), scoring="average_precision")
search.fit(X_train, y_train)
print(len(search.cv_results_["params"]) * 5 + 1, "fits")
""",
]


def median_ratio(
    measure_a: Callable[[], float], measure_b: Callable[[], float], rounds: int
) -> tuple[float, float, float]:
    """(median a, median b, median of a/b), alternating a and b each round."""
    a_times, b_times = [], []
    for index in range(rounds):
        first, second = (measure_a, measure_b) if index % 2 == 0 else (measure_b, measure_a)
        x, y = first(), second()
        a, b = (x, y) if index % 2 == 0 else (y, x)
        a_times.append(a)
        b_times.append(b)
    ratios = [a / b for a, b in zip(a_times, b_times, strict=True)]
    return statistics.median(a_times), statistics.median(b_times), statistics.median(ratios)


def plain_execution(notebook: Path, exec_lines: list[str] | None = None, dataset: Path = DATASET) -> float:
    """Seconds to run the notebook with nbclient in a folder holding the data, nothing else."""
    with tempfile.TemporaryDirectory() as folder:
        for name in ("train.csv", "holdout_features.csv"):
            shutil.copyfile(dataset / name, Path(folder) / name)
        nb = nbformat.read(notebook, as_version=4)
        extra = [f"--IPKernelApp.exec_lines={line}" for line in exec_lines or []]
        client = NotebookClient(
            nb,
            kernel_name="python3",
            timeout=1200,
            resources={"metadata": {"path": folder}},
            extra_arguments=extra,
        )
        started = time.perf_counter()
        client.execute()
        return time.perf_counter() - started


def heldout_grade(notebook: Path) -> float:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "heldout", "grade", str(notebook), "--no-color"],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1):
        raise RuntimeError(f"heldout grade {notebook} exited {run.returncode}: {run.stderr[-500:]}")
    return time.perf_counter() - started


def write_fit_heavy(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["heldout"] = {"scenario": "imbalance"}
    nb.cells = [nbformat.v4.new_code_cell(source.strip()) for source in FIT_HEAVY]
    path = folder / "fit_heavy.ipynb"
    nbformat.write(nb, path)
    return path


def tracer_line(folder: Path) -> str:
    job = folder / "job.json"
    job.write_text('{"dataset_files": {"train.csv": 0, "holdout_features.csv": 1}}')
    return f"import heldout.trace.kernel as _h; _h.start({str(job)!r})"


def batch_speedup(rounds: int) -> tuple[float, float, float]:
    from heldout.batch import grade_batch
    from heldout.grading import grade
    from tests.conftest import QUICK_MODEL, write_notebook  # the contract in a few seconds

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "batch"
        folder.mkdir()
        for index in range(6):
            write_notebook(folder / f"quick_{index}.ipynb", QUICK_MODEL.replace("0.3", f"0.3{index}"))

        def run(jobs: int) -> Callable[[], float]:
            def measure() -> float:
                out = Path(tempfile.mkdtemp(dir=scratch))
                started = time.perf_counter()
                with open(os.devnull, "w") as quiet:
                    grade_batch(folder, out, jobs, lambda p: grade(p), progress=quiet)
                return time.perf_counter() - started

            return measure

        return median_ratio(run(1), run(2), rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per side of each ratio (default 3)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    # Graded kernels run one OpenMP thread by default; the plain side must too, or the ratio compares
    # thread counts instead of grading.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rows: list[tuple[str, str, str, str]] = []
    failures = 0

    def row(name: str, figure: str, ratio: str, target: str) -> None:
        rows.append((name, figure, ratio, target))
        print(f"  {name}: {figure} {ratio}", file=sys.stderr, flush=True)

    try:
        from heldout.grading import load_scenario

        for solution in sorted((ROOT / "solutions").glob("*/*.ipynb")):
            dataset = ROOT / "datasets" / load_scenario(solution.parent.name, ROOT).dataset.name
            graded, plain, ratio = median_ratio(
                lambda s=solution: heldout_grade(s),
                lambda s=solution, d=dataset: plain_execution(s, dataset=d),
                args.rounds,
            )
            row(
                f"grade / plain nbclient ({solution.parent.name})",
                f"{graded:.1f} s vs {plain:.1f} s",
                f"{ratio:.2f}x",
                "<= 1.10x",
            )
    except Exception as error:
        failures += 1
        row("grade / plain nbclient", f"could not measure: {error}", "", "<= 1.10x")

    try:
        with tempfile.TemporaryDirectory() as scratch:
            notebook = write_fit_heavy(Path(scratch))
            line = tracer_line(Path(scratch))
            traced, untraced, ratio = median_ratio(
                lambda: plain_execution(notebook, [line]), lambda: plain_execution(notebook), args.rounds
            )
            row(
                "tracer on 301 fits (GridSearchCV)",
                f"{traced:.1f} s vs {untraced:.1f} s",
                f"{ratio:.2f}x",
                "<= 1.10x",
            )
    except Exception as error:
        failures += 1
        row("tracer on a fit-heavy notebook", f"could not measure: {error}", "", "<= 1.10x")

    lint_script = ROOT / "benchmarks" / "lint_speed.py"
    if lint_script.is_file():
        run = subprocess.run([sys.executable, str(lint_script)], capture_output=True, text=True, check=False)
        last = (run.stdout.strip().splitlines() or ["no output"])[-1]
        row(
            "static lint per notebook",
            last if run.returncode == 0 else f"could not measure: {last}",
            "",
            "< 0.2 s",
        )
        failures += run.returncode != 0
    else:
        failures += 1
        row(
            "static lint per notebook",
            "could not measure: benchmarks/lint_speed.py is missing",
            "",
            "< 0.2 s",
        )

    try:
        one, two, ratio = batch_speedup(max(1, args.rounds - 1))
        row(
            "grade-batch --jobs 2 vs --jobs 1 (6 notebooks)",
            f"{two:.1f} s vs {one:.1f} s",
            f"{ratio:.2f}x speed-up",
            ">= 1.8x",
        )
    except Exception as error:
        failures += 1
        row("grade-batch speed-up", f"could not measure: {error}", "", ">= 1.8x")

    live_script = ROOT / "benchmarks" / "live_overhead.py"
    if live_script.is_file():
        run = subprocess.run([sys.executable, str(live_script)], capture_output=True, text=True, check=False)
        lines = run.stdout.strip().splitlines() or ["no output"]
        # The script's summary line: added kernel CPU per cell, p50 and p95, median of rounds.
        wanted = [ln.strip() for ln in lines if "kernel CPU" in ln and "median of rounds" in ln]
        last = (wanted or lines)[-1 if not wanted else 0]
        row(
            "live mode added time per cell",
            last if run.returncode == 0 else f"could not measure: {last}",
            "",
            "p95 < 50 ms",
        )
        failures += run.returncode != 0
    else:
        failures += 1
        row("live mode", "could not measure: benchmarks/live_overhead.py is missing", "", "p95 < 50 ms")

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row("peak memory of the grader process (kernels excluded)", f"{peak_mib:.0f} MiB", "", "")

    print(
        f"heldout benchmarks ({time.strftime('%Y-%m-%d')}, {sys.platform}, "
        f"{len(os.sched_getaffinity(0))} cores)"
    )
    print("| measure | figure | ratio | target |")
    print("|---|---|---|---|")
    for name, figure, ratio, target in rows:
        print(f"| {name} | {figure} | {ratio} | {target} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
