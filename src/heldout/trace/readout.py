"""The candidate's analysis function called on the hidden replicate experiments, and probed.

Runs inside the kernel after the last cell, black-box like the retrieval and serving probes: only the
function the contract names is used, ``analyze(sessions) -> dict``. It is called once per replicate
experiment (the holdout file, numbered by the manifest's replicate column), and its readouts go back as
plain JSON for the grader's side to score against the truth of each replicate, which never enters the
kernel. Four metamorphic probes then ask what no printed number can tell, each on copies of a few
replicates, and each a relation that a correct readout satisfies in any style:

* **again**: the same replicate twice must give the same effect (else the other probes cannot be read);
* **sessions**: one more session without a conversion for every unit with few sessions leaves each
  unit's primary metric (converted at least once) as it was, so a readout per unit of randomisation
  gives the same effect; a readout over sessions does not;
* **early**: where the readout declared a difference, the replicate without its last days must give a
  different effect (a readout that stopped at a look before the end does not see them);
* **shuffled**: the post-assignment columns shuffled within each arm leave every arm's outcomes as they
  were, so the effect does not move unless the readout adjusts for those columns.

A call that raises or returns the wrong shape is recorded and never stops the others. A readout so slow
that the replicates would use more than their CPU allowance is stopped at a fixed checkpoint (decided on
CPU time, which waiting for a core does not add to), and only the replicates read so far are scored.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["READOUT_FIELDS", "normalise_readout", "readout_probes"]

READOUT_FIELDS = {
    "decision": "str",
    "effect": "float",
    "ci_low": "float",
    "ci_high": "float",
    "p_value": "float",
    "srm": "bool",
    "metric": "str",
    "guardrails": "list",
    "segments": "list",
}
PROBED_REPLICATES = 10  # replicates the sessions, shuffled and again probes use
EARLY_PROBES = 20  # at most this many replicates with a declared difference get the early probe
EARLY_SHARE = 1 / 3  # the last third of the days is removed
FEW_SESSIONS = 2  # units with at most this many sessions get one more
CHECKPOINT = 10
READOUT_CPU_SECONDS = 240.0
_MAX_ERRORS = 8
_MAX_ITEMS = 50
_MAX_TEXT = 200


def normalise_readout(value: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """A readout as plain JSON-able fields, and what was missing or of the wrong kind."""
    if not isinstance(value, Mapping):
        return None, [f"returned a {type(value).__name__}, not a dict"]
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key, kind in READOUT_FIELDS.items():
        if key not in value:
            problems.append(f"['{key}'] is missing")
            continue
        raw = value[key]
        try:
            if kind == "float":
                number = float(raw)
                out[key] = number if math.isfinite(number) else None
            elif kind == "bool":
                out[key] = _truthy(raw)
            elif kind == "list":
                out[key] = _texts(raw)
            else:
                out[key] = str(raw)[:_MAX_TEXT]
        except Exception:  # a hostile value's conversion may raise anything
            problems.append(f"['{key}'] must be a {kind} (got {type(raw).__name__})")
    return out, problems


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "srm", "detected", "found")
    return bool(value)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value[:_MAX_TEXT]] if value.strip() else []
    if isinstance(value, Mapping):
        value = list(value.keys())
    return [str(item)[:_MAX_TEXT] for item in list(value)[:_MAX_ITEMS]]


def readout_probes(
    analyze: Callable[..., Any],
    replicates: Any,
    spec: Mapping[str, Any],
    name: str = "analyze",
) -> dict[str, Any]:
    """``replicates`` is the holdout frame; ``spec`` the manifest's experiment table as plain JSON."""
    column = spec["replicate"]
    frames = [
        (int(number), frame.drop(columns=column).reset_index(drop=True))
        for number, frame in replicates.groupby(column, sort=True)
    ]
    calls = _Calls(analyze, name)
    readouts: dict[str, Any] = {}
    stopped: int | None = None
    for position, (number, frame) in enumerate(frames):
        if position == CHECKPOINT and calls.projected(len(frames)) > READOUT_CPU_SECONDS:
            stopped = position
            break
        readouts[str(number)] = calls.readout(frame)
    probed = [(n, f) for n, f in frames[:PROBED_REPLICATES] if _effect(readouts.get(str(n))) is not None]
    probes: dict[str, dict[str, Any]] = {"again": {}, "sessions": {}, "shuffled": {}, "early": {}}
    if stopped is None:
        for number, frame in probed:
            probes["again"][str(number)] = _probed(calls.readout(frame))
            probes["sessions"][str(number)] = _probed(calls.readout(_more_sessions(frame, spec)))
            if spec.get("post_assignment"):
                probes["shuffled"][str(number)] = _probed(calls.readout(_shuffled(frame, spec, number)))
        declared = [(n, f) for n, f in frames if _declared(readouts.get(str(n)), float(spec["alpha"]))][
            :EARLY_PROBES
        ]
        for number, frame in declared:
            probes["early"][str(number)] = _probed(calls.readout(_without_last_days(frame, spec)))
    return {
        "replicates": len(frames),
        "readouts": readouts,
        "probes": probes,
        "errors": calls.errors,
        "n_errors": calls.n_errors,
        "cpu_seconds": round(calls.cpu, 3),
        "stopped_after": stopped,
    }


