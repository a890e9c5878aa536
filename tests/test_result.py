"""A result's status follows its score: a higher score never reads worse than a lower one."""

from heldout.checks.base import CheckResult, Verdict
from heldout.result import EXIT_CODES, PASS_MARK, GradeError, GradeResult

_SHARE = {Verdict.PASS: 1.0, Verdict.WARN: 0.5, Verdict.FAIL: 0.0}


def graded(*checks: tuple[int, Verdict]) -> GradeResult:
    result = GradeResult("nb.ipynb", "0" * 64, {"id": "imbalance", "version": "1", "title": "t"}, "none")
    result.checks = [
        CheckResult(f"check_{i}", "t", verdict, points * _SHARE[verdict], points, "data_hygiene", "m", ())
        for i, (points, verdict) in enumerate(checks)
    ]
    return result


def test_a_failing_five_point_check_and_two_ten_point_warnings_read_in_score_order():
    # Issue 25: 95/100 read "failed" (a 5-point check failed) while 90/100 read "passed" (warnings).
    small_fail = graded((95, Verdict.PASS), (5, Verdict.FAIL))
    two_warnings = graded((80, Verdict.PASS), (10, Verdict.WARN), (10, Verdict.WARN))
    assert (small_fail.points, two_warnings.points) == (95, 90)
    assert small_fail.status == "passed" and small_fail.exit_code == EXIT_CODES["passed"]
    assert two_warnings.status == "failed" and two_warnings.exit_code == EXIT_CODES["failed"]


def test_a_failing_ten_point_check_fails_and_a_ten_point_warning_does_not():
    assert graded((90, Verdict.PASS), (10, Verdict.FAIL)).status == "failed"
    assert graded((90, Verdict.PASS), (10, Verdict.WARN)).status == "passed"
    assert graded((100, Verdict.PASS)).status == "passed"


def test_the_status_is_a_function_of_the_score_share_whatever_the_total():
    cases = [
        graded((weight, verdict), (total - weight, Verdict.PASS))
        for total in (100, 110, 120)
        for weight in (5, 10, 15, 20, 25)
        for verdict in Verdict
    ]
    for case in cases:
        expected = "passed" if case.points >= PASS_MARK * case.max_points else "failed"
        assert case.status == expected, (case.points, case.max_points)
    ordered = sorted(cases, key=lambda c: c.points / c.max_points)
    statuses = [c.status for c in ordered]
    # Once a share passes, every higher share passes too.
    assert statuses == sorted(statuses, key=lambda s: s == "passed")


def test_an_error_is_an_error_whatever_the_score_and_the_json_gives_the_pass_mark():
    result = graded((100, Verdict.PASS))
    assert result.to_json()["score"] == {"points": 100, "max_points": 100, "pass_mark": PASS_MARK}
    result.error = GradeError("crashed", "a cell raised")
    assert result.status == "error"
    assert graded().status == "passed"  # no checks: nothing failed, nothing to score
