"""The hidden holdout in a public part (shown to the candidate on every grade) and a private part (for the
interviewer only), and the count of grades a take-home bundle has had."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from heldout.bundle import GradeLedger
from heldout.checks import CheckContext, HoldoutScores
from heldout.checks.holdout import holdout_summary
from heldout.errors import ManifestError
from heldout.holdout_metrics import public_part
from heldout.manifest import load_manifest
from heldout.report.content import build_content
from heldout.report.gradescope import to_gradescope, validate_gradescope
from heldout.trace.model import TRACE_VERSION, Trace

RNG = np.random.default_rng(3)
LABELS = (RNG.random(2000) < 0.1).astype(int)
SCORES = np.clip(LABELS * 0.3 + RNG.random(2000) * 0.7, 0, 1)


def test_the_public_part_is_fixed_by_the_hidden_labels_alone():
    first = public_part(LABELS, 0.5, "imbalance")
    assert first.sum() == 1000 and np.array_equal(first, public_part(LABELS.copy(), 0.5, "imbalance"))
    other_labels = LABELS.copy()
    other_labels[0] = 1 - other_labels[0]  # another bundle's labels: another split
    assert not np.array_equal(first, public_part(other_labels, 0.5, "imbalance"))
    assert not np.array_equal(first, public_part(LABELS, 0.5, "leakage"))
    assert public_part(LABELS, 0.25, "imbalance").sum() == 500


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.2])
def test_a_public_share_outside_the_open_interval_is_refused(root, tmp_path, share):
    from heldout.checks import CHECKS

    text = (root / "exercises" / "imbalance" / "exercise.toml").read_text()
    path = tmp_path / "exercise.toml"
    path.write_text(text.replace("public_share = 0.5", f"public_share = {share}"))
    with pytest.raises(ManifestError) as raised:
        load_manifest(path, CHECKS)
    assert raised.value.field == "holdout.public_share" and "above 0 and below 1" in str(raised.value)


@pytest.fixture
def result(manifest) -> dict:
    ctx = CheckContext(
        manifest=manifest,
        trace=Trace({"version": TRACE_VERSION, "events": []}),
        report=None,
        train_labels=LABELS,
        holdout=HoldoutScores(SCORES, LABELS),
        baselines={"prior": 0.1},
    )
    holdout = holdout_summary(ctx)
    return {
        "schema": "heldout.result/1",
        "submission": {"path": "answer.ipynb", "sha256": None},
        "scenario": {"id": manifest.id, "title": manifest.title},
        "status": "passed",
        "score": {"points": 100, "max_points": 100},
        "checks": [],
        "holdout": holdout,
        "bundle": {"id": "b1", "candidate": "Ada", "grades": 7, "submissions": 3},
    }


def test_the_summary_scores_each_part_on_its_rows(result):
    from sklearn.metrics import average_precision_score

    holdout = result["holdout"]
    public = public_part(LABELS, 0.5, "imbalance")
    assert holdout["public"] == {
        "rows": 1000,
        "score": round(average_precision_score(LABELS[public], SCORES[public]), 6),
    }
    assert holdout["private"]["rows"] == 1000
    assert holdout["private"]["score"] == round(average_precision_score(LABELS[~public], SCORES[~public]), 6)


def test_the_candidate_sees_the_public_part_and_the_interviewer_everything(result):
    holdout = result["holdout"]
    candidate = dict(build_content(result, "candidate", with_figures=False).holdout)
    interviewer = dict(build_content(result, "interviewer", with_figures=False).holdout)
    public_label = "hidden holdout average_precision, public part (1,000 rows)"
    assert candidate[public_label] == f"{holdout['public']['score']:.3f}"
    assert not any("private" in label or label == "hidden holdout average_precision" for label in candidate)
    assert interviewer["hidden holdout average_precision, private part (1,000 rows)"] == (
        f"{holdout['private']['score']:.3f}"
    )
    assert interviewer["grades of bundle b1"] == "7 (of 3 distinct notebooks), this one included"
    assert not any("grades of bundle" in label for label in candidate)


def test_gradescope_shows_the_public_part_on_every_submission(result):
    data = to_gradescope(result)
    assert validate_gradescope(data) == []
    (public,) = [t for t in data["tests"] if t["name"].startswith("hidden holdout, public part")]
    assert public["visibility"] == "visible" and public["max_score"] == 0
    assert f"{result['holdout']['public']['score']:.3f}" in public["output"]
    assert f"{result['holdout']['private']['score']:.3f}" not in str(data)


def test_the_ledger_counts_grades_and_distinct_notebooks(tmp_path):
    ledger = GradeLedger(tmp_path / "keys.json")
    assert ledger.path.name == "keys.grades.jsonl"
    assert ledger.record("b1", "aaa") == {"grades": 1, "submissions": 1}
    assert ledger.record("b1", "aaa") == {"grades": 2, "submissions": 1}
    assert ledger.record("b2", "bbb") == {"grades": 1, "submissions": 1}
    assert ledger.record("b1", "ccc") == {"grades": 3, "submissions": 2}
    with ledger.path.open("a") as cut:
        cut.write('{"bundle": "b1", "sha')  # a line a crash cut short
    assert ledger.counts("b1") == {"grades": 3, "submissions": 2}


def test_parallel_grades_lose_no_count(tmp_path):
    # A partial line cut by a crash would be lost; a clean ledger must count every grade of a batch.
    ledger = GradeLedger(tmp_path / "keys.json")
    threads = [threading.Thread(target=ledger.record, args=("b1", f"s{i % 5}")) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ledger.counts("b1") == {"grades": 40, "submissions": 5}
