"""`pytest graders/ --submission PATH`, the way a hiring team runs it: one pytest test per check."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def run_graders(submission: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "graders/",
            "--submission",
            submission,
            "-q",
            "-rfs",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def counts(output: str) -> dict[str, int]:
    return {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|skipped)", output)}


def test_the_reference_solution_passes_its_graders_and_skips_the_other_scenarios():
    run = run_graders("solutions/baselines/solution.ipynb")
    assert run.returncode == 0, run.stdout[-3000:]
    found = counts(run.stdout)
    assert found["passed"] == 8, run.stdout[-2000:]  # one test per check of the baselines manifest
    assert found["skipped"] >= 7 and "answers the 'baselines' scenario" in run.stdout


def test_a_flawed_submission_fails_exactly_the_test_of_its_check_with_the_message():
    run = run_graders("tests/submissions/baselines/flawed/no_spread_logged.ipynb")
    assert run.returncode == 1, run.stdout[-3000:]
    assert counts(run.stdout)["failed"] == 1, run.stdout[-3000:]
    assert "FAILED graders/test_baselines.py::test_experiment_log" in run.stdout
    assert "give no spread" in run.stdout or "gives no spread" in run.stdout
