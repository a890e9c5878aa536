"""Every corpus file gets exactly the findings its first line declares: the expected ones fire, at
their kind, severity and place, and nothing else does (so the clean files are checked to stay clean).

Declaration: the first line of a script, or of a notebook's first code cell, reads
``# expect: none`` or ``# expect: kind:severity@line, ...`` (``@cell:line`` in a notebook).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from heldout.lint import KINDS, lint_path, lint_source

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".py", ".ipynb"))
_ITEM = re.compile(r"^(?P<kind>\w+):(?P<severity>error|hint)@(?:(?P<cell>\d+):)?(?P<line>\d+)$")

Expected = set[tuple[str, str, int | None, int]]


def _first_line(path: Path) -> str:
    if path.suffix == ".py":
        return path.read_text(encoding="utf-8").split("\n", 1)[0]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = next(cell for cell in cells if cell["cell_type"] == "code")
    return "".join(code["source"]).split("\n", 1)[0]


def expected_findings(path: Path) -> Expected:
    line = _first_line(path)
    declared = re.fullmatch(r"#\s*expect:\s*(.+?)\s*", line)
    assert declared, f"{path.name}: the first line must declare '# expect: ...' (got {line!r})"
    if declared.group(1) == "none":
        return set()
    found: Expected = set()
    for item in declared.group(1).split(","):
        match = _ITEM.match(item.strip())
        assert match, (
            f"{path.name}: cannot read expectation {item.strip()!r} (want kind:severity@[cell:]line)"
        )
        cell = int(match["cell"]) if match["cell"] else None
        assert (cell is not None) == (path.suffix == ".ipynb"), (
            f"{path.name}: use @cell:line only in notebooks"
        )
        found.add((match["kind"], match["severity"], cell, int(match["line"])))
    return found


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_gets_exactly_its_declared_findings(path: Path) -> None:
    findings = lint_path(path)
    actual = {(f.kind, f.severity, f.cell, f.line) for f in findings}
    expected = expected_findings(path)
    messages = "\n".join(f"  {f.severity} {f.kind} {f.location}: {f.message}" for f in findings)
    assert actual == expected, f"missing {expected - actual}, unexpected {actual - expected}\n{messages}"


def test_corpus_is_large_and_shows_every_kind_firing() -> None:
    assert len(FILES) >= 25
    declared = [expected_findings(p) for p in FILES]
    fired = {kind for findings in declared for kind, *_ in findings}
    assert fired == set(KINDS), f"kinds never shown firing: {set(KINDS) - fired}"
    assert sum(1 for findings in declared if not findings) >= 12, "too few clean files in the corpus"
    assert {p.suffix for p in FILES} == {".py", ".ipynb"}


def test_the_wild_corpus_holds_every_case_both_ways() -> None:
    # Notebooks and scripts in the styles found on Kaggle and GitHub (issue 17): each leak has a twin,
    # the same code with the leak fixed, which must get no error.
    leaks = {
        p.name.rsplit("_leak.", 1)[0]: p for p in FILES if p.name.startswith("wild_") and "_leak." in p.name
    }
    fixed = {
        p.name.rsplit("_fixed.", 1)[0]: p for p in FILES if p.name.startswith("wild_") and "_fixed." in p.name
    }
    assert len(leaks) + len(fixed) >= 60
    assert set(leaks) == set(fixed), f"cases without a twin: {set(leaks) ^ set(fixed)}"
    for stem, path in leaks.items():
        assert any(severity == "error" for _, severity, *_ in expected_findings(path)), stem
        assert fixed[stem].suffix == path.suffix
        assert not any(severity == "error" for _, severity, *_ in expected_findings(fixed[stem])), stem
    assert {p.suffix for p in leaks.values()} == {".py", ".ipynb"}


# Clean corpus files are clean because the flow was followed, not because it was lost: one small
# edit that introduces the mistake must turn each of them into an error of the expected kind.
MUTATIONS = [
    (
        "clean_fit_on_train_only.py",
        [("scaler.transform(imputer.transform(X_test))", "scaler.fit_transform(imputer.transform(X_test))")],
        "preprocessing_leak",
    ),
    (
        "clean_pandas_masks.py",
        [("centre = values[first].mean(axis=0)", "centre = values.mean(axis=0)")],
        "full_frame_statistic",
    ),
    (
        "clean_pandas_masks.py",
        [('median_amount = fit_part["amount"].median()', 'median_amount = df["amount"].median()')],
        "full_frame_statistic",
    ),
    (
        "clean_pandas_masks.py",
        [('rate_by_merchant = fit_part.groupby("merchant")', 'rate_by_merchant = train.groupby("merchant")')],
        "full_frame_statistic",
    ),
    (
        "clean_manual_folds_numpy.py",
        [("model.fit(X[train_idx], y[train_idx])", "model.fit(X, y)")],
        "preprocessing_leak",
    ),
    (
        "clean_imblearn_smote_pipeline.py",
        [
            (
                "X_train, X_test, y_train, y_test = train_test_split(X, y,",
                "X, y = SMOTE().fit_resample(X, y)\n"
                "X_train, X_test, y_train, y_test = train_test_split(X, y,",
            )
        ],
        "resampling_overlap",
    ),
    (
        "clean_threshold_on_validation.py",
        [
            ("val_proba = model.predict_proba(X_val)", "val_proba = model.predict_proba(X_test)"),
            ("f1_score(y_val, val_proba >= t)", "f1_score(y_test, val_proba >= t)"),
        ],
        "multi_test",
    ),
    (
        "clean_refit_all_after_eval.py",
        [("model.fit(X_train, y_train)", "model.fit(X, y)")],
        "preprocessing_leak",
    ),
    (
        "clean_label_encoder.py",
        [
            (
                "RandomForestClassifier(random_state=0).fit(X_train, y_train)",
                "RandomForestClassifier(random_state=0).fit(X, y)",
            )
        ],
        "preprocessing_leak",
    ),
    (
        "clean_pipeline_gridsearch.py",
        [("search.fit(X_train, y_train)", "search.fit(X, y)")],
        "preprocessing_leak",
    ),
    (
        "clean_dead_scaler.py",
        [('X = df.drop(columns=["label"])  # rebinding', "X = X_all_scaled  # rebinding")],
        "preprocessing_leak",
    ),
    (
        "clean_reassigned_names.py",
        [('X = df.drop(columns=["label"])  # ...', "# X = ...")],
        "preprocessing_leak",
    ),
    (
        "clean_future_shift_as_target.py",
        [('X = sales[["units", "lag_1", "mean_7"]]', 'X = sales[["units", "lag_1", "mean_7", "target"]]')],
        "future_looking_feature",
    ),
    (
        "clean_statistics_eda.py",
        [
            (
                'X, y = df.drop(columns=["label"]), df["label"]',
                'X, y = df.drop(columns=["label"]), df["label"]\nX = X.fillna(X.mean())',
            )
        ],
        "full_frame_statistic",
    ),
    (
        "clean_regression_no_stratify.py",
        [("RandomForestRegressor().fit(X_train, y_train)", "RandomForestRegressor().fit(X, y)")],
        "preprocessing_leak",
    ),
    (
        "clean_mitigation_threshold_optimizer_on_training.py",
        [
            (
                "adjusted = optimiser.predict(X_valid[features]",
                "adjusted = optimiser.predict(X_train[features]",
            ),
            ("accuracy_score(y_valid, adjusted)", "accuracy_score(y_train, adjusted)"),
        ],
        "mitigation_on_evaluated_rows",
    ),
]


@pytest.mark.parametrize(
    ("name", "edits", "kind"), MUTATIONS, ids=[f"{m[0]}->{m[2]}-{i}" for i, m in enumerate(MUTATIONS)]
)
def test_one_edit_turns_a_clean_file_into_its_error(
    name: str, edits: list[tuple[str, str]], kind: str
) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    assert not [f for f in lint_source([text], notebook=False) if f.severity == "error"]
    for old, new in edits:
        assert old in text, f"{name} no longer contains {old!r}"
        text = text.replace(old, new)
    errors = [f for f in lint_source([text], notebook=False) if f.severity == "error"]
    assert kind in {f.kind for f in errors}, [f"{f.kind} {f.location}: {f.message}" for f in errors]


def test_the_notebook_message_names_cells_lines_and_variables() -> None:
    (finding,) = lint_path(CORPUS / "leak_notebook_cells.ipynb")
    assert finding.message.startswith(
        "StandardScaler `scaler` is fitted on `X` (cell 2, line 3) before `X` is split into "
        "`X_train`/`X_test` (cell 3, line 1); `X_test` is later evaluated by average_precision_score "
        "(cell 5, line 4). Its means and scales came partly from the rows you evaluate on"
    )
    assert finding.subject == "scaler"
    assert finding.check_id == "no_fit_on_evaluated_rows"
    assert "Pipeline" in finding.message  # the fix


def test_a_script_message_names_lines_only() -> None:
    (finding,) = lint_path(CORPUS / "leak_scaler_before_split.py")
    assert finding.cell is None and finding.location == "line 9"
    assert "(line 11)" in finding.message and "cell" not in finding.message
