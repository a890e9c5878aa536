"""The public surface of heldout.lint and its agreement with the runtime checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import heldout.lint
from heldout.lint import CHECK_OF_KIND, KINDS, LintFinding, Severity
from heldout.lint.catalog import normalise_metric as lint_normalise_metric
from heldout.lint.findings import location

CORPUS = Path(__file__).resolve().parent / "corpus"


def test_public_names() -> None:
    assert sorted(heldout.lint.__all__) == sorted(
        ["CHECK_OF_KIND", "KINDS", "LintFinding", "Severity", "Task", "lint_path", "lint_source"]
    )


def test_every_check_id_is_a_registered_runtime_check() -> None:
    from heldout.checks import CHECKS

    for kind, check_id in CHECK_OF_KIND.items():
        assert check_id is None or check_id in CHECKS, (kind, check_id)
    assert set(KINDS) == set(CHECK_OF_KIND)


def test_metric_names_are_read_as_the_runtime_reads_them() -> None:
    from heldout.checks.evaluations import normalise_metric

    for written in ("PR-AUC", "pr auc", "ROC_AUC", "accuracy", "model score", "expected cost"):
        assert lint_normalise_metric(written) == normalise_metric(written)
    assert lint_normalise_metric("PR-AUC") == "average_precision_score"


def test_a_finding_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown lint finding kind 'leak'"):
        LintFinding.of("leak", Severity.ERROR, (1, 2), "x", "m")
    finding = LintFinding.of("split_choice", Severity.HINT, (3, 4), "KFold", "m")
    assert (finding.check_id, finding.severity, finding.location) == (
        "stratified_split",
        "hint",
        "cell 3, line 4",
    )


def test_locations_read_like_the_runtime_sites() -> None:
    assert location((4, 2)) == "cell 4, line 2"
    assert location((None, 7)) == "line 7"
    assert location((None, None)) == "the whole file"


def test_linting_imports_nothing_but_the_standard_library() -> None:
    code = (
        "import sys; from heldout.lint import lint_path; "
        f"lint_path({str(CORPUS / 'scenario_accuracy_unstratified.ipynb')!r}); "
        "third = {'numpy', 'pandas', 'sklearn', 'scipy', 'nbformat'}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & third))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
