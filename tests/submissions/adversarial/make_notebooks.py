"""Writes the hostile and broken submissions of this folder (run once; the .ipynb files are committed).

    python3 tests/submissions/adversarial/make_notebooks.py            # all of them
    python3 tests/submissions/adversarial/make_notebooks.py NAME...    # only these cases

Most notebooks run a quick model that satisfies the grading contract first, then the attack. An attack
that the sandbox must block is written so that it *fails loudly when it works*: the notebook raises
``RuntimeError("ESCAPED: ...")`` naming what got through, so a hole shows up as a ``crashed`` verdict
instead of the expected normal grade. Expectations live in expected.toml next to this script.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.conftest import QUICK_MODEL, write_notebook  # noqa: E402

# Found-or-blocked bookkeeping shared by the probing notebooks.
PROBE = """
import os
from pathlib import Path
import heldout
PACKAGE = Path(heldout.__file__).resolve().parent   # the grader's own package is visible read-only
REPO = PACKAGE.parent.parent                         # so the notebook can guess where the repository is
escaped, blocked = [], []
def attempt(label, action):
    try:
        action()
    except Exception as error:
        blocked.append(f"{label}: {type(error).__name__}")
        return False
    escaped.append(label)
    return True
"""

VERDICT = """
print("blocked:", *blocked, sep="\\n  ")
if escaped:
    raise RuntimeError("ESCAPED: " + "; ".join(escaped))
"""

CASES: dict[str, list[str]] = {}


def case(name: str, *cells: str) -> None:
    CASES[name] = list(cells)


# -- limits ----------------------------------------------------------------------------------------------
case("infinite_loop", QUICK_MODEL, "while True:\n    pass")

case(
    "memory_bomb",
    QUICK_MODEL,
    """
hoard = []
while True:  # written bytes, so the pages are really used (not just reserved)
    hoard.append(bytearray(b"\\x01") * (64 * 1024 * 1024))
""",
)

case(
    "memory_bomb_in_children",
    QUICK_MODEL,
    """
# Each child stays under the per-process address-space limit; together they are far over the run's
# total memory. Only a control group stops this.
import os, time
children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        try:
            block = bytearray(b"\\x01") * (600 * 1024 * 1024)
            time.sleep(1)
        except BaseException:
            os._exit(2)  # refused by the per-process limit: not what this case is about
        os._exit(0)
    children.append(pid)
finished = 0
for pid in children:
    _, status = os.waitpid(pid, 0)
    finished += os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
if finished == len(children):
    raise RuntimeError(f"ESCAPED: {finished} children held 600 MiB each at once")
print(f"{len(children) - finished} of {len(children)} children were killed")
""",
)

case(
    "fork_bomb",
    QUICK_MODEL,
    """
import os, time
def bomb():
    while True:  # every process keeps forking; none ever returns to IPython
        try:
            os.fork()
        except OSError:
            time.sleep(0.2)
if os.fork() == 0:
    bomb()
time.sleep(6)  # the bomb grows meanwhile; the rest of the run must still work
""",
)

case(
    "disk_fill",
    QUICK_MODEL,
    """
import os
chunk = b"\\x00" * (64 * 1024 * 1024)
written = 0
try:
    for i in range(64):  # at most 4 GiB
        with open(f"fill_{i}.bin", "wb") as handle:
            for _ in range(4):
                handle.write(chunk)
                written += len(chunk)
except OSError as error:
    print(f"stopped after {written >> 20} MiB: {error}")
for i in range(64):  # free the space again so that the rest of the run can work
    if os.path.exists(f"fill_{i}.bin"):
        os.remove(f"fill_{i}.bin")
if written >= 4 * 1024**3:
    raise RuntimeError(f"ESCAPED: wrote {written >> 20} MiB without hitting a disk limit")
""",
)

case(
    "write_outside_workdir",
    QUICK_MODEL,
    PROBE
    + """
