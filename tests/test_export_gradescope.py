"""`heldout export gradescope`: an archive Gradescope can build from, whose run_autograder grades the
submission in the sandbox and always leaves a results.json in the exported shape."""

import json
import os
import subprocess
import sys
import zipfile

import pytest

from heldout.execute.sandbox import isolation_tier
from heldout.report.gradescope import validate_gradescope
from tests.conftest import QUICK_MODEL, ROOT, write_notebook


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "autograder.zip"
    done = subprocess.run(
        [sys.executable, "-m", "heldout", "export", "gradescope", "imbalance", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def autograder_tree(tmp_path, archive, *notebooks):
    """A fake /autograder: the archive unpacked into source/, run_autograder copied beside it."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(root / "source")
        for info in zipped.infolist():  # extractall drops the modes Gradescope's unzip keeps
            os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    for name, cells in notebooks:
        write_notebook(root / "submission" / name, *cells)
    return root


def run_autograder(root):
    env = dict(os.environ, HELDOUT_AUTOGRADER_ROOT=str(root))
    # The archive's own copy of heldout, as setup.sh installs it on Gradescope.
    env["PYTHONPATH"] = str(root / "source" / "heldout" / "src")
    env.pop("HELDOUT_HOME", None)
    done = subprocess.run(
        [str(root / "run_autograder")], capture_output=True, text=True, cwd=root, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_the_archive_has_gradescopes_layout_and_the_hidden_labels(archive):
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
        modes = {info.filename: info.external_attr >> 16 & 0o777 for info in zipped.infolist()}
        labels = zipped.read("heldout/datasets/card_fraud/hidden/holdout_labels.csv")
    assert {
        "setup.sh",
        "run_autograder",
        "heldout/pyproject.toml",
        "heldout/exercises/imbalance/exercise.toml",
    } <= names
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert labels == (ROOT / "datasets/card_fraud/hidden/holdout_labels.csv").read_bytes()
    # Only this scenario's dataset, no solutions, no caches.
    assert not any(n.startswith(("heldout/solutions", "heldout/datasets/readmissions")) for n in names)
    assert not any("__pycache__" in n or "/." in n for n in names)


def test_the_archive_scripts_are_valid_bash_that_name_the_scenario(archive, tmp_path):
    with zipfile.ZipFile(archive) as zipped:
        zipped.extract("setup.sh", tmp_path)
        zipped.extract("run_autograder", tmp_path)
    for script in ("setup.sh", "run_autograder"):
        text = (tmp_path / script).read_text()
        assert text.startswith("#!/usr/bin/env bash\n") and "--scenario imbalance" in text
        assert subprocess.run(["bash", "-n", str(tmp_path / script)], check=False).returncode == 0
    assert "apt-get install -y -qq bubblewrap" in (tmp_path / "setup.sh").read_text()


def test_the_archive_is_byte_identical_when_exported_twice(archive, tmp_path):
    from heldout.export.gradescope import write_gradescope_archive
    from heldout.grading import load_scenario

    again = write_gradescope_archive(load_scenario("imbalance", ROOT), ROOT, tmp_path / "again.zip")
    assert again.read_bytes() == archive.read_bytes()


def test_an_archive_must_be_a_zip(tmp_path):
    from heldout.cli import main

    assert main(["export", "gradescope", "imbalance", "--out", str(tmp_path / "x.tar")]) == 2


@pytest.mark.parametrize(
    ("notebooks", "expected"),
    [((), "found none"), ((("a.ipynb", ("x = 1",)), ("b.ipynb", ("x = 2",))), "found a.ipynb, b.ipynb")],
)
def test_anything_but_one_notebook_gets_a_results_json_that_says_so(tmp_path, archive, notebooks, expected):
    data = run_autograder(autograder_tree(tmp_path, archive, *notebooks))
    assert data["score"] == 0 and expected in data["output"]
    assert validate_gradescope(data) == []


@pytest.mark.slow
@pytest.mark.skipif(isolation_tier() != "bubblewrap", reason="bubblewrap cannot run on this machine")
def test_run_autograder_grades_the_submission_in_the_sandbox(tmp_path, archive):
    root = autograder_tree(tmp_path, archive, ("answer.ipynb", (QUICK_MODEL,)))
    data = run_autograder(root)
    assert validate_gradescope(data) == []
    assert data["output"].startswith("heldout: ")
    ids = [t["name"].split(":")[0] for t in data["tests"]]
    assert "holdout_beats_baselines" in ids and "stratified_split" in ids
    # QUICK_MODEL does not beat the baselines: graded on the hidden labels, not merely run.
    holdout = next(t for t in data["tests"] if t["name"].startswith("holdout_beats_baselines"))
    assert holdout["status"] == "failed" and holdout["visibility"] == "after_published"
    assert data["score"] == sum(t["score"] for t in data["tests"])


def test_heldouts_own_failure_still_writes_results(tmp_path, monkeypatch):
    from heldout.export import autograder

    root = tmp_path / "autograder"
    write_notebook((root / "submission").mkdir(parents=True) or root / "submission" / "a.ipynb", "x = 1")

    def broken(_root, _scenario):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(autograder, "_grade", broken)
    data = autograder.autograde(root, "imbalance")
    assert (
        "heldout failed while grading (its fault" in data["output"] and "the disk is full" in data["output"]
    )
    assert json.loads((root / "results" / "results.json").read_text()) == data
