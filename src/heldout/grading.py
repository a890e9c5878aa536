"""Grading as explicit stages: read -> execute (sandbox, tracer) -> score on the holdout -> check -> result.

Each stage returns plain data for the next; every way a submission can go wrong ends as a
``GradeResult`` with an error kind and a message naming the cause, never as an exception. Only problems
of heldout's own (a project without the scenario, a sandbox that cannot start) raise.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pandas as pd

from heldout import datasets
from heldout.bundle import SCHEME, GradeLedger, KeyStore, dataset_for_seed
from heldout.checks import CHECKS, CheckContext, HoldoutScores, run_checks
from heldout.checks.drift import drift_summary
from heldout.checks.holdout import baseline_scores, holdout_summary, holdout_truth
from heldout.checks.recomputed import recomputed_evaluations
from heldout.errors import HeldoutError, SandboxError, SubmissionError
from heldout.execute.sandbox import Limits, isolation_tier, new_host_workdir, run_in_sandbox
from heldout.execute.workdir import prepare_workdir
from heldout.holdout_metrics import HOLDOUT_METRICS
from heldout.levels import levels_reached
from heldout.lint_agreement import confirmed_by_lint, lint_summary
from heldout.manifest import DatasetSpec, Experiment, Manifest, Retrieval, load_manifest
from heldout.notebook_json import NotebookFormatError, load_notebook, read_notebook_text
from heldout.paths import project_root
from heldout.readout.baseline import naive_decisions
from heldout.readout.evaluation import ReadoutEvaluation, evaluate_readouts
from heldout.readout.summary import readout_summary
from heldout.result import GradeError, GradeResult
from heldout.retrieval.baselines import baseline_runs
from heldout.retrieval.evaluation import RetrievalEvaluation, evaluate_retrieval, qrels_of
from heldout.retrieval.summary import retrieval_summary
from heldout.trace.model import Trace, TraceFormatError
from heldout.trace.record import decode_array

__all__ = ["Submission", "grade", "list_scenarios", "load_scenario", "read_submission"]

_SCENARIO_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DEFAULT_KEYS = Path("bundles") / "keys.json"


@dataclass(frozen=True)
class Submission:
    path: Path
    raw: bytes
    notebook: Any  # nbformat.NotebookNode

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def bundle_id(self) -> str | None:
        meta = self.notebook.get("metadata", {}).get("heldout", {})
        bundle = meta.get("bundle") if isinstance(meta, dict) else None
        return bundle if isinstance(bundle, str) else None

    @property
    def declared_scenario(self) -> str | None:
        meta = self.notebook.get("metadata", {}).get("heldout", {})
        scenario = meta.get("scenario") if isinstance(meta, dict) else None
        return scenario if isinstance(scenario, str) else None


# -- stage 1: read -------------------------------------------------------------------------------------
def read_submission(path: Path) -> Submission:
    """Raise SubmissionError (with the reason) unless ``path`` is a notebook heldout can run."""
    path = Path(path)
    if path.is_dir():
        raise SubmissionError(f"{path} is a folder, not a notebook (.ipynb)")
    if path.suffix != ".ipynb":
        raise SubmissionError(f"{path.name} is not a notebook: heldout grades .ipynb files")
    try:
        text = read_notebook_text(path)
        document = load_notebook(text)  # depth, JSON and the types heldout reads, before nbformat does
    except NotebookFormatError as problem:
        raise SubmissionError(f"{path.name} {problem}") from None
    if document.get("nbformat") != 4:  # nbformat would quietly convert, or invent an empty notebook
        said = f"says nbformat {document['nbformat']}" if "nbformat" in document else "names no nbformat"
        raise SubmissionError(f"{path.name} is not a valid notebook: it {said}; heldout reads nbformat 4")
    raw = text.encode("utf-8")  # the file's bytes again: it decoded as UTF-8, so this is lossless
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several unrelated types for a bad notebook
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if len(first_line) > 200:  # jsonschema quotes the whole offending value
            first_line = first_line[:197] + "..."
        raise SubmissionError(f"{path.name} is not a valid notebook: {_printable(first_line)}") from None
    if not any(cell.cell_type == "code" and cell.source.strip() for cell in notebook.cells):
        raise SubmissionError(f"{path.name} has no code to run")
    return Submission(path, raw, notebook)


# -- scenarios -------------------------------------------------------------------------------------------
def list_scenarios(root: Path | None = None) -> list[Manifest]:
    root = root or project_root()
    return [load_manifest(p, CHECKS) for p in sorted((root / "exercises").glob("*/exercise.toml"))]


def load_scenario(scenario_id: str, root: Path | None = None) -> Manifest:
    root = root or project_root()
    path = root / "exercises" / scenario_id / "exercise.toml"
    if not _SCENARIO_ID.fullmatch(scenario_id) or not path.is_file():
        known = ", ".join(m.id for m in list_scenarios(root)) or "none"
        raise HeldoutError(f"unknown scenario '{scenario_id}' (known: {known})")
    return load_manifest(path, CHECKS)


# -- stage 3: score --------------------------------------------------------------------------------------
@functools.cache
def _dataset_tables(dataset_dir: Path, spec: DatasetSpec) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(training file, holdout features, hidden labels); the labels of a holdout that has none per row
    (the replicate experiments of a readout) are empty: its checks read the hidden truth instead."""
    datasets.verify(dataset_dir)
    train = pd.read_csv(dataset_dir / spec.train, low_memory=False)
    holdout = pd.read_csv(dataset_dir / spec.holdout_features)
    labels = pd.read_csv(dataset_dir / "hidden" / spec.holdout_labels)
    return train, holdout, labels[spec.label].to_numpy() if spec.label in labels else np.empty(0)


