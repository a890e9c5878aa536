"""``heldout export gradescope``: the autograder archive Gradescope builds its grading image from.

Gradescope's "Autograder Specifications": a zip with ``setup.sh`` (run once as root on an Ubuntu
image while the image is built) and ``run_autograder`` (run for every submission, working directory
``/autograder``) at its root. Gradescope unpacks the zip into ``/autograder/source``, puts the student's
files in ``/autograder/submission`` and reads ``/autograder/results/results.json`` when
``run_autograder`` ends.

The archive holds ``heldout/``: heldout's own source and packaging, this scenario's exercise folder and
its dataset *with the hidden labels*. Students never see the archive; the labels stay outside the
sandbox the submission runs in, as they do on the grader's machine. ``run_autograder`` grades with
bubblewrap or not at all: on an image where the sandbox cannot start, every submission gets a
``results.json`` that says so, and no student code runs next to the labels.

The bytes depend only on the files put in: entries sorted, one timestamp, fixed modes.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from heldout.errors import HeldoutError
from heldout.export.archive import write_zip
from heldout.manifest import Manifest

__all__ = ["PROJECT_FOLDER", "gradescope_files", "write_gradescope_archive"]

PROJECT_FOLDER = "heldout"  # below /autograder/source

# Gradescope's images are Ubuntu; 22.04's python3 is 3.10, older than heldout needs, so setup.sh takes
# the newest python3.X the image has or can install, and keeps heldout in its own virtual environment
# (24.04's system pip refuses to install outside one).
_SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the grading image (heldout export gradescope).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq bubblewrap python3 python3-venv python3-pip
python=""
for candidate in python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
done
if [ -z "$python" ]; then
  apt-get install -y -qq python3.11 python3.11-venv
  python=python3.11
fi
"$python" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --upgrade pip
/autograder/venv/bin/python -m pip install --quiet /autograder/source/{project}
# Fails the image build here, where the instructor sees it, rather than on the first submission.
/autograder/venv/bin/python -m heldout.export.autograder --check --scenario {scenario}
"""

# HELDOUT_AUTOGRADER_ROOT moves /autograder (tests run this script against a fake tree).
_RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission (heldout export gradescope).
set -uo pipefail
root="${{HELDOUT_AUTOGRADER_ROOT:-/autograder}}"
python="$root/venv/bin/python"
[ -x "$python" ] || python=python3
export HELDOUT_HOME="$root/source/{project}"
exec "$python" -m heldout.export.autograder --scenario {scenario} --root "$root"
"""


def _tree(root: Path, folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` except caches and dotfiles, by its path relative to ``root``."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(
            part.startswith(".") or part == "__pycache__" for part in relative.parts
        ):
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def gradescope_files(manifest: Manifest, root: Path) -> dict[str, bytes]:
    """The archive's contents: archive name -> bytes."""
    dataset = root / "datasets" / manifest.dataset.name
    if not (dataset / "hidden" / manifest.dataset.holdout_labels).is_file():
        raise HeldoutError(
            f"{dataset / 'hidden'} has no {manifest.dataset.holdout_labels}: the autograder needs the hidden "
            "labels (run heldout datasets check)"
        )
    project: dict[str, bytes] = {}
    for name in ("pyproject.toml", "README.md"):
        project[name] = (root / name).read_bytes()
    project.update(_tree(root, root / "src" / "heldout"))
    project.update(_tree(root, manifest.path.parent))
    project.update(_tree(root, dataset))
    quoted = shlex.quote(manifest.id)
    files = {f"{PROJECT_FOLDER}/{name}": data for name, data in project.items()}
    files["setup.sh"] = _SETUP_SH.format(project=PROJECT_FOLDER, scenario=quoted).encode()
    files["run_autograder"] = _RUN_AUTOGRADER.format(project=PROJECT_FOLDER, scenario=quoted).encode()
    return files


def write_gradescope_archive(manifest: Manifest, root: Path, out: Path) -> Path:
    if Path(out).suffix != ".zip":
        raise HeldoutError(f"--out must be a .zip file (got {out})")
    return write_zip(
        out, gradescope_files(manifest, root), executable=frozenset({"setup.sh", "run_autograder"})
    )
