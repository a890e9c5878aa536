"""The sandbox keeps a submission away from the hidden labels, the solutions and the network."""

import pytest

from heldout.execute.sandbox import isolation_tier
from heldout.grading import grade
from tests.conftest import QUICK_MODEL

pytestmark = pytest.mark.slow

PROBE = """
import os, socket
def attempt(action):
    try:
        action()
        return "READ"
    except Exception as error:
        return type(error).__name__
labels = {labels!r}
solution = {solution!r}
truth = {truth!r}
found = [
    attempt(lambda: open(labels).read()),
    attempt(lambda: open(solution).read()),
    attempt(lambda: open(os.path.relpath(labels)).read()),
    attempt(lambda: socket.create_connection(("1.1.1.1", 80), timeout=3)),
    attempt(lambda: open("/etc/shadow").read()),
    attempt(lambda: open(truth).read()),
]
report["metric"] = "probe:" + ",".join(found)
"""


@pytest.mark.skipif(isolation_tier() != "bubblewrap", reason="bubblewrap cannot run on this machine")
def test_the_hidden_labels_and_solutions_are_unreachable_under_bubblewrap(notebook, root):
    labels = root / "datasets" / "card_fraud" / "hidden" / "holdout_labels.csv"
    solution = root / "solutions" / "imbalance" / "solution.ipynb"
    truth = root / "datasets" / "subscriptions" / "hidden" / "drift_truth.csv"  # the drift answer key
    assert labels.is_file() and solution.is_file() and truth.is_file()
    probe = PROBE.format(labels=str(labels), solution=str(solution), truth=str(truth))
    result = grade(notebook(QUICK_MODEL, probe))
    assert result.isolation == "bubblewrap"
    outcomes = result.report["metric"].removeprefix("probe:").split(",")
    assert "READ" not in outcomes, outcomes
    assert outcomes[3] in ("OSError", "gaierror", "TimeoutError")  # no route out


def test_without_isolation_the_report_says_so_first(notebook, capsys):
    from heldout.report.terminal import render_terminal

    result = grade(notebook(QUICK_MODEL), isolation="none")
    text = render_terminal(result, colour=False)
    assert text.splitlines()[0].startswith("NOT ISOLATED")
    assert result.to_json()["isolation"] == "none"
