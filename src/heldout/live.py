"""Live pair-coding mode: heldout looks over the candidate's shoulder in their own kernel.

``%load_ext heldout`` installs the tracer in the running kernel and, after every cell (IPython's
``post_run_cell`` event), runs the scenario's checks that need no hidden data on the trace so far. A
finding that is new since the previous cell is shown once, under the cell that made it provable; nothing
is shown while nothing new is wrong. ``%heldout status`` lists every check's current verdict, ``%heldout
hint [CHECK]`` gives the next hint (nudge, then concept, then fix), ``%heldout scenario ID`` says which
scenario this is when heldout cannot tell.

What is judged live, and what waits:

- checks that read only the trace (leakage, resampling, evaluation rows, stratification) are judged from
  the first traced cell on;
- checks registered with ``needs="report"`` (the headline metric, the threshold, the baseline and the
  experiment log) read what the notebook declares: they wait until its ``report`` exists;
- checks with ``needs="hidden"`` (``holdout_beats_baselines``, ``drift_report``) need the hidden labels
  or ground truth, and ``needs="final"`` (``no_future_features``) needs heldout's probe after the last
  cell: only ``heldout grade`` judges them.

Live, a FAIL is always shown; a WARN only when it points at code (a weak metric, a threshold curve on the
test rows), because the other warnings say "not done yet" (no split so far) and would be noise while the
candidate types. ``%heldout status`` shows them all.

The checks, the tracer and the report reading are the grader's own, so ``heldout grade`` on the same
notebook (run top to bottom) reports the same findings. Inside a graded run the grader's tracer is
already active: the extension then stays out of the way (``%heldout`` only says so).
"""

from __future__ import annotations

import dataclasses
import html
import re
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from heldout.checks import CHECKS, CheckContext, CheckResult, HoldoutScores, Verdict, run_checks
from heldout.checks.base import hint_pointer
from heldout.errors import HeldoutError
from heldout.manifest import Manifest
from heldout.trace.hooks import Tracer, active_tracer
from heldout.trace.kernel import _collect_report, _collect_table
from heldout.trace.model import Trace
from heldout.trace.record import TRACE_VERSION, Recorder, encode_array

__all__ = [
    "LiveSession",
    "LiveTrace",
    "current_session",
    "load_ipython_extension",
    "loaded_frames",
    "resolve_scenario",
    "unload_ipython_extension",
]

HINT_LEVELS = ("nudge", "concept", "fix")
_COLOUR = {"fail": "#c0392b", "warn": "#b9770e"}
_WIDTH = 100

_SESSION: LiveSession | None = None


def current_session() -> LiveSession | None:
    return _SESSION


def loaded_frames(tracer: Tracer, file_name: str) -> list[pd.DataFrame]:
    """The frames the tracer registered when the candidate's code read ``file_name``, oldest first.

    The only reader of the tracer's private source list: a change there breaks this function alone.
    """
    return [source.frame for source in tracer.lineage._sources if source.name == file_name]


def resolve_scenario(cwd: Path, scenarios: list[Manifest]) -> tuple[Manifest | None, str | None]:
    """The scenario whose training file is in ``cwd``, else the only one; otherwise say how to choose."""
    here = [m for m in scenarios if (cwd / m.dataset.train).is_file()]
    if len(here) > 1:
        # Several scenarios name their file train.csv: the one whose label is among its columns.
        here = [m for m in here if m.dataset.label in _header(cwd / m.dataset.train)] or here
    if len(here) > 1:
        # Several with the same label name (is_fraud): the one whose shipped file has this header.
        here = [m for m in here if _header(_shipped_train(m)) == _header(cwd / m.dataset.train)] or here
    if len(here) == 1:
        return here[0], None
    if not here and len(scenarios) == 1:
        return scenarios[0], None
    known = ", ".join(m.id for m in scenarios) or "none"
    why = (
        f"{len(here)} scenarios read a file of that name in {cwd}"
        if here
        else f"no scenario's training file is in {cwd}"
    )
    return None, (
        f"heldout live: which scenario is this? ({why}.) Run `%heldout scenario ID` (known: {known}); "
        "nothing is traced until then."
    )


