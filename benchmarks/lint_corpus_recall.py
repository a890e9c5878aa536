"""Recall and precision of ``heldout lint`` on the wild-style corpus (tests/lint/corpus/wild_*).

Each case is there twice: ``*_leak`` declares its findings on its first line (``# expect: ...``), and
``*_fixed`` is the same code with the mistake fixed. A leak counts as found when every declared finding
is reported, at its kind and place, as an error (and, more leniently, as a finding of any severity); a
fixed file counts as a false alarm when it gets any error. Precision is found leaks over found leaks
plus false alarms. The hints a file also declares are not counted.

    python3 benchmarks/lint_corpus_recall.py [--verbose]

Prints figures only; tests/lint/test_corpus.py is what asserts them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "lint"))
sys.path.insert(0, str(ROOT / "src"))

from test_corpus import expected_findings  # noqa: E402

from heldout.lint import lint_path  # noqa: E402

CORPUS = ROOT / "tests" / "lint" / "corpus"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="name every missed leak and false alarm")
    args = parser.parse_args(argv)
    leaks = sorted(p for p in CORPUS.glob("wild_*_leak.*"))
    fixed = sorted(p for p in CORPUS.glob("wild_*_fixed.*"))
    found = lenient = alarms = 0
    for path in leaks:
        expected = {item for item in expected_findings(path) if item[1] == "error"}  # declared hints aside
        findings = lint_path(path)
        errors = {(f.kind, f.severity, f.cell, f.line) for f in findings if f.severity == "error"}
        anything = {(f.kind, f.cell, f.line) for f in findings}
        if expected <= errors:
            found += 1
        elif args.verbose:
            print(f"missed  {path.name}: {sorted(expected - errors)}")
        if {(kind, cell, line) for kind, _, cell, line in expected} <= anything:
            lenient += 1
    for path in fixed:
        errors = [f for f in lint_path(path) if f.severity == "error"]
        if errors:
            alarms += 1
            if args.verbose:
                print(f"alarm   {path.name}: {[(f.kind, f.location) for f in errors]}")
    n = len(leaks)
    precision = found / (found + alarms) if found + alarms else 0.0
    print(f"{n} leaky files, {len(fixed)} fixed twins")
    print(f"recall (every declared finding, as an error): {found}/{n} = {found / n:.2f}")
    print(f"recall (declared kind and place, any severity): {lenient}/{n} = {lenient / n:.2f}")
    print(f"false alarms (an error on a fixed twin): {alarms}/{len(fixed)}")
    print(f"precision: {found}/{found + alarms} = {precision:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
