"""What ``heldout lint FILE`` costs as a whole process (a pre-commit hook, an editor, ``heldout watch``),
measured against ``python -c pass``: prints a table of figures and ratios.

Runs alternate the two sides (``python -c pass``, then ``python -m heldout lint FILE``) so that a shared
machine's drift hits both alike; each figure is the median of its runs. FILE is a one-line script unless
``--file`` names another. The whole-process target is 0.3 s; the overhead over a bare interpreter is
what heldout itself adds (its imports, argument parsing and the lint).

    python3 benchmarks/lint_startup.py [--runs 15] [--file notebook.ipynb]

Exits 1 only if a command could not run; a slow figure is a figure to read, not a failure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.3
# What `heldout lint` must not import: the grader's checks and the libraries they pull in.
HEAVY = ("sklearn", "scipy", "pandas", "numpy", "heldout.checks", "heldout.result", "heldout.grading")


def _seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: the file has an error finding, still a lint run
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return elapsed


def heavy_imports(target: Path, env: dict[str, str]) -> list[str]:
    """Modules of HEAVY that a `heldout lint` run imported (read from the process itself)."""
    probe = (
        "import sys, io, contextlib\n"
        "from heldout.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['lint', {str(target)!r}])\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()


def _environment(pycache: Path) -> dict[str, str]:
    """This checkout's heldout, with bytecode cached (in a private folder) as an installed package has it:
    without a cache every run recompiles heldout's modules, a cost no installed copy pays."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each side (default 15)")
    parser.add_argument("--file", type=Path, help="the file to lint (default: a one-line script)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        env = _environment(Path(folder) / "pycache")
        target = args.file or Path(folder) / "one_line.py"
        if args.file is None:
            target.write_text("x = 1\n", encoding="utf-8")
        bare = [sys.executable, "-c", "pass"]
        lint = [sys.executable, "-m", "heldout", "lint", str(target)]
        try:
            _seconds(lint, env)  # warm-up: the page cache, and the bytecode written once
            pairs = [(_seconds(bare, env), _seconds(lint, env)) for _ in range(args.runs)]
            heavy = heavy_imports(target, env)
        except (RuntimeError, subprocess.CalledProcessError, OSError) as error:
            print(f"could not measure: {error}")
            return 1
    bare_s = statistics.median(p[0] for p in pairs)
    lint_s = statistics.median(p[1] for p in pairs)
    overhead = statistics.median(p[1] - p[0] for p in pairs)
    print(f"{'command':<32} median s")
    print(f"{'python -c pass':<32} {bare_s:8.3f}")
    print(f"{'python -m heldout lint FILE':<32} {lint_s:8.3f}")
    print()
    print(f"{args.runs} runs each, alternating; file: {target.name}")
    print(f"heldout's own overhead (paired median): {overhead:.3f} s")
    print(f"lint / bare interpreter: {lint_s / bare_s:.2f}x")
    print(f"whole process vs the {TARGET_SECONDS} s target: {lint_s / TARGET_SECONDS:.0%} of it")
    packages = sorted({name if name.startswith("heldout.") else name.split(".")[0] for name in heavy})
    print(f"heavy modules imported by `heldout lint`: {len(heavy)} ({', '.join(packages) or 'none'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