def _baselines(dataset_dir: Path, manifest: Manifest) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """(holdout metric, holdout scores) of each baseline the manifest names."""
    spec = manifest.dataset
    return _baselines_of(
        dataset_dir,
        spec,
        spec.positive_label,
        manifest.holdout.baselines,
        manifest.task,
        manifest.holdout.metric,
    )


@functools.cache
def _baselines_of(
    dataset_dir: Path, spec: DatasetSpec, positive: int, names: tuple[str, ...], task: str, metric_name: str
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Fitted once per dataset, then read from a cache beside the dataset's own files (keyed by their
    checksums, so a rebuilt dataset refits)."""
    label = spec.label
    train, holdout, labels = _dataset_tables(dataset_dir, spec)
    listing = (dataset_dir / datasets.CHECKSUM_FILE).read_bytes()
    key = hashlib.sha256(listing + repr((label, positive, names)).encode()).hexdigest()[:20]
    cache = dataset_dir / "hidden" / f".baselines-{key}.npz"
    scores: dict[str, np.ndarray] | None = None
    if cache.is_file():
        try:
            with np.load(cache, allow_pickle=False) as stored:
                scores = {name: stored[name] for name in names}
        except (OSError, ValueError, KeyError):
            scores = None
    if scores is None:
        scores = baseline_scores(train, holdout, label, positive, names)
        try:
            tmp = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npz")
            np.savez(tmp, **scores)
            os.replace(tmp, cache)
        except OSError:
            pass  # a read-only checkout grades all the same, only slower
    y_true = holdout_truth(labels, task, positive)
    metric = HOLDOUT_METRICS[metric_name]
    return {name: metric.score(y_true, values) for name, values in scores.items()}, scores


# -- the pipeline ------------------------------------------------------------------------------------------
def grade(
    path: Path,
    scenario: str | None = None,
    root: Path | None = None,
    isolation: str | None = None,
    keep_workdir: bool = False,
    limits: Limits | None = None,
    keys: Path | None = None,
) -> GradeResult:
    """Grade one notebook end to end; problems of the submission become the result's error.

    ``limits`` replaces the manifest's time, memory and output limits (tests use short ones).
    """
    root = root or project_root()
    try:
        submission = read_submission(path)
    except SubmissionError as error:
        return GradeResult(
            str(path),
            _file_sha256(Path(path)),
            None,
            None,
            error=GradeError("invalid", str(error)),
        )
    scenario_id = scenario or submission.declared_scenario
    if scenario_id is None:
        available = list_scenarios(root)
        if len(available) != 1:
            raise HeldoutError(
                f"{path} does not say which scenario it answers (metadata.heldout.scenario); pass --scenario"
            )
        scenario_id = available[0].id
    try:
        manifest = load_scenario(scenario_id, root)
    except HeldoutError as error:
        if scenario is not None:
            raise  # the grader's own argument: a usage error
        # The notebook's own metadata named it: the candidate's problem, not heldout's.
        return GradeResult(
            str(path),
            submission.sha256,
            None,
            None,
            error=GradeError(
                "invalid", f"the notebook declares a scenario heldout does not have: {_printable(str(error))}"
            ),
        )
    seed, scheme, bundle = None, SCHEME, None
    if submission.bundle_id is not None:
        keys_path = keys or root / DEFAULT_KEYS
        key = KeyStore(keys_path).get(submission.bundle_id)
        if key.scenario != manifest.id:
            raise HeldoutError(f"bundle {key.bundle_id} was made for scenario '{key.scenario}'")
        seed, scheme = key.seed, key.scheme
        # Counted before the run: a grade that crashes or times out was still an attempt.
        counts = GradeLedger(keys_path).record(key.bundle_id, submission.sha256)
        bundle = {"id": key.bundle_id, "candidate": key.candidate, **counts}
    dataset_dir = dataset_for_seed(root, manifest.dataset.name, seed, scheme)
    isolation = isolation or isolation_tier()
    result = GradeResult(
        str(path),
        submission.sha256,
        {"id": manifest.id, "version": manifest.version, "title": manifest.title},
        isolation,
    )
    generator = datasets.generator(manifest.dataset.name)
    result.dataset = {"name": manifest.dataset.name, "seed": generator.DEFAULT_SEED if seed is None else seed}
    result.bundle = bundle
    train, _holdout_features, holdout_labels = _dataset_tables(dataset_dir, manifest.dataset)

    host_dir = new_host_workdir()
    try:
        limits = limits or Limits(
            wall_seconds=manifest.limits.wall_seconds,
            cell_seconds=manifest.limits.cell_seconds,
            memory_bytes=manifest.limits.memory_mb * 1024 * 1024,
            output_bytes=manifest.limits.output_kb * 1024,
        )
        inner_root = "/sandbox" if isolation == "bubblewrap" else str(host_dir)
        prepare_workdir(
            host_dir,
            submission.raw,
            manifest,
            dataset_dir,
            inner_root,
            limits.cell_seconds,
            limits.output_bytes,
        )
        try:
            run = run_in_sandbox(host_dir, limits, isolation)
        except SandboxError as error:
            result.error = GradeError("sandbox_error", str(error))
            return result
    finally:
        if not keep_workdir:
            shutil.rmtree(host_dir, ignore_errors=True)

    record, error = _interpret_run(run, limits)
    if error is not None:
        result.error = error
        return result
    kernel = record["kernel"]
    if kernel.get("tracer_error"):
        result.error = GradeError(
            "sandbox_error",
            (
                "heldout's tracer failed to start in the kernel (a heldout fault, not the "
                f"candidate's):\n{kernel['tracer_error']}"
            ),
        )
        return result
    if kernel.get("tampered"):
        result.error = GradeError(
            "tampered",
            (
                "The notebook changed heldout's instrumentation ("
                + ", ".join(kernel["tampered"][:5])
                + "), so its trace cannot be trusted. Remove any code that patches scikit-learn."
            ),
        )
        return result
    try:
        trace = Trace(kernel.get("trace") or {})
        scores = decode_array(kernel["scores"]) if "scores" in kernel else None
    except (TraceFormatError, ValueError, KeyError, TypeError) as problem:
        result.error = GradeError("tampered", f"the run's record is malformed: {problem}")
        return result
    if scores is not None and len(scores) != len(holdout_labels):
        scores = None
        kernel["errors"]["predict"] = "the number of holdout scores does not match the holdout"
    report = _printable_report(kernel.get("report"))
    result.report = report
    readout = None
    if manifest.retrieval is not None:
        retrieval = _retrieval_evaluation(dataset_dir, manifest, kernel.get("retrieval"))
        baseline_metric = {name: s[f"nDCG@{retrieval.k}"] for name, s in retrieval.baselines.items()}
        baseline_values: dict[str, np.ndarray] = {}
    elif manifest.experiment is not None:
        retrieval = None
        readout = _readout_evaluation(dataset_dir, manifest, kernel.get("replicates"))
        baseline_metric, baseline_values = dict(readout.baseline_accuracy), {}
    else:
        retrieval = None
        baseline_metric, baseline_values = _baselines(dataset_dir, manifest)
    ctx = CheckContext(
        manifest=manifest,
        trace=trace,
        report=report,
        train_labels=train[manifest.dataset.label].to_numpy(),
        holdout=HoldoutScores(scores, holdout_labels, kernel["errors"].get("predict")),
        baselines=baseline_metric,
        baseline_scores=baseline_values,
        experiments=kernel.get("experiments"),
        model_fit=_event_id(kernel.get("model_fit"), trace),
        experiments_problem=kernel["errors"].get("experiments"),
        train=train,
        drift=kernel.get("drift"),
        drift_problem=kernel["errors"].get("drift"),
        future_probe=kernel.get("future_probe") if isinstance(kernel.get("future_probe"), dict) else None,
        truth=_truth(dataset_dir, manifest),
        serving=kernel.get("serving") if isinstance(kernel.get("serving"), dict) else None,
        retrieval=retrieval,
        column_use=kernel.get("column_use") if isinstance(kernel.get("column_use"), dict) else None,
        decisions=_decisions(kernel, len(holdout_labels)),
        decisions_problem=kernel["errors"].get("decisions"),
        holdout_groups=_hidden_table(dataset_dir, manifest.dataset.groups),
        group_metrics=kernel.get("group_metrics"),
        group_metrics_problem=kernel["errors"].get("group_metrics"),
        outputs=_cell_outputs(record),
        model_facts=kernel.get("model_facts") if isinstance(kernel.get("model_facts"), dict) else None,
        readout=readout,
        readout_report=kernel.get("readout") if isinstance(kernel.get("readout"), dict) else None,
    )
    recomputed = recomputed_evaluations(ctx)  # numbers the notebook reported, computed by hand
    if recomputed:
        trace = trace.with_events(recomputed)
        ctx = dataclasses.replace(ctx, trace=trace)
    result.checks = run_checks(ctx)
    result.harness_notes = _tracer_errors(trace)
    result.lint = lint_summary(submission.path, result.checks)
    result.checks = confirmed_by_lint(result.checks, result.lint)
    if readout is not None:
        result.holdout = readout_summary(ctx)
    else:
        result.holdout = holdout_summary(ctx) if retrieval is None else retrieval_summary(ctx)
    result.drift = drift_summary(ctx)
    result.followups = _followups(manifest, result)
    defined = kernel.get("defined", {})
    if not defined.get("model"):
        result.error = GradeError(
            "contract",
            (
                f"The notebook ran to the end but never defined `{manifest.contract.model}`, the fitted "
                "model the grader scores on the hidden holdout."
            ),
        )
    result.levels = levels_reached(manifest.levels, result.checks, result.error is None)
    return result


def _readout_evaluation(dataset_dir: Path, manifest: Manifest, facts: Any) -> ReadoutEvaluation:
    spec = manifest.experiment
    assert spec is not None
    truth, baselines = _readout_inputs(dataset_dir, manifest.dataset, spec)
    return evaluate_readouts(facts, truth, spec.alpha, baselines)


@functools.cache
def _readout_inputs(
    dataset_dir: Path, dataset: DatasetSpec, spec: Experiment
) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """(the replicates' hidden truth, the harness's readout of each), computed once per dataset."""
    replicates = pd.read_csv(dataset_dir / dataset.holdout_features)
    truth = pd.read_csv(dataset_dir / "hidden" / dataset.holdout_labels)
    return truth, {"naive_readout": naive_decisions(replicates, spec)}


def _retrieval_evaluation(dataset_dir: Path, manifest: Manifest, facts: Any) -> RetrievalEvaluation:
    spec = manifest.retrieval
    assert spec is not None
    qrels, texts, rankings = _retrieval_inputs(
        dataset_dir,
        spec,
        manifest.dataset.holdout_features,
        manifest.dataset.holdout_labels,
        manifest.dataset.label,
        manifest.holdout.baselines,
    )
    return evaluate_retrieval(facts, qrels, texts, rankings, spec.k, spec.depth)


@functools.cache
def _retrieval_inputs(
    dataset_dir: Path,
    spec: Retrieval,
    queries_file: str,
    labels_file: str,
    label: str,
    baselines: tuple[str, ...],
) -> tuple[dict, dict, dict]:
    """(hidden judgements, passage texts, baseline rankings) of a retrieval dataset, computed once."""
    corpus = pd.read_csv(dataset_dir / spec.corpus, dtype=str, keep_default_na=False)
    queries = pd.read_csv(dataset_dir / queries_file, dtype=str, keep_default_na=False)
    judgements = pd.read_csv(dataset_dir / "hidden" / labels_file)
    qrels = qrels_of(judgements, spec.query_id, spec.passage_id, label)
    ids = corpus[spec.passage_id].tolist()
    runs = baseline_runs(baselines, ids, corpus[spec.text].tolist(), queries[spec.query].tolist(), spec.depth)
    rankings = {name: dict(zip(queries[spec.query_id], ranked, strict=True)) for name, ranked in runs.items()}
    return qrels, dict(zip(ids, corpus[spec.text], strict=True)), rankings


def _file_sha256(path: Path) -> str | None:
    """The sha256 of a file that may be far too large to read at once (None if there is nothing to read)."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _decisions(kernel: dict[str, Any], rows: int) -> np.ndarray | None:
    """The model's holdout decisions from the untrusted record, kept only if one per holdout row."""
    try:
        decisions = decode_array(kernel["decisions"]) if "decisions" in kernel else None
    except (ValueError, KeyError, TypeError):
        return None
    if decisions is None or len(decisions) != rows:
        return None
    return decisions


