"""Batch grading on Dask keeps the batch's promises: a worker killed mid-grade loses nothing and doubles
nothing, heldout's own failures become results, and a worker without the hidden labels stops the batch."""

import io
import json
import os
import shutil
import signal
import sys
import threading
import time
import types
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from heldout import batch  # noqa: E402
from heldout.batch_dask import GradeOptions, check_worker, grade_batch_dask, grade_on_worker  # noqa: E402
from heldout.errors import HeldoutError, SandboxError  # noqa: E402
from heldout.execute.sandbox import isolation_tier  # noqa: E402
from tests.conftest import ROOT, write_notebook  # noqa: E402

NONE = GradeOptions(isolation="none")


def fake_grade(path: str, sha256: str | None, options: GradeOptions) -> dict:
    """Stands in for grade_on_worker: instant, except that `victim` hangs on its first attempt (its
    worker is killed then)."""
    notebook = Path(path)
    marker = notebook.with_suffix(".started")
    if notebook.stem == "victim" and not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(120)
    with (notebook.parent / "attempts.log").open("a") as log:
        log.write(f"{notebook.stem} {os.getpid()}\n")
    # By hand rather than GradeResult: the workers then never import scikit-learn (seconds each).
    return {
        "submission": {"path": path, "sha256": sha256},
        "status": "failed",
        "score": {"points": 0, "max_points": 10},
        "checks": [],
    }


@pytest.fixture(scope="module")
def cluster_client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # the CLI prints its link
        ) as cluster,
        Client(cluster) as client,
    ):
        import cloudpickle

        # The workers cannot import this test module by name: send its functions by value.
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
        yield client


@pytest.fixture
def client(cluster_client):
    # A test that killed a worker leaves its nanny restarting it: every test starts with two.
    cluster_client.wait_for_workers(2, timeout=60)
    return cluster_client


def set_env(name: str, value: str) -> None:
    os.environ[name] = value


def unset_env(name: str) -> None:
    os.environ.pop(name, None)