def fill(folder, limit=512 * 1024 * 1024):
    # Writable is fine for scratch space; unbounded is not (it comes out of the machine's memory).
    path = os.path.join(folder, "heldout-fill.bin")
    written = 0
    try:
        with open(path, "wb") as handle:
            while written < limit:
                handle.write(b"\\x00" * (16 * 1024 * 1024))
                written += 16 * 1024 * 1024
    except OSError:
        pass
    finally:
        if os.path.exists(path):
            os.remove(path)
    if written < limit:  # stopped by a limit: blocked
        raise OSError(f"{folder} took only {written >> 20} MiB")
for folder in ("/", "/etc", "/dev", "/usr", "/var/tmp", str(PACKAGE)):
    planted = os.path.join(folder, "planted")
    attempt(f"create a file in {folder}", lambda planted=planted: open(planted, "w").close())
for folder in ("/tmp", "/dev/shm"):
    attempt(f"fill {folder} without limit", lambda folder=folder: fill(folder))
"""
    + VERDICT,
)

case(
    "huge_output",
    QUICK_MODEL,
    """
line = "x" * (1024 * 1024)
for _ in range(200):  # 200 MB through print, 1 MB at a time
    print(line)
""",
    """
import os
for _ in range(100):  # 100 MB straight to the file descriptor, around sys.stdout
    os.write(1, b"y" * (1024 * 1024))
""",
    'print("z" * 200_000_000)  # one 200 MB message',
    "print('still alive')",
)

case(
    "network",
    QUICK_MODEL,
    PROBE
    + """
import socket, urllib.request
attempt("socket to 1.1.1.1:80", lambda: socket.create_connection(("1.1.1.1", 80), timeout=3).close())
attempt("urllib http://example.com", lambda: urllib.request.urlopen("http://example.com", timeout=3).read())
attempt("DNS lookup", lambda: socket.getaddrinfo("example.com", 80))
"""
    + VERDICT,
)

# -- the hidden labels, the solutions, the repository ------------------------------------------------------
case(
    "read_hidden_absolute_path",
    QUICK_MODEL,
    PROBE
    + """
for path in (
    REPO / "datasets" / "card_fraud" / "hidden" / "holdout_labels.csv",
    REPO / "solutions" / "imbalance" / "solution.ipynb",
    REPO / "bundles" / "keys.json",
    Path("/work/main/datasets/card_fraud/hidden/holdout_labels.csv"),
    Path("/work/main/solutions/imbalance/solution.ipynb"),
):
    attempt(f"read {path}", path.read_bytes)
for folder in (REPO / "datasets", REPO / "solutions", REPO / "graders", REPO / "exercises"):
    attempt(f"list {folder}", lambda folder=folder: os.listdir(folder))
"""
    + VERDICT,
)

case(
    "read_hidden_relative_path",
    QUICK_MODEL,
    PROBE
    + """
here = os.getcwd()
labels = "datasets/card_fraud/hidden/holdout_labels.csv"
solution = "solutions/imbalance/solution.ipynb"
try:
    os.chdir(PACKAGE)  # from inside the package: the repository is two levels up
    attempt("../../" + labels, lambda: open("../../" + labels).read())
    attempt("../../" + solution, lambda: open("../../" + solution).read())
finally:
    os.chdir(here)
up = "../" * 12 + str(REPO).lstrip("/") + "/"
attempt(up + labels, lambda: open(up + labels).read())
for root in ("/proc/self/root", "/proc/1/root", "/proc/1/cwd/" + "../" * 6):
    attempt(f"{root} then the repository", lambda root=root: open(f"{root}/{REPO}/{labels}").read())
import time
found, deadline = [], time.monotonic() + 4
for dirpath, dirnames, filenames in os.walk("/"):
    if dirpath in ("/proc", "/sys") or time.monotonic() > deadline:
        dirnames[:] = []
        continue
    found += [os.path.join(dirpath, n) for n in filenames if n in ("holdout_labels.csv", "solution.ipynb")]
if found:
    escaped.append("found on the file system: " + ", ".join(found))
