"""Live mode: the IPython extension in a real kernel (slow), and its pieces in-process (fast).

The kernel tests type cells one at a time with nbclient, the way a candidate does in a live round, and
read what the extension displayed under each cell.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT, write_notebook

FEATURES = '["amount", "card_present", "country_mismatch", "n_tx_last_24h", "declines_last_7d", "new_device"]'


@dataclasses.dataclass(frozen=True)
class Planted:
    """A session typed cell by cell with one mistake, and where the grader can first prove it."""

    cells: tuple[str, ...]
    proved_by: int  # index of the cell whose outputs must show the finding, and no cell before it
    check: str
    text: str  # part of the message the candidate must see
    cells_involved: str


# One planted mistake per shipped scenario (test_every_scenario_has_a_planted_mistake keeps it so).
PLANTED = {
    "imbalance": Planted(
        cells=(
            "%load_ext heldout",
            'import pandas as pd\ntrain = pd.read_csv("train.csv")',
            "from sklearn.preprocessing import StandardScaler\n"
            f"FEATURES = {FEATURES}\n"
            "X = StandardScaler().fit_transform(train[FEATURES])  # every row, test rows included\n"
            'y = train["is_fraud"]',
            "from sklearn.model_selection import train_test_split\n"
            "X_train, X_test, y_train, y_test = train_test_split(\n"
            "    X, y, test_size=0.25, stratify=y, random_state=0)",
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.metrics import average_precision_score\n"
            "model = LogisticRegression(max_iter=500).fit(X_train, y_train)\n"
            "ap = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])",
        ),
        proved_by=4,
        check="no_fit_on_evaluated_rows",
        text=(
            "StandardScaler (cell 3, line 3) was fitted on 48,000 rows, 12,000 of which "
            "average_precision_score (cell 5, line 4) later scored"
        ),
        cells_involved="(cells 3, 5)",
    ),
    "leakage": Planted(
        cells=(
            "%load_ext heldout",
            'import pandas as pd\ntrain = pd.read_csv("train.csv")',
            'FEATURES = ["age", "n_prior_admissions_12m", "n_comorbidities", "hba1c"]\n'
            "X = train[FEATURES].fillna(train[FEATURES].mean())  # every row, test rows included\n"
            'y = train["readmitted_30d"]',
            "from sklearn.model_selection import GroupShuffleSplit\n"
            "splitter = GroupShuffleSplit(1, test_size=0.25, random_state=0)\n"
            'tr, te = next(splitter.split(X, y, groups=train["patient_id"]))',
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.metrics import roc_auc_score\n"
            "model = LogisticRegression(max_iter=500).fit(X.iloc[tr], y.iloc[tr])\n"
            "auc = roc_auc_score(y.iloc[te], model.predict_proba(X.iloc[te])[:, 1])",
        ),
        proved_by=4,
        check="no_fit_on_evaluated_rows",
        text="DataFrame.mean (cell 3, line 2) was computed over 12,107 rows",
        cells_involved="(cells 3, 5)",
    ),
    "baselines": Planted(
        cells=(
            "%load_ext heldout",
            'import pandas as pd\ntrain = pd.read_csv("train.csv")',
            "from sklearn.impute import SimpleImputer\n"
            'FEATURES = ["distance_km", "n_items", "restaurant_prep_minutes", "traffic_index"]\n'
            "X = SimpleImputer().fit_transform(train[FEATURES])  # every row, test rows included\n"
            'y = train["delivery_minutes"]',
            "from sklearn.model_selection import train_test_split\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)",
            "from sklearn.linear_model import LinearRegression\n"
            "from sklearn.metrics import mean_absolute_error\n"
            "model = LinearRegression().fit(X_train, y_train)\n"
            "mae = mean_absolute_error(y_test, model.predict(X_test))",
        ),
        proved_by=4,
        check="no_fit_on_evaluated_rows",
        text=(
            "SimpleImputer (cell 3, line 3) was fitted on 24,000 rows, 6,000 of which "
            "mean_absolute_error (cell 5, line 4) later scored"
        ),
        cells_involved="(cells 3, 5)",
    ),
    "drift": Planted(
        cells=(
            "%load_ext heldout",
            'import pandas as pd\ntrain = pd.read_csv("train.csv")',
            'FEATURES = ["tenure_months", "sessions_per_week", "support_tickets", "payment_failures"]\n'
            'X, y = train[FEATURES], train["churned"]',
            "from sklearn.model_selection import train_test_split\n"
            "X_train, X_test, y_train, y_test = train_test_split(  # shuffles the months\n"
            "    X, y, test_size=0.25, stratify=y, random_state=0)",
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.metrics import average_precision_score\n"
            "model = LogisticRegression(max_iter=500).fit(X_train, y_train)\n"
            "ap = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])",
        ),
        proved_by=3,
        check="temporal_validation",
        text="train_test_split (cell 4, line 2): the model learnt from 26,937 rows",
        cells_involved="(cell 4)",
    ),
    "capacity": Planted(
        cells=(
            "%load_ext heldout",
            'import pandas as pd\ntrain = pd.read_csv("train.csv")',
            "from sklearn.preprocessing import StandardScaler\n"
            'FEATURES = [c for c in train.columns if c not in ("batch_id", "yield_pct")]\n'
            "X = StandardScaler().fit_transform(train[FEATURES])  # every row, validation folds included\n"
            'y = train["yield_pct"]',
            "from sklearn.linear_model import Ridge\n"
            "from sklearn.model_selection import cross_val_score\n"
            'scores = cross_val_score(Ridge(), X, y, cv=5, scoring="neg_root_mean_squared_error")',
        ),
        proved_by=3,
        check="no_fit_on_evaluated_rows",
        text=(
            "StandardScaler (cell 3, line 3) was fitted on 1,000 rows, 200 of which "
            "cross_val_score (root_mean_squared_error) (cell 4, line 3) later scored"
        ),
        cells_involved="(cells 3, 4)",
    ),
    "offline_online": Planted(
        cells=(
            "%load_ext heldout",
            'import pandas as pd\ntrain = pd.read_csv("train.csv", dtype={"label_time": "str"})',
            'X = train[["amount"]]\ny = train["is_fraud"].fillna(0)  # not known yet, so not fraud',
            "from sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression().fit(X, y)",
        ),
        proved_by=3,
        check="label_maturity",
        text="LogisticRegression (cell 4, line 2) learnt from 67,591 payments, 17,380 of them with no label",
        cells_involved="(cell 4)",
    ),
    "rag_retrieval": Planted(
        cells=(
            "%load_ext heldout",
            'import ir_measures\nimport pandas as pd\ntrain = pd.read_csv("train.csv")',
            "pairs = list(zip(train.query_id, train.passage_id))\n"
            "qrels = [ir_measures.Qrel(q, p, int(r)) for (q, p), r in zip(pairs, train.relevance)]\n"
            "run = [ir_measures.ScoredDoc(q, p, -i) for i, (q, p) in enumerate(pairs)]\n"
            "top1 = ir_measures.calc_aggregate([ir_measures.P @ 1], qrels, run)[ir_measures.P @ 1]",
            'report = {"estimate": float(top1), "metric": "P@1"}',
        ),
        proved_by=3,
        check="graded_metric_at_k",
        text="measured P@1: it looks at the first hit only",
        cells_involved="(cell 3)",
    ),
    "experimentation": Planted(
        cells=(
            "%load_ext heldout",
            'import pandas as pd\nfrom scipy import stats\ntrain = pd.read_csv("sessions.csv")',
            'treated = train[train["arm"] == "treatment"]["converted"]\n'
            'control = train[train["arm"] == "control"]["converted"]',
            "test = stats.ttest_ind(treated, control, equal_var=False)",
        ),
        proved_by=3,
        check="randomisation_unit",
        text="ttest_ind in cell 4, line 1, compared 51,831 rows of 15,711 users",
        cells_involved="(cell 4)",
    ),
    "responsible": Planted(
        cells=(
            "%load_ext heldout",
            'import pandas as pd\ntrain = pd.read_csv("train.csv")',
            "from sklearn.model_selection import train_test_split\n"
            'X, y = train[["age", "debt_to_income", "prior_defaults", "ethnic_group"]], train["repaid"]\n'
            "X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.3, random_state=0)",
            "from sklearn.compose import make_column_transformer\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.pipeline import make_pipeline\n"
            'columns = make_column_transformer(("passthrough", ["age", "debt_to_income"]))\n'
            "model = make_pipeline(columns, LogisticRegression()).fit(X_train, y_train)",
            "from fairlearn.postprocessing import ThresholdOptimizer\n"
            'optimiser = ThresholdOptimizer(estimator=model, prefit=True, predict_method="predict_proba")\n'
            'optimiser.fit(X_valid, y_valid, sensitive_features=X_valid["ethnic_group"])',
            "from sklearn.metrics import accuracy_score\n"
            "adjusted = optimiser.predict(X_valid, sensitive_features=X_valid.ethnic_group, random_state=0)\n"
            "accuracy = accuracy_score(y_valid, adjusted)",
        ),
        proved_by=5,
        check="mitigation_on_training_rows",
        text=(
            "ThresholdOptimizer (cell 5, line 3) was fitted on 1,800 rows, 1,800 of which accuracy_score "
            "(cell 6, line 3) then measured"
        ),
        cells_involved="(cells 5, 6)",
    ),
}


# == helpers ==============================================================================================
def run_cells(folder: Path, *sources: str) -> list[list[dict]]:
    """Execute each source as its own cell in one fresh kernel; the outputs of every cell."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    client = NotebookClient(
        nb, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(folder)}}
    )
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)  # raises if the cell raised
    return [cell.outputs for cell in nb.cells]


