"""Batch grading loses nothing: one result per submission, resumable, a failure stays with its submission."""

import hashlib
import json
import shutil
import subprocess
import sys
import time

import pytest

from heldout.batch import grade_batch
from heldout.result import GradeError, GradeResult
from tests.conftest import QUICK_MODEL, write_notebook


def make_batch(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        write_notebook(folder / f"{name}.ipynb", f"# {name}\nx = 1")
    return folder


def fake_result(path, **extra):
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    result = GradeResult(str(path), sha, {"id": "imbalance", "version": "1", "title": "t"}, "none")
    for key, value in extra.items():
        setattr(result, key, value)
    return result


class Interrupted(BaseException):
    """Stands in for Ctrl-C: not an Exception, so the batch's per-submission guard does not catch it."""


def test_an_interrupted_batch_resumes_without_regrading(tmp_path):
    folder = make_batch(tmp_path / "in", ["a", "b", "c", "d"])
    out = tmp_path / "out"
    calls = []

    def interrupting(path):
        if len(calls) == 2:
            raise Interrupted
        calls.append(path.name)
        return fake_result(path)

    with pytest.raises(Interrupted):
        grade_batch(folder, out, 1, interrupting)
    assert sorted(p.name for p in out.glob("*.json")) == ["a.json", "b.json"]

    second = []
    entries = grade_batch(folder, out, 1, lambda p: second.append(p.name) or fake_result(p))
    assert second == ["c.ipynb", "d.ipynb"]
    assert [e.name for e in entries] == ["a", "b", "c", "d"]
    assert [e.resumed for e in entries] == [True, True, False, False]
    assert sorted(p.name for p in out.glob("*.json")) == ["a.json", "b.json", "c.json", "d.json"]
    rows = (out / "summary.csv").read_text().splitlines()
    assert len(rows) == 5 and len(set(rows)) == 5


def test_a_changed_notebook_is_graded_again(tmp_path):
    folder = make_batch(tmp_path / "in", ["a"])
    out = tmp_path / "out"

    grade_batch(folder, out, 1, fake_result)
    write_notebook(folder / "a.ipynb", "x = 2")
    calls = []
    grade_batch(folder, out, 1, lambda p: calls.append(p) or fake_result(p))
    assert len(calls) == 1


def test_a_crash_of_heldout_itself_becomes_that_submissions_result(tmp_path):
    folder = make_batch(tmp_path / "in", ["a", "b", "c"])

    def flaky(path):
        if path.stem == "b":
            raise RuntimeError("the sandbox fell over")
        return fake_result(path)

    entries = grade_batch(folder, tmp_path / "out", 2, flaky)
    by_name = {e.name: e for e in entries}
    assert by_name["b"].status == "error" and "the sandbox fell over" in by_name["b"].error
    assert by_name["a"].status == by_name["c"].status == "passed"


def test_a_result_that_cannot_be_serialised_still_leaves_a_record(tmp_path):
    folder = make_batch(tmp_path / "in", ["a", "b"])

    def odd(path):
        return fake_result(path, report={"metric": {1, 2}} if path.stem == "a" else None)

    entries = grade_batch(folder, tmp_path / "out", 1, odd)
    assert [e.status for e in entries] == ["error", "passed"]
    record = json.loads((tmp_path / "out" / "a.json").read_text())
    assert record["error"]["kind"] == "sandbox_error" and "could not be written" in record["error"]["message"]
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_notebooks_in_bundle_folders_and_odd_names_are_found(tmp_path):
    folder = tmp_path / "in"
    (folder / "Zoë Ng" / ".ipynb_checkpoints").mkdir(parents=True)
    write_notebook(folder / "Zoë Ng" / "my answer.ipynb", "x = 1")
    write_notebook(folder / "Zoë Ng" / ".ipynb_checkpoints" / "my answer-checkpoint.ipynb", "x = 1")
    entries = grade_batch(folder, tmp_path / "out", 1, fake_result)
    assert [e.name for e in entries] == ["Zoë Ng__my answer"]


@pytest.mark.slow
def test_a_real_batch_killed_and_resumed_ends_with_one_result_each(tmp_path, root):
    folder = tmp_path / "returned"
    folder.mkdir()
    write_notebook(folder / "quick 1.ipynb", QUICK_MODEL)
    write_notebook(folder / "quick_2.ipynb", QUICK_MODEL.replace("0.3", "0.31"))
    write_notebook(folder / "raises.ipynb", QUICK_MODEL, "raise ValueError('bad')")
    (folder / "garbage.ipynb").write_text("{")
    shutil.copy(
        root / "tests" / "submissions" / "imbalance" / "flawed" / "scaler_before_split.ipynb",
        folder / "scaler.ipynb",
    )
    out = tmp_path / "results"
    command = [sys.executable, "-m", "heldout", "grade-batch", str(folder), "--out", str(out), "--jobs", "2"]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(out.glob("*.json"))) < 2:
        time.sleep(0.2)
    first.kill()
    first.wait()
    done_before = {p.name for p in out.glob("*.json")}
    assert 2 <= len(done_before) < 5
    second = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert second.returncode == 0, second.stderr
    assert f"resuming: {len(done_before)} of 5 already graded" in second.stderr
    results = sorted(p.name for p in out.glob("*.json"))
    assert results == ["garbage.json", "quick 1.json", "quick_2.json", "raises.json", "scaler.json"]
    statuses = {p.stem: json.loads(p.read_text())["status"] for p in out.glob("*.json")}
    assert statuses["garbage"] == "error" and statuses["raises"] == "error"
    assert statuses["scaler"] == "failed"
    assert not list(out.glob(".*.tmp"))


def test_grade_error_kinds_are_documented():
    import heldout.result as module

    for kind in ("invalid", "crashed", "timeout", "kernel_died", "contract", "tampered", "sandbox_error"):
        assert kind in module.__doc__
    assert GradeError("crashed", "x").to_json()["kind"] == "crashed"