"""
    + VERDICT,
)

case(
    "regenerate_hidden_labels",
    QUICK_MODEL,
    """
# The dataset generator ships with heldout and is deterministic: the default seed rebuilds the hidden
# labels exactly. An oracle model then "predicts" them.
import numpy as np
try:
    from heldout.datasets import card_fraud
except ImportError as error:
    print("generator not available:", error)
else:
    generated = card_fraud.generate(card_fraud.DEFAULT_SEED)
    truth = generated.hidden_files["holdout_labels.csv"]["is_fraud"].to_numpy(dtype=float)
    class Oracle:
        def predict_proba(self, frame):  # heldout scores the holdout rows in file order
            return np.column_stack([1 - truth, truth])
    model = Oracle()
    prepare_features = lambda frame: frame
""",
)


def _pasted_generator() -> list[str]:
    """The card fraud generator's source as notebook cells, read from this checkout: what a candidate
    who copies heldout's public code into their notebook has, with no import of heldout."""
    folder = HERE.parents[2] / "src" / "heldout" / "datasets"
    cells = []
    for module in ("_generated.py", "card_fraud.py"):
        lines = (folder / module).read_text("utf-8").splitlines()
        cells.append("\n".join(line for line in lines if not line.startswith("from heldout")) + "\n")
    return cells


case(
    "regenerate_hidden_labels_from_pasted_generator",
    QUICK_MODEL,
    *_pasted_generator(),
    """
# The generator's own source, pasted above, run with the seed it ships: the hidden labels come from a
# label secret that is not in the repository, so these are a fresh draw, not the graded labels.
regenerated = generate(DEFAULT_SEED).hidden_files["holdout_labels.csv"]["is_fraud"].to_numpy(dtype=float)
class Oracle:
    def predict_proba(self, frame):  # heldout scores the holdout rows in file order
        return np.column_stack([1 - regenerated, regenerated])
model = Oracle()
prepare_features = lambda frame: frame
""",
)

case(
    "average_label_draws_from_pasted_generator",
    QUICK_MODEL,
    *_pasted_generator(),
    """
# Any label secret draws from the generator's true fraud probabilities, which depend on each customer's
# hidden riskiness: the seed's world gives them, so averaging draws over many secrets estimates them.
def draw(secret):
    return generate(DEFAULT_SEED, secret).hidden_files["holdout_labels.csv"]["is_fraud"].to_numpy()
draws = [draw(secret) for secret in range(15)]
""",
    """
draws += [draw(secret) for secret in range(15, 30)]
""",
    """
estimated = np.mean(draws, axis=0)
class Oracle:
    def predict_proba(self, frame):  # heldout scores the holdout rows in file order
        return np.column_stack([1 - estimated, estimated])
model = Oracle()
prepare_features = lambda frame: frame
""",
)


case(
    "overwrite_repository_files",
    QUICK_MODEL,
    PROBE
    + """
train = REPO / "datasets" / "card_fraud" / "train.csv"
attempt(f"delete {train}", lambda: os.remove(train))
attempt(f"truncate {train}", lambda: open(train, "w").close())
solution = REPO / "solutions" / "imbalance" / "solution.ipynb"
attempt("append to the solution", lambda: open(solution, "a").close())
attempt("overwrite /etc/hostname", lambda: open("/etc/hostname", "w").write("pwned-by-a-notebook\\n"))
attempt("delete /etc/hostname", lambda: os.remove("/etc/hostname"))
attempt("open heldout's grading.py for writing", lambda: open(PACKAGE / "grading.py", "a").close())
attempt("delete heldout's tracer", lambda: os.remove(PACKAGE / "trace" / "hooks.py"))
attempt("touch heldout's package", lambda: os.utime(PACKAGE / "__init__.py"))
attempt("delete this run's train.csv", lambda: os.remove("train.csv"))
"""
    + VERDICT,
)