def shown(outputs: list[dict]) -> list[dict]:
    """The extension's displays in one cell's outputs."""
    return [o for o in outputs if o.output_type == "display_data" and "heldout" in o.get("metadata", {})]


def shown_checks(outputs: list[dict]) -> list[tuple[str, str]]:
    return [(n["check"], n["verdict"]) for o in shown(outputs) for n in o["metadata"]["heldout"]["new"]]


def printed(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where the candidate works: the imbalance scenario's training file, nothing else."""
    shutil.copy(ROOT / "datasets" / "card_fraud" / "train.csv", tmp_path / "train.csv")
    return tmp_path


def scenario_folder(tmp_path: Path, scenario: str) -> Path:
    """Where the candidate works on ``scenario``: its training file, nothing else."""
    from heldout.grading import load_scenario

    dataset = load_scenario(scenario, ROOT).dataset
    shutil.copy(ROOT / "datasets" / dataset.name / dataset.train, tmp_path / dataset.train)
    return tmp_path


@pytest.fixture(scope="module")
def imbalance():
    from heldout.grading import load_scenario

    return load_scenario("imbalance", ROOT)


# == in a real kernel =====================================================================================
@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(PLANTED))
def test_a_planted_mistake_shows_under_the_cell_that_proves_it_and_not_before(tmp_path, scenario):
    from heldout.grading import load_scenario

    planted = PLANTED[scenario]
    manifest = load_scenario(scenario, ROOT)
    outputs = run_cells(
        scenario_folder(tmp_path, scenario),
        *planted.cells,
        "train.shape",  # traces nothing: the finding is not repeated
        "%heldout status",
        "%heldout hint",
        "%heldout hint",
    )
    for index, cell_outputs in enumerate(outputs):
        expected = [(planted.check, "fail")] if index == planted.proved_by else []
        assert shown_checks(cell_outputs) == expected, (index, cell_outputs)
    (display,) = shown(outputs[planted.proved_by])
    text = display["data"]["text/plain"]
    assert text.startswith(f"heldout: FAIL {planted.check} {planted.cells_involved}")
    assert planted.text in " ".join(text.split())
    assert f"Hint: %heldout hint {planted.check}" in " ".join(text.split())
    assert planted.text.split(" (")[0] in display["data"]["text/html"]

    status = printed(outputs[len(planted.cells) + 1])
    assert f"FAIL  {planted.check}" in status
    hidden = {"rag_retrieval": "retrieval_beats_baselines", "experimentation": "readout_on_replicates"}.get(
        scenario, "holdout_beats_baselines"
    )
    assert f"n/a   {hidden}" in status
    hints = manifest.check(planted.check).hints
    first, second = printed(outputs[-2]), printed(outputs[-1])
    assert first.startswith(f"hint 1/{len(hints)} for {planted.check} (nudge): {hints[0]}")
    assert second.startswith(f"hint 2/{len(hints)} for {planted.check} (concept): {hints[1]}")


