"""`heldout export classroom`: a template repository with no hidden data, whose workflow lints on push."""

import shlex
import subprocess
import sys

import pytest
import yaml

from heldout.cli import main
from heldout.export.classroom import WORKFLOW_PATH
from tests.conftest import ROOT

REQUIREMENT = "heldout @ git+https://example.org/course/heldout@v0.1.0"

LEAKY = """\
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
train = pd.read_csv("train.csv")
X = StandardScaler().fit_transform(train.drop(columns="is_fraud"))
X_train, X_test, y_train, y_test = train_test_split(X, train["is_fraud"], stratify=train["is_fraud"])
model = LogisticRegression().fit(X_train, y_train)
print(average_precision_score(y_test, model.predict_proba(X_test)[:, 1]))
"""


@pytest.fixture
def template(tmp_path):
    out = tmp_path / "template"
    assert main(["export", "classroom", "imbalance", "--out", str(out), "--requirement", REQUIREMENT]) == 0
    return out


def lint_steps(workflow):
    steps = workflow["jobs"]["lint"]["steps"]
    return [s["run"] for s in steps if "heldout lint" in s.get("run", "")]


def run_lint_step(command, cwd):
    """The workflow's lint step, with this checkout's heldout standing in for the installed one."""
    words = shlex.split(command)
    assert words[:2] == ["heldout", "lint"]
    return subprocess.run(
        [sys.executable, "-m", "heldout", *words[1:]], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_template_holds_what_students_may_see_and_no_hidden_data(template):
    files = sorted(p.relative_to(template).as_posix() for p in template.rglob("*") if p.is_file())
    assert files == [WORKFLOW_PATH, "prompt.md", "starter.ipynb", "train.csv"]
    hidden = (ROOT / "datasets/card_fraud/hidden/holdout_labels.csv").read_bytes()
    assert all(hidden not in (template / f).read_bytes() for f in files)
    assert (template / "train.csv").read_bytes() == (ROOT / "datasets/card_fraud/train.csv").read_bytes()


def test_the_workflow_parses_and_installs_the_requirement_on_push(template):
    workflow = yaml.safe_load((template / WORKFLOW_PATH).read_text())
    # PyYAML reads the bare key `on` as True (YAML 1.1); GitHub reads it as the trigger list.
    assert workflow[True] == ["push", "pull_request"]
    runs = [s.get("run", "") for s in workflow["jobs"]["lint"]["steps"]]
    install = next(r for r in runs if "pip install" in r)
    assert shlex.split(install)[-1] == REQUIREMENT and "--no-deps" in install
    assert lint_steps(workflow) == ["heldout lint ."]


def test_the_lint_step_passes_the_starter_and_fails_a_leaky_notebook(template):
    from tests.conftest import write_notebook

    (command,) = lint_steps(yaml.safe_load((template / WORKFLOW_PATH).read_text()))
    clean = run_lint_step(command, template)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    write_notebook(template / "starter.ipynb", LEAKY)
    leaky = run_lint_step(command, template)
    assert leaky.returncode == 1 and "error" in leaky.stdout


def test_the_lint_needs_none_of_heldouts_dependencies(template):
    # The workflow installs heldout with --no-deps: the lint must not import them.
    blocked = ["numpy", "pandas", "sklearn", "scipy", "imblearn", "nbformat", "nbclient", "matplotlib"]
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "from heldout.cli import main\n"
        "sys.exit(main(['lint', '.']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=template, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_a_requirement_must_be_one_line(tmp_path):
    out = tmp_path / "t"
    assert main(["export", "classroom", "imbalance", "--out", str(out), "--requirement", "a\nb"]) == 2