case(
    "privilege_escalation",
    QUICK_MODEL,
    PROBE
    + """
import ctypes, ctypes.util
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
def check(result):
    if result != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
def remount_rw(target):  # only the mount's flag in this namespace; nothing is written
    check(libc.mount(None, str(target).encode(), None, MS_REMOUNT | MS_BIND, None))
def mount_tmpfs():
    os.makedirs("/tmp/m", exist_ok=True)
    check(libc.mount(b"none", b"/tmp/m", b"tmpfs", 0, None))
def new_user_namespace():
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS))
def open_for_writing(path):
    os.close(os.open(path, os.O_WRONLY))  # opened, never written
attempt("remount /usr read-write", lambda: remount_rw("/usr"))
attempt("remount heldout's package read-write", lambda: remount_rw(PACKAGE))
attempt("mount a tmpfs", mount_tmpfs)
for path in ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger"):
    attempt(f"open {path} for writing", lambda path=path: open_for_writing(path))
attempt("ptrace-read the runner's memory", lambda: open(f"/proc/{os.getppid()}/mem", "rb").close())
if os.fork() == 0:  # a nested user namespace would give capabilities back
    try:
        new_user_namespace()
        remount_rw("/usr")
        os._exit(0)
    except BaseException:
        os._exit(1)
else:
    _, status = os.wait()
    if os.WEXITSTATUS(status) == 0:
        escaped.append("remount /usr read-write from a nested user namespace")
caps = [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0]
if int(caps, 16):
    escaped.append(f"effective capabilities {caps}")
"""
    + VERDICT,
)

case(
    "forge_record_via_runner_pipe",
    QUICK_MODEL,
    PROBE
    + """
# The runner's record descriptor is named on its command line; /proc lets a process of the same user
# reopen it, write a record of its own and kill the runner before it writes the real one.
runner = os.getppid()
argv = open(f"/proc/{runner}/cmdline", "rb").read().split(b"\\0")
fd = argv[-2].decode() if len(argv) > 2 else "3"
attempt(f"reopen the runner's descriptor {fd}", lambda: open(f"/proc/{runner}/fd/{fd}", "w").close())
"""
    + VERDICT,
)

case(
    "environment_secrets",
    QUICK_MODEL,
    PROBE
    + """
# The test sets HELDOUT_CANARY_SECRET in the grader's environment; it must not reach the kernel.
def look():
    seen = dict(os.environ)
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            seen[pid] = open(f"/proc/{pid}/environ", "rb").read().decode("latin-1")
        except OSError:
            pass
    leaked = [k for k, v in seen.items() if "HELDOUT_CANARY" in k or "canary-7f3a" in v]
    if leaked:
        escaped.append("the grader's environment: " + ", ".join(leaked))
look()
print(sorted(os.environ))
"""
    + VERDICT,
)

# -- the tracer and the result -------------------------------------------------------------------------
case(
    "monkeypatch_fit",
    QUICK_MODEL,
    """
import inspect
from sklearn.preprocessing import StandardScaler
traced = StandardScaler.fit
# The tracer hides __wrapped__, but the original is still in the wrapper's closure.
original = next(
    cell.cell_contents
    for cell in traced.__closure__
    if inspect.isfunction(cell.cell_contents) and cell.cell_contents.__qualname__ == "StandardScaler.fit"
)
StandardScaler.fit = original  # back to scikit-learn's own, untraced
scaled = StandardScaler().fit_transform(train[COLUMNS])
""",
)

case(
    "uninstall_tracer",
    """
import heldout.trace.hooks
heldout.trace.hooks.active_tracer().uninstall()
""",
    QUICK_MODEL,
)

case(
    "forge_clean_trace",
    """
# Uninstall the tracer, leak freely, then put the (now empty-handed) tracer back: verify() finds no
# patch out of place, because uninstall() forgot them all.
import heldout.trace.hooks as hooks
tracer = hooks.active_tracer()
tracer.uninstall()
import pandas as pd
from sklearn.preprocessing import StandardScaler
train = pd.read_csv("train.csv")
scaled = StandardScaler().fit_transform(train.drop(columns=["is_fraud"]).select_dtypes("number"))
hooks._ACTIVE = tracer
tracer.enabled = True
""",
    QUICK_MODEL,
)