def _shipped_train(manifest: Manifest) -> Path:
    return manifest.folder.parent.parent / "datasets" / manifest.dataset.name / manifest.dataset.train


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return [name.strip().strip('"') for name in handle.readline(64 * 1024).split(",")]
    except OSError:
        return []


class LiveTrace(Trace):
    """The grader's ``Trace``, read straight from the live recorder, each row set built once.

    ``Trace(recorder.to_json())`` compresses every row set only to decompress it again, and
    ``Trace.row_set`` rebuilds a set of Python ints on every call: on the reference solution that was
    about 370 ms after its last cell, against a 50 ms budget. Same events, same answers.
    """

    def __init__(self, recorder: Recorder) -> None:
        arrays = {key: encode_array(values) for key, values in recorder.arrays.items()}  # a few, small
        super().__init__({"version": TRACE_VERSION, "events": recorder.events, "arrays": arrays})
        self._rowsets = recorder.rowsets  # where Trace.rows() keeps decoded row sets: already decoded
        self._sets: dict[str | None, frozenset[int] | None] = {}

    def row_set(self, event: Any, key: str = "rows") -> frozenset[int] | None:
        rowset = event.get(key)
        if rowset not in self._sets:
            rows = self.rows(rowset)
            self._sets[rowset] = None if rows is None else frozenset(rows[rows >= 0].tolist())
        return self._sets[rowset]


