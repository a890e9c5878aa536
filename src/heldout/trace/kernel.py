"""What runs inside the candidate's kernel: ``start`` before the first cell, ``finish`` after the last.

``start`` opens the trace channel (heldout.trace.channel) on the descriptor the runner handed the kernel,
installs the tracer on it, and has IPython report after every cell whether the tracer's patches are
still in place. ``finish`` collects what the manifest's contract asks for (the model's scores on the
holdout features and the declared report) and sends it as the channel's last frame. Nothing goes
through a file the kernel could rewrite. It never raises: every problem becomes a field of the result,
because a candidate's broken model must still leave a gradable record.
"""

from __future__ import annotations

import functools
import json
import math
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from heldout.trace import fairlearn_hooks
from heldout.trace.channel import Channel, NullChannel
from heldout.trace.column_use import column_use_probe
from heldout.trace.decisions import holdout_decisions
from heldout.trace.hooks import Tracer, active_tracer
from heldout.trace.model_facts import model_facts
from heldout.trace.readout import normalise_readout, readout_probes
from heldout.trace.record import encode_array
from heldout.trace.retrieval import retrieval_probes
from heldout.trace.serving import ServingSpec, model_scores, offline_features, serving_probes
from heldout.trace.timeline import future_probe, replay_features

__all__ = ["finish", "start"]

_ERROR_CHARS = 2000
_start_error: str | None = None
_channel: Channel | None = None


def start(job_path: str, channel_fd: int) -> None:
    """Install the tracer. IPython swallows errors in startup lines, so keep ours for ``finish``."""
    global _start_error, _channel
    try:
        _channel = Channel(channel_fd)
        job = json.loads(Path(job_path).read_text(encoding="utf-8"))
        tracer = Tracer(job["dataset_files"], channel=_channel).install()
        if job.get("fairness"):
            fairlearn_hooks.install(tracer)
        _report_after_each_cell(tracer, _channel)
    except Exception:
        _start_error = _short_traceback()


def _report_after_each_cell(tracer: Tracer, channel: Channel) -> None:
    """One ``cell`` frame per executed cell: the runner counts them, so unhooking this shows too."""
    from IPython import get_ipython

    def after_cell(result: Any = None) -> None:
        info = getattr(result, "info", None)
        if info is not None and not getattr(info, "store_history", True):
            return  # start-up lines and cells run from inside a cell: not the notebook's own cells
        channel.send("cell", tampered=tracer.verify())

    get_ipython().events.register("post_run_cell", after_cell)


def finish(job_path: str) -> None:
    from IPython import get_ipython

    channel = _channel if _channel is not None else NullChannel()
    channel.send("finish")
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    namespace = get_ipython().user_ns
    tracer = active_tracer()
    out: dict[str, Any] = {"errors": {}}
    if tracer is not None:
        tracer.enabled = False
        out["tampered"] = tracer.verify()
    elif _start_error is not None:
        out["tampered"] = []
        out["tracer_error"] = _start_error
    else:
        out["tampered"] = ["the tracer is gone"]
    contract = job["contract"]
    out["report"], out["errors"]["report"] = _collect_report(namespace, contract)
    if contract.get("experiments"):
        out["experiments"], out["errors"]["experiments"] = _collect_table(
            namespace, contract["experiments"], contract["experiment_columns"]
        )
    if contract.get("drift"):
        out["drift"], out["errors"]["drift"] = _collect_table(
            namespace, contract["drift"], contract["drift_columns"]
        )
    if contract.get("group_metrics"):
        out["group_metrics"], out["errors"]["group_metrics"] = _collect_table(
            namespace, contract["group_metrics"], contract["group_metric_columns"]
        )
    out["defined"] = {
        role: namespace.get(name) is not None
        for role, name in (
            ("model", contract["model"]),
            ("report", contract["report"]),
            ("prepare", contract.get("prepare")),
            ("features", contract.get("features")),
            ("serve", contract.get("serve")),
        )
        if name
    }
    if tracer is not None:
        # The fit that made the model the grader scores (its columns are the model's features).
        out["model_fit"] = tracer.fit_event_of(namespace.get(contract["model"]))
    if contract.get("analyze"):
        # An experiment readout has no holdout scores: it is called on the replicate experiments.
        out["readout"], out["errors"]["readout"] = _collect_readout(namespace, contract["report"])
        out["replicates"] = _probe_readout(namespace, job)
        channel.send("result", result=out)
        return
    if contract.get("retrieve"):
        # A retriever has no holdout scores: its hidden queries are answered by the probes instead.
        out["retrieval"] = _probe_retrieval(namespace, job)
        channel.send("result", result=out)
        return
    if contract.get("model_facts"):
        out["model_facts"] = model_facts(namespace.get(contract["model"]), _training_input(namespace, job))
    scores, out["errors"]["predict"] = _predict_holdout(namespace, job)
    if job.get("time") and callable(namespace.get(contract.get("prepare") or "")):
        out["future_probe"] = _probe_future(namespace, job)
    if contract.get("serve"):
        out["serving"] = _probe_serving(namespace, job, tracer)
    if scores is not None:
        out["scores"] = encode_array(scores)
    if contract.get("probe_columns") and namespace.get(contract["model"]) is not None:
        out["column_use"] = column_use_probe(
            namespace[contract["model"]], _training_features(job), contract["probe_columns"]
        )
    if contract.get("decisions"):
        decisions, out["errors"]["decisions"] = holdout_decisions(namespace, job)
        if decisions is not None:
            out["decisions"] = encode_array(decisions)
    # The trace is not part of the result: the runner assembled it from the frames sent as it was made.
    channel.send("result", result=out)