# The leak every attack below tries to hide: a scaler fitted on all rows, whose test rows are then scored.
LEAK = """
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
train = pd.read_csv("train.csv")
COLUMNS = ["amount", "card_present", "country_mismatch", "n_tx_last_24h", "declines_last_7d", "new_device"]
"""
LEAKY_FIT = """
scaled = pd.DataFrame(StandardScaler().fit_transform(train[COLUMNS]), columns=COLUMNS)
X_tr, X_te, y_tr, y_te = train_test_split(
    scaled, train["is_fraud"], test_size=0.25, stratify=train["is_fraud"], random_state=0
)
model = LogisticRegression(max_iter=200).fit(X_tr, y_tr)
estimate = average_precision_score(y_te, model.predict_proba(X_te)[:, 1])
"""
LEAK_REPORT = """
def prepare_features(frame):
    return frame[COLUMNS]
report = {"metric": "average_precision", "estimate": float(estimate), "threshold": 0.5}
"""

case("plain_leak", LEAK + LEAKY_FIT, LEAK_REPORT)  # what each attack below starts from, hidden from nobody

case(
    "tracer_switched_off_around_the_leak",
    LEAK,
    "import heldout.trace.hooks as hooks\nhooks.active_tracer().enabled = False" + LEAKY_FIT
    + "hooks.active_tracer().enabled = True",
    LEAK_REPORT,
)

case(
    "recorder_events_deleted_after_the_leak",
    LEAK + LEAKY_FIT,
    """
import heldout.trace.hooks as hooks
recorder = hooks.active_tracer().recorder
recorder.events.clear(); recorder.rowsets.clear()  # the fit, the split and the metric: forgotten
""",
    LEAK_REPORT,
)

case(
    "tracer_rows_rewritten_in_place",
    LEAK,
    """
# The tracer's own data edited in place, within the leak's cell: the scaler's fit is recorded as having
# seen only the rows the split will train on (the split is computed beforehand, with the same seed). No
# hook is touched and the tracer stays on, so the trace reads clean; only the code shows the leak.
import numpy as np
import heldout.trace.hooks as hooks
tracer = hooks.active_tracer()
positions = np.arange(len(train))
kept, _ = train_test_split(positions, test_size=0.25, stratify=train["is_fraud"], random_state=0)
real_event = tracer.event
def event(kind, **fields):
    if kind == "fit" and fields.get("estimator") == "StandardScaler":
        fields["rows"], fields["n_rows"] = tracer.recorder.rowset(np.sort(kept)), len(kept)
    return real_event(kind, **fields)
tracer.event = event
"""
    + LEAKY_FIT
    + """
del tracer.event
""",
    LEAK_REPORT,
)

case(
    "uninstall_leak_reinstall",
    LEAK,
    """
import heldout.trace.hooks as hooks
tracer = hooks.active_tracer()
patches = list(tracer._patches)
tracer.uninstall()
"""
    + LEAKY_FIT
    + """
for patch in patches:            # every hook back in place, and the tracer's own flags reset
    patch.apply()
tracer._patches[:] = patches
tracer._uninstalled = False
hooks._ACTIVE = tracer
tracer.enabled = True
""",
    LEAK_REPORT,
)

case(
    "thread_rewrites_the_result",
    LEAK + LEAKY_FIT + LEAK_REPORT,
    """
# A thread that outlives the last cell: it rewrites every result it can find with a clean one, both the
# file heldout once used and what the kernel sends over its Unix socket, while the grader's step runs.
import json, os, socket, threading, time
clean = {"seq": 0, "kind": "result", "result": {"errors": {}, "tampered": [], "report": report,
         "defined": {"model": True, "report": True}}}
def forge():
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        os.makedirs(".heldout", exist_ok=True)
        with open(".heldout/kernel_result.json", "w") as handle:
            json.dump(clean["result"], handle)
        for fd in os.listdir("/proc/self/fd"):
            try:
                probe = socket.socket(fileno=os.dup(int(fd)))  # a Unix socket: heldout's channel
                if probe.family == socket.AF_UNIX:
                    probe.send((json.dumps(clean) + "\\n").encode())
                probe.close()
            except OSError:
                pass
        time.sleep(0.2)
threading.Thread(target=forge, daemon=True).start()
""",
)

