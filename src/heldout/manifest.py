"""Exercise manifests: one ``exercise.toml`` per scenario, loaded into frozen dataclasses.

A manifest is the whole contract of a scenario: what the candidate is told, which dataset they get, what
they must leave behind in the notebook, which checks grade it (with points, competency and hints) and
which follow-up questions an interviewer should ask. Checks are chosen here the way scikit-learn's tags
choose estimator checks, so a new scenario is mostly data.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heldout.errors import ManifestError
from heldout.holdout_metrics import BASELINES, HOLDOUT_METRICS

__all__ = [
    "COMPETENCIES",
    "FORMAT_VERSION",
    "CheckSpec",
    "Contract",
    "DatasetSpec",
    "FollowUp",
    "HoldoutSpec",
    "Level",
    "Limits",
    "Manifest",
    "Retrieval",
    "Serving",
    "load_manifest",
]

FORMAT_VERSION = 1
COMPETENCIES = (
    "data_hygiene",
    "modelling_depth",
    "experimentation",
    "mlops",
    "product_sense",
    "communication",
)
TASKS = ("binary_classification", "regression", "retrieval", "experiment")
REPLAYS = ("month",)


@dataclass(frozen=True)
class Level:
    name: str
    description: str
    pass_mark: float  # share of automated points needed to pass at this level


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    label: str
    train: str
    holdout_features: str
    holdout_labels: str
    positive_label: int = 1
    candidate_files: tuple[str, ...] = ()  # what a take-home bundle ships (default: the training file)
    entity: str | None = None  # column naming the entity rows belong to (a patient, a customer)
    time: str | None = None  # column saying when a row happened; time-ordered scenarios need it
    truth: str | None = None  # hidden file (under hidden/) with what the generator planted, for checks
    groups: str | None = None  # hidden file: the holdout rows' protected attributes, for fairness checks


@dataclass(frozen=True)
class Contract:
    """What the notebook must leave in its namespace when the last cell has run."""

    model: str
    report: str
    report_keys: Mapping[str, str]
    prepare: str | None = None
    experiments: str | None = None  # a table the notebook keeps: one row per experiment
    experiment_columns: Mapping[str, str] = field(default_factory=dict)
    drift: str | None = None  # a table the notebook keeps: one row per feature it found drifting
    drift_columns: Mapping[str, str] = field(default_factory=dict)
    features: str | None = None  # features(log, requests): each request's features as of its time
    serve: str | None = None  # serve(event, history): one event's score, as production calls it
    retrieve: str | None = None  # retrieve(query, k): passage ids, best first (retrieval scenarios)
    answer: str | None = None  # answer(query): (extractive text, ids of the passages it cites)
    analyze: str | None = None  # analyze(sessions): the readout of one experiment (experiment scenarios)
    decisions: bool = False  # the grader also asks the model for its 0/1 decisions (predict) on the holdout
    probe_columns: tuple[str, ...] = ()  # columns the grader changes to see whether the model reads them
    group_metrics: str | None = None  # a table the notebook keeps: one row per group and metric
    group_metric_columns: Mapping[str, str] = field(default_factory=dict)
    # Read the final model after the last cell: its optimisers' iterations and its training predictions.
    model_facts: bool = False


@dataclass(frozen=True)
class Serving:
    """How production calls the serving entry point (scenarios whose contract names one)."""

    event_columns: tuple[str, ...]  # what an event holds when it arrives; every log passed holds these
    ingested: str  # when an event reached the store: the online history holds what had arrived
    event_id: str  # names an event (a request must not count itself)
    replay_events: int = 300  # holdout events replayed one at a time through the entry point
    tolerance: float = 1e-6  # |online - offline| a score may differ by
    latency_p50_ms: float = 20.0
    latency_p99_ms: float = 100.0


@dataclass(frozen=True)
class Retrieval:
    """How the grader calls a retriever (scenarios whose task is retrieval): the corpus file and its
    columns, the query file's columns, the product's k, the ranking depth asked for, the latency budget."""

    corpus: str  # a candidate file: one passage per row
    passage_id: str
    text: str
    query_id: str
    query: str
    k: int = 10  # how many passages the product shows (and the answer may cite from)
    depth: int = 100  # how many the grader asks for to measure recall further down
    latency_p50_ms: float = 20.0
    latency_p99_ms: float = 100.0


@dataclass(frozen=True)
class Experiment:
    """How an experiment is laid out and what the prompt pre-registered (scenarios whose task is
    experiment): the columns of the unit of randomisation, the arm and the day; the primary metric's
    column and the words a readout may name it by; the guardrails, the pre-period covariates, the
    columns the treatment itself moves, the segments; the significance level; the column numbering the
    replicates in the holdout file."""

    unit: str
    arm: str
    treatment: str
    control: str
    day: str
    primary: str
    primary_names: tuple[str, ...]
    guardrails: tuple[str, ...]
    pre_period: tuple[str, ...]
    post_assignment: tuple[str, ...]
    segments: tuple[str, ...]
    zero_without_primary: tuple[str, ...] = ()  # columns that are 0 in a session without the outcome
    replicate: str = "replicate"
    alpha: float = 0.05
    decisions: tuple[str, ...] = ("ship", "no_ship", "investigate")


@dataclass(frozen=True)
class CheckSpec:
    id: str
    points: int
    competency: str
    hints: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HoldoutSpec:
    metric: str
    baselines: tuple[str, ...]
    margin: float  # points of a score, or a fraction of the baseline's error (see holdout_metrics)
    bootstrap_rounds: int = 0  # >0: a paired bootstrap interval of model - best baseline
    # "month": the model sees the holdout one calendar month at a time, with the training rows and the
    # earlier holdout months as history, as it would in production (needs dataset.time).
    replay: str | None = None
    # How much higher than the holdout an honest estimate may come out for this scenario (in points of a
    # score, or a fraction of an error), beyond the sampling noise of the rows it was computed on: 0 when
    # the holdout is drawn like the training data, more when it lies later in time. None: not judged.
    expected_optimism: float | None = None
    # The share of the holdout rows whose score a candidate may see on every grade (the public part); the
    # rest (the private part) is reported to the interviewer only, so grading again and again cannot tune
    # a model to the whole holdout. None: no split, the candidate sees no holdout score.
    public_share: float | None = None


@dataclass(frozen=True)
class FollowUp:
    question: str
    when: str  # "always", or "<check_id>:<verdict>" such as "threshold_not_tuned_on_test:fail"


@dataclass(frozen=True)
class Limits:
    wall_seconds: int = 900
    cell_seconds: int = 600
    memory_mb: int = 8192
    output_kb: int = 2048


@dataclass(frozen=True)
class Manifest:
    path: Path
    id: str
    version: str
    title: str
    summary: str
    task: str
    time_box_minutes: int
    competencies: tuple[str, ...]
    levels: tuple[Level, ...]
    dataset: DatasetSpec
    contract: Contract
    checks: tuple[CheckSpec, ...]
    holdout: HoldoutSpec
    followups: tuple[FollowUp, ...]
    limits: Limits
    serving: Serving | None = None
    retrieval: Retrieval | None = None
    experiment: Experiment | None = None

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def starter(self) -> Path:
        return self.folder / "starter.ipynb"

    @property
    def prompt(self) -> Path:
        return self.folder / "prompt.md"

    @property
    def total_points(self) -> int:
        return sum(check.points for check in self.checks)

    def check(self, check_id: str) -> CheckSpec:
        for spec in self.checks:
            if spec.id == check_id:
                return spec
        raise KeyError(check_id)

    def level(self, name: str) -> Level:
        for level in self.levels:
            if level.name == name:
                return level
        known = ", ".join(level.name for level in self.levels)
        raise ManifestError(self.path, "levels", f"has no level '{name}' (known: {known})")


class _Reader:
    """Reads typed fields out of a TOML table, naming the dotted field in every error."""

    def __init__(self, path: Path, table: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.table = table
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise ManifestError(self.path, self.name(key), "is missing")
            return default
        value = self.table[key]
        # bool is an int in Python; a manifest that says `points = true` is a mistake, not 1 point.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise ManifestError(self.path, self.name(key), f"must be {_kind_name(kind)} (got {value!r})")
        if not isinstance(value, kind):
            raise ManifestError(
                self.path,
                self.name(key),
                f"must be {_kind_name(kind)} (got {value!r} that is a {type(value).__name__})",
            )
        return value

    def text(self, key: str, default: Any = ...) -> str:
        value = self.get(key, str, default)
        if isinstance(value, str) and not value.strip():
            raise ManifestError(self.path, self.name(key), "must not be empty")
        return value

    def sub(self, key: str) -> _Reader:
        return _Reader(self.path, self.get(key, dict), f"{self.prefix}{key}.")

    def items(self, key: str) -> list[_Reader]:
        rows = self.get(key, list)
        readers = []
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise ManifestError(self.path, f"{self.name(key)}[{i}]", "must be a table")
            readers.append(_Reader(self.path, row, f"{self.prefix}{key}[{i}]."))
        return readers

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise ManifestError(self.path, self.name(key), _not_one_of(value, allowed))
        return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", float: "a number", dict: "a table", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _not_one_of(value: str, allowed: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(value, list(allowed), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"must be one of {', '.join(allowed)} (got '{value}'){hint}"


def load_manifest(path: str | Path, known_checks: Mapping[str, object] | None = None) -> Manifest:
    """Load and validate ``exercise.toml``; ``known_checks`` (id -> check) guards check ids."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(path, "(file)", "does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(path, "(file)", f"is not valid TOML: {error}") from None
    top = _Reader(path, raw)

    fmt = top.get("format", int)
    if fmt != FORMAT_VERSION:
        relation = "newer" if fmt > FORMAT_VERSION else "older"
        raise ManifestError(
            path,
            "format",
            f"is {fmt}, {relation} than this heldout understands ({FORMAT_VERSION}); "
            + ("upgrade heldout" if fmt > FORMAT_VERSION else "migrate the manifest"),
        )

    competencies = tuple(top.get("competencies", list))
    for i, name in enumerate(competencies):
        if name not in COMPETENCIES:
            raise ManifestError(path, f"competencies[{i}]", _not_one_of(str(name), COMPETENCIES))

    levels = tuple(
        Level(
            name=row.text("name"),
            description=row.text("description"),
            pass_mark=_fraction(row, "pass_mark"),
        )
        for row in top.items("levels")
    )
    if not levels:
        raise ManifestError(path, "levels", "must list at least one level")

    ds = top.sub("dataset")
    dataset = DatasetSpec(
        name=ds.text("name"),
        label=ds.text("label"),
        train=ds.text("train"),
        holdout_features=ds.text("holdout_features"),
        holdout_labels=ds.text("holdout_labels"),
        positive_label=ds.get("positive_label", int, 1),
        candidate_files=tuple(ds.get("candidate_files", list, [])) or (ds.text("train"),),
        entity=ds.text("entity", None),
        time=ds.text("time", None),
        truth=ds.text("truth", None),
        groups=ds.text("groups", None),
    )

    ct = top.sub("contract")
    report_keys = _column_kinds(ct, "report_keys", {})
    experiments = ct.text("experiments", None)
    experiment_columns = _column_kinds(ct, "experiment_columns", {})
    if experiments is not None and not experiment_columns:
        raise ManifestError(
            path, "contract.experiment_columns", "must name the columns of the experiment log"
        )
    drift = ct.text("drift", None)
    drift_columns = _column_kinds(ct, "drift_columns", {})
    if drift is not None and not drift_columns:
        raise ManifestError(path, "contract.drift_columns", "must name the columns of the drift report")
    group_metrics = ct.text("group_metrics", None)
    group_metric_columns = _column_kinds(ct, "group_metric_columns", {})
    if group_metrics is not None and not group_metric_columns:
        raise ManifestError(path, "contract.group_metric_columns", "must name the columns of the group table")
    decisions = ct.get("decisions", bool, False)
    contract = Contract(
        model=ct.text("model"),
        report=ct.text("report"),
        report_keys=report_keys,
        prepare=ct.text("prepare", None),
        experiments=experiments,
        experiment_columns=experiment_columns,
        drift=drift,
        drift_columns=drift_columns,
        features=ct.text("features", None),
        serve=ct.text("serve", None),
        retrieve=ct.text("retrieve", None),
        answer=ct.text("answer", None),
        analyze=ct.text("analyze", None),
        decisions=decisions,
        probe_columns=tuple(str(c) for c in ct.get("probe_columns", list, [])),
        group_metrics=group_metrics,
        group_metric_columns=group_metric_columns,
        model_facts=ct.get("model_facts", bool, False),
    )
    serving = _serving(top, contract, dataset)

    checks = []
    seen: set[str] = set()
    for row in top.items("checks"):
        check_id = row.text("id")
        if known_checks is not None and check_id not in known_checks:
            raise ManifestError(path, row.name("id"), _not_one_of(check_id, sorted(known_checks)))
        if check_id in seen:
            raise ManifestError(path, row.name("id"), f"repeats '{check_id}'")
        seen.add(check_id)
        points = row.get("points", int)
        if points < 0:
            raise ManifestError(path, row.name("points"), f"must be 0 or more (got {points})")
        competency = row.text("competency")
        if competency not in competencies:
            raise ManifestError(path, row.name("competency"), _not_one_of(competency, competencies))
        hints = tuple(row.get("hints", list))
        if not hints or not all(isinstance(h, str) and h.strip() for h in hints):
            raise ManifestError(path, row.name("hints"), "must be a non-empty list of non-empty strings")
        checks.append(CheckSpec(check_id, points, competency, hints, dict(row.get("params", dict, {}))))
    if not checks:
        raise ManifestError(path, "checks", "must list at least one check")

    task = top.choice("task", TASKS)
    ho = top.sub("holdout")
    metric = ho.choice("metric", tuple(name for name, m in HOLDOUT_METRICS.items() if m.task == task))
    baselines = tuple(ho.get("baselines", list))
    fitting = tuple(name for name, (for_task, _) in BASELINES.items() if for_task == task)
    for i, name in enumerate(baselines):
        if name not in fitting:
            raise ManifestError(path, f"holdout.baselines[{i}]", _not_one_of(str(name), fitting))
    if not baselines:
        raise ManifestError(path, "holdout.baselines", "must name at least one baseline")
    rounds = ho.get("bootstrap_rounds", int, 0)
    if rounds < 0:
        raise ManifestError(path, "holdout.bootstrap_rounds", f"must be 0 or more (got {rounds})")
    replay = ho.text("replay", None)
    if replay is not None:
        if replay not in REPLAYS:
            raise ManifestError(path, "holdout.replay", _not_one_of(replay, REPLAYS))
        if dataset.time is None:
            raise ManifestError(path, "holdout.replay", "needs dataset.time (the column to replay by)")
        if contract.prepare is None:
            raise ManifestError(
                path, "holdout.replay", "needs contract.prepare (the function building features from history)"
            )
    optimism = ho.get("expected_optimism", (int, float), None)
    if optimism is not None and not 0 <= optimism < 1:
        raise ManifestError(path, "holdout.expected_optimism", f"must be from 0 to below 1 (got {optimism})")
    public = ho.get("public_share", (int, float), None)
    if public is not None and not 0 < public < 1:
        raise ManifestError(path, "holdout.public_share", f"must be above 0 and below 1 (got {public})")
    holdout = HoldoutSpec(
        metric=metric,
        baselines=baselines,
        margin=float(ho.get("margin", (int, float))),
        bootstrap_rounds=rounds,
        replay=replay,
        expected_optimism=None if optimism is None else float(optimism),
        public_share=None if public is None else float(public),
    )

    followups = []
    for row in top.items("followups"):
        when = row.text("when")
        if when != "always":
            check_id, _, verdict = when.partition(":")
            if check_id not in seen:
                raise ManifestError(path, row.name("when"), _not_one_of(check_id, sorted(seen)))
            if verdict not in ("pass", "warn", "fail"):
                raise ManifestError(path, row.name("when"), "must end in :pass, :warn or :fail")
        followups.append(FollowUp(question=row.text("question"), when=when))

    lim = _Reader(path, top.get("limits", dict, {}), "limits.")
    limits = Limits(
        wall_seconds=lim.get("wall_seconds", int, Limits.wall_seconds),
        cell_seconds=lim.get("cell_seconds", int, Limits.cell_seconds),
        memory_mb=lim.get("memory_mb", int, Limits.memory_mb),
        output_kb=lim.get("output_kb", int, Limits.output_kb),
    )

    return Manifest(
        path=path,
        id=top.text("id"),
        version=top.text("version"),
        title=top.text("title"),
        summary=top.text("summary"),
        task=task,
        time_box_minutes=top.get("time_box_minutes", int),
        competencies=competencies,
        levels=levels,
        dataset=dataset,
        contract=contract,
        checks=tuple(checks),
        holdout=holdout,
        followups=tuple(followups),
        limits=limits,
        serving=serving,
        retrieval=_retrieval(top, contract, task),
        experiment=_experiment(top, contract, task),
    )