class _Calls:
    def __init__(self, analyze: Callable[..., Any], name: str) -> None:
        self.analyze = analyze
        self.name = name
        self.errors: list[str] = []
        self.n_errors = 0
        self.cpu = 0.0
        self.count = 0

    def readout(self, frame: Any) -> dict[str, Any]:
        begin = time.process_time()
        try:
            value = self.analyze(frame.copy())
        except Exception as error:  # the candidate's function may raise anything: a finding
            return self._problem(f"{self.name}(sessions) raised {_one_line(error)}")
        finally:
            self.cpu += time.process_time() - begin
            self.count += 1
        readout, problems = normalise_readout(value)
        if readout is None or problems:
            return {**(readout or {}), **self._problem(f"{self.name}(sessions) " + "; ".join(problems))}
        return readout

    def _problem(self, text: str) -> dict[str, Any]:
        self.n_errors += 1
        if len(self.errors) < _MAX_ERRORS:
            self.errors.append(text[:400])
        return {"error": text[:400]}

    def projected(self, planned: int) -> float:
        return self.cpu / max(self.count, 1) * planned * 2  # the probes cost about as much again


def _effect(readout: Any) -> float | None:
    if not isinstance(readout, dict) or "error" in readout:
        return None
    value = readout.get("effect")
    return value if isinstance(value, float) else None


def _probed(readout: Any) -> dict[str, Any]:
    """What a probe's readout says: its effect, and the metric the effect is of (a readout may switch
    metric on an altered copy, and then its effect is of something else)."""
    metric = readout.get("metric") if isinstance(readout, dict) else None
    return {"effect": _effect(readout), "metric": metric if isinstance(metric, str) else None}


def _declared(readout: Any, alpha: float) -> bool:
    """Whether the readout declared a difference: its p-value under the level, or a decision to ship."""
    if not isinstance(readout, dict) or "error" in readout:
        return False
    p = readout.get("p_value")
    return (isinstance(p, float) and p < alpha) or readout.get("decision") == "ship"


def _more_sessions(frame: Any, spec: Mapping[str, Any]) -> Any:
    """One more session without a conversion (nor revenue) for every unit with few sessions: a copy of
    its last session, on the same day."""
    import pandas as pd

    unit, primary = spec["unit"], spec["primary"]
    counts = frame.groupby(unit)[unit].transform("size")
    last = frame[counts <= FEW_SESSIONS].drop_duplicates(unit, keep="last").copy()
    last[primary] = 0
    for column in spec.get("zero_without_primary", ()):
        if column in last:
            last[column] = 0
    if "session_id" in frame:
        last["session_id"] = frame["session_id"].max() + 1 + np.arange(len(last))
    more = pd.concat([frame, last], ignore_index=True)
    return more.sort_values([spec["day"], unit], kind="stable").reset_index(drop=True)


def _shuffled(frame: Any, spec: Mapping[str, Any], number: int) -> Any:
    """The post-assignment columns permuted among the rows of each arm (a fixed permutation)."""
    rng = np.random.default_rng(number)
    out = frame.copy()
    for _, rows in out.groupby(spec["arm"]).groups.items():
        positions = out.index.get_indexer(rows)
        permuted = rng.permutation(positions)
        for column in spec["post_assignment"]:
            if column in out:
                values = out[column].to_numpy().copy()
                values[positions] = values[permuted]
                out[column] = values
    return out


def _without_last_days(frame: Any, spec: Mapping[str, Any]) -> Any:
    days = frame[spec["day"]]
    first, last = days.min(), days.max()
    cut = last - math.floor((last - first + 1) * EARLY_SHARE)
    return frame[days <= cut].reset_index(drop=True)


def _one_line(error: BaseException) -> str:
    lines = f"{type(error).__name__}: {error}".strip().splitlines()
    return lines[0][:300] if lines else type(error).__name__


def short_traceback() -> str:
    return traceback.format_exc()[-2000:]
