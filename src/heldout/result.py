"""The result of grading one submission, and its JSON form (schema ``heldout.result/1``).

Fields (stable within a schema version; additions only):

- ``schema``: "heldout.result/1"; ``heldout_version``
- ``submission``: {"path", "sha256"}; ``scenario``: {"id", "version", "title"}
- ``dataset``: {"name", "seed"} (a take-home bundle's own seed, or the shipped dataset's)
- ``isolation``: "bubblewrap" or "none" (no isolation: the submission could read the host)
- ``status``: "passed" (no check failed), "failed" (a check failed) or "error" (not gradable to the end)
- ``error``: null, or {"kind", "message", "cell"}; kinds: invalid, crashed, timeout, kernel_died,
  contract, tampered, sandbox_error
- ``score``: {"points", "max_points"}; ``checks``: [{"id", "title", "verdict" (pass|warn|fail),
  "points", "max_points", "competency", "message", "findings": [{"cell", "line", "text", ...}],
  "coverage"}]; ``coverage`` (added within schema 1): null for a check that judges a declaration, else
  {"unit" (evaluation, split, fit, threshold curve, train/test pair), "judged": how many it followed to
  their rows and judged, "not_followed": how many it saw but could not follow}. A check passes only
  with judged >= 1 and not_followed == 0, or with nothing of its kind to judge (judged = not_followed =
  0, said in its message), or on evidence the others cannot undo (a baseline seen evaluated); otherwise
  it warns, naming what it could not follow
- ``holdout``: {"metric", "score", "baselines", "margin", "reported_estimate", "optimism_gap",
  "prevalence"} or null; ``report``: what the notebook declared, or null
- ``drift``: for scenarios with planted drift, {"months", "features": [{"feature", "kind", "series",
  "planted", "reported"}]} (the drift timeline of the interviewer's report) or null
- ``followups``: interviewer questions chosen by the verdicts
- ``lint``: {"findings": static lint findings (kind, severity, cell, line, subject, message, check_id),
  "disagreements": where the code alone and the run's trace disagree} or null

The same submission graded twice gives the same JSON: no times, no temporary paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heldout.checks.base import CheckResult, Verdict

__all__ = ["EXIT_CODES", "SCHEMA", "GradeError", "GradeResult"]

SCHEMA = "heldout.result/1"

# Documented in `heldout --help` and README.md.
EXIT_CODES = {
    "passed": 0,
    "failed": 1,
    "usage": 2,
    "error": 3,
    "harness": 4,
}


@dataclass(frozen=True)
class GradeError:
    kind: str
    message: str
    cell: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "cell": self.cell}


@dataclass
class GradeResult:
    submission_path: str
    submission_sha256: str | None
    scenario: dict[str, str] | None
    isolation: str | None
    checks: list[CheckResult] = field(default_factory=list)
    error: GradeError | None = None
    holdout: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    followups: list[str] = field(default_factory=list)
    dataset: dict[str, Any] | None = None
    lint: dict[str, Any] | None = None
    drift: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "failed" if any(c.verdict == Verdict.FAIL for c in self.checks) else "passed"

    @property
    def exit_code(self) -> int:
        if self.error is not None and self.error.kind == "sandbox_error":
            return EXIT_CODES["harness"]
        return EXIT_CODES[self.status]

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.checks)

    def check(self, check_id: str) -> CheckResult:
        for result in self.checks:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    def to_json(self) -> dict[str, Any]:
        from heldout import __version__

        return {
            "schema": SCHEMA,
            "heldout_version": __version__,
            "submission": {"path": self.submission_path, "sha256": self.submission_sha256},
            "scenario": self.scenario,
            "dataset": self.dataset,
            "isolation": self.isolation,
            "status": self.status,
            "error": None if self.error is None else self.error.to_json(),
            "score": {"points": self.points, "max_points": self.max_points},
            "checks": [c.to_json() for c in self.checks],
            "holdout": self.holdout,
            "report": self.report,
            "followups": self.followups,
            "lint": self.lint,
            "drift": self.drift,
        }

    def write_json(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the new one, never half of one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        tmp.replace(path)
