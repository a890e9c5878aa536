"""``heldout lint PATH...``: lint notebooks and scripts, print text or JSON, return the exit code.

Exit codes: 0 no error finding (hints allowed), 1 at least one error finding, 2 a path that does not
exist or is neither .ipynb nor .py (nothing is linted then).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from heldout.lint.engine import lint_path
from heldout.lint.findings import LintFinding, Severity

__all__ = ["FORMATS", "SCHEMA", "collect", "run"]

FORMATS = ("text", "json")
SCHEMA = "heldout.lint/1"
_SUFFIXES = (".ipynb", ".py")


class UsageError(Exception):
    """A path or option the lint cannot work with; the message says which and what to do."""


def collect(paths: list[Path]) -> list[Path]:
    """The files to lint: each file argument, and every .ipynb/.py below each folder argument."""
    if not paths:
        raise UsageError("give at least one notebook (.ipynb), script (.py) or folder to lint")
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(_below(path)))
        elif not path.exists():
            raise UsageError(f"{path} does not exist")
        elif path.suffix not in _SUFFIXES:
            raise UsageError(f"{path} is neither a notebook (.ipynb) nor a script (.py)")
        else:
            files.append(path)
    return files


def _below(folder: Path) -> Iterator[Path]:
    for child in folder.iterdir():
        if child.name.startswith(".") or child.name == "__pycache__":
            continue  # .git, .ipynb_checkpoints, .venv, caches
        if child.is_dir():
            if not (child / "pyvenv.cfg").exists():  # a virtual environment is not the project's code
                yield from _below(child)
        elif child.suffix in _SUFFIXES and child.is_file():
            yield child


def run(paths: list[Path], fmt: str, stream: TextIO) -> int:
    """Lint ``paths`` and write the findings to ``stream`` as ``fmt`` ("text" or "json")."""
    try:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format '{fmt}' (choose text or json)")
        files = collect([Path(p) for p in paths])
    except UsageError as problem:
        if fmt == "json":
            stream.write(json.dumps({"schema": SCHEMA, "error": str(problem)}, indent=2) + "\n")
        else:
            stream.write(f"heldout lint: {problem}\n")
        return 2
    results = [(path, lint_path(path)) for path in files]
    if fmt == "json":
        stream.write(json.dumps(_as_json(results), indent=2) + "\n")
    else:
        stream.write(_as_text(results))
    errors = sum(1 for _, findings in results for f in findings if f.severity == Severity.ERROR)
    return 1 if errors else 0


def _counts(results: list[tuple[Path, list[LintFinding]]]) -> tuple[int, int]:
    errors = sum(1 for _, findings in results for f in findings if f.severity == Severity.ERROR)
    hints = sum(1 for _, findings in results for f in findings if f.severity != Severity.ERROR)
    return errors, hints


def _as_json(results: list[tuple[Path, list[LintFinding]]]) -> dict:
    errors, hints = _counts(results)
    return {
        "schema": SCHEMA,
        "files": [
            {"path": str(path), "findings": [f.to_json() for f in findings]} for path, findings in results
        ],
        "summary": {"files": len(results), "errors": errors, "hints": hints},
    }


def _as_text(results: list[tuple[Path, list[LintFinding]]]) -> str:
    lines = []
    for path, findings in results:
        for finding in findings:
            where = f"{path}: {finding.location}" if finding.line is not None else str(path)
            check = f" (runtime check: {finding.check_id})" if finding.check_id else ""
            lines.append(f"{where}: {finding.severity} {finding.kind}{check}: {finding.message}")
    errors, hints = _counts(results)
    files = f"{len(results)} file{'s' if len(results) != 1 else ''}"
    if errors or hints:
        counts = f"{errors} error{'s' if errors != 1 else ''}, {hints} hint{'s' if hints != 1 else ''}"
    else:
        counts = "no findings"
    lines.append(f"heldout lint: {files}, {counts}")
    return "\n".join(lines) + "\n"