case(
    "forged_result_through_the_channel",
    LEAK + LEAKY_FIT + LEAK_REPORT,
    """
# heldout's own channel object, used to send a clean result before heldout's step does.
import heldout.trace.kernel as kernel
kernel._channel.send("finish")
kernel._channel.send("result", result={"errors": {}, "tampered": [], "report": report,
                                       "defined": {"model": True, "report": True}})
""",
)

case(
    "check_after_each_cell_removed",
    """
from IPython import get_ipython
get_ipython().events.callbacks["post_run_cell"].clear()  # no more reports after each cell
""",
    QUICK_MODEL,
)

case(
    "fake_result_files",
    QUICK_MODEL,
    """
import json, os
fake = {"errors": {}, "tampered": [], "report": {"metric": "average_precision", "estimate": 1.0,
        "threshold": 0.5}, "defined": {"model": True, "report": True}, "scores": [1.0] * 12000, "trace": {}}
os.makedirs(".heldout", exist_ok=True)
for path in (".heldout/kernel_result.json", "result.json", "results.json", "kernel_result.json"):
    with open(path, "w") as handle:
        json.dump(fake, handle)
""",
)

case(
    "block_the_result_path",
    QUICK_MODEL,
    """
import os
os.makedirs(".heldout/kernel_result.tmp", exist_ok=True)  # the kernel's own result can no longer be written
os.makedirs(".heldout/kernel_result.json", exist_ok=True)
""",
)

case(
    "daemon_swaps_result_for_symlink",
    QUICK_MODEL,
    """
# A daemon that outlives the kernel waits for heldout's result file and replaces it with a link
# (to the labels, were they here). Afterwards it lingers as `sleep 31337.25`: the test checks that no
# such process survives the run.
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        target = ".heldout/kernel_result.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if os.path.isfile(target) and not os.path.islink(target):
                time.sleep(0.05)
                try:
                    os.remove(target)
                    os.symlink(os.path.abspath("train.csv"), target)
                except OSError:
                    pass
            time.sleep(0.01)
        os.execv("/bin/sleep", ["sleep", "31337.25"])
    os._exit(0)
os.wait()
""",
)

