"""``heldout.lint.cli.run``: the findings as text or JSON, and the exit code."""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from heldout.lint.cli import run

CORPUS = Path(__file__).resolve().parent / "corpus"
LEAKY = CORPUS / "leak_scaler_before_split.py"
CLEAN = CORPUS / "clean_pipeline_gridsearch.py"
HINT_ONLY = CORPUS / "hint_independent_splits.py"
NOTEBOOK = CORPUS / "leak_notebook_cells.ipynb"


def _run(paths: list[Path], fmt: str = "text") -> tuple[int, str]:
    stream = io.StringIO()
    code = run(paths, fmt, stream)
    return code, stream.getvalue()


def test_clean_file_exits_0_and_says_so() -> None:
    code, out = _run([CLEAN])
    assert code == 0
    assert out == "heldout lint: 1 file, no findings\n"


def test_error_finding_exits_1_with_location_kind_check_and_message() -> None:
    code, out = _run([LEAKY, NOTEBOOK])
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        f"{LEAKY}: line 9: error preprocessing_leak (runtime check: no_fit_on_evaluated_rows): "
        "StandardScaler "
    )
    assert lines[1].startswith(f"{NOTEBOOK}: cell 2, line 3: error preprocessing_leak")
    assert lines[-1] == "heldout lint: 2 files, 2 errors, 0 hints"


def test_hints_alone_exit_0() -> None:
    code, out = _run([HINT_ONLY])
    assert code == 0
    assert ": line 12: hint preprocessing_leak" in out and out.endswith("0 errors, 1 hint\n")


def test_json_output_holds_every_field() -> None:
    code, out = _run([LEAKY, CLEAN], "json")
    assert code == 1
    document = json.loads(out)
    assert document["schema"] == "heldout.lint/1"
    assert document["summary"] == {"files": 2, "errors": 1, "hints": 0}
    first, second = document["files"]
    assert first["path"] == str(LEAKY) and second == {"path": str(CLEAN), "findings": []}
    (finding,) = first["findings"]
    assert set(finding) == {"kind", "severity", "cell", "line", "subject", "message", "check_id"}
    assert finding["kind"] == "preprocessing_leak" and finding["severity"] == "error"
    assert finding["cell"] is None and finding["line"] == 9
    assert finding["check_id"] == "no_fit_on_evaluated_rows"


def test_a_folder_means_every_notebook_and_script_below_it(tmp_path: Path) -> None:
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    (tmp_path / "nested" / "deeper" / "leaky.py").write_text(
        LEAKY.read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "notes.ipynb").write_text(NOTEBOOK.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "notes-checkpoint.ipynb").write_text("{", encoding="utf-8")
    venv = tmp_path / "venv"
    (venv / "lib").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (venv / "lib" / "module.py").write_text("x = (", encoding="utf-8")
    code, out = _run([tmp_path], "json")
    assert code == 1
    linted = [Path(f["path"]).relative_to(tmp_path).as_posix() for f in json.loads(out)["files"]]
    assert linted == ["nested/deeper/leaky.py", "notes.ipynb"]


def test_an_empty_folder_lints_nothing(tmp_path: Path) -> None:
    assert _run([tmp_path]) == (0, "heldout lint: 0 files, no findings\n")


def test_missing_paths_and_other_files_are_usage_errors(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    code, out = _run([LEAKY, tmp_path / "missing.ipynb"])
    assert (code, out) == (2, f"heldout lint: {tmp_path / 'missing.ipynb'} does not exist\n")
    code, out = _run([other])
    assert code == 2 and "neither a notebook (.ipynb) nor a script (.py)" in out
    code, out = _run([other], "json")
    assert code == 2 and "neither a notebook" in json.loads(out)["error"]
    assert _run([])[0] == 2
    assert _run([CLEAN], "yaml") == (2, "heldout lint: unknown format 'yaml' (choose text or json)\n")


def test_heldout_lint_imports_only_the_lint(tmp_path: Path) -> None:
    # A pre-commit hook or an editor starts `heldout lint` on every save: it must not load the grader
    # (heldout.checks, heldout.result) nor the libraries that grader needs (seconds of start-up).
    script = tmp_path / "one_line.py"
    script.write_text("x = 1\n", encoding="utf-8")
    probe = (
        "import sys, io, contextlib\n"
        "from heldout.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['lint', {str(script)!r}])\n"
        "heavy = ('sklearn', 'scipy', 'pandas', 'numpy', 'matplotlib')\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
        "      or (m.startswith('heldout.') and not m.startswith('heldout.lint'))))\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    code, modules = done.stdout.split(" ", 1)
    assert code == "0"
    # heldout.errors (the CLI's exception types) and the lint's own helpers are all it may need.
    allowed = {
        "heldout.cli",
        "heldout.errors",
        "heldout.notebook_json",
        "heldout.metric_names",
        "heldout.pandas_names",
    }
    assert set(ast.literal_eval(modules)) <= allowed, modules
