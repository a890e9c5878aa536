"""The holdout graded on a scale, and the levels a grade reaches: a sound model weaker than the
baselines earns part of the holdout's points and reaches the levels its points allow; a leaky one
reaches none, whatever its points."""

import numpy as np
import pytest
import sklearn.metrics as metrics

from heldout.checks import CheckContext, HoldoutScores, Verdict, _points
from heldout.checks.base import CheckResult, Outcome
from heldout.checks.holdout import check_holdout_beats_baselines
from heldout.levels import levels_reached, levels_text
from heldout.trace.model import TRACE_VERSION, Trace

LABELS = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
HOLDOUT_AP = metrics.average_precision_score(LABELS, SCORES)  # 0.917


def _context(manifest, baselines: dict[str, float]) -> CheckContext:
    return CheckContext(
        manifest=manifest,
        trace=Trace({"version": TRACE_VERSION, "events": []}),
        report=None,
        train_labels=LABELS,
        holdout=HoldoutScores(SCORES, LABELS),
        baselines=baselines,
    )


def _holdout_points(manifest, baselines: dict[str, float]) -> tuple[Verdict, float, str]:
    outcome = check_holdout_beats_baselines(_context(manifest, baselines), {})
    return outcome.verdict, _points(100, outcome) / 100, outcome.message


@pytest.mark.parametrize(
    ("best", "share"),
    [
        (0.6, 1.0),  # beaten: all the points
        # the bar is best + 0.02; the prior baseline (0.3) earns nothing; half the points at the bar
        (HOLDOUT_AP - 0.02 + 0.001, 0.5),  # just short of the bar: the most a failed holdout earns
        (0.3 + 2 * (HOLDOUT_AP - 0.3) - 0.02, 0.25),  # halfway from the prior to the bar
    ],
)
def test_points_follow_the_scale_from_the_weakest_baseline_to_the_bar(manifest, best, share) -> None:
    verdict, earned, message = _holdout_points(manifest, {"prior": 0.3, "logistic_regression": best})
    assert earned == pytest.approx(share, abs=0.05)
    if share < 1.0:
        assert verdict == Verdict.FAIL
        assert "On heldout's scale from the prior-rate dummy (0.300, no points)" in message
    else:
        assert verdict == Verdict.PASS and "scale" not in message


def test_a_model_no_better_than_the_weakest_baseline_earns_nothing(manifest) -> None:
    verdict, earned, message = _holdout_points(
        manifest, {"prior": HOLDOUT_AP + 0.01, "logistic_regression": 0.99}
    )
    assert verdict == Verdict.FAIL and earned == 0.0
    assert "your model is at 0%" in message


def test_a_scale_never_gives_a_failed_check_more_than_a_warning(manifest) -> None:
    assert _points(10, Outcome(Verdict.FAIL, "", share=0.9)) == 5.0
    assert _points(10, Outcome(Verdict.WARN, "", share=0.9)) == 5.0
    assert _points(10, Outcome(Verdict.PASS, "", share=-1.0)) == 0.0
    assert _points(15, Outcome(Verdict.FAIL, "", share=0.2)) == 3.0  # in halves


def _result(check_id: str, verdict: Verdict, points: float, maximum: int, competency: str) -> CheckResult:
    return CheckResult(check_id, check_id.replace("_", " "), verdict, points, maximum, competency, "", ())


def test_a_sound_but_weak_grade_reaches_the_levels_its_points_allow(manifest) -> None:
    checks = [
        _result("no_fit_on_evaluated_rows", Verdict.PASS, 85, 85, "data_hygiene"),
        _result("holdout_beats_baselines", Verdict.FAIL, 2.5, 15, "modelling_depth"),
    ]
    rows = levels_reached(manifest.levels, checks, graded_to_the_end=True)
    assert [(r["name"], r["reached"]) for r in rows] == [("junior", True), ("mid", True), ("senior", False)]
    assert rows[2]["why_not"] == "88% of the points, 90% needed"
    assert levels_text(rows) == "reaches junior and mid; not senior (88% of the points, 90% needed)"


def test_a_leaky_grade_reaches_no_level_whatever_its_points(manifest) -> None:
    checks = [
        _result("no_fit_on_evaluated_rows", Verdict.FAIL, 0, 10, "data_hygiene"),
        _result("holdout_beats_baselines", Verdict.PASS, 90, 90, "modelling_depth"),
    ]
    rows = levels_reached(manifest.levels, checks, graded_to_the_end=True)
    assert not any(r["reached"] for r in rows)
    assert rows[0]["why_not"] == "data hygiene failed: no fit on evaluated rows"
    assert levels_text(rows).startswith("reaches no level: junior (data hygiene failed")
    unfinished = levels_reached(manifest.levels, checks[1:], graded_to_the_end=False)
    assert {r["why_not"] for r in unfinished} == {"the submission could not be graded to the end"}