@pytest.mark.slow
def test_a_clean_session_shows_nothing_and_status_passes_every_live_check(folder):
    outputs = run_cells(
        folder,
        "%load_ext heldout",
        'import pandas as pd\ntrain = pd.read_csv("train.csv")\n'
        f'X = train[{FEATURES}]\ny = train["is_fraud"]',
        "train.describe()",
        "from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split\n"
        "X_train, X_test, y_train, y_test = train_test_split(\n"
        "    X, y, test_size=0.25, stratify=y, random_state=0)",
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))\n"
        "cv = cross_val_score(\n"
        "    pipeline, X_train, y_train, cv=StratifiedKFold(5), scoring='average_precision')",
        "from sklearn.metrics import average_precision_score\n"
        "model = pipeline.fit(X_train, y_train)\n"
        "ap = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])",
        'report = {"metric": "average_precision", "estimate": float(ap), "threshold": 0.5}',
        "%heldout status",
        "%heldout hint",
    )
    assert [shown_checks(o) for o in outputs] == [[]] * len(outputs)
    assert "watching this kernel for scenario 'imbalance'" in printed(outputs[0])
    status = printed(outputs[-2]).splitlines()
    for check in (
        "no_fit_on_evaluated_rows",
        "resampling_inside_training",
        "evaluation_on_untouched_rows",
        "headline_metric",
        "stratified_split",
        "threshold_not_tuned_on_test",
    ):
        assert any(line.startswith(f"  PASS  {check}") for line in status), status
    assert printed(outputs[-1]).startswith("heldout: nothing fails right now.")


