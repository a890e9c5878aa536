"""Static lint next to runtime evidence: what the code says, what the trace showed, where they differ.

The grader lints every submission before judging it. Findings are hints beside the runtime verdicts;
a disagreement (lint proves a mistake the trace did not confirm, or the trace caught one the code
alone did not show) is worth an interviewer's look, and the report lists it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heldout.checks.base import CheckResult
from heldout.lint.findings import CHECK_OF_KIND, PARTIAL_KINDS

__all__ = ["lint_summary"]

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