def _experiment(top: _Reader, contract: Contract, task: str) -> Experiment | None:
    path = top.path
    if (task == "experiment") != (contract.analyze is not None):
        raise ManifestError(path, "contract.analyze", "is needed by, and only by, task = 'experiment'")
    if task != "experiment":
        if "experiment" in top.table:
            raise ManifestError(path, "experiment", "needs task = 'experiment'")
        return None
    ex = top.sub("experiment")

    def names(key: str, needed: bool = False) -> tuple[str, ...]:
        values = ex.get(key, list, ... if needed else [])
        if not all(isinstance(v, str) and v.strip() for v in values) or (needed and not values):
            raise ManifestError(
                path,
                ex.name(key),
                "must be a non-empty list of column names"
                if needed
                else "must be a list of non-empty strings",
            )
        return tuple(values)

    experiment = Experiment(
        unit=ex.text("unit"),
        arm=ex.text("arm"),
        treatment=ex.text("treatment"),
        control=ex.text("control"),
        day=ex.text("day"),
        primary=ex.text("primary"),
        primary_names=names("primary_names", needed=True),
        guardrails=names("guardrails"),
        pre_period=names("pre_period"),
        post_assignment=names("post_assignment"),
        segments=names("segments"),
        zero_without_primary=names("zero_without_primary"),
        replicate=ex.text("replicate", Experiment.replicate),
        alpha=float(ex.get("alpha", (int, float), Experiment.alpha)),
        decisions=names("decisions") or Experiment.decisions,
    )
    if not 0 < experiment.alpha < 0.5:
        raise ManifestError(
            path, "experiment.alpha", f"must be above 0 and below 0.5 (got {experiment.alpha})"
        )
    if experiment.treatment == experiment.control:
        raise ManifestError(path, "experiment.control", "must differ from experiment.treatment")
    return experiment