# -- the kernel ends early --------------------------------------------------------------------------------
case("sys_exit", QUICK_MODEL, "import sys\nsys.exit()")
case("os_exit", QUICK_MODEL, "import os\nos._exit(0)")
case("segfault", QUICK_MODEL, "import ctypes\nctypes.string_at(0)")
case(
    "kernel_restart",
    QUICK_MODEL,
    """
import os, time
get_ipython().kernel.do_shutdown(True)
time.sleep(2)
os.kill(os.getpid(), 9)  # if asking politely did not end the kernel
""",
)
case("kill_the_runner", QUICK_MODEL, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
case("reads_stdin", QUICK_MODEL, "answer = input('threshold? ')")
case(
    "terminal_escapes_in_error",
    QUICK_MODEL,
    """
Sneaky = type("Sneaky\\x1b[2J", (Exception,), {})
raise Sneaky("\\x1b]0;pwned\\x07\\x1b[2J\\x1b[Hall checks passed\\r")
""",
)
case(
    "model_hangs_when_scored",
    QUICK_MODEL,
    """
import time
class Slow:
    def predict_proba(self, frame):
        time.sleep(3600)
model = Slow()
""",
)
case(
    "model_kills_kernel_when_scored",
    QUICK_MODEL,
    """
import os
class Exiting:
    def predict_proba(self, frame):
        os._exit(3)
model = Exiting()
""",
)

# -- not a usable notebook ----------------------------------------------------------------------------
case("no_model", QUICK_MODEL.replace("model = LogisticRegression", "clf = LogisticRegression"))
case("Zoë Ng — réponse finale (v2) $HOME; rm -rf ~", QUICK_MODEL)


def write_raw() -> None:
    (HERE / "malformed_json.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "x = 1",', "utf-8")
    (HERE / "python_source_not_notebook.ipynb").write_text(
        "import pandas as pd\nmodel = None\nprint('this is a script, not a notebook')\n", "utf-8"
    )
    (HERE / "binary_garbage.ipynb").write_bytes(bytes(range(256)) * 16)
    empty = {
        "cells": [],
        "metadata": {"heldout": {"scenario": "imbalance"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (HERE / "empty_notebook.ipynb").write_text(json.dumps(empty, indent=1) + "\n", "utf-8")
    markdown = dict(
        empty, cells=[{"cell_type": "markdown", "id": "a1", "metadata": {}, "source": "# My answer"}]
    )
    (HERE / "markdown_only.ipynb").write_text(json.dumps(markdown, indent=1) + "\n", "utf-8")
    bad_schema = dict(empty, cells=[{"cell_type": "code", "source": "x = 1", "outputs": "none"}])
    (HERE / "schema_violation.ipynb").write_text(json.dumps(bad_schema, indent=1) + "\n", "utf-8")
    write_malformed()


def write_malformed() -> None:
    """Notebooks whose JSON parses (or nearly) but that no reader should follow: too deep, wrong types."""
    runnable = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "cell-1",
                "metadata": {},
                "outputs": [],
                "source": QUICK_MODEL,
            }
        ],
        "metadata": {"heldout": {"scenario": "imbalance"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    # json.loads recurses once per bracket: 200,000 levels used to crash the grader with RecursionError.
    text = json.dumps(runnable, indent=1)
    deep = '"metadata": {\n  "widgets": ' + "[" * 200_000 + "]" * 200_000 + ',\n  "heldout"'
    (HERE / "deeply_nested_metadata.ipynb").write_text(
        text.replace('"metadata": {\n  "heldout"', deep, 1) + "\n", "utf-8"
    )
    # Used to pass as "no scenario declared" and stop the grader with a usage error.
    listed = dict(runnable, metadata={"heldout": {"scenario": ["imbalance"]}})
    (HERE / "scenario_not_a_string.ipynb").write_text(json.dumps(listed, indent=1) + "\n", "utf-8")
    numeric = dict(runnable, cells=[dict(runnable["cells"][0], source=42)])
    (HERE / "source_not_text.ipynb").write_text(json.dumps(numeric, indent=1) + "\n", "utf-8")
    long_number = json.dumps(runnable, indent=1).replace(
        '"nbformat_minor": 5', '"nbformat_minor": ' + "5" * 5000
    )
    (HERE / "number_too_long.ipynb").write_text(long_number + "\n", "utf-8")


def _stable_ids(path: Path) -> None:
    """Cell ids by position, so that writing the notebooks again changes nothing."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index + 1}"
    nbformat.write(notebook, path)


def main(names: list[str]) -> None:
    """Write every notebook, or only the cases ``names`` (the others stay as committed)."""
    if names:
        unknown = sorted(set(names) - set(CASES))
        if unknown:
            raise SystemExit(f"unknown cases: {unknown}")
        for name in names:
            _stable_ids(write_notebook(HERE / f"{name}.ipynb", *CASES[name]))
        print(f"wrote {len(names)} notebooks to {HERE}")
        return
    for old in HERE.glob("*.ipynb"):
        old.unlink()
    for name, cells in CASES.items():
        _stable_ids(write_notebook(HERE / f"{name}.ipynb", *cells))
    _stable_ids(write_notebook(HERE / "unknown_scenario.ipynb", QUICK_MODEL, scenario="../../../../etc"))
    write_raw()
    print(f"wrote {len(list(HERE.glob('*.ipynb')))} notebooks to {HERE}")


if __name__ == "__main__":
    main(sys.argv[1:])
