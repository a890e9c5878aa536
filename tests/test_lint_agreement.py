"""The grader puts static lint next to the run's verdicts and names where the two disagree."""

from heldout.checks.base import CheckResult, Verdict
from heldout.lint_agreement import confirmed_by_lint, lint_summary
from tests.conftest import write_notebook

LEAKY = """
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
df = pd.read_csv("train.csv")
X = StandardScaler().fit_transform(df[["a", "b"]])
X_train, X_test, y_train, y_test = train_test_split(X, df["y"], stratify=df["y"])
model = LogisticRegression().fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))
"""


def verdicts(**by_id):
    return [
        CheckResult(check_id, check_id, Verdict(v), 0, 10, "data_hygiene", "", ())
        for check_id, v in by_id.items()
    ]


def test_agreement_has_no_disagreement(tmp_path):
    path = write_notebook(tmp_path / "leaky.ipynb", LEAKY)
    summary = lint_summary(path, verdicts(no_fit_on_evaluated_rows="fail"))
    assert [f["kind"] for f in summary["findings"] if f["severity"] == "error"] == ["preprocessing_leak"]
    assert summary["disagreements"] == []


def test_lint_proof_against_a_passing_run_is_a_disagreement(tmp_path):
    path = write_notebook(tmp_path / "leaky.ipynb", LEAKY)
    (message,) = lint_summary(path, verdicts(no_fit_on_evaluated_rows="pass"))["disagreements"]
    assert message.startswith("no_fit_on_evaluated_rows: the code alone shows preprocessing leak at cell 1")


def test_a_pass_the_code_contradicts_becomes_a_warning_that_keeps_its_points(tmp_path):
    path = write_notebook(tmp_path / "leaky.ipynb", LEAKY)
    checks = verdicts(no_fit_on_evaluated_rows="pass", stratified_split="pass")
    checks = [CheckResult(c.id, c.title, c.verdict, 10, 10, c.competency, "clean", ()) for c in checks]
    confirmed = {c.id: c for c in confirmed_by_lint(checks, lint_summary(path, checks))}
    leak = confirmed["no_fit_on_evaluated_rows"]
    assert leak.verdict == Verdict.WARN and leak.points == 10
    assert leak.message.startswith(
        "The run did not show this mistake, but the code itself does (cell 1, line 8)"
    )
    assert leak.message.endswith("What the run saw: clean")
    assert confirmed["stratified_split"].verdict == Verdict.PASS  # nothing in the code against it


def test_a_failure_or_clean_code_is_left_as_the_run_judged_it(tmp_path):
    leaky = write_notebook(tmp_path / "leaky.ipynb", LEAKY)
    failed = verdicts(no_fit_on_evaluated_rows="fail")
    assert confirmed_by_lint(failed, lint_summary(leaky, failed)) == failed
    clean = write_notebook(tmp_path / "quiet.ipynb", "x = 1")
    passed = verdicts(no_fit_on_evaluated_rows="pass")
    assert confirmed_by_lint(passed, lint_summary(clean, passed)) == passed


def test_a_runtime_failure_lint_did_not_see_is_a_disagreement(tmp_path):
    path = write_notebook(tmp_path / "quiet.ipynb", "x = 1")
    (message,) = lint_summary(path, verdicts(stratified_split="fail"))["disagreements"]
    assert message == "stratified_split: the run failed it, but static lint saw nothing there"


def test_a_lint_crash_never_costs_the_grade(tmp_path, monkeypatch):
    import heldout.lint

    def broken(path):
        raise RecursionError("deeply nested code")

    monkeypatch.setattr(heldout.lint, "lint_path", broken)
    path = write_notebook(tmp_path / "quiet.ipynb", "x = 1")
    summary = lint_summary(path, verdicts(stratified_split="pass"))
    assert summary["findings"] == [] and summary["error"] == "RecursionError: deeply nested code"


def test_a_failure_the_lint_has_no_rule_for_is_no_disagreement(tmp_path):
    """The lint cannot see a holdout score or a latency: the run failing them says nothing about it."""
    path = write_notebook(tmp_path / "quiet.ipynb", "x = 1")
    summary = lint_summary(path, verdicts(holdout_beats_baselines="fail", serving_latency="fail"))
    assert summary["disagreements"] == []


def test_a_full_frame_statistic_is_the_lint_side_of_a_fit_on_evaluated_rows(tmp_path):
    source = LEAKY.replace(
        'X = StandardScaler().fit_transform(df[["a", "b"]])',
        'X = df[["a", "b"]].fillna(df[["a", "b"]].mean())',
    )
    path = write_notebook(tmp_path / "filled.ipynb", source)
    summary = lint_summary(path, verdicts(no_fit_on_evaluated_rows="fail"))
    assert [f["kind"] for f in summary["findings"]] == ["full_frame_statistic"]
    assert summary["disagreements"] == []
    (message,) = lint_summary(path, verdicts(no_fit_on_evaluated_rows="pass"))["disagreements"]
    assert message.startswith("no_fit_on_evaluated_rows: the code alone shows full frame statistic")


def test_a_column_the_lint_reads_one_way_only_is_no_disagreement_when_the_run_alone_catches_it(tmp_path):
    """The lint reads forbidden columns only where a ColumnTransformer names them: a column selected
    otherwise is the run's to catch, and the run catching it alone says nothing against the lint."""
    path = write_notebook(tmp_path / "quiet.ipynb", "x = 1")
    summary = lint_summary(
        path, verdicts(no_illegitimate_features="fail", no_protected_attribute_input="fail")
    )
    assert summary["disagreements"] == []


def test_a_mitigation_the_run_fails_and_the_lint_misses_is_a_disagreement(tmp_path):
    path = write_notebook(tmp_path / "quiet.ipynb", "x = 1")
    (message,) = lint_summary(path, verdicts(mitigation_on_training_rows="fail"))["disagreements"]
    assert message == "mitigation_on_training_rows: the run failed it, but static lint saw nothing there"
