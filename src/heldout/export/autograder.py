"""What Gradescope's ``run_autograder`` runs: grade the one notebook in ``/autograder/submission`` and
write ``/autograder/results/results.json``, whatever happens.

Gradescope shows a submission nothing but what results.json says, so every outcome writes one: no
notebook or several, a notebook that cannot be graded, and heldout's own failure (told apart from the
student's). The notebook runs under bubblewrap only: where the sandbox cannot start, no student code
runs on this image, which holds the hidden labels. ``--check`` (run by setup.sh while the image is
built) proves the scenario, its hidden labels and the sandbox are all there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["autograde", "main"]


def _message(text: str) -> dict[str, Any]:
    from heldout.report.escape import visible_controls

    return {
        "score": 0,
        "output": visible_controls(text),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "tests": [],
    }


def _write(results: Path, data: dict[str, Any]) -> None:
    results.mkdir(parents=True, exist_ok=True)
    tmp = results / ".results.json.tmp"
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(results / "results.json")


def _notebooks(submission: Path) -> list[Path]:
    return sorted(
        p for p in submission.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()
    )


def _grade(root: Path, scenario: str) -> dict[str, Any]:
    from heldout.execute.sandbox import isolation_tier
    from heldout.grading import grade
    from heldout.report.gradescope import to_gradescope

    notebooks = _notebooks(root / "submission")
    if len(notebooks) != 1:
        found = ", ".join(p.name for p in notebooks) or "none"
        return _message(f"heldout: upload exactly one notebook (.ipynb); found {found}")
    if isolation_tier() != "bubblewrap":
        return _message(
            "heldout could not start its sandbox (bubblewrap) on this autograder image, so your notebook "
            "was not run. This is the course's setup, not your submission: tell the instructor."
        )
    result = grade(notebooks[0], scenario=scenario, isolation="bubblewrap")
    return to_gradescope(result.to_json())


def autograde(root: Path, scenario: str) -> dict[str, Any]:
    """Grade ``root``/submission and write ``root``/results/results.json; returns what was written."""
    try:
        data = _grade(root, scenario)
    except Exception as error:  # heldout's own failure: the student still gets a results.json
        data = _message(
            "heldout failed while grading (its fault, not your submission's): "
            f"{type(error).__name__}: {error}"
        )
    _write(root / "results", data)
    return data


def _check(scenario: str) -> int:
    from heldout.execute.sandbox import isolation_tier
    from heldout.grading import load_scenario
    from heldout.paths import project_root

    manifest = load_scenario(scenario)
    hidden = project_root() / "datasets" / manifest.dataset.name / "hidden" / manifest.dataset.holdout_labels
    if not hidden.is_file():
        print(f"heldout: {hidden} is missing: the autograder cannot score submissions", file=sys.stderr)
        return 1
    if isolation_tier() != "bubblewrap":
        print(
            "heldout: bubblewrap cannot start on this image (user namespaces are needed); submissions "
            "would not be graded",
            file=sys.stderr,
        )
        return 1
    print(f"heldout: autograder for {manifest.id} ready (hidden labels present, bubblewrap works)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m heldout.export.autograder")
    parser.add_argument("--scenario", required=True)
    parser.add_argument(
        "--root", type=Path, default=Path(os.environ.get("HELDOUT_AUTOGRADER_ROOT", "/autograder"))
    )
    parser.add_argument("--check", action="store_true", help="check this image can grade, grade nothing")
    args = parser.parse_args(argv)
    if args.check:
        return _check(args.scenario)
    data = autograde(args.root, args.scenario)
    print(data["output"])
    return 0  # Gradescope reads results.json; a non-zero exit would only hide it behind an error


if __name__ == "__main__":
    sys.exit(main())