def _cell_outputs(record: dict[str, Any]) -> list[tuple[int, str]]:
    """(code cell, the text its outputs showed) for every cell that ran."""
    cells = record.get("cells") if isinstance(record.get("cells"), list) else []
    return [
        (int(c["cell"]), c["outputs"])
        for c in cells
        if isinstance(c, dict) and isinstance(c.get("cell"), int) and isinstance(c.get("outputs"), str)
    ]


def _hidden_table(dataset_dir: Path, name: str | None) -> pd.DataFrame | None:
    return None if name is None else _truth_table(dataset_dir / "hidden" / name)


def _truth(dataset_dir: Path, manifest: Manifest) -> pd.DataFrame | None:
    if manifest.dataset.truth is None:
        return None
    return _truth_table(dataset_dir / "hidden" / manifest.dataset.truth)


@functools.cache
def _truth_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False)


def _event_id(value: Any, trace: Trace) -> int | None:
    """An event id from the untrusted record, kept only if the trace holds a fit under that id."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(trace.events):
        return value if trace[value].kind == "fit" else None
    return None


def _interpret_run(run: Any, limits: Limits) -> tuple[dict[str, Any], GradeError | None]:
    if run.timed_out:
        return {}, GradeError(
            "timeout",
            (
                f"The notebook ran past the {limits.wall_seconds:.0f} s limit for the whole run and was "
                "stopped."
            ),
        )
    if run.record is None or not run.record:
        why = (
            "its record was larger than allowed"
            if run.record_truncated
            else (f"the process ended with code {run.exit_code} (memory limit, a crash, or os._exit)")
        )
        tail = _printable(_without_noise(run.stderr_tail).strip()[-800:])
        detail = f" Last output:\n{tail}" if tail else ""
        return {}, GradeError("crashed", f"The run produced no result: {why}.{detail}")
    try:
        record = json.loads(run.record)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}, GradeError("crashed", "The run's record was not readable.")
    if not isinstance(record, dict):
        return {}, GradeError("crashed", "The run's record was not readable.")
    status = record.get("status")
    cell = record.get("cell")
    scoring = record.get("stage") == "scoring"
    err = record.get("error") if isinstance(record.get("error"), dict) else {}
    if status == "completed" and isinstance(record.get("kernel"), dict):
        return record, None
    if status == "completed" or status == "result_unreadable":
        detail = _printable(str(err.get("value", "it is not a JSON object")))
        if "larger than" in detail:
            return record, GradeError("crashed", f"The run's result was too large to read ({detail}).")
        return record, GradeError(
            "tampered",
            (
                "heldout's result from the kernel was missing or not what heldout sent after the "
                f"last cell ({detail}), so nothing from this run can be trusted."
            ),
        )
    if status == "crashed":
        return record, GradeError(
            "crashed",
            f"Cell {cell} raised {_printable(str(err.get('name')))}: {_printable(str(err.get('value')))}",
            cell,
        )
    if status == "timeout":
        if scoring:
            return record, GradeError(
                "timeout",
                (
                    "Scoring the model on the holdout after the last cell (the notebook's prepare "
                    f"function and the model's predictions) ran longer than the "
                    f"{limits.cell_seconds:.0f} s limit per cell and was interrupted."
                ),
            )
        return record, GradeError(
            "timeout",
            (
                f"Cell {cell} ran longer than the {limits.cell_seconds:.0f} s limit per cell and was "
                "interrupted."
            ),
            cell,
        )
    if status == "kernel_died":
        if scoring:
            return record, GradeError(
                "kernel_died",
                (
                    "The kernel died while heldout scored the model on the holdout after the last cell "
                    "(memory limit, a crash, os._exit or a restart in the model or the prepare function)."
                ),
            )
        return record, GradeError(
            "kernel_died",
            (f"The kernel died while running cell {cell} (memory limit, a crash, os._exit or a restart)."),
            cell,
        )
    if status == "finish_failed" and scoring:
        return record, GradeError(
            "crashed",
            (
                "heldout's scoring step after the last cell failed with "
                f"{_printable(str(err.get('name')))}: {_printable(str(err.get('value')))}. It never fails "
                "on its own: did the notebook change heldout's files or modules, or leave the disk full?"
            ),
        )
    detail = _printable(str(err.get("value", "no detail")))
    return record, GradeError("crashed", f"The run did not finish ({_printable(str(status))}): {detail}")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_KERNEL_NOISE = ("Kernel is running over TCP without encryption",)


def _printable(text: str) -> str:
    """The candidate's text (exception names and messages), with control characters shown, not obeyed.

    Messages end up in terminals: an escape sequence in an exception could clear the screen, retitle the
    window or overwrite the verdict line.
    """
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def _without_noise(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not any(n in line for n in _KERNEL_NOISE))


def _tracer_errors(trace: Trace) -> list[str]:
    """Where heldout's tracer failed on a call the notebook made (the call itself ran as without
    heldout): said as heldout's fault, with the place, never as the candidate's."""
    notes = []
    for event in trace.of_kind("tracer_error"):
        place = f"cell {event.cell}, line {event.line}" if event.cell else f"line {event.line}"
        notes.append(
            f"heldout's tracer failed on {_printable(str(event.get('function')))} ({place}): "
            f"{_printable(str(event.get('error')))[:200]}. The call ran as it would without heldout; the "
            "checks could not follow the data through it."
        )
    return notes[:10]


def _printable_report(report: Any) -> dict[str, Any] | None:
    if not isinstance(report, dict):
        return None
    return {str(k)[:100]: _printable(v) if isinstance(v, str) else v for k, v in report.items()}


def _followups(manifest: Manifest, result: GradeResult) -> list[str]:
    verdicts = {c.id: str(c.verdict) for c in result.checks}
    chosen = []
    for followup in manifest.followups:
        if followup.when == "always":
            chosen.append(followup.question)
            continue
        check_id, _, verdict = followup.when.partition(":")
        if verdicts.get(check_id) == verdict:
            chosen.append(followup.question)
    return chosen
