"""``heldout export classroom``: a GitHub Classroom template repository for one scenario.

The folder holds what a student may see and nothing else: the brief, the starter notebook, the shipped
training data (never ``hidden/``, never a solution) and a GitHub Actions workflow that runs
``heldout lint`` on every push. The lint reads the code alone (no data, no run), so the workflow
installs heldout without its dependencies and finishes in seconds; it fails the push when a finding
of severity error exists. The full grade, which needs the hidden labels, stays on the instructor's
machine: ``heldout grade-batch`` over the cloned student repositories.
"""

from __future__ import annotations

import json
from pathlib import Path

from heldout.errors import HeldoutError
from heldout.manifest import Manifest

__all__ = ["WORKFLOW_PATH", "classroom_files", "workflow_yaml", "write_classroom"]

WORKFLOW_PATH = ".github/workflows/heldout-lint.yml"

_WORKFLOW = """\
# Written by `heldout export classroom {scenario}`. Lints the notebooks on every push: no data is read,
# nothing runs, and this repository holds no hidden labels (the instructor grades with them elsewhere).
name: heldout lint
on: [push, pull_request]
permissions:
  contents: read
jobs:
  lint:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install heldout (the lint needs none of its dependencies)
        run: |
          python -m pip install --no-deps {requirement}
      - name: Lint the notebooks (fails on a finding of severity error)
        run: heldout lint .
"""


def workflow_yaml(scenario: str, requirement: str) -> str:
    if not requirement.strip() or "\n" in requirement:
        raise HeldoutError(f"--requirement must be one pip requirement (got {requirement!r})")
    # One shell word inside a YAML block scalar: neither the shell nor YAML reads anything into it.
    quoted = "'" + requirement.replace("'", "'\"'\"'") + "'"
    return _WORKFLOW.format(scenario=scenario, requirement=quoted)


def classroom_files(manifest: Manifest, root: Path, requirement: str) -> dict[str, bytes]:
    dataset = root / "datasets" / manifest.dataset.name
    files = {
        "prompt.md": manifest.prompt.read_bytes(),
        "starter.ipynb": manifest.starter.read_bytes(),
        WORKFLOW_PATH: workflow_yaml(manifest.id, requirement).encode(),
    }
    for name in manifest.dataset.candidate_files:
        files[name] = (dataset / name).read_bytes()
    json.loads(files["starter.ipynb"])  # a broken starter would fail every student's first push
    return files


def write_classroom(manifest: Manifest, root: Path, out: Path, requirement: str) -> list[Path]:
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise HeldoutError(f"{out} exists and is not empty; choose a new --out")
    written = []
    for name, data in sorted(classroom_files(manifest, root, requirement).items()):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
