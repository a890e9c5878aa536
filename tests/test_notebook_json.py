"""A malformed notebook (too deep, too large, wrong types) is refused with a sentence, never a crash.

The grader's reading stage and the lint share ``heldout.notebook_json``; each malformation is tried on
both, and on ``grade`` and ``grade-batch`` where the refusal must be an ``invalid`` result. Nothing here
starts a kernel: every case is refused before one would.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from heldout import notebook_json
from heldout.batch import grade_batch
from heldout.errors import SubmissionError
from heldout.grading import grade, read_submission
from heldout.lint import lint_path
from heldout.notebook_json import MAX_DEPTH, json_depth

BASE = {
    "cells": [
        {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# Answer"},
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "c1",
            "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}],
            "source": ["x = 1\n", "print(x)"],
        },
    ],
    "metadata": {"heldout": {"scenario": "imbalance"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _changed(change: Callable[[dict], object]) -> str:
    notebook = copy.deepcopy(BASE)
    change(notebook)
    return json.dumps(notebook)


def _nested(depth: int) -> str:
    """BASE with a metadata value nested so that the whole document is ``depth`` levels deep."""
    arrays = depth - 2  # inside the document's object and its metadata object
    deep = '"metadata": {"deep": ' + "[" * arrays + "]" * arrays + ', "heldout"'
    return json.dumps(BASE).replace('"metadata": {"heldout"', deep)


def _code_cell(notebook: dict) -> dict:
    return notebook["cells"][1]


# name -> (the file's text, a fragment the refusal must contain)
MALFORMED: dict[str, tuple[str, str]] = {
    "nested_200000_deep": (
        _nested(200_000),
        "its JSON nests 200,000 levels deep; heldout reads at most 64",
    ),
    "nested_one_past_the_limit": (_nested(MAX_DEPTH + 1), f"nests {MAX_DEPTH + 1} levels deep"),
    "cells_not_a_list": (
        _changed(lambda nb: nb.update(cells={"x": 1})),
        "'cells' must be a list of cells (got an object)",
    ),
    "cell_not_an_object": (
        _changed(lambda nb: nb["cells"].append("x = 2")),
        'cell 3 (counting every cell) must be an object (got "x = 2", a string)',
    ),
    "cell_type_unknown": (
        _changed(lambda nb: _code_cell(nb).update(cell_type="python")),
        "the cell_type of cell 2 (counting every cell) must be code, markdown or raw",
    ),
    "source_a_number": (
        _changed(lambda nb: _code_cell(nb).update(source=5)),
        "the source of cell 2 (counting every cell) must be a string or a list of strings (got 5, a number)",
    ),
    "source_list_with_a_number": (
        _changed(lambda nb: _code_cell(nb).update(source=["x = 1\n", 7])),
        "must be a string or a list of strings (item 2 is 7, a number)",
    ),
    "source_an_object": (
        _changed(lambda nb: nb["cells"][0].update(source={"text": "# Answer"})),
        "the source of cell 1 (counting every cell) must be a string or a list of strings (got an object)",
    ),
    "metadata_a_list": (
        _changed(lambda nb: nb.update(metadata=[{"heldout": {}}])),
        "the notebook's metadata must be an object (got a list of 1 item)",
    ),
    "cell_metadata_a_string": (
        _changed(lambda nb: _code_cell(nb).update(metadata="none")),
        "the metadata of cell 2 (counting every cell) must be an object",
    ),
    "outputs_a_string": (
        _changed(lambda nb: _code_cell(nb).update(outputs="none")),
        "the outputs of cell 2 (counting every cell) must be a list of outputs",
    ),
    "output_not_an_object": (
        _changed(lambda nb: _code_cell(nb).update(outputs=["1\n"])),
        "output 1 of cell 2 (counting every cell) must be an object",
    ),
    "output_type_unknown": (
        _changed(lambda nb: _code_cell(nb)["outputs"][0].update(output_type=5)),
        "must have an output_type of stream, display_data, execute_result or error (got 5, a number)",
    ),
    "output_text_a_number": (
        _changed(lambda nb: _code_cell(nb)["outputs"][0].update(text=1)),
        "the text of output 1 of cell 2 (counting every cell) must be a string or a list of strings",
    ),
    "execution_count_a_string": (
        _changed(lambda nb: _code_cell(nb).update(execution_count="1")),
        "the execution_count of cell 2 (counting every cell) must be a whole number or null",
    ),
    "heldout_metadata_a_list": (
        _changed(lambda nb: nb["metadata"].update(heldout=["imbalance"])),
        "metadata.heldout must be an object (got a list of 1 item)",
    ),
    "scenario_a_number": (
        _changed(lambda nb: nb["metadata"]["heldout"].update(scenario=5)),
        "metadata.heldout.scenario must be a string (got 5, a number)",
    ),
    "scenario_a_list": (
        _changed(lambda nb: nb["metadata"]["heldout"].update(scenario=["imbalance"])),
        "metadata.heldout.scenario must be a string (got a list of 1 item)",
    ),
    "bundle_true": (
        _changed(lambda nb: nb["metadata"]["heldout"].update(bundle=True)),
        "metadata.heldout.bundle must be a string (got true, a boolean)",
    ),
    "nbformat_a_string": (
        _changed(lambda nb: nb.update(nbformat="4")),
        'nbformat must be a whole number (got "4", a string)',
    ),
    "nbformat_minor_nan": (
        json.dumps(BASE).replace('"nbformat_minor": 5', '"nbformat_minor": NaN'),
        "nbformat_minor must be a whole number (got NaN, a number)",
    ),
    "a_number_of_5000_digits": (
        json.dumps(BASE).replace('"execution_count": 1', '"execution_count": ' + "9" * 5000),
        "it holds a number of 5,000 digits; heldout reads numbers of at most 4,300",
    ),
    "an_unpaired_surrogate": (
        json.dumps(BASE).replace("x = 1", "x = '\\ud800'"),
        "its text holds \\ud800, half of a UTF-16 pair",
    ),
    "a_list_not_a_notebook": ("[1, 2]", "is JSON but not a notebook (no 'cells')"),
    "truncated_json": (json.dumps(BASE)[:80], "is not valid notebook JSON"),
    "a_control_character_in_a_value": (
        _changed(lambda nb: nb["metadata"]["heldout"].update(scenario=["\x1b[2J"])),
        "metadata.heldout.scenario must be a string",
    ),
}


@pytest.fixture(params=sorted(MALFORMED), ids=sorted(MALFORMED))
def malformed(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    text, fragment = MALFORMED[request.param]
    path = tmp_path / f"{request.param}.ipynb"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path, fragment


def test_the_well_formed_base_is_read(tmp_path: Path) -> None:
    path = tmp_path / "fine.ipynb"
    path.write_text(json.dumps(BASE), encoding="utf-8")
    assert read_submission(path).declared_scenario == "imbalance"
    assert [f.kind for f in lint_path(path)] == []


def test_the_reading_stage_refuses_each_malformation_in_words(malformed: tuple[Path, str]) -> None:
    path, fragment = malformed
    with pytest.raises(SubmissionError) as refused:
        read_submission(path)
    message = str(refused.value)
    assert message.startswith(f"{path.name} is ") and fragment in message
    assert "\x1b" not in message and "Traceback" not in message and len(message) < 300


def test_grading_makes_each_malformation_an_invalid_result(malformed: tuple[Path, str]) -> None:
    path, fragment = malformed
    result = grade(path)
    assert result.error is not None and result.error.kind == "invalid" and fragment in result.error.message
    assert result.exit_code == 3 and result.submission_sha256 is not None


def test_the_lint_reports_each_malformation_as_unreadable(malformed: tuple[Path, str]) -> None:
    path, fragment = malformed
    (finding,) = lint_path(path)
    assert finding.kind == "syntax" and finding.severity == "hint" and finding.cell is None
    assert finding.message.startswith(f"{path.name} is ") and fragment in finding.message
    assert finding.message.endswith("so heldout could not lint it.")


def test_the_depth_limit_is_inclusive(tmp_path: Path) -> None:
    at_limit = tmp_path / "at_limit.ipynb"
    at_limit.write_text(_nested(MAX_DEPTH), encoding="utf-8")
    assert json_depth(at_limit.read_text("utf-8")) == MAX_DEPTH
    assert read_submission(at_limit).declared_scenario == "imbalance"  # nbformat copes with this depth


def test_brackets_inside_strings_are_not_nesting() -> None:
    assert json_depth('{"source": "' + "[{" * 500 + '", "x": ["\\"[["]}') == 2
    assert json_depth("") == 0 and json_depth("5") == 0
    assert json_depth('["unterminated [[[[') == 1  # the open string runs to the end of the text


def test_a_file_past_the_size_cap_is_refused_without_reading_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notebook_json, "MAX_NOTEBOOK_BYTES", 1000)
    path = tmp_path / "big.ipynb"
    path.write_text(_changed(lambda nb: _code_cell(nb).update(source="x = 1\n" * 500)), encoding="utf-8")
    with pytest.raises(SubmissionError, match=r"big.ipynb is [\d,]+ bytes, more than the 1,000 allowed"):
        read_submission(path)
    (finding,) = lint_path(path)
    assert "more than the 1,000 allowed" in finding.message


def test_a_notebook_of_another_nbformat_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.ipynb"
    path.write_text(_changed(lambda nb: nb.update(nbformat=3)), encoding="utf-8")
    with pytest.raises(SubmissionError, match="it says nbformat 3; heldout reads nbformat 4"):
        read_submission(path)
    path.write_text(_changed(lambda nb: nb.pop("nbformat")), encoding="utf-8")
    with pytest.raises(SubmissionError, match="it names no nbformat; heldout reads nbformat 4"):
        read_submission(path)


def test_heldout_grade_exits_3_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "deep.ipynb"
    path.write_text(_nested(200_000), encoding="utf-8")
    out = tmp_path / "result.json"
    run = subprocess.run(
        [sys.executable, "-m", "heldout", "grade", str(path), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr and "nests 200,000 levels deep" in run.stdout
    error = json.loads(out.read_text("utf-8"))["error"]
    assert error["kind"] == "invalid" and "heldout reads at most 64" in error["message"]


def test_a_batch_records_malformed_notebooks_as_invalid_results(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    names = ["a_number_of_5000_digits", "nested_200000_deep", "scenario_a_number"]
    for name in names:
        (folder / f"{name}.ipynb").write_text(MALFORMED[name][0], encoding="utf-8")
    entries = grade_batch(folder, tmp_path / "out", 1, grade)
    assert sorted(e.name for e in entries) == names
    for entry in entries:
        assert entry.status == "error" and entry.error is not None
        assert entry.error.startswith("invalid: ") and MALFORMED[entry.name][1] in entry.error
        data = json.loads((tmp_path / "out" / f"{entry.name}.json").read_text("utf-8"))
        assert data["error"]["kind"] == "invalid"
