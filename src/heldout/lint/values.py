"""The abstract values of the lint's data-flow model, and the rows they stand for.

Rows are described by where they came from, never by their content. A *row path* starts at a root (a
data file, or the call that made the data) and gains one *step* ``(key, side)`` per split or row filter
that cut it: the test part of split 3 of ``train.csv`` is ``("file:train.csv", (3, 1))``. Two paths that
went different ways through the same step are disjoint; a path that extends another is a part of it, so
they overlap; anything else (two independent random splits) is unknown. A value holds a set of paths
(``pd.concat`` of two parts holds both) or None when its rows cannot be told.

Resampling and per-row operations keep the paths: what matters for leakage is which rows a fit saw and
which rows were scored, and a resampled frame still carries (copies of) the rows it was made from.
"""

from __future__ import annotations

import ast
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

__all__ = [
    "EMPTY",
    "Const",
    "Container",
    "Data",
    "Estimator",
    "Function",
    "IndexOf",
    "Indices",
    "Instance",
    "Length",
    "Overlap",
    "Permutation",
    "PredInfo",
    "Ref",
    "Rows",
    "Score",
    "SliceOf",
    "SplitPairs",
    "Splitter",
    "Thresholds",
    "Unknown",
    "UserClass",
    "Value",
    "contained_scores",
    "holds_rows_of",
    "rows_overlap",
    "with_loops",
    "with_step",
]

Step = tuple[Hashable, int]
RowPath = tuple[Any, ...]  # (root, *steps)
Rows = frozenset[RowPath] | None
EMPTY: frozenset = frozenset()


class Overlap(IntEnum):
    DISJOINT = 0
    UNKNOWN = 1
    PROVEN = 2


def _path_overlap(p: RowPath, q: RowPath) -> Overlap:
    if p[0] != q[0]:
        return Overlap.DISJOINT  # different files
    for a, b in zip(p[1:], q[1:], strict=False):
        if a == b or _nested_values(a, b):
            continue
        if a[0] == b[0] or _different_values(a, b):
            return Overlap.DISJOINT  # the same cut, taken on its other side
        return Overlap.UNKNOWN
    return Overlap.PROVEN  # one path extends the other: a part of it, or the very same rows


# Where each comparison of a column with a bound ``c`` keeps the column's values: below, at or above c.
_REGIONS = {
    ("lt", 0): frozenset("<"),
    ("lt", 1): frozenset("=>"),
    ("gt", 0): frozenset(">"),
    ("gt", 1): frozenset("<="),
    ("eq", 0): frozenset("="),
    ("eq", 1): frozenset("<>"),
}


def _regions(a: Step, b: Step) -> tuple[frozenset[str], frozenset[str]] | None:
    """The kept regions of two comparisons of one column with one bound, if they are that."""
    (key_a, side_a), (key_b, side_b) = a, b
    if not (isinstance(key_a, tuple) and isinstance(key_b, tuple) and len(key_a) == len(key_b) == 4):
        return None
    if not (key_a[0] == key_b[0] == "cmp" and key_a[1] == key_b[1] and key_a[3] == key_b[3]):
        return None
    region_a, region_b = _REGIONS.get((key_a[2], side_a)), _REGIONS.get((key_b[2], side_b))
    return None if region_a is None or region_b is None else (region_a, region_b)


def _nested_values(a: Step, b: Step) -> bool:
    """``df.month <= k`` holds every row of ``df.month == k``: one filter's rows are in the other's."""
    regions = _regions(a, b)
    return regions is not None and (regions[0] <= regions[1] or regions[1] <= regions[0])


def holds_rows_of(outer: RowPath, inner: RowPath) -> bool:
    """``outer`` ends in a filter whose kept values include all of ``inner``'s last filter's."""
    if len(outer) != len(inner) or len(outer) < 2 or outer[:-1] != inner[:-1]:
        return False
    regions = _regions(outer[-1], inner[-1])
    return regions is not None and regions[1] < regions[0]


def _different_values(a: Step, b: Step) -> bool:
    """Two comparisons of one column that no value satisfies both: ``df[df.y == 0]`` and
    ``df[df.y == 1]`` (two different literals), or ``df[df.month < k]`` and ``df[df.month == k]``
    (the training months and the month scored in one step of a walk-forward loop)."""
    (key_a, side_a), (key_b, side_b) = a, b
    if not (isinstance(key_a, tuple) and isinstance(key_b, tuple) and len(key_a) == len(key_b) == 4):
        return False
    if not (key_a[0] == key_b[0] == "cmp" and key_a[1] == key_b[1]):
        return False
    regions = _regions(a, b)
    if regions is not None:
        return not (regions[0] & regions[1])
    return (
        side_a == side_b == 0
        and key_a[2] == key_b[2] == "eq"
        and key_a[3].startswith("Constant(")
        and key_b[3].startswith("Constant(")
    )


