"""A check's coverage in the JSON result and the terminal report."""

from __future__ import annotations

import io

from heldout.checks import CheckResult, Coverage, Verdict
from heldout.report.terminal import render_terminal
from heldout.result import SCHEMA, GradeResult


def _result() -> GradeResult:
    followed = Coverage("evaluation", 3, 2, ("cell 6, line 3", "cell 9, line 1"))
    return GradeResult(
        submission_path="submission.ipynb",
        submission_sha256=None,
        scenario={"id": "imbalance", "version": "1", "title": "Imbalance"},
        isolation="bubblewrap",
        checks=[
            CheckResult(
                "no_fit_on_evaluated_rows",
                "No fit on evaluated rows",
                Verdict.WARN,
                1,
                2,
                "c",
                "m",
                (),
                followed,
            ),
            CheckResult("headline_metric", "Headline metric", Verdict.PASS, 1, 1, "c", "m", ()),
            CheckResult(
                "resampling_inside_training",
                "Resampling",
                Verdict.PASS,
                1,
                1,
                "c",
                "m",
                (),
                Coverage("evaluation", 0),
            ),
        ],
    )


def test_the_json_result_carries_each_checks_counts_within_schema_1() -> None:
    data = _result().to_json()
    assert data["schema"] == SCHEMA == "heldout.result/1"  # an added field: the schema is unchanged
    checks = {c["id"]: c for c in data["checks"]}
    assert checks["no_fit_on_evaluated_rows"]["coverage"] == {
        "unit": "evaluation",
        "judged": 3,
        "not_followed": 2,
    }
    assert checks["headline_metric"]["coverage"] is None


def test_the_terminal_shows_judged_n_of_m_only_where_there_was_something_to_judge() -> None:
    lines = render_terminal(_result(), stream=io.StringIO(), colour=False).splitlines()
    row = {line.split("  ")[2].strip(): line for line in lines if line.startswith(("  PASS", "  WARN"))}
    assert row["No fit on evaluated rows"].endswith("judged 3 of 5 evaluations")
    assert "judged" not in row["Headline metric"]
    assert "judged" not in row["Resampling"]  # nothing of its kind to judge
