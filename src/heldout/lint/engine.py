"""Linting a file or a list of cells: read, parse, run the data-flow pass, apply the rules."""

from __future__ import annotations

from pathlib import Path

from heldout.lint import rules
from heldout.lint.findings import LintFinding, Severity
from heldout.lint.flow import Flow
from heldout.lint.ir_metrics import first_hit_measures_only
from heldout.lint.peeking import peeking_loops
from heldout.lint.source import parse_cell, read_source
from heldout.lint.task import Task, task_for

__all__ = ["lint_path", "lint_source"]


def lint_source(cells: list[str], *, notebook: bool = True, task: Task | None = None) -> list[LintFinding]:
    """Findings for code cells run in order: notebook cells (numbered from 1), or one script.

    ``task`` says what the scenario's manifest knows (wrong headline metrics, stratification, the
    serving function); without it the code is judged alone.
    """
    if not notebook and len(cells) > 1:
        raise ValueError(f"a script is one cell of source, got {len(cells)} cells; pass notebook=True")
    task = task or Task()
    flow = Flow(serving_names={task.prepare})
    findings = []
    parsed_cells = []
    for index, text in enumerate(cells, start=1):
        parsed = parse_cell(text, index if notebook else None)
        if parsed.module is None:
            findings.append(_syntax_finding(parsed.number, parsed.error, parsed.error_line, notebook))
            continue
        flow.run_cell(parsed.number, parsed.module)
        parsed_cells.append((parsed.number, parsed.module))
    flow.run_serving_functions()
    findings.extend(rules.lint_record(flow.record, task))
    findings.extend(peeking_loops(parsed_cells))
    findings.extend(first_hit_measures_only(parsed_cells))
    return sorted(findings, key=lambda f: (f.cell or 0, f.line or 0, f.kind))


def lint_path(path: Path | str) -> list[LintFinding]:
    """Findings for one .ipynb or .py file; a file that cannot be read is a ``syntax`` hint, never raised."""
    path = Path(path)
    source = read_source(path)
    if source.problem is not None:
        message = f"{path.name} {source.problem}, so heldout could not lint it."
        return [LintFinding.of("syntax", Severity.HINT, (None, None), path.name, message)]
    task = task_for(source.scenario, path)
    return lint_source(list(source.cells), notebook=source.notebook, task=task)


def _syntax_finding(cell: int | None, error: str | None, line: int | None, notebook: bool) -> LintFinding:
    where = f"Cell {cell}" if notebook else "The script"
    message = (
        f"{where} does not parse as Python ({error}, line {line}), so heldout skipped it and may miss "
        "findings that depend on it. IPython magics and shell lines are fine; fix the rest of the syntax."
    )
    return LintFinding.of(
        "syntax", Severity.HINT, (cell, line), f"cell {cell}" if notebook else "script", message
    )
