"""Reading notebooks and scripts into cells, and making IPython syntax parse without moving lines."""

from __future__ import annotations

import json
from pathlib import Path

from heldout.lint import lint_path, lint_source
from heldout.lint.source import blank_ipython, parse_cell, read_source


def _notebook(path: Path, cells: list[tuple[str, str]], metadata: dict | None = None) -> Path:
    document = {
        "cells": [{"cell_type": kind, "metadata": {}, "source": text} for kind, text in cells],
        "metadata": metadata or {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_code_cells_are_numbered_among_code_cells_only(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path / "n.ipynb",
        [("markdown", "# title"), ("code", "a = 1"), ("raw", "x"), ("code", ""), ("code", ["b = ", "2\n"])],
        {"heldout": {"scenario": "imbalance"}},
    )
    source = read_source(path)
    assert source.cells == ("a = 1", "", "b = 2\n")  # empty code cells keep their number
    assert source.notebook and source.scenario == "imbalance"


def test_magics_and_shell_lines_are_blanked_in_place() -> None:
    cell = "%matplotlib inline\n!pip install x\nfiles = !ls\nfor i in range(2):\n    %time f(i)\ndf?\nx = 1"
    cleaned = blank_ipython(cell)
    assert cleaned.split("\n") == ["pass", "pass", "pass", "for i in range(2):", "    pass", "pass", "x = 1"]
    parsed = parse_cell(cell, 3)
    assert parsed.module is not None and parsed.error is None
    assert parsed.module.body[-1].lineno == 7  # line numbers are the cell's own


def test_cell_magics_keep_python_bodies_and_drop_others() -> None:
    assert blank_ipython("%%time\nx = 1").split("\n") == ["", "x = 1"]
    assert blank_ipython("%%bash\nls -la\nrm x") == "\n\n"


def test_valid_python_is_never_rewritten() -> None:
    text = 'print("100 %")\nratio = (a\n         % b)\nlabel = "!important"'
    module = parse_cell(text, 1).module
    assert module is not None
    assert [type(s).__name__ for s in module.body] == ["Expr", "Assign", "Assign"]  # no line became `pass`


def test_a_cell_that_does_not_parse_is_a_hint_and_the_rest_is_still_linted() -> None:
    cells = [
        "from sklearn.preprocessing import StandardScaler\nimport pandas as pd\ndf = pd.read_csv('d.csv')",
        "def broken(:\n    pass",
        "X = StandardScaler().fit_transform(df)\nfrom sklearn.model_selection import train_test_split",
        "from sklearn.linear_model import LinearRegression\nfrom sklearn.metrics import r2_score\n"
        "a, b = train_test_split(X)\nm = LinearRegression().fit(X, df['y'])\nr2_score(df['y'], m.predict(b))",
    ]
    findings = lint_source(cells)
    syntax = [f for f in findings if f.kind == "syntax"]
    assert [(f.cell, f.line, f.severity) for f in syntax] == [(2, 1, "hint")]
    assert "Cell 2 does not parse" in syntax[0].message
    assert {f.kind for f in findings if f.severity == "error"} == {"preprocessing_leak"}


def test_unreadable_files_are_hints_never_exceptions(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.ipynb"
    bad_json.write_text("{not json", encoding="utf-8")
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\x80\x81\xfe")
    not_a_notebook = tmp_path / "list.ipynb"
    not_a_notebook.write_text("[1, 2]", encoding="utf-8")
    for path in (bad_json, binary, not_a_notebook):
        (finding,) = lint_path(path)
        assert finding.kind == "syntax" and finding.severity == "hint" and finding.cell is None
        assert path.name in finding.message


def test_a_script_with_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("x = 1\ny = (\n", encoding="utf-8")
    (finding,) = lint_path(script)
    assert finding.kind == "syntax" and finding.cell is None and finding.line == 2
    assert finding.message.startswith("The script does not parse")


def test_null_bytes_and_absurd_nesting_do_not_crash() -> None:
    assert [f.kind for f in lint_source(["x = 1\x00"])] == ["syntax"]
    deep = "x = " + "(" * 300 + "1" + ")" * 300
    assert [f.kind for f in lint_source([deep])] in ([], ["syntax"])
    long_chain = "x = 1" + " + 1" * 20000
    assert [f.kind for f in lint_source([long_chain])] in ([], ["syntax"])