@pytest.mark.slow
def test_the_starter_runs_unchanged_with_the_extension(folder, imbalance):
    starter = nbformat.read(imbalance.starter, as_version=4)
    sources = [cell.source for cell in starter.cells if cell.cell_type == "code"]
    outputs = run_cells(folder, "%load_ext heldout", *sources)
    assert not any(o.output_type == "error" for cell in outputs for o in cell)
    assert any(o.output_type == "execute_result" for o in outputs[1]), "train.head() shows the data"
    # Only the hand-in template is judged: it declares no headline metric (the starter must fail).
    assert [shown_checks(o) for o in outputs] == [[], [], [], [("headline_metric", "fail")]]
    assert "Your report declares no headline metric" in shown(outputs[3])[0]["data"]["text/plain"]


@pytest.mark.slow
def test_without_a_scenario_it_says_how_to_set_one_once(folder, tmp_path_factory, monkeypatch, imbalance):
    project = tmp_path_factory.mktemp("project")
    (project / "datasets").mkdir()
    toml = imbalance.path.read_text(encoding="utf-8")
    for scenario_id in ("imbalance", "imbalance_copy"):
        (project / "exercises" / scenario_id).mkdir(parents=True)
        text = toml.replace('id = "imbalance"', f'id = "{scenario_id}"', 1)
        (project / "exercises" / scenario_id / "exercise.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("HELDOUT_HOME", str(project))  # two scenarios, both reading a train.csv
    planted = PLANTED["imbalance"]
    outputs = run_cells(folder, *planted.cells[:2], "%heldout scenario imbalance", *planted.cells[1:])
    said = printed(outputs[0])
    assert "which scenario is this?" in said and "`%heldout scenario ID`" in said
    assert "imbalance, imbalance_copy" in said
    assert printed(outputs[1]) == "" and shown(outputs[1]) == []
    chosen = printed(outputs[2])
    assert "watching this kernel for scenario 'imbalance'" in chosen
    assert "re-run the cell that reads train.csv" in chosen
    # Cell numbers shift by the two extra cells; the leak is still proved by the scoring cell.
    assert [shown_checks(o) for o in outputs] == [[]] * 6 + [[(planted.check, "fail")]]


@pytest.mark.slow
def test_heldout_grade_on_a_notebook_that_loads_the_extension_keeps_the_graders_trace(tmp_path):
    """The grader's tracer is already active: the extension must stay passive, not install its own.

    Loaded late (after the leaky fit), a second tracer would replace the grader's record and lose the
    leak. Unisolated, so that the extension can find the project, as it can on a laptop.
    """
    from heldout.grading import grade

    load, read, scale, split, score = PLANTED["imbalance"].cells
    handin = (
        "prepare_features = lambda frame: StandardScaler().fit_transform(frame[FEATURES])\n"
        'report = {"metric": "average_precision", "estimate": float(ap), "threshold": 0.5}'
    )
    path = write_notebook(tmp_path / "live.ipynb", read, scale, split, load, score, "%heldout status", handin)
    result = grade(path, isolation="none")
    assert result.error is None, result.error
    check = next(c for c in result.checks if c.id == "no_fit_on_evaluated_rows")
    assert str(check.verdict) == "fail"
    assert check.message.startswith(
        "StandardScaler (cell 2, line 3) was fitted on 48,000 rows, 12,000 of which "
        "average_precision_score (cell 5, line 4) later scored"
    )


# == in-process ===========================================================================================
def test_every_scenario_has_a_planted_mistake():
    from heldout.grading import list_scenarios

    assert sorted(m.id for m in list_scenarios(ROOT)) == sorted(PLANTED)


def test_import_heldout_stays_cheap_and_offers_the_extension():
    code = (
        "import sys, heldout; "
        "print(callable(heldout.load_ipython_extension), callable(heldout.unload_ipython_extension), "
        "sorted(m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'pandas', 'sklearn', 'IPython') or m.startswith('heldout.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True True []"


def test_the_scenario_comes_from_the_folder_else_the_only_one(tmp_path, imbalance):
    from heldout.live import resolve_scenario

    other = dataclasses.replace(
        imbalance, id="other", dataset=dataclasses.replace(imbalance.dataset, train="other.csv")
    )
    assert resolve_scenario(tmp_path, [imbalance]) == (imbalance, None)  # the only one
    (tmp_path / "other.csv").write_text("x\n1\n")
    assert resolve_scenario(tmp_path, [imbalance, other]) == (other, None)  # its file is here
    (tmp_path / "other.csv").unlink()
    manifest, problem = resolve_scenario(tmp_path, [imbalance, other])
    assert manifest is None
    assert "`%heldout scenario ID` (known: imbalance, other)" in problem


def test_the_live_trace_judges_exactly_like_the_grader_trace(tracer, manifest, fraud_csv):
    """LiveTrace skips the JSON round trip; every verdict, message and finding must stay the same."""
    import pandas as pd
    import sklearn.metrics as metrics
    import sklearn.model_selection as ms
    from imblearn.over_sampling import SMOTE
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from heldout.checks import CheckContext, HoldoutScores, run_checks
    from heldout.live import LiveTrace
    from heldout.trace.model import Trace

    df = pd.read_csv("train.csv")
    X, y = df[["a", "b", "c", "d"]], df["is_fraud"]
    scaled = StandardScaler().fit_transform(X)
    X_res, y_res = SMOTE(random_state=0).fit_resample(scaled, y)
    X_tr, X_te, y_tr, y_te = ms.train_test_split(X_res, y_res, random_state=0)
    scores = LogisticRegression().fit(X_tr, y_tr).predict_proba(X_te)[:, 1]
    ap = metrics.average_precision_score(y_te, scores)
    for threshold in (0.3, 0.5, 0.7):
        metrics.f1_score(y_te, scores >= threshold)
    tracer.enabled = False
    labels = df["is_fraud"].to_numpy()
    results = {}
    for name, trace in (("grader", Trace(tracer.recorder.to_json())), ("live", LiveTrace(tracer.recorder))):
        ctx = CheckContext(
            manifest=manifest,
            trace=trace,
            report={"metric": "f1", "estimate": ap, "threshold": 0.5},
            train_labels=labels,
            holdout=HoldoutScores(np.array([0.2, 0.9]), np.array([0, 1])),
            baselines={"prior": 0.5},
        )
        results[name] = [r.to_json() for r in run_checks(ctx)]
    verdicts = {r["id"]: r["verdict"] for r in results["live"]}
    assert {"no_fit_on_evaluated_rows", "resampling_inside_training", "stratified_split"} <= {
        check for check, verdict in verdicts.items() if verdict == "fail"
    }
    assert verdicts["headline_metric"] == "warn" and verdicts["threshold_not_tuned_on_test"] == "fail"
    assert results["live"] == results["grader"]


# == heldout watch ========================================================================================
@dataclasses.dataclass(frozen=True)
class FakeFinding:
    kind: str
    severity: str
    cell: int | None
    line: int | None
    message: str


def fake_lint(path: Path) -> list[FakeFinding]:
    """Findings spelled in the file itself: one JSON list of finding fields (or raises, like a bad file)."""
    return [FakeFinding(**fields) for fields in json.loads(path.read_text(encoding="utf-8"))]


@pytest.fixture
def linter(monkeypatch):
    """heldout.lint replaced by fake_lint, whether or not the real one exists yet."""
    module = types.ModuleType("heldout.lint")
    module.lint_path = fake_lint
    monkeypatch.setitem(sys.modules, "heldout.lint", module)


LEAK = {
    "kind": "preprocessing_leak",
    "severity": "error",
    "cell": 3,
    "line": 2,
    "message": "scaler (cell 3, line 2) saw X_test",
}
MOVED = {**LEAK, "cell": 4, "line": 9, "message": "scaler (cell 4, line 9) saw X_test"}
METRIC = {"kind": "metric_choice", "severity": "hint", "cell": 5, "line": 1, "message": "accuracy on fraud"}


def save(path: Path, *findings: dict, tick: int = 0) -> None:
    path.write_text(json.dumps(list(findings)), encoding="utf-8")
    stamp = 1_700_000_000 + tick  # mtime moves on every save, however fast the test writes
    os.utime(path, (stamp, stamp))


def test_watch_once_prints_every_finding(tmp_path, linter):
    from heldout.live_watch import watch_command

    path = tmp_path / "work.ipynb"
    save(path, LEAK, METRIC)
    stream = io.StringIO()
    assert watch_command(path, once=True, interval=0.1, stream=stream) == 0
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("work.ipynb: 2 findings")
    assert lines[1:] == [
        "  error preprocessing_leak (cell 3, line 2): scaler (cell 3, line 2) saw X_test",
        "  hint metric_choice (cell 5, line 1): accuracy on fraud",
    ]


def test_watch_prints_what_changed_since_the_last_save(tmp_path):
    from heldout.live_watch import Watcher

    path = tmp_path / "work.py"
    save(path, LEAK, tick=0)
    stream = io.StringIO()
    watcher = Watcher(path, fake_lint, stream)
    watcher.check()
    assert watcher.poll() is False  # not saved since
    save(path, MOVED, METRIC, tick=1)  # the leak moved (a line typed above it): not new
    assert watcher.poll() is True
    save(path, METRIC, tick=2)
    watcher.poll()
    path.write_text("{half a notebook", encoding="utf-8")
    os.utime(path, (1_700_000_003, 1_700_000_003))
    watcher.poll()
    save(path, METRIC, tick=4)
    watcher.poll()
    lines = [line.split(" ", 1)[1] for line in stream.getvalue().splitlines() if not line.startswith("  ")]
    changes = [line for line in stream.getvalue().splitlines() if line.startswith("  ")]
    assert lines == [
        "work.py: 1 finding",
        "work.py saved: 1 new, 0 gone",
        "work.py saved: 0 new, 1 gone",
        "work.py: could not lint (JSONDecodeError: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))",
        "work.py saved: no change (1 findings)",
    ]
    assert changes == [
        "  error preprocessing_leak (cell 3, line 2): scaler (cell 3, line 2) saw X_test",
        "  + hint metric_choice (cell 5, line 1): accuracy on fraud",
        "  - error preprocessing_leak (cell 4, line 9): scaler (cell 4, line 9) saw X_test",
    ]


def test_watch_stops_cleanly_on_ctrl_c(tmp_path, linter, monkeypatch):
    import heldout.live_watch as live_watch

    path = tmp_path / "work.ipynb"
    save(path, LEAK)

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(live_watch.time, "sleep", interrupted)
    stream = io.StringIO()
    assert live_watch.watch_command(path, once=False, interval=0.5, stream=stream) == 0
    assert stream.getvalue().rstrip().endswith("heldout watch: stopped")


def test_watch_refuses_a_missing_file(tmp_path, linter):
    from heldout.live_watch import watch_command

    stream = io.StringIO()
    assert watch_command(tmp_path / "nope.ipynb", once=True, interval=1.0, stream=stream) == 2
    assert "nope.ipynb is not a file" in stream.getvalue()


def test_watch_once_with_the_real_linter_on_the_starter():
    lint = pytest.importorskip("heldout.lint", reason="heldout.lint is being written")
    from heldout.live_watch import watch_command

    starter = ROOT / "exercises" / "imbalance" / "starter.ipynb"
    stream = io.StringIO()
    assert watch_command(starter, once=True, interval=1.0, stream=stream) == 0
    count = len(list(lint.lint_path(starter)))
    assert (
        stream.getvalue()
        .splitlines()[0]
        .endswith(f"starter.ipynb: {count} finding" + ("" if count == 1 else "s"))
    )