def _retrieval(top: _Reader, contract: Contract, task: str) -> Retrieval | None:
    path = top.path
    if (task == "retrieval") != (contract.retrieve is not None) or (contract.retrieve is None) != (
        contract.answer is None
    ):
        raise ManifestError(
            path, "contract.retrieve", "and contract.answer are needed by, and only by, task = 'retrieval'"
        )
    if task != "retrieval":
        if "retrieval" in top.table:
            raise ManifestError(path, "retrieval", "needs task = 'retrieval'")
        return None
    rv = top.sub("retrieval")
    retrieval = Retrieval(
        corpus=rv.text("corpus"),
        passage_id=rv.text("passage_id"),
        text=rv.text("text"),
        query_id=rv.text("query_id"),
        query=rv.text("query"),
        k=rv.get("k", int, Retrieval.k),
        depth=rv.get("depth", int, Retrieval.depth),
        latency_p50_ms=float(rv.get("latency_p50_ms", (int, float), Retrieval.latency_p50_ms)),
        latency_p99_ms=float(rv.get("latency_p99_ms", (int, float), Retrieval.latency_p99_ms)),
    )
    if not 1 <= retrieval.k <= retrieval.depth <= 1000:
        raise ManifestError(
            path,
            "retrieval.depth",
            f"must satisfy 1 <= k <= depth <= 1000 (got k={retrieval.k}, depth={retrieval.depth})",
        )
    return retrieval


