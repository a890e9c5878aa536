"""Shared fixtures: the project root, and an in-process tracer for fast tests of the trace and checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Under pytest-xdist every worker grades notebooks at once: give each kernel its share of the cores.
# OpenMP (HistGradientBoosting) spin-waits when oversubscribed and slows down many times over.
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    workers = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
    # The variable reaches the kernels this worker starts. In this process, a plugin may have loaded
    # scikit-learn's OpenMP runtime before this file ran, and the runtime read the variable then: limit
    # it where it is (in-process tests fit HistGradientBoosting too; one took 20 s instead of 0.7 s).
    from threadpoolctl import threadpool_limits

    threadpool_limits(int(os.environ["OMP_NUM_THREADS"]), user_api="openmp")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def tracer():
    """A Tracer installed in this process for one test, always uninstalled after it.

    Code under test is attributed to this file's lines (script mode), so findings carry line numbers.
    """
    from heldout.trace.hooks import Tracer
    from heldout.trace.sites import SiteFinder

    here = frozenset({str(p) for p in (ROOT / "tests").rglob("test_*.py")})
    active = Tracer(
        {"train.csv": 0, "holdout_features.csv": 1}, SiteFinder(cell_of=lambda _name: None, script_files=here)
    ).install()
    try:
        yield active
    finally:
        active.uninstall()


@pytest.fixture
def fraud_csv(tmp_path, monkeypatch) -> Path:
    """A small train.csv in the current folder: 800 rows, 10 % positives, 20 exact duplicate pairs."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    n = 780
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.8 * X[:, 1] + rng.normal(scale=1.0, size=n) > 1.9).astype(int)
    frame = pd.DataFrame(X.round(4), columns=["a", "b", "c", "d"]).assign(
        kind=rng.choice(["x", "y", "z"], size=n), is_fraud=y
    )
    frame = pd.concat([frame, frame.iloc[:20]], ignore_index=True)  # exact duplicates
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture(scope="session")
def manifest(root):
    from heldout.checks import CHECKS
    from heldout.manifest import load_manifest

    return load_manifest(root / "exercises" / "imbalance" / "exercise.toml", CHECKS)


@pytest.fixture
def judge(tracer, manifest, fraud_csv):
    """judge(report) -> {check_id: CheckResult} for what the test ran under ``tracer``."""
    import numpy as np
    import pandas as pd

    from heldout.checks import CheckContext, HoldoutScores, run_checks
    from heldout.trace.model import Trace

    def run(report: dict | None = None, only: tuple[str, ...] | None = None) -> dict:
        tracer.enabled = False
        labels = pd.read_csv(fraud_csv)["is_fraud"].to_numpy()
        ctx = CheckContext(
            manifest=manifest,
            trace=Trace(tracer.recorder.to_json()),
            report=report or {"metric": "average_precision", "estimate": -1.0, "threshold": 0.5},
            train_labels=labels,
            holdout=HoldoutScores(np.zeros(1), np.zeros(1)),
            baselines={"prior": 0.0},
        )
        results = {r.id: r for r in run_checks(ctx) if only is None or r.id in only}
        tracer.enabled = True
        return results

    return run


def write_notebook(path: Path, *cells: str, scenario: str = "imbalance") -> Path:
    """A notebook of code cells, answering ``scenario``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["heldout"] = {"scenario": scenario}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def notebook(tmp_path):
    def make(*cells: str, name: str = "submission.ipynb") -> Path:
        return write_notebook(tmp_path / name, *cells)

    return make


# A small model that satisfies the contract in seconds (it does not beat the baselines).
QUICK_MODEL = """
import pandas as pd
from sklearn.linear_model import LogisticRegression
train = pd.read_csv("train.csv")
COLUMNS = ["amount", "card_present", "country_mismatch", "n_tx_last_24h", "declines_last_7d", "new_device"]
model = LogisticRegression(max_iter=200).fit(train[COLUMNS], train["is_fraud"])
def prepare_features(frame):
    return frame[COLUMNS]
report = {"metric": "average_precision", "estimate": 0.3, "threshold": 0.5}
"""


_GRADED: dict = {}


@pytest.fixture(scope="session")
def graded_result():
    """graded_result(path) -> GradeResult, each notebook graded once per test session."""
    from heldout.grading import grade

    def get(path: Path):
        path = Path(path)
        if path not in _GRADED:
            _GRADED[path] = grade(path)
        return _GRADED[path]

    return get
