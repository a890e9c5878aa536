"""The candidate's feature function and serving entry point called the way production calls them.

Runs inside the kernel after the last cell, black-box like the future probe: nothing here needs the
trace, only the functions the contract names (``build_features(log, requests)``,
``score_event(event, history)`` and the model). Every probe returns plain JSON-able facts (which
columns changed on how many requests, which payments scored differently, how long calls took); the
checks on the grader's side turn them into verdicts. A probe whose call raises records the error
and never stops the others.

- ``point_in_time``: delete, then alter, every event from a cut-off on; the requests before the
  cut-off must get the same features. And a late event scored with a history that holds the user's
  later events must score as it does without them.
- ``parity``: a seeded sample of holdout events replayed one at a time through the serving entry
  point, each with its entity's history as the online store held it (events ingested before the
  event happened), against the offline path on the whole log. A difference that disappears when the
  history also holds the events that arrived late is the skew of late data, kept apart.
- ``batch``: the offline path on the sample alone, in shuffled batches of seven, and all at once;
  and any estimator fitted while serving (the tracer is switched on for those calls only).
- ``robustness``: serving requests the training data never had.
- ``latency``: the replay's per-call CPU times, and how fast this machine ran a calibration workload
  (``heldout.trace.latency``: load on the machine moves neither).
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from heldout.trace.latency import ReplayClock
from heldout.trace.timeline import as_table, table_differences

__all__ = ["ServingSpec", "model_scores", "offline_features", "serving_probes"]

_CUTOFF_SHARES = (0.25, 0.5, 0.75)
_RECENT = pd.Timedelta(hours=3)  # requests this close before a cut-off: their windows reach past it
_EARLIER_REQUESTS = 60
_BURST_CUTOFFS = 6
_SELF_REQUESTS = 12
_LATE_SCAN = 2000  # the latest-arriving events searched for one whose store held later events
_LATE_CHECKS = 10
_SLOW_CALLS = 1
_SINGLE_REQUESTS = 10
_CHUNK = 7
_CHUNKED_REQUESTS = 105  # fifteen batches of seven, shuffled
_FIT_PROBE_CALLS = 10
_UNSEEN_CATEGORY = "parking_meters"
_MAX_LISTED = 8
_MISMATCHES = ("late", "code", "log")


@dataclass(frozen=True)
class ServingSpec:
    """The manifest's serving table, as the kernel job carries it."""

    event_columns: tuple[str, ...]
    time: str
    entity: str
    ingested: str
    event_id: str
    replay_events: int
    tolerance: float
    seed: int = 0

    @classmethod
    def from_job(cls, job: Mapping[str, Any]) -> ServingSpec:
        raw = job["serving"]
        return cls(
            event_columns=tuple(raw["event_columns"]),
            time=job["time"],
            entity=job["entity"],
            ingested=raw["ingested"],
            event_id=raw["event_id"],
            replay_events=int(raw["replay_events"]),
            tolerance=float(raw["tolerance"]),
        )


def model_scores(model: Any, features: Any) -> np.ndarray:
    """The positive-class score of each row, the way the grader scores the holdout."""
    if hasattr(model, "predict_proba"):
        raw = np.asarray(model.predict_proba(features))
        scores = raw[:, -1] if raw.ndim == 2 else raw
    elif hasattr(model, "decision_function"):
        scores = np.asarray(model.decision_function(features))
    else:
        raise TypeError("the model has neither predict_proba nor decision_function")
    return np.asarray(scores, dtype=np.float64).ravel()


def offline_features(build: Callable[..., Any], log: pd.DataFrame, requests: pd.DataFrame, name: str) -> Any:
    """``build(log, requests)`` on copies (a function that edits its inputs must not change the next
    probe's), checked for one row per request."""
    output = build(log.copy(), requests.copy())
    as_table(output, len(requests), name)  # raises, saying what is wrong, unless one row per request
    return output


def serving_probes(
    build: Callable[..., Any],
    serve: Callable[..., Any],
    model: Any,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    spec: ServingSpec,
    names: Mapping[str, str],
    tracer: Any = None,
) -> dict[str, Any]:
    """Every probe's facts. ``train`` and ``holdout`` hold the event columns only."""
    probe = _Probe(build, serve, model, train, holdout, spec, names, tracer)
    out: dict[str, Any] = {}
    # The replay first: it times the serving path, and a slow one gets fewer calls in the probes after it.
    for key, run in (
        ("parity", probe.parity),
        ("point_in_time", probe.point_in_time),
        ("batch", probe.batch),
        ("robustness", probe.robustness),
    ):
        try:
            out[key] = run()
        except Exception:  # the candidate's functions may raise anything; the check says so
            out[key] = {"problem": _short_traceback()}
    out["latency"] = probe.latency()
    return out