def make_batch(folder: Path, names: list[str], code: str = "x = 1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        write_notebook(folder / f"{name}.ipynb", f"# {name}\n{code}")
    return folder


def counting_writes(monkeypatch) -> list[str]:
    written: list[str] = []
    original = batch.write_result

    def spy(out, path, name, data):
        written.append(name)
        return original(out, path, name, data)

    monkeypatch.setattr(batch, "write_result", spy)
    return written


def test_a_submission_whose_workers_all_died_becomes_a_sandbox_error(tmp_path):
    from distributed.scheduler import KilledWorker

    from heldout.batch_dask import _failure_data

    # What future.result() raises for a task the scheduler gave up on.
    last = types.SimpleNamespace(address="tcp://127.0.0.1:1")  # the WorkerState it names
    notebook = write_notebook(tmp_path / "a.ipynb", "x = 1")
    data = _failure_data(notebook, KilledWorker("heldout-grade-a", last, allowed_failures=3))
    assert data["error"]["kind"] == "sandbox_error"
    assert data["error"]["message"].startswith("the Dask workers grading this submission died every time")
    assert data["submission"]["path"] == str(notebook)


def test_a_worker_without_the_hidden_labels_stops_the_batch_before_grading(tmp_path, client):
    stripped = tmp_path / "project"
    shutil.copytree(ROOT / "exercises", stripped / "exercises")
    dataset = "datasets/card_fraud"
    shutil.copytree(ROOT / dataset, stripped / dataset, ignore=shutil.ignore_patterns("hidden"))
    folder = make_batch(tmp_path / "in", ["a"])
    one = sorted(client.scheduler_info()["workers"])[0]
    client.run(set_env, "HELDOUT_HOME", str(stripped), workers=[one])
    try:
        with pytest.raises(SandboxError) as raised:
            grade_batch_dask(folder, tmp_path / "out", client, NONE, progress=io.StringIO(), task=fake_grade)
    finally:
        client.run(unset_env, "HELDOUT_HOME", workers=[one])
    message = str(raised.value)
    assert "1 of 2 Dask workers cannot grade this batch" in message and one in message
    assert "no hidden labels for scenario imbalance" in message and "HELDOUT_HOME" in message
    assert not (folder / "attempts.log").exists() and not list((tmp_path / "out").glob("*.json"))


def test_a_worker_joining_later_without_the_labels_gives_a_sandbox_error_not_a_grade(tmp_path, monkeypatch):
    stripped = tmp_path / "project"
    shutil.copytree(ROOT / "exercises", stripped / "exercises")
    (stripped / "datasets").mkdir()
    monkeypatch.setenv("HELDOUT_HOME", str(stripped))
    notebook = write_notebook(tmp_path / "a.ipynb", "x = 1")
    data = grade_on_worker(str(notebook), batch._sha256(notebook), GradeOptions())
    assert data["error"]["kind"] == "sandbox_error"
    assert "no hidden labels for scenario imbalance" in data["error"]["message"]
    assert not data.get("checks")


def test_an_unreachable_scheduler_is_a_clear_usage_error(tmp_path, capsys):
    import dask

    from heldout.cli import main

    make_batch(tmp_path / "in", ["a"])
    argv = ["grade-batch", str(tmp_path / "in"), "--out", str(tmp_path / "out")]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main([*argv, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one place to grade, not two
        main([*argv, "--scheduler", "tcp://127.0.0.1:9", "--cluster", "local"])


def test_without_dask_installed_the_error_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    from heldout.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    make_batch(tmp_path / "in", ["a"])
    argv = ["grade-batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--cluster", "local"]
    assert main(argv) == 2
    assert "pip install 'heldout[distributed]'" in capsys.readouterr().err


def test_a_worker_never_grades_unisolated_unless_asked(monkeypatch):
    from heldout.execute import sandbox

    monkeypatch.setattr(sandbox, "isolation_tier", lambda: "none")
    with pytest.raises(HeldoutError, match="never grades unisolated unless the batch asks"):
        check_worker(["imbalance"], None)
    assert check_worker(["imbalance"], "none") == str(ROOT)


def test_a_worker_seeing_another_file_at_the_path_does_not_grade_it(tmp_path):
    notebook = write_notebook(tmp_path / "a.ipynb", "x = 1")
    data = grade_on_worker(str(notebook), "0" * 64, NONE)
    assert data["error"]["kind"] == "sandbox_error"
    assert "sees a different file at that path" in data["error"]["message"]


def test_in_a_terminal_the_batch_draws_dasks_progress_bar_instead_of_lines(tmp_path, client, capsys):
    folder = make_batch(tmp_path / "in", ["a", "b", "c"])
    progress = io.StringIO()
    entries = grade_batch_dask(
        folder, tmp_path / "out", client, NONE, progress=progress, task=fake_grade, bar=True
    )
    assert [e.name for e in entries] == ["a", "b", "c"]
    assert "100% Completed" in capsys.readouterr().out
    assert not any(line.startswith("[") for line in progress.getvalue().splitlines())


def test_the_cli_prints_the_dask_dashboard_link_before_grading(tmp_path, client, capsys, monkeypatch):
    import contextlib

    from heldout import batch_dask
    from heldout.cli import main

    used: list = []

    @contextlib.contextmanager
    def this_client(scheduler, local_workers):
        used.append((scheduler, local_workers))
        yield client

    original = batch_dask.grade_batch_dask
    monkeypatch.setattr(batch_dask, "dask_client", this_client)
    monkeypatch.setattr(batch_dask, "grade_batch_dask", lambda *a, **k: original(*a, **k, task=fake_grade))
    folder = make_batch(tmp_path / "in", ["a"])
    argv = ["grade-batch", str(folder), "--out", str(tmp_path / "out"), "--cluster", "local", "--jobs", "2"]
    assert main([*argv, "--isolation", "none"]) == 0
    port = client.scheduler_info()["services"]["dashboard"]
    assert used == [(None, 2)]
    err = capsys.readouterr().err
    assert f"Dask dashboard: http://127.0.0.1:{port}/status" in err
    assert err.index("Dask dashboard") < err.index("[1/1] a: failed")


@pytest.mark.slow
@pytest.mark.skipif(isolation_tier() != "bubblewrap", reason="bubblewrap cannot run on this machine")
def test_workers_grade_in_the_sandbox_exactly_as_heldout_grade(tmp_path, client):
    # A notebook without a model: the whole pipeline runs in the sandbox, minus the model's own cost.
    folder = make_batch(tmp_path / "in", ["nomodel"])
    (entry,) = grade_batch_dask(folder, tmp_path / "out", client, GradeOptions(), progress=io.StringIO())
    data = json.loads((tmp_path / "out" / "nomodel.json").read_text())
    assert data["isolation"] == "bubblewrap"
    assert data["error"]["kind"] == "contract" and "never defined `model`" in data["error"]["message"]
    assert entry.status == "error" and entry.verdicts  # the checks ran on what the trace holds


# Last: the worker it kills is still restarting when the module's cluster closes.
def test_a_worker_killed_mid_grade_has_its_submission_graded_elsewhere_once(tmp_path, client, monkeypatch):
    folder = make_batch(tmp_path / "in", ["a", "b", "victim", "c"])
    out = tmp_path / "out"
    written = counting_writes(monkeypatch)
    progress = io.StringIO()
    finished: dict = {}
    runner = threading.Thread(
        target=lambda: finished.update(
            entries=grade_batch_dask(folder, out, client, NONE, progress=progress, task=fake_grade)
        )
    )
    runner.start()
    marker = folder / "victim.started"
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the victim never started"
    time.sleep(0.2)  # the pid is written before the sleep starts
    os.kill(int(marker.read_text()), signal.SIGKILL)
    runner.join(timeout=120)
    assert not runner.is_alive()

    entries = finished["entries"]
    names = ["a", "b", "c", "victim"]
    assert [e.name for e in entries] == names
    assert sorted(written) == names  # each written once, by the client
    assert sorted(p.name for p in out.glob("*.json")) == [f"{n}.json" for n in names]
    attempts = [line.split() for line in (folder / "attempts.log").read_text().splitlines()]
    victim_attempts = [pid for name, pid in attempts if name == "victim"]
    assert victim_attempts != [] and marker.read_text() not in victim_attempts  # by a live worker
    victim = json.loads((out / "victim.json").read_text())
    assert victim["status"] != "error" and victim["submission"]["path"].endswith("victim.ipynb")
    assert len((out / "summary.csv").read_text().splitlines()) == 5
    assert sum(line.startswith("[") for line in progress.getvalue().splitlines()) == 4

    # Resuming grades nothing that has a result.
    written.clear()
    again = grade_batch_dask(folder, out, client, NONE, progress=io.StringIO(), task=fake_grade)
    assert written == [] and all(e.resumed for e in again)
