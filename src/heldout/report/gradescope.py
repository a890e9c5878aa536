"""Gradescope's autograder ``results.json``.

The format (Gradescope "Autograder Specifications"): a top-level ``score`` (points earned), optional
``output`` (text shown to the student) and ``visibility``; ``tests`` is a list of objects with
``name``, ``score``, ``max_score``, ``output``, ``status`` ("passed" or "failed") and ``visibility``
("visible", "hidden", "after_due_date" or "after_published"). heldout maps one check to one test;
the hidden-holdout check is shown only after publication, so candidates cannot probe the holdout by
resubmitting.

Every name and output is declared ``"text"`` (``output_format``, ``name_format``, and the defaults
``test_output_format`` and ``test_name_format``): Gradescope renders nothing in that format, no HTML,
Markdown or ANSI. Messages quote the submission (code, columns, exception text), and the top-level
``output`` would otherwise be ``"simple_format"``, which renders HTML. Control characters are shown as
escapes, since plain text would carry them to the page as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from heldout.report.escape import visible_controls

__all__ = ["FORMATS", "VISIBILITIES", "to_gradescope", "validate_gradescope", "write_gradescope"]

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
FORMATS = ("text", "simple_format", "html", "md", "ansi")
_FORMAT_KEYS = ("output_format", "test_output_format", "test_name_format")
_AFTER_PUBLISHED = frozenset({"holdout_beats_baselines"})


def to_gradescope(result: dict[str, Any]) -> dict[str, Any]:
    tests = []
    for check in result.get("checks", []):
        tests.append(
            {
                "name": visible_controls(f"{check['id']}: {check['title']}"),
                "name_format": "text",
                "score": check["points"],
                "max_score": check["max_points"],
                "output": visible_controls(f"{check['verdict'].upper()}: {check['message']}"),
                "output_format": "text",
                "status": "failed" if check["verdict"] == "fail" else "passed",
                "visibility": "after_published" if check["id"] in _AFTER_PUBLISHED else "visible",
            }
        )
    public = (result.get("holdout") or {}).get("public")
    if isinstance(public, dict) and isinstance(public.get("score"), int | float):
        # Shown on every submission, like a public leaderboard: the private part waits for publication.
        holdout = result["holdout"]
        tests.append(
            {
                "name": f"hidden holdout, public part: {holdout['metric']}",
                "name_format": "text",
                "score": 0,
                "max_score": 0,
                "output": (
                    f"{holdout['metric']} on the public part of the hidden holdout "
                    f"({public['rows']:,} rows): {public['score']:.3f}. The other rows are scored when "
                    "grades are published."
                ),
                "output_format": "text",
                "status": "passed",
                "visibility": "visible",
            }
        )
    output = f"heldout: {result['status']}"
    if result.get("error"):
        output += f" ({result['error']['kind']}): {result['error']['message']}"
    return {
        "score": result["score"]["points"],
        "output": visible_controls(output),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "tests": tests,
    }


def validate_gradescope(data: dict[str, Any]) -> list[str]:
    """Problems with ``data`` as a Gradescope results.json (empty when it is valid)."""
    problems = []
    if not isinstance(data.get("score"), int | float):
        problems.append("score must be a number")
    if data.get("visibility", "visible") not in VISIBILITIES:
        problems.append("visibility is not one of " + ", ".join(VISIBILITIES))
    for key in _FORMAT_KEYS:
        if data.get(key, "text") not in FORMATS:
            problems.append(f"{key} is not one of " + ", ".join(FORMATS))
    for i, test in enumerate(data.get("tests", [])):
        for key, kind in (
            ("score", (int, float)),
            ("max_score", (int, float)),
            ("name", str),
            ("output", str),
        ):
            if not isinstance(test.get(key), kind):
                problems.append(f"tests[{i}].{key} is missing or of the wrong type")
        for key in ("output_format", "name_format"):
            if test.get(key, "text") not in FORMATS:
                problems.append(f"tests[{i}].{key} is not one of " + ", ".join(FORMATS))
        if test.get("status", "passed") not in ("passed", "failed"):
            problems.append(f"tests[{i}].status must be passed or failed")
        if test.get("visibility", "visible") not in VISIBILITIES:
            problems.append(f"tests[{i}].visibility is not one of " + ", ".join(VISIBILITIES))
        if (
            isinstance(test.get("score"), int | float)
            and isinstance(test.get("max_score"), int | float)
            and test["score"] > test["max_score"]
        ):
            problems.append(f"tests[{i}].score exceeds max_score")
    return problems


def write_gradescope(result: dict[str, Any], out: Path) -> list[Path]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(to_gradescope(result), indent=2) + "\n", encoding="utf-8")
    return [out]