def rows_overlap(
    a: frozenset[RowPath], b: frozenset[RowPath]
) -> tuple[Overlap, tuple[RowPath, RowPath] | None]:
    """How two known row sets relate, with the pair of paths that shows it (for messages)."""
    best, witness = Overlap.DISJOINT, None
    for p in sorted(a, key=len):
        for q in sorted(b, key=len):
            relation = _path_overlap(p, q)
            if relation > best:
                best, witness = relation, (p, q)
                if best is Overlap.PROVEN:
                    return best, witness
    return best, witness


def with_step(rows: Rows, step: Step) -> Rows:
    return None if rows is None else frozenset((*path, step) for path in rows)


@dataclass(eq=False, kw_only=True)
class Value:
    # Loops (ids) whose variable this value depends on: tells a sweep over thresholds or models on fixed
    # rows from a cross-validation loop whose rows change with the loop.
    loops: frozenset[int] = EMPTY


@dataclass(eq=False, kw_only=True)
class Unknown(Value):
    """Anything the model does not follow; never the cause of a finding."""


@dataclass(eq=False, kw_only=True)
class Const(Value):
    value: Any


@dataclass(eq=False, kw_only=True)
class Ref(Value):
    """An imported module, function or class, by qualified name ("sklearn.preprocessing.StandardScaler")."""

    qualname: str


@dataclass(eq=False, kw_only=True)
class Function(Value):
    node: ast.FunctionDef | ast.AsyncFunctionDef
    cell: int | None


@dataclass(eq=False, kw_only=True)
class UserClass(Value):
    name: str
    role: str | None  # an estimator role when it subclasses scikit-learn's mixins
    methods: dict[str, Function] = field(default_factory=dict)  # its own and its user-defined bases'


@dataclass(eq=False, kw_only=True)
class Instance(Value):
    """An object of a class the notebook defines: its methods run on it, its attributes are followed."""

    cls: UserClass
    attrs: dict[str, Value] = field(default_factory=dict)
    name: str | None = None
    local_name: bool = False


@dataclass(eq=False, kw_only=True)
class Container(Value):
    kind: str  # list, tuple, dict, set
    items: list[Value] = field(default_factory=list)
    keys: list[Value] | None = None  # dicts only


@dataclass(eq=False, kw_only=True)
class Score(Value):
    """A metric's result (a number, a fold array, a table of scores), with the evaluations behind it."""

    events: frozenset[int] = EMPTY


@dataclass(eq=False, kw_only=True)
class Thresholds(Value):
    """The thresholds a curve function returned; reading one off them chooses a threshold there."""

    event: int


@dataclass(eq=False, kw_only=True)
class Indices(Value):
    """Row positions of one side of a cut (fold indices, a slice of a permutation)."""

    step: Step


@dataclass(eq=False, kw_only=True)
class SplitPairs(Value):
    """What ``splitter.split(X, y)`` returns: (train, test) index pairs, one per fold."""

    key: int


@dataclass(eq=False, kw_only=True)
class SliceOf(Value):
    """A slice in a subscript, by the source text of its bounds (``X[:n]`` and ``X[n:]`` are complements)."""

    lower: str | None
    upper: str | None
    step: str | None
    bound: Value | None = None  # the one bound's value, when only one is given (``X[:n]``)


@dataclass(eq=False, kw_only=True)
class Length(Value):
    """``len(frame)`` or ``frame.shape[0]``: slicing a concatenation at the first part's length cuts it
    back into its parts (``full[:len(train)]``, ``full[len(train):]``, the Kaggle way)."""

    rows: frozenset[RowPath]


@dataclass(eq=False, kw_only=True)
class Permutation(Value):
    key: int


@dataclass(eq=False, kw_only=True)
class IndexOf(Value):
    """``frame.index``: used to take the complement of a part (``df.drop(train.index)``)."""

    data: Data


@dataclass(eq=False, kw_only=True)
class Splitter(Value):
    cls: str
    stratified: bool
    exempt: bool  # grouped, time-ordered or predefined folds: stratification is not the question


@dataclass(frozen=True)
class PredInfo:
    """What a prediction array came from."""

    training: frozenset[int]  # fits upstream of the model's training data, and the model's own fit
    model_fit: int | None  # None for out-of-fold predictions
    oof: bool
    input_name: str
    input_loops: frozenset[int]


