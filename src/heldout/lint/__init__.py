"""Static methodology lint: where a notebook or script leaks, resamples, tunes on the test rows or
reports the wrong metric, read from the code alone (no data, no execution).

``lint_path(path)`` and ``lint_source(cells)`` return ``LintFinding`` records; ``heldout.lint.cli.run``
prints them as text or JSON. Each finding's ``check_id`` names the runtime check (``heldout.checks``)
that judges the same property from an executed notebook's trace.
"""

from __future__ import annotations

from heldout.lint.engine import lint_path, lint_source
from heldout.lint.findings import CHECK_OF_KIND, KINDS, LintFinding, Severity
from heldout.lint.task import Task

__all__ = ["CHECK_OF_KIND", "KINDS", "LintFinding", "Severity", "Task", "lint_path", "lint_source"]
