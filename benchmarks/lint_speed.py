"""How long ``heldout lint`` takes per notebook, on every notebook in the repository.

Each notebook is linted N times in this process (after one untimed warm-up pass, so imports and the
scenario manifest cache are not credited to the first notebook). A notebook's figure is the median of
its N runs; the table and the summary give the median and the maximum of those figures over notebooks,
and their ratio to the 0.2 s target. The one-off cost of importing the lint is reported apart.

    python3 benchmarks/lint_speed.py [--runs 20] [--root .]

Exits 1 only if a notebook could not be linted; a slow result is a figure to read, not a failure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

TARGET_SECONDS = 0.2
_SKIPPED_FOLDERS = {".git", ".ipynb_checkpoints", ".nox", ".venv", "venv", "node_modules", "__pycache__"}


def notebooks(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.ipynb")
        if not _SKIPPED_FOLDERS.intersection(part for part in path.relative_to(root).parts)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per notebook (default 20)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from heldout.lint import lint_path

    import_seconds = time.perf_counter() - started
    paths = notebooks(args.root)
    if not paths:
        print(f"no notebooks under {args.root}")
        return 1
    try:
        for path in paths:  # warm-up: manifests read and cached, code paths loaded
            lint_path(path)
        per_notebook: dict[Path, float] = {}
        for path in paths:
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                lint_path(path)
                times.append(time.perf_counter() - start)
            per_notebook[path] = statistics.median(times)
    except Exception as error:
        print(f"lint failed on {path}: {type(error).__name__}: {error}")
        return 1

    width = max(len(str(p.relative_to(args.root))) for p in paths)
    print(f"{'notebook':<{width}}  median ms")
    for path, seconds in sorted(per_notebook.items(), key=lambda item: -item[1]):
        print(f"{path.relative_to(args.root)!s:<{width}}  {seconds * 1000:9.2f}")
    figures = list(per_notebook.values())
    median, worst = statistics.median(figures), max(figures)
    print()
    print(
        f"{len(paths)} notebooks, {args.runs} runs each; "
        f"importing heldout.lint took {import_seconds:.3f} s once"
    )
    print(
        f"seconds per notebook: median {median:.4f}, max {worst:.4f}; target {TARGET_SECONDS} s: "
        f"median at {median / TARGET_SECONDS:.1%} of it, max at {worst / TARGET_SECONDS:.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
