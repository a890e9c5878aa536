"""Submissions that cannot be graded to the end get a verdict naming the cause, never a traceback."""

import json

import pytest

from heldout.execute.sandbox import Limits
from heldout.grading import grade
from tests.conftest import QUICK_MODEL

pytestmark = pytest.mark.slow

SHORT = Limits(wall_seconds=120, cell_seconds=4, memory_bytes=4 * 1024**3, output_bytes=64 * 1024)


def test_a_file_that_is_not_a_notebook(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("print('hello')")
    result = grade(path)
    assert result.status == "error" and result.exit_code == 3
    assert result.error.kind == "invalid" and "not a notebook" in result.error.message


def test_invalid_json(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [')
    result = grade(path)
    assert result.error.kind == "invalid" and "not valid notebook JSON" in result.error.message


def test_json_that_is_not_a_notebook(tmp_path):
    path = tmp_path / "data.ipynb"
    path.write_text(json.dumps({"hello": "world"}))
    assert "not a notebook" in grade(path).error.message


def test_an_empty_notebook(notebook):
    result = grade(notebook("   "))
    assert result.error.kind == "invalid" and "has no code to run" in result.error.message


def test_a_cell_that_raises_names_the_cell_and_the_error(notebook):
    result = grade(notebook("x = 1", "y = 2", "{}['amount']", "z = 3"))
    assert result.error.kind == "crashed" and result.error.cell == 3
    assert result.error.message == "Cell 3 raised KeyError: 'amount'"
    assert result.exit_code == 3 and result.checks == []


def test_a_cell_past_its_time_limit(notebook):
    result = grade(notebook("x = 1", "while True:\n    pass"), limits=SHORT)
    assert result.error.kind == "timeout" and result.error.cell == 2
    assert "longer than the 4 s limit per cell" in result.error.message


def test_a_notebook_past_the_wall_clock(notebook):
    limits = Limits(wall_seconds=15, cell_seconds=60, memory_bytes=4 * 1024**3, output_bytes=65536)
    result = grade(notebook("import time\ntime.sleep(50)"), limits=limits)
    assert result.error.kind == "timeout" and "15 s limit for the whole run" in result.error.message


def test_a_notebook_that_never_defines_the_model(notebook):
    cells = QUICK_MODEL.replace("model = LogisticRegression", "clf = LogisticRegression")
    result = grade(notebook(cells))
    assert result.error.kind == "contract"
    assert "never defined `model`" in result.error.message
    holdout = result.check("holdout_beats_baselines")
    assert str(holdout.verdict) == "fail" and "never defines `model`" in holdout.message


def test_a_model_that_cannot_predict_the_holdout(notebook):
    cells = QUICK_MODEL.replace("return frame[COLUMNS]", "return frame[['no_such_column']]")
    result = grade(notebook(cells))
    holdout = result.check("holdout_beats_baselines")
    assert str(holdout.verdict) == "fail" and "no_such_column" in holdout.message


@pytest.mark.parametrize("scenario", ["imbalance", "leakage", "baselines", "responsible"])
def test_the_starter_notebook_fails_its_grader(root, scenario):
    result = grade(root / "exercises" / scenario / "starter.ipynb")
    assert result.status == "error" and result.error.kind == "contract"
    assert "never defined `model`" in result.error.message


def test_the_retrieval_starter_fails_its_grader_saying_retrieve_raised(root):
    result = grade(root / "exercises" / "rag_retrieval" / "starter.ipynb")
    assert result.error is None and result.status == "failed"
    beats = result.check("retrieval_beats_baselines")
    assert str(beats.verdict) == "fail" and "`retrieve` raised on 180 of them" in beats.message
    assert str(result.check("grounded_answers").verdict) == "fail"


def test_the_experimentation_starter_fails_its_grader_saying_analyze_raised(root):
    result = grade(root / "exercises" / "experimentation" / "starter.ipynb")
    assert result.error is None and result.status == "failed"
    for check in result.checks:
        assert str(check.verdict) == "fail", check
        assert "analyze(sessions) raised NotImplementedError" in check.message, check


def test_cell_numbers_count_empty_code_cells_like_the_notebook(notebook):
    result = grade(notebook("x = 1", "", "   ", "{}['amount']"))
    assert result.error.cell == 4 and result.error.message == "Cell 4 raised KeyError: 'amount'"


def test_trace_findings_name_the_notebooks_code_cell_after_empty_cells(notebook):
    cells = [
        "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.metrics import average_precision_score\ntrain = pd.read_csv('train.csv')",
        "",
        "COLUMNS = ['amount', 'n_tx_last_24h', 'declines_last_7d', 'new_device']\n"
        "X = StandardScaler().fit_transform(train[COLUMNS])",
        "X_tr, X_te, y_tr, y_te = train_test_split(X, train['is_fraud'], stratify=train['is_fraud'])\n"
        "model = LogisticRegression().fit(X_tr, y_tr)\n"
        "ap = average_precision_score(y_te, model.predict_proba(X_te)[:, 1])\n"
        "prepare_features = lambda frame: frame[COLUMNS]\n"
        "report = {'metric': 'average_precision', 'estimate': ap, 'threshold': 0.5}",
    ]
    check = grade(notebook(*cells)).check("no_fit_on_evaluated_rows")
    assert str(check.verdict) == "fail"
    assert check.message.startswith("StandardScaler (cell 3, line 2)")
    assert "(cell 4, line 3) later scored" in check.message
