"""Static lint next to runtime evidence: what the code says, what the trace showed, where they differ.

The grader lints every submission before judging it. Findings are hints beside the runtime verdicts;
a disagreement (lint proves a mistake the trace did not confirm, or the trace caught one the code
alone did not show) is worth an interviewer's look, and the report lists it.

The lint reads the submitted file outside the kernel, so it is evidence the candidate's process cannot
alter. A pass that rests on the trace alone is therefore confirmed by it: where the code proves the
very mistake a check passed, the pass becomes a warning that names the line (``confirmed_by_lint``).
One of the two readings is wrong and heldout cannot tell which (a trace suppressed by the notebook, or
a lint rule that misreads correct code), so the warning keeps the check's points: it asks a person to
look rather than scoring down a candidate whose code may be right.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from heldout.checks.base import CheckResult, Verdict
from heldout.lint.findings import CHECK_OF_KIND, PARTIAL_KINDS

__all__ = ["confirmed_by_lint", "lint_summary"]

_JUDGED_BY_LINT = frozenset(
    check for kind, check in CHECK_OF_KIND.items() if check is not None and kind not in PARTIAL_KINDS
)


def lint_summary(path: Path, checks: list[CheckResult]) -> dict[str, Any]:
    try:
        from heldout.lint import lint_path

        findings = lint_path(Path(path))
    except Exception as error:  # the lint is a hint: it must never cost a submission its grade
        return {"findings": [], "disagreements": [], "error": f"{type(error).__name__}: {error}"}
    verdicts = {check.id: str(check.verdict) for check in checks}
    disagreements = []
    for check_id, verdict in verdicts.items():
        related = [f for f in findings if f.check_id == check_id]
        proven = [f for f in related if f.severity == "error"]
        if proven and verdict == "pass":
            first = proven[0]
            disagreements.append(
                f"{check_id}: the code alone shows {first.kind.replace('_', ' ')} at cell {first.cell}, "
                f"line {first.line}, but the run's trace passed it ({first.message})"
            )
        elif verdict == "fail" and not related and check_id in _JUDGED_BY_LINT:
            # Only where the lint has a rule for that check: it cannot see a latency or a holdout score.
            disagreements.append(f"{check_id}: the run failed it, but static lint saw nothing there")
    return {
        "findings": [
            {
                "kind": f.kind,
                "severity": f.severity,
                "cell": f.cell,
                "line": f.line,
                "subject": f.subject,
                "message": f.message,
                "check_id": f.check_id,
            }
            for f in findings
        ],
        "disagreements": disagreements,
    }


def confirmed_by_lint(checks: list[CheckResult], summary: dict[str, Any]) -> list[CheckResult]:
    """The checks, with each pass the code itself contradicts turned into a warning (points kept)."""
    proven: dict[str, dict[str, Any]] = {}
    for finding in summary.get("findings", []):
        if finding.get("severity") == "error" and finding.get("check_id"):
            proven.setdefault(finding["check_id"], finding)
    confirmed = []
    for check in checks:
        finding = proven.get(check.id)
        if check.verdict != Verdict.PASS or finding is None:
            confirmed.append(check)
            continue
        where = (
            f"cell {finding['cell']}, line {finding['line']}"
            if finding.get("cell")
            else f"line {finding['line']}"
        )
        confirmed.append(
            dataclasses.replace(
                check,
                verdict=Verdict.WARN,
                message=(
                    f"The run did not show this mistake, but the code itself does ({where}): "
                    f"{finding['message']} heldout cannot confirm the pass, so it is flagged for a person to "
                    f"look at that line (not scored down). What the run saw: {check.message}"
                ),
            )
        )
    return confirmed
