"""The heldout command: honest help, documented exit codes, a JSON result on request."""

import json
import subprocess
import sys

import pytest


def heldout(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "heldout", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_help_documents_commands_and_exit_codes():
    run = heldout("--help")
    assert run.returncode == 0
    for word in ("grade", "list", "hint", "datasets", "Exit codes", "3  the submission could not"):
        assert word in run.stdout


def test_list_shows_the_scenarios():
    run = heldout("list")
    listed = [line.split()[0] for line in run.stdout.splitlines() if line.strip()]
    assert run.returncode == 0 and {"imbalance", "baselines"} <= set(listed), run.stdout


def test_hints_come_one_level_at_a_time():
    first = heldout("hint", "imbalance", "resampling_inside_training")
    assert "hint 1/3" in first.stdout and "--level 2" in first.stdout
    last = heldout("hint", "imbalance", "resampling_inside_training", "--level", "3")
    assert "hint 3/3" in last.stdout and "make_pipeline(SMOTE(), model)" in last.stdout


def test_unknown_things_are_usage_errors():
    assert heldout("grade", "does-not-exist.ipynb").returncode == 2
    unknown_check = heldout("hint", "imbalance", "no_such_check")
    assert unknown_check.returncode == 2 and "known:" in unknown_check.stderr
    unknown_scenario = heldout("hint", "nope", "x")
    assert unknown_scenario.returncode == 2 and "unknown scenario 'nope'" in unknown_scenario.stderr


def test_datasets_match_their_checksums_and_generator():
    run = heldout("datasets", "check")
    assert run.returncode == 0, run.stderr
    assert "card_fraud: ok" in run.stdout


def test_a_non_notebook_gets_exit_3_and_a_json_result(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a notebook")
    out = tmp_path / "result.json"
    run = heldout("grade", str(path), "--json", str(out), "--no-color")
    assert run.returncode == 3
    assert "ERROR (invalid)" in run.stdout and "Traceback" not in run.stdout + run.stderr
    result = json.loads(out.read_text())
    assert result["schema"] == "heldout.result/1" and result["status"] == "error"


@pytest.mark.slow
def test_grading_a_flawed_notebook_prints_the_finding_and_exits_1(root, tmp_path):
    path = root / "tests" / "submissions" / "imbalance" / "flawed" / "scaler_before_split.ipynb"
    out = tmp_path / "result.json"
    run = heldout("grade", str(path), "--json", str(out), "--no-color")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL  No preprocessing, selection or model fitted on evaluated rows" in run.stdout
    assert json.loads(out.read_text())["status"] == "failed"