class LiveSession:
    """The extension's state in one kernel: the tracer, the scenario, what was shown, the hint levels."""

    def __init__(self, shell: Any, passive: str | None = None) -> None:
        self.shell = shell
        self.passive = passive  # why live mode is off in this kernel (a graded run), or None
        self.manifest: Manifest | None = None
        self.tracer: Tracer | None = None
        self.results: list[CheckResult] = []
        self.check_seconds: list[float] = []  # time spent checking after each cell
        self._pointers: dict[str, str] = {}  # check id -> the grader's hint pointer in its messages
        self._judged: tuple | None = None  # what the last results were computed from
        self._shown: set[tuple[str, str]] = set()  # (check id, message) on display after the last cell
        self._hint_levels: dict[str, int] = {}
        self._labels: np.ndarray | None = None
        self._train: pd.DataFrame | None = None
        self._notes: set[str] = set()

    # == lifecycle ======================================================================================
    def start(self, manifest: Manifest) -> None:
        files = {manifest.dataset.train: 0, manifest.dataset.holdout_features: 1}
        fresh = self.tracer is None
        if self.tracer is None:
            self.tracer = Tracer(files).install()
        else:  # another scenario in the same kernel: keep what was traced so far
            self.tracer.dataset_files = files
        self.manifest = manifest
        self.results, self._shown, self._hint_levels, self._labels = [], set(), {}, None
        print(
            f"heldout live: watching this kernel for scenario '{manifest.id}' ({manifest.title}). "
            "Findings appear under the cell that proves them; `%heldout status`, `%heldout hint`."
        )
        if fresh and any(isinstance(value, pd.DataFrame) for value in list(self.shell.user_ns.values())):
            print(
                f"heldout live: data read before this line is not traced; re-run the cell that reads "
                f"{manifest.dataset.train}."
            )

    def close(self) -> None:
        try:
            self.shell.events.unregister("post_run_cell", self.after_cell)
        except ValueError:
            pass
        self.shell.magics_manager.magics["line"].pop("heldout", None)
        if self.tracer is not None:
            self.tracer.uninstall()

    # == after each cell ================================================================================
    def after_cell(self, result: Any = None) -> None:
        if self.manifest is None:
            return
        started = time.perf_counter()
        try:
            results = self.evaluate()
        except Exception as error:  # heldout's own fault: it must never break the candidate's cell
            self._note(
                f"heldout live: the checks failed after this cell ({type(error).__name__}: {error}). "
                "This is a heldout fault, not yours; `heldout grade` still judges the notebook."
            )
            return
        finally:
            self.check_seconds.append(time.perf_counter() - started)
        if results is None:
            return
        showable = [r for r in results if _worth_showing(r)]
        new = [r for r in showable if (r.id, r.message) not in self._shown]
        self._shown = {(r.id, r.message) for r in showable}
        if new:
            self._display(new)

    def evaluate(self) -> list[CheckResult] | None:
        """Run the live checks on the trace so far; None while there is nothing to judge."""
        if self.tracer is None or self.manifest is None:
            return None
        enabled = self.tracer.enabled
        self.tracer.enabled = False  # the checks' own pandas and numpy calls are not the candidate's
        try:
            labels = self._train_labels()
            if labels is None:
                return None
            manifest = self.manifest
            namespace = self.shell.user_ns
            has_report = manifest.contract.report in namespace
            report = None
            if has_report:
                contract = {"report": manifest.contract.report, "report_keys": manifest.contract.report_keys}
                report, _problem = _collect_report(namespace, contract)
            experiments, experiments_problem = None, None
            if manifest.contract.experiments:
                experiments, experiments_problem = _collect_table(
                    namespace, manifest.contract.experiments, dict(manifest.contract.experiment_columns)
                )
            recorder = self.tracer.recorder
            judged = (len(recorder.events), len(recorder.rowsets), len(labels), has_report, report)
            if judged == self._judged:  # a cell that traced nothing (head(), a plot): same verdicts
                return self.results
            checks = tuple(
                spec
                for spec in manifest.checks
                if CHECKS[spec.id].needs == "trace" or (has_report and CHECKS[spec.id].needs == "report")
            )
            ctx = CheckContext(
                manifest=dataclasses.replace(manifest, checks=checks),
                trace=LiveTrace(recorder),
                report=report,
                train_labels=labels,
                holdout=HoldoutScores(None, np.empty(0), "live mode cannot see the holdout"),
                baselines={},
                experiments=experiments,
                experiments_problem=experiments_problem,
                train=self._train_frame(),
                model_fit=self.tracer.fit_event_of(namespace.get(manifest.contract.model)),
            )
            self.results = run_checks(ctx)
            self._pointers = {r.id: hint_pointer(ctx, r.id) for r in self.results}
            self._judged = judged
            return self.results
        finally:
            self.tracer.enabled = enabled

    def _train_frame(self) -> pd.DataFrame | None:
        """The training file as shipped (entities, duplicates), read once: the candidate's own frame
        may have been changed in place."""
        if self._train is None and self.manifest is not None:
            try:
                self._train = pd.read_csv(Path.cwd() / self.manifest.dataset.train)
            except (OSError, ValueError):
                return None
        return self._train

    def _train_labels(self) -> np.ndarray | None:
        """Labels of the training file by row position, from the frame the candidate's code read."""
        assert self.tracer is not None and self.manifest is not None
        dataset = self.manifest.dataset
        frames = loaded_frames(self.tracer, dataset.train)
        if not frames:
            return None
        longest = max(len(frame) for frame in frames)
        if self._labels is not None and len(self._labels) >= longest:
            return self._labels
        with_label = [f for f in frames if len(f) == longest and dataset.label in f.columns]
        if with_label:
            self._labels = with_label[-1][dataset.label].to_numpy().copy()
        else:  # e.g. `y = train.pop("is_fraud")` in the cell that read it
            try:
                self._labels = pd.read_csv(Path.cwd() / dataset.train, usecols=[dataset.label])[
                    dataset.label
                ].to_numpy()
            except (OSError, ValueError) as error:
                self._note(
                    f"heldout live: cannot read the labels ({dataset.label}) of {dataset.train} here "
                    f"({error}); live checks are off. `heldout grade` still judges the notebook."
                )
                return None
        return self._labels

    # == output =========================================================================================
    def _display(self, new: list[CheckResult]) -> None:
        from IPython.display import display

        blocks = [(r, self._live_message(r), _cells_involved(r)) for r in new]
        plain = "\n".join(_plain_block(*block) for block in blocks)
        markup = "".join(_html_block(*block) for block in blocks)
        display(
            {"text/plain": plain, "text/html": f'<div class="heldout-live">{markup}</div>'},
            raw=True,
            metadata={"heldout": {"new": [{"check": r.id, "verdict": str(r.verdict)} for r in new]}},
        )

    def _live_message(self, result: CheckResult) -> str:
        """The grader's message, with its hint pointer turned into the magic that works here."""
        pointer = self._pointers.get(result.id)
        if pointer is None:
            return result.message
        return result.message.replace(pointer, f"Hint: %heldout hint {result.id}")

    def _note(self, text: str) -> None:
        if text not in self._notes:
            self._notes.add(text)
            print(text, file=sys.stderr)

    # == %heldout =======================================================================================
    def magic(self, line: str) -> None:
        words = line.split()
        command, args = (words[0], words[1:]) if words else ("status", [])
        if self.passive is not None:
            print(f"heldout live is off here: {self.passive}.")
        elif command == "status" and not args:
            print(self.status_text())
        elif command == "hint" and len(args) <= 1:
            print(self.hint_text(args[0] if args else None))
        elif command == "scenario" and len(args) == 1:
            self.choose_scenario(args[0])
        else:
            print("usage: %heldout status | %heldout hint [CHECK] | %heldout scenario ID")

    def choose_scenario(self, scenario_id: str) -> None:
        from heldout.grading import load_scenario

        try:
            manifest = load_scenario(scenario_id)
        except HeldoutError as error:
            print(f"heldout live: {error}")
            return
        self.start(manifest)

    def status_text(self) -> str:
        if self.manifest is None:
            return "heldout live: no scenario yet. Run `%heldout scenario ID`."
        results = self.evaluate()
        header = f"heldout live: scenario {self.manifest.id}"
        if results is None:
            return (
                f"{header}: nothing to judge yet (no cell has read {self.manifest.dataset.train} with "
                "pandas.read_csv since heldout was loaded)."
            )
        judged = {r.id: r for r in results}
        width = max(len(spec.id) for spec in self.manifest.checks)
        lines = [header]
        for spec in self.manifest.checks:
            result = judged.get(spec.id)
            if result is not None:
                mark, text = str(result.verdict).upper(), _first_sentence(result.message)
            elif CHECKS[spec.id].needs == "hidden":
                mark, text = "n/a ", "needs the hidden labels: judged by `heldout grade`"
            elif CHECKS[spec.id].needs == "final":
                mark, text = "n/a ", "re-runs your features after the last cell: judged by `heldout grade`"
            else:
                mark, text = "wait", f"judged once `{self.manifest.contract.report}` exists"
            lines.append(f"  {mark}  {spec.id:<{width}}  {text}")
        seconds = self.check_seconds[-1] if self.check_seconds else 0.0
        lines.append(
            f"The trace holds every cell run since %load_ext heldout ({len(self.tracer.recorder.events)} "
            f"events; checks took {seconds * 1000:.0f} ms after the last cell). Re-run cells add to it: "
            "restart and run all to see what `heldout grade` will see."
        )
        return "\n".join(lines)

    def hint_text(self, check_id: str | None) -> str:
        if self.manifest is None:
            return "heldout live: no scenario yet. Run `%heldout scenario ID`."
        known = ", ".join(spec.id for spec in self.manifest.checks)
        if check_id is None:
            failing = [r.id for r in self.evaluate() or [] if r.verdict == Verdict.FAIL]
            if not failing:
                return f"heldout: nothing fails right now. `%heldout hint CHECK` for any of: {known}."
            check_id = failing[0]
        try:
            spec = self.manifest.check(check_id)
        except KeyError:
            return f"heldout: scenario {self.manifest.id} has no check '{check_id}' (known: {known})."
        level = min(self._hint_levels.get(check_id, 0) + 1, len(spec.hints))
        self._hint_levels[check_id] = level
        name = HINT_LEVELS[level - 1] if level <= len(HINT_LEVELS) else f"level {level}"
        more = (
            f"(again for the {HINT_LEVELS[level] if level < len(HINT_LEVELS) else 'next'}: "
            f"%heldout hint {check_id})"
            if level < len(spec.hints)
            else "(that is the last hint)"
        )
        return f"hint {level}/{len(spec.hints)} for {check_id} ({name}): {spec.hints[level - 1]} {more}"