def _collect_report(
    namespace: dict[str, Any], contract: dict[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    name = contract["report"]
    if name not in namespace:
        return None, f"the notebook never defines `{name}`"
    raw = namespace[name]
    if not isinstance(raw, dict):
        return None, f"`{name}` must be a dict (got {type(raw).__name__})"
    report, problems = _typed_fields(raw, contract["report_keys"], f"`{name}")
    return report, "; ".join(problems) or None


_MAX_TABLE_ROWS = 200


def _collect_table(
    namespace: dict[str, Any], name: str, columns: dict[str, str]
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """A declared table (the experiment log, the drift report) as a list of rows with the declared
    columns; a table that cannot be read is described, never raised: the check that grades it says what
    is wrong in the candidate's terms."""
    if name not in namespace:
        return None, f"the notebook never defines `{name}`"
    raw = namespace[name]
    try:
        import pandas as pd

        if isinstance(raw, pd.DataFrame):
            rows = raw.to_dict("records")
        elif isinstance(raw, (list, tuple)):
            rows = list(raw)
        else:
            return None, f"`{name}` must be a list of dicts or a DataFrame (got {type(raw).__name__})"
    except Exception:  # a hostile object's conversion may raise anything
        return None, f"`{name}` could not be read as a table"
    if not rows:
        return None, f"`{name}` is empty"
    log: list[dict[str, Any]] = []
    problems: list[str] = []
    for i, row in enumerate(rows[:_MAX_TABLE_ROWS]):
        if not isinstance(row, dict):
            problems.append(f"row {i} of `{name}` is a {type(row).__name__}, not a dict")
            continue
        values, missing = _typed_fields(row, columns, f"`{name}[{i}]")
        log.append(values)
        problems.extend(missing)
    return log, "; ".join(problems[:10]) or None


def _typed_fields(raw: dict[Any, Any], kinds: dict[str, str], where: str) -> tuple[dict[str, Any], list[str]]:
    """``raw``'s declared fields converted to their kinds, and what was missing or of the wrong kind."""
    values: dict[str, Any] = {}
    problems = []
    for key, kind in kinds.items():
        if key not in raw:
            problems.append(f"{where}['{key}']` is missing")
            continue
        value = raw[key]
        if kind == "float":
            try:
                value = float(value)
            except (TypeError, ValueError):
                problems.append(f"{where}['{key}']` must be a number (got {str(value)[:60]!r})")
                continue
            if not math.isfinite(value):
                problems.append(f"{where}['{key}']` must be finite (got {value!r})")
                continue
        else:
            value = str(value)[:200]
        values[key] = value
    return values, problems


def _predict_holdout(namespace: dict[str, Any], job: dict[str, Any]) -> tuple[np.ndarray | None, str | None]:
    contract = job["contract"]
    model = namespace.get(contract["model"])
    if model is None:
        return None, f"the notebook never defines `{contract['model']}`"
    try:
        import pandas as pd

        features = pd.read_csv(job["holdout_features"])
        prepare = namespace.get(contract.get("prepare") or "")
        build = namespace.get(contract.get("features") or "")
        if contract.get("features"):
            if not callable(build):
                return None, f"the notebook never defines `{contract['features']}`"
            train_events, holdout_events = _event_tables(job)
            log = pd.concat([train_events, holdout_events], ignore_index=True)
            data = offline_features(build, log, holdout_events, contract["features"])
        elif job.get("replay") == "month" and callable(prepare):
            history = _training_features(job)
            data = replay_features(prepare, history, features, job["time"], contract["prepare"])
        else:
            data = prepare(features.copy()) if callable(prepare) else features
        if job.get("task") == "regression":
            if not hasattr(model, "predict"):
                return None, f"`{contract['model']}` has no predict method"
            scores = np.asarray(model.predict(data))
        elif hasattr(model, "predict_proba") or hasattr(model, "decision_function"):
            scores = model_scores(model, data)
        else:
            return None, f"`{contract['model']}` has neither predict_proba nor decision_function"
        scores = np.asarray(scores, dtype=np.float64).ravel()
    except Exception as error:  # the candidate's model may raise anything; it becomes a finding
        return None, candidate_cause(error)
    if len(scores) != len(features):
        return None, f"the model returned {len(scores)} scores for {len(features)} holdout rows"
    if not np.all(np.isfinite(scores)):
        return None, "the model returned NaN or infinite scores on the holdout"
    return scores, None


@functools.cache
def _training_rows(path: str, label: str) -> Any:
    import pandas as pd

    return pd.read_csv(path).drop(columns=[label])


def _training_features(job: dict[str, Any]) -> Any:
    """The training file without its label, read once for the replay and the probe (both only ever pass
    copies of it to the candidate's function)."""
    return _training_rows(job["train"], job["label"])


def _training_input(namespace: dict[str, Any], job: dict[str, Any]) -> Any:
    """The training rows as the model takes them (through the notebook's prepare function, if any)."""
    prepare = namespace.get(job["contract"].get("prepare") or "")
    return lambda: prepare(_training_features(job).copy()) if callable(prepare) else _training_features(job)


def _probe_future(namespace: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    name = job["contract"]["prepare"]
    try:
        features = _training_features(job)
        return future_probe(namespace[name], features, job["time"], name)
    except Exception:  # the candidate's function may raise anything on a shorter history
        return {"cutoffs": [], "problem": _short_traceback()}


@functools.cache
def _event_tables_of(train: str, holdout: str, columns: tuple[str, ...]) -> tuple[Any, Any]:
    import pandas as pd

    return pd.read_csv(train, usecols=list(columns))[list(columns)], pd.read_csv(holdout)[list(columns)]


def _event_tables(job: dict[str, Any]) -> tuple[Any, Any]:
    """The training log and the holdout as events (the columns an event has when it is served; the
    labels and their times never reach the candidate's functions), read once."""
    return _event_tables_of(job["train"], job["holdout_features"], tuple(job["serving"]["event_columns"]))


def _probe_serving(namespace: dict[str, Any], job: dict[str, Any], tracer: Tracer | None) -> dict[str, Any]:
    contract = job["contract"]
    for role in ("features", "serve"):
        if not callable(namespace.get(contract[role])):
            return {"missing": contract[role]}
    if namespace.get(contract["model"]) is None:
        return {"missing": contract["model"]}
    try:
        train, holdout = _event_tables(job)
        return serving_probes(
            namespace[contract["features"]],
            namespace[contract["serve"]],
            namespace[contract["model"]],
            train,
            holdout,
            ServingSpec.from_job(job),
            {"features": contract["features"], "serve": contract["serve"]},
            tracer,
        )
    except Exception:  # a failure of the probe's own set-up, never the candidate's: say so
        return {"problem": _short_traceback()}


def candidate_cause(error: BaseException) -> str:
    """What went wrong, for the candidate: the exception and the innermost place in their own code, on
    one line. No traceback: its frames are scikit-learn's and heldout's, with paths of the sandbox."""
    message = str(error).strip().splitlines()
    cause = f"{type(error).__name__}: {message[0][:300]}" if message else type(error).__name__
    own = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_notebook_code(frame.filename)]
    if own:
        cause += f" (raised in `{own[-1].name}`, line {own[-1].lineno} of its cell)"
    return cause


def _is_notebook_code(filename: str) -> bool:
    """A cell's code: IPython names its file after the cell (``/tmp/ipykernel_12/3051.py``)."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input")


def _collect_readout(namespace: dict[str, Any], name: str) -> tuple[dict[str, Any] | None, str | None]:
    if name not in namespace:
        return None, f"the notebook never defines `{name}`"
    readout, problems = normalise_readout(namespace[name])
    return readout, "; ".join(
        f"`{name}`{problem}" if problem.startswith("[") else f"`{name}` {problem}" for problem in problems
    ) or None


def _probe_readout(namespace: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    name = job["contract"]["analyze"]
    if not callable(namespace.get(name)):
        return {"missing": name}
    try:
        import pandas as pd

        replicates = pd.read_csv(job["holdout_features"])
        return readout_probes(namespace[name], replicates, job["experiment"], name)
    except Exception:  # heldout's own reading, or a candidate's function that broke the process state
        return {"problem": _short_traceback()}


def _probe_retrieval(namespace: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    contract, spec = job["contract"], job["retrieval"]
    for role in ("retrieve", "answer"):
        if not callable(namespace.get(contract[role])):
            return {"missing": contract[role]}
    try:
        import pandas as pd

        queries = pd.read_csv(job["holdout_features"], dtype=str, keep_default_na=False)
        pairs = list(zip(queries[spec["query_id"]], queries[spec["query"]], strict=True))
        return retrieval_probes(
            namespace[contract["retrieve"]],
            namespace[contract["answer"]],
            pairs,
            int(spec["k"]),
            int(spec["depth"]),
            (contract["retrieve"], contract["answer"]),
        )
    except Exception:  # heldout's own reading, or a candidate's function that broke the process state
        return {"problem": _short_traceback()}


def _short_traceback() -> str:
    text = traceback.format_exc()
    return text[-_ERROR_CHARS:]