@dataclass(eq=False, kw_only=True)
class Data(Value):
    rows: Rows = None
    lineage: frozenset[int] = EMPTY  # fits and statistics upstream of these values
    taints: frozenset[tuple[str | None, int, bool]] = EMPTY  # (column, future event, certain)
    pred: PredInfo | None = None
    column_preds: dict[str, PredInfo] = field(default_factory=dict)
    # The part of ``lineage`` that came in through one named column (``df["c"] = df["t"].rank()``):
    # dropping the column, or selecting others, drops it, so a statistic kept beside the features in a
    # column no model reads is not a fit on the rows the model is scored on.
    column_lineage: dict[str, frozenset[int]] = field(default_factory=dict)
    name: str | None = None
    local_name: bool = False  # named inside a function; a notebook-level name replaces it
    mask: Step | None = None  # set when the value is a boolean row filter
    grouped: bool = False  # a pandas GroupBy
    window: bool = False  # rolling, expanding or ewm: aggregates are per row, not across the frame
    window_future: int | None = None  # a centred rolling window: its aggregates look ahead
    column: str | None = None
    parent: Data | None = None  # the frame a column was selected from (`df["c"].fillna(v, inplace=True)`)

    def derived(self, **changes: Any) -> Data:
        """A new value computed from this one (pandas copies): same rows and history, no name."""
        base = {
            "name": None,
            "local_name": False,
            "mask": None,
            "grouped": False,
            "window": False,
            "window_future": None,
            "column": None,
            "parent": None,
        }
        base.update(changes)
        result = replace(self, **base)
        result.column_preds = dict(changes.get("column_preds", self.column_preds))
        result.column_lineage = dict(changes.get("column_lineage", self.column_lineage))
        return result

    def base_lineage(self) -> frozenset[int]:
        """The lineage that belongs to the whole frame, not to one named column."""
        return self.lineage.difference(*self.column_lineage.values())

    def set_column_lineage(self, name: str, lineage: frozenset[int]) -> None:
        """Column ``name`` now holds values computed with ``lineage`` (it replaces what it held)."""
        self.lineage, self.column_lineage = self.lineage_without({name})
        brought = lineage - self.base_lineage()
        self.lineage = self.lineage | lineage
        if brought:
            self.column_lineage[name] = brought

    def lineage_without(self, names: Iterable[str]) -> tuple[frozenset[int], dict[str, frozenset[int]]]:
        """Lineage and column lineage once the columns ``names`` are gone."""
        gone = set(names)
        kept = {k: v for k, v in self.column_lineage.items() if k not in gone}
        dropped = frozenset().union(*(v for k, v in self.column_lineage.items() if k in gone))
        return self.lineage - dropped.difference(*kept.values()), kept

    def lineage_of_columns(self, names: Iterable[str]) -> tuple[frozenset[int], dict[str, frozenset[int]]]:
        """Lineage and column lineage of a selection of the columns ``names``."""
        keep = set(names)
        return self.lineage_without(k for k in self.column_lineage if k not in keep)


@dataclass(eq=False, kw_only=True)
class Estimator(Value):
    cls: str
    role: str  # transformer, selector, sampler, model, pipeline, search, unknown
    known: bool = True  # False: a class heldout knows nothing about (its fit may learn anything)
    classifier: bool | None = None
    stateless: bool = False  # learns nothing from rows (FunctionTransformer, Normalizer)
    fit: int | None = None  # the fit event of its current state
    steps: list[Estimator] = field(default_factory=list)
    inner: Estimator | None = None
    cv: Value | None = None
    search_events: frozenset[int] = EMPTY  # internal evaluations of a search's fit
    bound: Value | None = None  # data given to the constructor (statsmodels: sm.OLS(y, X).fit())
    columns: tuple[str, ...] = ()  # columns a ColumnTransformer names for a transformer that keeps them
    name: str | None = None
    local_name: bool = False


def with_loops(value: Value, loops: frozenset[int]) -> Value:
    """The value as seen through a loop variable (a copy; identity is not needed for those)."""
    if not loops or loops <= value.loops:
        return value
    if isinstance(value, Ref | Function | UserClass | Instance):
        return value  # names of code, the same in every iteration
    copy = replace(value)
    copy.loops = value.loops | loops
    if isinstance(copy, Data):
        copy.column_preds = dict(value.column_preds)  # type: ignore[union-attr]
        copy.column_lineage = dict(value.column_lineage)  # type: ignore[union-attr]
    return copy


def contained_scores(value: Value, depth: int = 0) -> frozenset[int]:
    """Evaluation ids of every score inside a value (lists of fold scores, dicts of sweeps)."""
    if isinstance(value, Score):
        return value.events
    if isinstance(value, Container) and depth < 4:
        found: set[int] = set()
        for item in _items(value):
            found |= contained_scores(item, depth + 1)
        return frozenset(found)
    return EMPTY


def _items(container: Container) -> Iterable[Value]:
    yield from container.items
    yield from container.keys or ()
