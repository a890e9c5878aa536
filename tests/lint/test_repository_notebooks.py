"""The lint on the repository's own notebooks: it never crashes, passes every correct notebook and
reference solution without an error, and proves the mistake of the flawed notebooks it can prove.

What each flawed notebook does wrong is declared in tests/submissions/<scenario>/expected.toml (the
runtime grader's expectations, read at test time). The lint must agree with it: every error it reports
names a check that the runtime also fails for that notebook.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from heldout.lint import lint_path

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "tests" / "submissions"


def _notebooks(*folders: str) -> list[Path]:
    found = set()
    for folder in folders:
        found.update(p for p in (ROOT / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    return sorted(found)


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


ALL = _notebooks("exercises", "solutions", "tests/submissions")
CLEAN = _notebooks("solutions") + sorted(SUBMISSIONS.glob("*/correct/*.ipynb"))
FLAWED = sorted(SUBMISSIONS.glob("imbalance/flawed/*.ipynb"))

# The flawed imbalance notebooks whose mistake the code alone proves, and the runtime check it is.
# The others get at most a hint: roc_auc_headline declares a metric its scenario calls weak (a runtime
# warning, not a failure).
PROVEN = {
    "accuracy_headline": "headline_metric",
    "evaluation_on_resampled_set": "evaluation_on_untouched_rows",
    "feature_selection_on_all_rows": "no_fit_on_evaluated_rows",
    "imputer_before_split": "no_fit_on_evaluated_rows",
    "model_fitted_on_all_rows": "no_fit_on_evaluated_rows",
    "models_compared_on_test": "no_selection_on_final_rows",
    "scaler_before_split": "no_fit_on_evaluated_rows",
    "target_encoder_before_split": "no_fit_on_evaluated_rows",
    "smote_before_cross_val_score": "resampling_inside_training",
    "smote_before_split": "resampling_inside_training",
    "smotenc_before_split": "resampling_inside_training",
    "threshold_tuned_on_test": "threshold_not_tuned_on_test",
    "unstratified_split": "stratified_split",
}


def _runtime_expectations() -> dict:
    """tests/submissions/imbalance/expected.toml as it is now (others keep adding to it)."""
    path = SUBMISSIONS / "imbalance" / "expected.toml"
    if not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_the_repository_has_notebooks_to_lint() -> None:
    assert (
        len(CLEAN) >= 5 and len(FLAWED) >= 10 and (ROOT / "exercises" / "imbalance" / "starter.ipynb") in ALL
    )


@pytest.mark.parametrize("path", ALL, ids=[_id(p) for p in ALL])
def test_every_notebook_lints_without_crashing(path: Path) -> None:
    findings = lint_path(path)
    for finding in findings:
        assert finding.severity in ("error", "hint") and finding.message


# Correct notebooks the static lint is known to accuse (strict xfails: fixing the lint turns them red, so
# the entry is then removed). The runtime grader passes them.
LINT_FALSE_ALARMS: dict[str, str] = {}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=LINT_FALSE_ALARMS[_id(p)], strict=True))
        if _id(p) in LINT_FALSE_ALARMS
        else p
        for p in CLEAN
    ],
    ids=[_id(p) for p in CLEAN],
)
def test_correct_notebooks_and_solutions_have_no_error(path: Path) -> None:
    errors = [f for f in lint_path(path) if f.severity == "error"]
    assert not errors, "\n".join(f"{f.kind} {f.location}: {f.message}" for f in errors)


@pytest.mark.parametrize(("stem", "check_id"), sorted(PROVEN.items()))
def test_flawed_notebook_gets_the_error_of_its_mistake(stem: str, check_id: str) -> None:
    path = SUBMISSIONS / "imbalance" / "flawed" / f"{stem}.ipynb"
    assert path.is_file(), f"{path} is gone: update PROVEN"
    findings = lint_path(path)
    errors = {f.check_id for f in findings if f.severity == "error"}
    assert check_id in errors, "\n".join(f"{f.severity} {f.kind} {f.location}: {f.message}" for f in findings)
    runtime = _runtime_expectations().get("flawed", {}).get(stem)
    if runtime is not None:
        assert check_id in runtime.get("fails", []), (
            f"the runtime grader does not fail {check_id} here: {runtime}"
        )


@pytest.mark.parametrize("path", FLAWED, ids=[p.stem for p in FLAWED])
def test_flawed_notebook_errors_agree_with_the_runtime_grader(path: Path) -> None:
    runtime = _runtime_expectations().get("flawed", {}).get(path.stem)
    if runtime is None:
        pytest.skip(f"expected.toml does not list flawed.{path.stem} yet")
    errors = [f for f in lint_path(path) if f.severity == "error" and f.check_id is not None]
    disagreeing = [f for f in errors if f.check_id not in runtime.get("fails", [])]
    assert not disagreeing, "\n".join(f"{f.check_id} {f.location}: {f.message}" for f in disagreeing)