class _Probe:
    def __init__(
        self,
        build: Callable[..., Any],
        serve: Callable[..., Any],
        model: Any,
        train: pd.DataFrame,
        holdout: pd.DataFrame,
        spec: ServingSpec,
        names: Mapping[str, str],
        tracer: Any,
    ) -> None:
        self.build, self.serve, self.model, self.spec, self.names = build, serve, model, spec, names
        self.tracer = tracer
        self.train = train.reset_index(drop=True)
        self.log = pd.concat([train, holdout], ignore_index=True)
        self.event_times = pd.to_datetime(self.log[spec.time]).to_numpy()
        self.ingested_times = pd.to_datetime(self.log[spec.ingested]).to_numpy()
        self.rows_of = {key: np.asarray(rows) for key, rows in self.log.groupby(spec.entity).indices.items()}
        rng = np.random.default_rng(spec.seed)
        first_holdout = len(train)
        picked = rng.choice(len(holdout), size=min(spec.replay_events, len(holdout)), replace=False)
        order = np.argsort(self.event_times[first_holdout + picked], kind="stable")
        self.sample_rows = first_holdout + picked[order]  # positions in the log, in time order
        self.clock = ReplayClock(len(self.sample_rows))
        self._columns = 0
        self.replay_stopped: int | None = None

    # -- helpers ---------------------------------------------------------------------------------------
    def build_output(self, log: pd.DataFrame, requests: pd.DataFrame) -> tuple[Any, pd.DataFrame]:
        """What the feature function returns (for the model) and the same as a table (to compare)."""
        output = offline_features(self.build, log, requests, self.names["features"])
        return output, as_table(output, len(requests), self.names["features"])

    def features(self, log: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
        return self.build_output(log, requests)[1]

    def offline_scores(self, requests: pd.DataFrame) -> np.ndarray:
        return model_scores(self.model, self.build_output(self.log, requests)[0])

    def event(self, row: int) -> dict[str, Any]:
        return _event_dict(self.log.iloc[row])

    def stored_history(self, row: int, as_of: np.datetime64 | None = None) -> pd.DataFrame:
        """The entity's events the online store held when event ``row`` arrived (ingested before it
        happened, or before ``as_of``)."""
        moment = self.event_times[row] if as_of is None else as_of
        rows = self.rows_of.get(self.log.iloc[row][self.spec.entity], np.empty(0, dtype=np.int64))
        rows = rows[(self.ingested_times[rows] < moment) & (rows != row)]
        return self.log.iloc[rows].reset_index(drop=True)

    def happened_history(self, row: int) -> pd.DataFrame:
        """The entity's events that happened before event ``row``, late arrivals included."""
        rows = self.rows_of.get(self.log.iloc[row][self.spec.entity], np.empty(0, dtype=np.int64))
        rows = rows[(self.event_times[rows] < self.event_times[row]) & (rows != row)]
        return self.log.iloc[rows].reset_index(drop=True)

    def calls(self, wanted: int) -> int:
        """How many more serving calls a probe makes: a few when the replay found serving too slow."""
        return min(wanted, _SLOW_CALLS) if self.replay_stopped is not None else wanted

    def call_serve(self, event: dict[str, Any], history: pd.DataFrame) -> float:
        value = self.serve(dict(event), history.copy())
        try:
            number = (
                float(np.asarray(value, dtype=np.float64).reshape(-1)[0]) if np.ndim(value) else float(value)
            )
        except (TypeError, ValueError, IndexError):
            raise TypeError(f"returned {type(value).__name__} {str(value)[:60]!r}, not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"returned {number!r}")
        return number

    # -- probes ----------------------------------------------------------------------------------------
    def point_in_time(self) -> dict[str, Any]:
        times = pd.to_datetime(self.train[self.spec.time])
        span = times.max() - times.min()
        rng = np.random.default_rng(self.spec.seed + 1)
        cutoffs = []
        for share in _CUTOFF_SHARES:
            cutoff = (times.min() + span * share).floor("D") + pd.Timedelta(hours=20)  # a busy evening
            before = (times < cutoff).to_numpy()
            recent = np.flatnonzero(before & (times >= cutoff - _RECENT).to_numpy())
            earlier = np.flatnonzero(before & (times < cutoff - _RECENT).to_numpy())
            extra = rng.choice(earlier, size=min(_EARLIER_REQUESTS, len(earlier)), replace=False)
            cutoffs.append(self._cut(str(cutoff), before, np.sort(np.concatenate([recent, extra]))))
            cutoffs[-1]["kind"] = "moment"
        for row in self._burst_requests(times):
            # A payment whose user paid again within the hour: its own time is the cut-off, so a
            # window that reaches forward (the next hour, a centred window) has something to read.
            kept = (times <= times.iloc[row]).to_numpy()
            cutoffs.append(self._cut(str(self.train.iloc[row][self.spec.time]), kept, np.array([row])))
            cutoffs[-1].update(kind="payment", id=str(self.train.iloc[row][self.spec.event_id]))
        return {
            "cutoffs": cutoffs,
            "itself": self._itself(times),
            "late": self._late_events(),
            "columns": self._columns,
        }

    def _itself(self, times: pd.Series) -> dict[str, Any]:
        """Requests that are rows of the log must get the features they get when they are not: serving
        never holds the event it scores. Requests far apart in time, of different entities, so that
        removing one is nothing to another's history."""
        order = np.argsort(times.to_numpy(), kind="stable")
        picks = order[np.linspace(0, len(order) - 1, num=min(_SELF_REQUESTS * 3, len(order))).astype(int)]
        rows, entities = [], set()
        for row in picks:
            entity = self.train.iloc[row][self.spec.entity]
            if entity not in entities:
                rows.append(int(row))
                entities.add(entity)
            if len(rows) == _SELF_REQUESTS:
                break
        requests = self.train.iloc[rows].reset_index(drop=True)
        full = self.features(self.train, requests)
        without = self.features(self.train.drop(index=self.train.index[rows]), requests)
        return {"requests": len(rows), **table_differences(full, without)}

    def _cut(self, cutoff: str, kept: np.ndarray, rows: np.ndarray) -> dict[str, Any]:
        requests = self.train.iloc[rows].reset_index(drop=True)
        full = self.features(self.train, requests)
        self._columns = len(full.columns)
        deleted = self.features(self.train[kept], requests)
        altered = self.features(_altered_after(self.train, ~kept, self.spec), requests)
        return {
            "cutoff": cutoff,
            "requests": len(requests),
            "deleted": table_differences(full, deleted),
            "altered": table_differences(full, altered),
        }

    def _burst_requests(self, times: pd.Series) -> list[int]:
        """Training events whose entity has another event within the next hour, spread over time."""
        frame = pd.DataFrame({"entity": self.train[self.spec.entity].to_numpy(), "t": times.to_numpy()})
        frame = frame.sort_values(["entity", "t"], kind="stable")
        following = frame.groupby("entity")["t"].shift(-1)
        soon = frame.index[((following - frame["t"]) <= pd.Timedelta(hours=1)) & (following > frame["t"])]
        soon = np.sort(np.asarray(soon))
        if not len(soon):
            return []
        picks = np.linspace(0, len(soon) - 1, num=min(_BURST_CUTOFFS, len(soon))).astype(int)
        return [int(soon[i]) for i in picks]

    def _late_events(self) -> dict[str, Any]:
        """Late events scored with the store as it was when they arrived (holding the entity's events
        that happened after them) and with their past only."""
        lag = self.ingested_times - self.event_times
        checked, changed, errors = 0, [], []
        for row in np.argsort(-lag, kind="stable")[:_LATE_SCAN]:
            on_arrival = self.stored_history(int(row), as_of=self.ingested_times[row])
            later = pd.to_datetime(on_arrival[self.spec.time]).to_numpy() > self.event_times[row]
            if not later.any():
                continue
            past = on_arrival[~later].reset_index(drop=True)
            try:
                with_later = self.call_serve(self.event(int(row)), on_arrival)
                without = self.call_serve(self.event(int(row)), past)
            except Exception as error:
                errors.append(_one_line(error))
                continue
            checked += 1
            if abs(with_later - without) > self.spec.tolerance:
                changed.append(
                    {
                        "id": str(self.log.iloc[row][self.spec.event_id]),
                        "with_later": with_later,
                        "without": without,
                        "later_events": int(later.sum()),
                    }
                )
            if checked >= self.calls(_LATE_CHECKS):
                break
        return {
            "checked": checked,
            "changed": changed[:_MAX_LISTED],
            "n_changed": len(changed),
            "errors": errors[:3],
        }

    def parity(self) -> dict[str, Any]:
        requests = self.log.iloc[self.sample_rows].reset_index(drop=True)
        output, offline_table = self.build_output(self.log, requests)
        offline = model_scores(self.model, output)
        compared, errors = 0, []
        found: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _MISMATCHES}
        for position, row in enumerate(self.sample_rows):
            if self.clock.should_stop(position):
                self.replay_stopped = position
                break
            event, history = self.event(row), self.stored_history(row)
            try:
                online = self.clock.timed(self.call_serve, event, history)
            except Exception as error:
                errors.append(
                    {"id": str(event[self.spec.event_id]), "error": _one_line(error), **_kinds(event)}
                )
                continue
            compared += 1
            if abs(online - offline[position]) <= self.spec.tolerance:
                continue
            request, offline_row = requests.iloc[[position]], offline_table.iloc[[position]]
            kind, columns = self._explain(
                row, event, history, online, request, offline_row, offline[position]
            )
            found[kind].append(
                {
                    "id": str(event[self.spec.event_id]),
                    "online": online,
                    "offline": float(offline[position]),
                    "columns": columns,
                }
            )
        facts: dict[str, Any] = {
            "sampled": len(self.sample_rows),
            "compared": compared,
            "errors": errors[:_MAX_LISTED],
            "n_errors": len(errors),
            "stopped_after": self.replay_stopped,
        }
        for kind, mismatches in found.items():
            facts[kind], facts[f"n_{kind}"] = mismatches[:_MAX_LISTED], len(mismatches)
        return facts

    def _explain(
        self,
        row: int,
        event: dict[str, Any],
        history: pd.DataFrame,
        online: float,
        request: pd.DataFrame,
        offline_row: pd.DataFrame,
        offline: float,
    ) -> tuple[str, list[str] | None]:
        """Why the serving path's score differs from the offline path's for this event.

        "late": the store had not received some of the entity's earlier events yet (the data's skew).
        "code": `serve` does not compute what the feature function and the model compute from the same
        history (its own code path). "log": it does; the offline value needs rows of the log that no
        store holds when the request is served, events after it or the request itself (the point-in-time
        check's finding, not the serving code's).
        """
        complete = self.happened_history(row)
        if len(complete) != len(history):
            try:
                if abs(self.call_serve(event, complete) - offline) <= self.spec.tolerance:
                    return "late", []
            except Exception:
                pass
        try:
            same_output, same_table = self.build_output(history, request)
            same = float(model_scores(self.model, same_output)[0])
        except Exception:
            return "code", None
        if abs(online - same) > self.spec.tolerance:
            return "code", []
        return "log", _changed_columns(offline_row, same_table)

    def batch(self) -> dict[str, Any]:
        requests = self.log.iloc[self.sample_rows].reset_index(drop=True)
        outcome: dict[str, Any] = {"requests": len(requests)}
        try:
            together = self.offline_scores(requests)
        except Exception as error:  # the holdout check reports the batch path failing; say how here
            outcome["together_error"] = _one_line(error)
            outcome["fits"] = self._fits_while_serving()
            outcome["fit_probe_calls"] = self.calls(_FIT_PROBE_CALLS)
            return outcome
        singles = np.linspace(0, len(requests) - 1, num=min(_SINGLE_REQUESTS, len(requests))).astype(int)
        outcome["single"] = self._compare_batches(requests, together, [np.array([i]) for i in singles])
        shuffled = np.random.default_rng(self.spec.seed + 2).permutation(len(requests))[:_CHUNKED_REQUESTS]
        chunks = [shuffled[i : i + _CHUNK] for i in range(0, len(shuffled), _CHUNK)]
        outcome["chunks"] = self._compare_batches(requests, together, chunks)
        outcome["fits"] = self._fits_while_serving()
        outcome["fit_probe_calls"] = self.calls(_FIT_PROBE_CALLS)
        return outcome

    def _compare_batches(
        self, requests: pd.DataFrame, together: np.ndarray, batches: list[np.ndarray]
    ) -> dict:
        differ, errors = [], []
        for batch in batches:
            try:
                scores = self.offline_scores(requests.iloc[batch].reset_index(drop=True))
            except Exception as error:
                errors.append(_one_line(error))
                continue
            for i, score in zip(batch, scores, strict=True):
                if abs(score - together[i]) > self.spec.tolerance:
                    differ.append(
                        {
                            "id": str(requests.iloc[i][self.spec.event_id]),
                            "alone": float(score),
                            "together": float(together[i]),
                        }
                    )
        return {
            "batches": len(batches),
            "requests": int(sum(len(b) for b in batches)),
            "differ": differ[:_MAX_LISTED],
            "n_differ": len(differ),
            "errors": errors[:3],
            "n_errors": len(errors),
        }

    def _fits_while_serving(self) -> list[dict[str, Any]]:
        """Estimators fitted inside ``score_event`` (pandas statistics of the history are features,
        not fits, and are left out)."""
        if self.tracer is None:
            return []
        events = self.tracer.recorder.events
        start = len(events)
        self.tracer.enabled = True
        try:
            for row in self.sample_rows[: self.calls(_FIT_PROBE_CALLS)]:
                try:
                    self.call_serve(self.event(row), self.stored_history(row))
                except Exception:
                    continue
        finally:
            self.tracer.enabled = False
        fits: dict[tuple[str, str], dict[str, Any]] = {}
        for event in events[start:]:
            if (
                event.get("kind") != "fit"
                or event.get("role") == "statistic"
                or event.get("parent") is not None
            ):
                continue
            key = (str(event.get("estimator")), str(event.get("method")))
            entry = fits.setdefault(key, {"estimator": key[0], "method": key[1], "calls": 0, "n_rows": None})
            entry["calls"] += 1
            entry["n_rows"] = event.get("n_rows")
        del events[start:]  # the candidate's trace ends with the last cell
        return list(fits.values())[:_MAX_LISTED]

    def robustness(self) -> dict[str, Any]:
        base_row = int(self.sample_rows[len(self.sample_rows) // 2])
        base = self.event(base_row)
        history = self.stored_history(base_row)
        empty = self.log.iloc[:0]
        cases = {
            "an unseen merchant category": ({**base, **_unseen_category(base)}, history),
            "missing fields": ({**base, **_missing_fields(base, self.spec)}, history),
            "a user with no history": (base, empty),
            "a late event": self._late_case(),
        }
        outcome = []
        for case, (event, stored) in cases.items():
            try:
                self.call_serve(event, stored)
                outcome.append({"case": case, "error": None})
            except Exception as error:
                outcome.append({"case": case, "error": _one_line(error)})
        return {"cases": outcome}

    def _late_case(self) -> tuple[dict[str, Any], pd.DataFrame]:
        lag = self.ingested_times[self.sample_rows] - self.event_times[self.sample_rows]
        row = int(self.sample_rows[int(np.argmax(lag))])
        return self.event(row), self.stored_history(row, as_of=self.ingested_times[row])

    def latency(self) -> dict[str, Any]:
        return self.clock.summary(self.replay_stopped)


def _changed_columns(expected: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    differences = table_differences(expected, got)
    return list(differences["changed"]) + differences["missing_columns"] + differences["extra_columns"]


def _event_dict(row: pd.Series) -> dict[str, Any]:
    """One event as the serving path receives it: plain Python values, None for a missing one."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            out[str(key)] = None
        elif isinstance(value, np.generic):
            out[str(key)] = value.item()
        else:
            out[str(key)] = value
    return out


def _kinds(event: dict[str, Any]) -> dict[str, Any]:
    return {"category": event.get("merchant_category"), "device": event.get("device_type")}


def _unseen_category(event: dict[str, Any]) -> dict[str, Any]:
    """Every text field that looks like a category gets a value nobody has seen."""
    return {key: _UNSEEN_CATEGORY for key in event if key.endswith("category")}


def _missing_fields(event: dict[str, Any], spec: ServingSpec) -> dict[str, Any]:
    keep = {spec.event_id, spec.entity, spec.time, spec.ingested}
    return {key: None for key, value in event.items() if key not in keep and isinstance(value, str)}


def _altered_after(log: pd.DataFrame, after: np.ndarray, spec: ServingSpec) -> pd.DataFrame:
    """The log with every event from the cut-off on changed in everything but who and when."""
    altered = log.copy()
    keep = {spec.event_id, spec.entity, spec.time, spec.ingested}
    for column in altered.columns:
        if column in keep:
            continue
        values = altered.loc[after, column]
        if pd.api.types.is_numeric_dtype(altered[column]):
            altered.loc[after, column] = values * 3.7 + 1.0
        else:
            distinct = sorted(set(altered[column].dropna().astype(str)))
            if len(distinct) > 1:
                shift = {value: distinct[(i + 1) % len(distinct)] for i, value in enumerate(distinct)}
                altered.loc[after, column] = values.map(shift)
    return altered


def _one_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def _short_traceback() -> str:
    return traceback.format_exc()[-2000:]
