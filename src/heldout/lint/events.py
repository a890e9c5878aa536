"""What the data-flow pass records: fits, splits, evaluations and the rest, each with its site.

The rules in ``heldout.lint.rules`` read only this record, the way the runtime checks read a trace.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from heldout.lint.findings import Site
from heldout.lint.values import Rows, Value

__all__ = ["EvalEvent", "Evidence", "FitEvent", "FutureUse", "Loop", "Record", "Report", "SplitEvent"]


@dataclass
class FitEvent:
    """A fit, a resampling, or a statistic computed across rows (which learns from them just the same)."""

    id: int
    order: int
    site: Site
    role: str  # transformer, selector, sampler, model, search, statistic
    cls: str  # "StandardScaler", "median", "sample(replace=True)"
    subject: str | None  # the fitted object's variable, or the expression of a statistic
    data_name: str  # what it was fitted on
    rows: Rows
    lineage: frozenset[int]  # fits upstream of the data it was fitted on
    known: bool
    serving: str | None = None  # set while analysing a serving function on its own
    conditional: bool = False  # under an `if` or `except` whose outcome the code does not tell
    owner: Any = None  # the Estimator fitted, whose variable name may only be known after the fit

    @property
    def subject_name(self) -> str | None:
        owner_name = getattr(self.owner, "name", None)
        return owner_name or self.subject


@dataclass
class SplitEvent:
    key: Hashable
    order: int
    site: Site
    cls: str  # train_test_split, KFold, sample, mask ...
    source_name: str
    part_names: list[str | None] = field(default_factory=lambda: [None, None])
    stratified: bool | None = None  # None: not a random split the author chose (masks, slices)
    conditional: bool = False


@dataclass
class EvalEvent:
    id: int
    order: int
    site: Site
    metric: str
    via: str  # metric (a function on predictions), score (estimator.score), cv, search
    rows: Rows
    subject: str  # what was scored
    training: frozenset[int]  # fits behind the model (its own fit included)
    input: frozenset[int]  # fits behind the predicted rows
    truth: frozenset[int]  # fits behind the true labels (a resampled y_test)
    model_fit: int | None
    oof: bool
    curve: bool
    enclosing: frozenset[int]  # loops around the call
    pred_loops: frozenset[int]  # loops the predictions depend on
    rows_loops: frozenset[int]  # loops the scored rows depend on
    classifier: bool | None = None
    conditional: bool = False
    label: str = ""  # how messages name it: the metric, "cross_val_score", "GridSearchCV's cross-validation"

    def __post_init__(self) -> None:
        self.label = self.label or self.metric


@dataclass
class FutureUse:
    event: int  # the FitEvent-like id of the look-ahead operation
    what: str
    future_site: Site
    fit_site: Site
    fit_cls: str
    certain: bool
    column: str | None


@dataclass
class Report:
    site: Site
    metric: str | None
    estimate: Value


@dataclass
class Loop:
    id: int
    site: Site
    target: str


@dataclass
class Evidence:
    """Something in the code that says the positive class is rare."""

    site: Site
    proven: bool  # a literal weight of 10:1 or more, rather than class_weight="balanced"
    text: str


@dataclass
class Record:
    fits: dict[int, FitEvent] = field(default_factory=dict)
    evals: list[EvalEvent] = field(default_factory=list)
    splits: dict[Hashable, SplitEvent] = field(default_factory=dict)
    unstratified: list[SplitEvent] = field(default_factory=list)  # candidate splits without strata
    futures: dict[int, tuple[Site, str]] = field(default_factory=dict)
    future_uses: list[FutureUse] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    loops: dict[int, Loop] = field(default_factory=dict)
    selections: dict[int, Site] = field(default_factory=dict)  # evaluation id -> where the best was picked
    rarity: list[Evidence] = field(default_factory=list)
    serving_functions: list[str] = field(default_factory=list)  # analysed on their own after the cells
    # Estimators a cross-validation function fits per fold: (site, estimator, data lineage, conditional)
    validated: list[tuple[Site, Any, frozenset[int], bool]] = field(default_factory=list)