def _serving(top: _Reader, contract: Contract, dataset: DatasetSpec) -> Serving | None:
    path = top.path
    if (contract.features is None) != (contract.serve is None):
        raise ManifestError(
            path,
            "contract.serve",
            "and contract.features go together (the serving path and the offline path)",
        )
    if contract.serve is None:
        if "serving" in top.table:
            raise ManifestError(path, "serving", "needs contract.serve and contract.features")
        return None
    for needed in ("time", "entity"):
        if getattr(dataset, needed) is None:
            raise ManifestError(
                path, "contract.serve", f"needs dataset.{needed} (the replay is per entity, in time)"
            )
    sv = top.sub("serving")
    columns = sv.get("event_columns", list)
    if not columns or not all(isinstance(c, str) and c for c in columns):
        raise ManifestError(path, "serving.event_columns", "must be a non-empty list of column names")
    serving = Serving(
        event_columns=tuple(columns),
        ingested=sv.text("ingested"),
        event_id=sv.text("event_id"),
        replay_events=sv.get("replay_events", int, Serving.replay_events),
        tolerance=float(sv.get("tolerance", (int, float), Serving.tolerance)),
        latency_p50_ms=float(sv.get("latency_p50_ms", (int, float), Serving.latency_p50_ms)),
        latency_p99_ms=float(sv.get("latency_p99_ms", (int, float), Serving.latency_p99_ms)),
    )
    for key in ("ingested", "event_id"):
        if getattr(serving, key) not in columns:
            raise ManifestError(
                path,
                f"serving.{key}",
                f"must be one of serving.event_columns (got '{getattr(serving, key)}')",
            )
    for key in (dataset.time, dataset.entity):
        if key not in columns:
            raise ManifestError(path, "serving.event_columns", f"must include '{key}'")
    if serving.replay_events < 1:
        raise ManifestError(path, "serving.replay_events", f"must be 1 or more (got {serving.replay_events})")
    for key in ("tolerance", "latency_p50_ms", "latency_p99_ms"):
        if getattr(serving, key) <= 0:
            raise ManifestError(path, f"serving.{key}", f"must be above 0 (got {getattr(serving, key)})")
    if serving.latency_p99_ms < serving.latency_p50_ms:
        raise ManifestError(path, "serving.latency_p99_ms", "must not be below serving.latency_p50_ms")
    return serving


def _column_kinds(reader: _Reader, key: str, default: dict[str, str]) -> dict[str, str]:
    """A table of name = "str" | "float" (report keys, experiment-log columns)."""
    kinds = reader.get(key, dict, default)
    for name, kind in kinds.items():
        if kind not in ("str", "float"):
            raise ManifestError(
                reader.path, reader.name(f"{key}.{name}"), _not_one_of(str(kind), ("str", "float"))
            )
    return dict(kinds)


def _fraction(row: _Reader, key: str) -> float:
    value = float(row.get(key, (int, float)))
    if not 0.0 <= value <= 1.0:
        raise ManifestError(row.path, row.name(key), f"must be between 0 and 1 (got {value})")
    return value