def _worth_showing(result: CheckResult) -> bool:
    """FAILs, and WARNs that point at code; WARNs without findings mean "not done yet"."""
    return result.verdict == Verdict.FAIL or (result.verdict == Verdict.WARN and bool(result.findings))


def _cells_involved(result: CheckResult) -> list[int]:
    cells = set()
    for finding in result.findings:
        for cell in (finding.cell, finding.data.get("evaluation_cell")):
            if isinstance(cell, int):
                cells.add(cell)
    return sorted(cells)


def _cells_text(cells: list[int]) -> str:
    if not cells:
        return ""
    return f" (cell{'s' if len(cells) > 1 else ''} {', '.join(map(str, cells))})"


def _plain_block(result: CheckResult, message: str, cells: list[int]) -> str:
    verdict = str(result.verdict).upper()
    lines = [f"heldout: {verdict} {result.id}{_cells_text(cells)}"]
    lines += textwrap.wrap(message, _WIDTH, initial_indent="  ", subsequent_indent="  ")
    for finding in result.findings[1:4]:
        lines += textwrap.wrap(
            f"also: {finding.text}", _WIDTH, initial_indent="    ", subsequent_indent="      "
        )
    return "\n".join(lines)


def _html_block(result: CheckResult, message: str, cells: list[int]) -> str:
    verdict = str(result.verdict)
    also = "".join(f"<br>&nbsp;&nbsp;also: {html.escape(f.text)}" for f in result.findings[1:4])
    return (
        f'<div style="border-left:3px solid {_COLOUR[verdict]};padding:2px 8px;margin:4px 0">'
        f"<b>heldout: {verdict.upper()}</b> <code>{html.escape(result.id)}</code>"
        f"{html.escape(_cells_text(cells))}<br>{html.escape(message)}{also}</div>"
    )


def _first_sentence(text: str, limit: int = 160) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


# == IPython entry points ===============================================================================
def load_ipython_extension(shell: Any) -> None:
    global _SESSION
    if _SESSION is not None:
        print("heldout live is already on in this kernel (`%heldout status`).")
        return
    if active_tracer() is not None:
        # A graded run: the grader's tracer holds the record. A second tracer would take over as the
        # active one and the grader would read its trace, which starts at this cell.
        session = LiveSession(shell, passive="this kernel is already traced (a heldout grading run)")
    else:
        session = LiveSession(shell)
        from heldout.grading import list_scenarios

        try:
            manifest, problem = resolve_scenario(Path.cwd(), list_scenarios())
        except HeldoutError as error:
            manifest, problem = None, f"heldout live: {error}."
        if manifest is not None:
            session.start(manifest)
        else:
            print(problem)
        shell.events.register("post_run_cell", session.after_cell)
    shell.register_magic_function(session.magic, magic_kind="line", magic_name="heldout")
    _SESSION = session


def unload_ipython_extension(shell: Any) -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.close()
        _SESSION = None
