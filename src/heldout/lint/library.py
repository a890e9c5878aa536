"""What library calls do to the values the data-flow pass follows.

pandas and NumPy calls keep rows and history (a per-row operation), cut rows (masks, slices, samples,
index complements), or compute a statistic across rows, which is recorded like a fit because it learns
from those rows just the same. scikit-learn, imbalanced-learn and the gradient-boosting libraries give
estimators, splitters, splits, cross-validation, predictions and metrics. Anything else is unknown:
its result is ``Unknown`` (so nothing downstream is blamed on it), or, for an unknown class, an
estimator whose fits are followed but never proven to leak.
"""

from __future__ import annotations

import ast
from collections.abc import Hashable
from dataclasses import replace
from typing import TYPE_CHECKING

from heldout.lint.catalog import CURVE_METRICS, classify, is_metric
from heldout.lint.events import EvalEvent, Evidence, FitEvent, FutureUse, Report, SplitEvent
from heldout.lint.values import (
    EMPTY,
    Const,
    Container,
    Data,
    Estimator,
    Function,
    IndexOf,
    Indices,
    Permutation,
    PredInfo,
    Ref,
    Score,
    SliceOf,
    SplitPairs,
    Splitter,
    Thresholds,
    Unknown,
    Value,
    contained_scores,
    with_loops,
    with_step,
)

if TYPE_CHECKING:
    from heldout.lint.flow import Flow

__all__ = ["Library", "describe"]

COLUMN = object()  # the value of a column name heldout cannot read (``for c in df.columns``)

_PREDICT = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function", "score_samples"})
# Computed across rows: fitted, in effect, on the rows they see.
_STATISTICS = frozenset(
    {
        "mean",
        "median",
        "std",
        "var",
        "sem",
        "quantile",
        "min",
        "max",
        "mode",
        "value_counts",
        "rank",
        "describe",
        "corr",
        "cov",
        "sum",
        "skew",
        "kurt",
        "kurtosis",
        "agg",
        "aggregate",
    }
)
_GROUP_STATISTICS = _STATISTICS | {"count", "size", "first", "last", "nunique", "transform", "apply", "prod"}
_NUMPY_STATISTICS = frozenset(
    {
        "mean",
        "median",
        "std",
        "var",
        "percentile",
        "quantile",
        "nanmean",
        "nanmedian",
        "nanstd",
        "nanvar",
        "nanpercentile",
        "nanquantile",
        "average",
        "min",
        "max",
        "amin",
        "amax",
        "nanmin",
        "nanmax",
        "ptp",
    }
)
_SELECTIONS = frozenset(
    {"idxmax", "idxmin", "argmax", "argmin", "nlargest", "nsmallest", "sort_values", "max", "min", "sort"}
)
_NUMPY_SELECTIONS = frozenset({"argmax", "argmin", "nanargmax", "nanargmin", "argsort", "max", "min", "amax", "amin"})
_CROSS_VALIDATION = frozenset(
    {
        "cross_val_score",
        "cross_validate",
        "cross_val_predict",
        "learning_curve",
        "validation_curve",
        "permutation_test_score",
    }
)
_ONE_SHOT_SCALERS = frozenset(
    {"scale", "minmax_scale", "maxabs_scale", "robust_scale", "quantile_transform", "power_transform"}
)
_FRESH_ARRAYS = frozenset(
    {
        "zeros",
        "ones",
        "empty",
        "full",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "linspace",
        "arange",
        "logspace",
        "geomspace",
    }
)
_NO_DATA_ATTRIBUTES = frozenset(
    {"shape", "dtypes", "dtype", "size", "ndim", "empty", "nbytes", "name", "names", "attrs", "flags"}
)
_SAME_DATA_ATTRIBUTES = frozenset({"values", "T", "str", "dt", "cat", "array", "plot", "sparse"})
_ACCESSORS = frozenset({"loc", "iloc", "at", "iat"})
# (family, side) of each comparison: `x < c` and `x >= c` are the two sides of one cut.
_MASK_SIDES = {
    ast.Lt: ("lt", 0),
    ast.GtE: ("lt", 1),
    ast.Gt: ("gt", 0),
    ast.LtE: ("gt", 1),
    ast.Eq: ("eq", 0),
    ast.NotEq: ("eq", 1),
    ast.In: ("in", 0),
    ast.NotIn: ("in", 1),
    ast.Is: ("is", 0),
    ast.IsNot: ("is", 1),
}


def describe(node: ast.AST, limit: int = 60) -> str:
    """Source text of an expression, on one line and cut to ``limit`` characters."""
    try:
        text = " ".join(ast.unparse(node).split())
    except (RecursionError, ValueError, AttributeError, TypeError):
        return "(expression)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dump(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        return ast.dump(node)
    except (RecursionError, ValueError):
        return f"node@{id(node)}"


def _loops(*values: Value) -> frozenset[int]:
    found: frozenset[int] = EMPTY
    for value in values:
        found = found | value.loops
    return found


def _const_names(value: Value) -> list[str] | None:
    """Column names given literally (a string, or a list of strings)."""
    if isinstance(value, Const) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, Container) and value.kind in ("list", "tuple") and value.items:
        names = [item.value for item in value.items if isinstance(item, Const)]
        if len(names) == len(value.items) and all(isinstance(n, str) for n in names):
            return names
    return None


def _is_columns(value: Value) -> bool:
    if _const_names(value) is not None:
        return True
    if isinstance(value, Container) and value.kind == "columns":
        return True
    if isinstance(value, Container) and value.kind in ("list", "tuple") and value.items:
        return all(isinstance(i, Const) and (isinstance(i.value, str) or i.value is COLUMN) for i in value.items)
    return False


def _number(value: Value) -> float | None:
    if isinstance(value, Const) and isinstance(value.value, int | float) and not isinstance(value.value, bool):
        return float(value.value)
    return None


def _is_const(value: Value | None, *accepted: object) -> bool:
    return isinstance(value, Const) and value.value in accepted


def _rowwise(kwargs: dict[str, Value]) -> bool:
    return _is_const(kwargs.get("axis"), 1, "columns")


class Library:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.record = flow.record

    # -- small helpers -------------------------------------------------------------------------------
    def _site(self, node: ast.AST) -> tuple[int | None, int | None]:
        return self.flow.site(node)

    @staticmethod
    def _arg(args: list[Value], kwargs: dict[str, Value], position: int, *names: str) -> Value:
        if position < len(args):
            return args[position]
        for name in names:
            if name in kwargs:
                return kwargs[name]
        return Unknown()

    @staticmethod
    def _arg_node(node: ast.AST, position: int, *names: str) -> ast.AST:
        if isinstance(node, ast.Call):
            if position < len(node.args):
                return node.args[position]
            for keyword in node.keywords:
                if keyword.arg in names:
                    return keyword.value
        return node

    def _name_of(self, data: Value, node: ast.AST) -> str:
        name = getattr(data, "name", None)
        return name or describe(node, 40)

    def opaque_result(self, args: list[Value], kwargs: dict[str, Value]) -> Value:
        """What a call heldout knows nothing about returns: scores stay scores, all else is unknown."""
        values = [*args, *kwargs.values()]
        scores: frozenset[int] = EMPTY
        for value in values:
            scores |= contained_scores(value)
        if scores:
            return Score(events=scores, loops=_loops(*values))
        return Unknown(loops=_loops(*values))

    def _fit_event(
        self,
        role: str,
        cls: str,
        data: Value,
        node: ast.AST,
        data_node: ast.AST,
        known: bool = True,
        owner: Estimator | None = None,
        subject: str | None = None,
    ) -> FitEvent:
        event_id = self.flow.next_id()
        event = FitEvent(
            id=event_id,
            order=event_id,
            site=self._site(node),
            role=role,
            cls=cls,
            subject=subject,
            data_name=self._name_of(data, data_node),
            rows=data.rows if isinstance(data, Data) else None,
            lineage=data.lineage if isinstance(data, Data) else EMPTY,
            known=known,
            serving=self.flow.serving,
            owner=owner,
        )
        self.record.fits[event_id] = event
        return event

    def _evaluation(self, node: ast.AST, **fields: object) -> EvalEvent | None:
        if self.flow.serving:
            return None  # a serving function run on its own evaluates nothing
        event_id = self.flow.next_id()
        event = EvalEvent(
            id=event_id,
            order=event_id,
            site=self._site(node),
            enclosing=frozenset(self.flow.loop_stack),
            **fields,  # type: ignore[arg-type]
        )
        self.record.evals.append(event)
        return event

    def _register_cut(self, key: Hashable, node: ast.AST, cls: str, source: Data, source_node: ast.AST) -> None:
        if key not in self.record.splits:
            self.record.splits[key] = SplitEvent(
                key, self.flow.next_id(), self._site(node), cls, self._name_of(source, source_node)
            )

    def _evidence(self, node: ast.AST, proven: bool, text: str) -> None:
        if not self.flow.serving:
            self.record.rarity.append(Evidence(self._site(node), proven, text))

    def select(self, value: Value, node: ast.AST) -> None:
        """Record that the best of some scores was picked here (max, argmax, idxmax, sorted ...)."""
        for event in contained_scores(value):
            self.record.selections.setdefault(event, self._site(node))

    # -- naming --------------------------------------------------------------------------------------
    def named(self, value: Value, name: str, local: bool) -> None:
        if isinstance(value, Data | Estimator) and (value.name is None or (value.local_name and not local)):
            value.name, value.local_name = name, local
        if isinstance(value, Data) and value.rows and value.column is None:
            # A part of a split (all its paths end with one side of one cut) names that side.
            last_steps = {path[-1] for path in value.rows if len(path) > 1}
            if len(last_steps) == 1 and all(len(path) > 1 for path in value.rows):
                ((key, side),) = last_steps
                split = self.record.splits.get(key)
                if split is not None and split.part_names[side] is None:
                    split.part_names[side] = name

    def maybe_report(self, container: Container, node: ast.AST) -> None:
        """A dict with an "estimate" key is the report of heldout's contract (or reads like one)."""
        if self.flow.serving or not container.keys:
            return
        keys = [key.value if isinstance(key, Const) else None for key in container.keys]
        if "estimate" not in keys:
            return
        estimate = container.items[len(keys) - 1 - keys[::-1].index("estimate")]
        metric = None
        if "metric" in keys:
            declared = container.items[keys.index("metric")]
            if isinstance(declared, Const) and isinstance(declared.value, str):
                metric = declared.value
        self.record.reports.append(Report(self._site(node), metric, estimate))

    # -- joins, iteration, unpacking -----------------------------------------------------------------
    def join(self, values: list[Value]) -> Value:
        known = [v for v in values if not isinstance(v, Unknown)]
        if not known:
            return Unknown(loops=_loops(*values))
        first = known[0]
        if len(known) == 1:
            return first
        loops = _loops(*known)
        if all(isinstance(v, Data) for v in known):
            datas: list[Data] = known  # type: ignore[assignment]
            rows = first.rows if all(d.rows == first.rows for d in datas) else None  # type: ignore[union-attr]
            lineage = frozenset().union(*(d.lineage for d in datas))
            taints = frozenset().union(*(d.taints for d in datas))
            pred = datas[0].pred if all(d.pred is not None for d in datas) else None
            return Data(rows=rows, lineage=lineage, taints=taints, pred=pred, loops=loops)
        if all(isinstance(v, Estimator) for v in known):
            estimators: list[Estimator] = known  # type: ignore[assignment]
            same_fit = all(e.fit == estimators[0].fit for e in estimators)
            return replace(
                estimators[0],
                name=None,
                local_name=False,
                known=all(e.known for e in estimators),
                fit=estimators[0].fit if same_fit else None,
                loops=loops,
            )
        if all(isinstance(v, Container) and v.kind == "tuple" for v in known):
            lengths = {len(v.items) for v in known}  # type: ignore[union-attr]
            if len(lengths) == 1:
                columns = zip(*(v.items for v in known), strict=True)  # type: ignore[union-attr]
                return Container(kind="tuple", items=[self.join(list(c)) for c in columns], loops=loops)
        scores = frozenset().union(*(contained_scores(v) for v in known))
        if scores:
            return Score(events=scores, loops=loops)
        if all(isinstance(v, Indices) and v.step == first.step for v in known):  # type: ignore[union-attr]
            return first
        if all(isinstance(v, Const) for v in known):
            texts = {repr(v.value) for v in known}  # type: ignore[union-attr]
            return first if len(texts) == 1 else Const(value=COLUMN, loops=loops)
        return Unknown(loops=loops)

    def join_returns(self, returned: list[Value]) -> Value:
        values = [v for v in returned if not _is_const(v, None)]
        if not values:
            return Const(value=None)
        return values[0] if len(values) == 1 else self.join(values)

    def element(self, value: Value) -> Value:
        """One element of an iterable, as a loop variable sees it."""
        if isinstance(value, SplitPairs):
            pair = [Indices(step=(value.key, 0), loops=value.loops), Indices(step=(value.key, 1), loops=value.loops)]
            return Container(kind="tuple", items=pair, loops=value.loops)
        if isinstance(value, Container):
            if value.kind == "columns":
                return Const(value=COLUMN, loops=value.loops)
            items = value.keys if value.kind == "dict" else value.items
            return with_loops(self.join(list(items or [])), value.loops)
        if isinstance(value, Score):
            return Score(events=value.events, loops=value.loops)
        return Unknown(loops=value.loops)

    def mark(self, value: Value, loops: frozenset[int], depth: int = 0) -> Value:
        if isinstance(value, Container) and depth < 4:
            items = [self.mark(item, loops, depth + 1) for item in value.items]
            keys = None if value.keys is None else [self.mark(k, loops, depth + 1) for k in value.keys]
            return Container(kind=value.kind, items=items, keys=keys, loops=value.loops | loops)
        return with_loops(value, loops)

    def iterate(self, iterable: Value, loop: int) -> Value:
        return self.mark(self.element(iterable), frozenset({loop}))

    def unpack(self, value: Value, count: int) -> list[Value]:
        if isinstance(value, Container) and value.kind in ("tuple", "list") and len(value.items) == count:
            return list(value.items)
        if isinstance(value, Score):
            return [Score(events=value.events, loops=value.loops) for _ in range(count)]
        return [Unknown(loops=value.loops) for _ in range(count)]

    # -- attributes ----------------------------------------------------------------------------------
    def attribute(self, base: Value, attr: str, node: ast.Attribute) -> Value:
        if isinstance(base, Data):
            if attr == "index":
                return IndexOf(data=base, loops=base.loops)
            if attr == "columns":
                return Container(kind="columns", loops=base.loops)
            if attr in _ACCESSORS:
                return base  # the same frame: `df.loc[mask, "c"] = v` changes df
            if attr in _SAME_DATA_ATTRIBUTES:
                return base.derived(loops=base.loops)
            if attr in _NO_DATA_ATTRIBUTES or attr.startswith("_"):
                return Unknown(loops=base.loops)
            return self._select_columns(base, Const(value=attr))
        if isinstance(base, Estimator):
            if attr == "best_estimator_":
                return base  # refit by the search on the rows it was fitted on
            if attr in ("best_score_", "cv_results_"):
                return Score(events=base.search_events, loops=base.loops)
            if attr in ("estimator", "estimator_") and base.inner is not None:
                return base.inner
            return Unknown(loops=base.loops)
        if isinstance(base, Score):
            return Score(events=base.events, loops=base.loops)
        if isinstance(base, Container) and base.kind == "columns":
            return base
        if isinstance(base, IndexOf):
            return base
        return Unknown(loops=base.loops)

    # -- calls of imported names ---------------------------------------------------------------------
    def call_ref(self, qualname: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        root = qualname.split(".", 1)[0]
        name = qualname.rsplit(".", 1)[-1]
        if root == "builtins":
            return self._builtin(name, args, kwargs, node)
        if root == "pandas":
            return self._pandas(name, args, kwargs, node)
        if root == "numpy":
            return self._numpy(qualname, name, args, kwargs, node)
        if root == "tqdm" and args:
            return args[0]  # a progress bar around an iterable is the iterable
        info = classify(qualname)
        if info.kind == "estimator":
            return self._construct(name, info, args, kwargs, node)
        if info.kind == "splitter":
            return Splitter(cls=name, stratified=info.stratified, exempt=info.exempt, loops=_loops(*args))
        if root in ("sklearn", "imblearn"):
            return self._sklearn_function(qualname, name, args, kwargs, node)
        if name[:1].isupper() and root not in ("pandas", "numpy", "matplotlib", "seaborn"):
            # An unknown library's class: followed as an estimator whose fits prove nothing.
            return Estimator(cls=name, role="unknown", known=False, loops=_loops(*args, *kwargs.values()))
        return self.opaque_result(args, kwargs)

    def _builtin(self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        first = args[0] if args else Unknown()
        loops = _loops(*args, *kwargs.values())
        if name in ("print", "display"):
            return Const(value=None)
        if name in ("float", "int", "round", "abs", "bool", "complex"):
            if isinstance(first, Score):
                return Score(events=first.events, loops=first.loops)
            if isinstance(first, Data):
                return first.derived(rows=None, loops=loops)
            return Unknown(loops=loops)
        if name in ("list", "tuple", "set", "frozenset", "sorted", "reversed"):
            if name == "sorted":
                self.select(first, node)
            if isinstance(first, Container):
                items = list(first.keys or []) if first.kind == "dict" else list(first.items)
                kind = "columns" if first.kind == "columns" else ("tuple" if name == "tuple" else "list")
                return Container(kind=kind, items=items, loops=first.loops)
            if isinstance(first, Score):
                return Score(events=first.events, loops=first.loops)
            if isinstance(first, Data):
                return first.derived(loops=loops)
            if isinstance(first, SplitPairs):
                return Container(kind="list", items=[self.element(first)], loops=first.loops)
            return Unknown(loops=loops)
        if name in ("max", "min", "sum"):
            if name != "sum":
                for value in (*args, *kwargs.values()):
                    self.select(value, node)
            return self.opaque_result(args, kwargs)
        if name == "enumerate":
            pair = Container(kind="tuple", items=[Unknown(), self.element(first)])
            return Container(kind="list", items=[pair], loops=loops)
        if name == "zip":
            pair = Container(kind="tuple", items=[self.element(a) for a in args])
            return Container(kind="list", items=[pair], loops=loops)
        if name == "dict":
            if isinstance(first, Container):
                pair = self.element(first)
                if isinstance(pair, Container) and pair.kind == "tuple" and len(pair.items) == 2:
                    return Container(kind="dict", keys=[pair.items[0]], items=[pair.items[1]], loops=loops)
                return Container(kind="dict", keys=list(first.keys or []), items=list(first.items), loops=loops)
            keys: list[Value] = [Const(value=k) for k in kwargs]
            return Container(kind="dict", keys=keys, items=list(kwargs.values()), loops=loops)
        if name == "iter":
            return first
        if name == "next":
            return self.element(first)
        return self.opaque_result(args, kwargs)

    # -- pandas --------------------------------------------------------------------------------------
    def _pandas(self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        if name.startswith("read_"):
            return self._loaded(node, name)
        if name == "concat":
            return self._concat(args[0] if args else kwargs.get("objs", Unknown()), kwargs, args)
        if name in ("DataFrame", "Series"):
            return self._frame(self._arg(args, kwargs, 0, "data"), kwargs)
        if name == "qcut":
            data = self._arg(args, kwargs, 0, "x")
            if isinstance(data, Data):
                return self._statistic(data, "qcut", node, self._arg_node(node, 0, "x"), aligned=True)
        return self._generic(args, kwargs)

    @staticmethod
    def _loaded(node: ast.Call, name: str) -> Data:
        """Rows read from a file: the root of every row path (the same file read twice, the same rows)."""
        source = node.args[0] if node.args else None
        if isinstance(source, ast.Constant) and isinstance(source.value, str):
            root = f"file:{source.value}"
        else:
            root = f"call:{describe(source) if source is not None else name}"
        return Data(rows=frozenset({(root,)}))

    def _concat(self, objs: Value, kwargs: dict[str, Value], args: list[Value]) -> Value:
        items = objs.items if isinstance(objs, Container) else [objs]
        scores = frozenset().union(*(contained_scores(i) for i in items)) if items else EMPTY
        if scores:
            return Score(events=scores, loops=_loops(*items))
        datas = [i for i in items if isinstance(i, Data)]
        if not datas:
            return Unknown(loops=_loops(*items))
        axis = kwargs.get("axis", args[1] if len(args) > 1 else Const(value=0))
        if _is_const(axis, 1, "columns"):
            rows = next((d.rows for d in datas if d.rows is not None), None)
        elif len(datas) == len(items) and all(d.rows is not None for d in datas):
            rows = frozenset().union(*(d.rows for d in datas if d.rows is not None))
        else:
            rows = None
        column_preds: dict = {}
        for d in datas:
            column_preds.update(d.column_preds)
        return Data(
            rows=rows,
            lineage=frozenset().union(*(d.lineage for d in datas)),
            taints=frozenset().union(*(d.taints for d in datas)),
            column_preds=column_preds,
            loops=_loops(*items),
        )

    def _frame(self, data: Value, kwargs: dict[str, Value]) -> Value:
        index = kwargs.get("index")
        aligned_rows = index.data.rows if isinstance(index, IndexOf) else None
        scores = contained_scores(data)
        if scores:
            return Score(events=scores, loops=data.loops)
        if isinstance(data, Data):
            rows = data.rows if data.rows is not None else aligned_rows
            return data.derived(rows=rows, loops=data.loops | (index.loops if index else EMPTY))
        if isinstance(data, Container) and data.kind == "dict":
            datas = [v for v in data.items if isinstance(v, Data)]
            rows = next((d.rows for d in datas if d.rows is not None), aligned_rows)
            frame = Data(
                rows=rows, lineage=frozenset().union(*(d.lineage for d in datas)), loops=data.loops
            )
            for key, value in zip(data.keys or [], data.items, strict=False):
                if isinstance(value, Data):
                    self._assign_columns(frame, key, value)
            return frame
        if isinstance(data, Container):
            datas = [v for v in data.items if isinstance(v, Data)]
            return Data(
                rows=aligned_rows, lineage=frozenset().union(*(d.lineage for d in datas)), loops=data.loops
            )
        return Data(rows=aligned_rows, loops=data.loops)

    def _generic(self, args: list[Value], kwargs: dict[str, Value]) -> Value:
        """A function of its data arguments, row by row: keeps the first one's rows, joins histories."""
        values = [*args, *kwargs.values()]
        scores: frozenset[int] = EMPTY
        for value in values:
            scores |= contained_scores(value)
        if scores:
            return Score(events=scores, loops=_loops(*values))
        datas = [v for v in values if isinstance(v, Data)]
        if not datas:
            return Unknown(loops=_loops(*values))
        base = next((d for d in datas if d.rows is not None), datas[0])
        lineage = frozenset().union(*(d.lineage for d in datas))
        return base.derived(lineage=lineage, loops=_loops(*values))

    # -- NumPy ---------------------------------------------------------------------------------------
    def _numpy(self, qualname: str, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        first = args[0] if args else self._arg(args, kwargs, 0, "a", "x")
        loops = _loops(*args, *kwargs.values())
        if contained_scores(first):
            if name in _NUMPY_SELECTIONS or name == "sort":
                self.select(first, node)
            return self.opaque_result(args, kwargs)
        if name in ("argmax", "argmin", "nanargmax", "nanargmin", "argsort"):
            return Unknown(loops=loops)
        if qualname.startswith("numpy.random."):
            if name == "permutation":
                return Permutation(key=self.flow.next_id(), loops=loops)
            if name == "choice":
                return Indices(step=(self.flow.next_id(), 0), loops=loops)
            if name in ("default_rng", "RandomState", "Generator"):
                return Ref(qualname="numpy.random")  # rng.permutation(...) reads as np.random.permutation
            return Data(loops=loops)
        if name in _NUMPY_STATISTICS and isinstance(first, Data):
            axis = kwargs.get("axis", args[1] if len(args) > 1 and name not in ("percentile", "quantile") else None)
            if not _is_const(axis, 1):
                return self._statistic(first, f"np.{name}", node, self._arg_node(node, 0, "a"))
        if name in ("load", "loadtxt", "genfromtxt", "fromfile") and qualname.count(".") == 1:
            return self._loaded(node, name)
        if name in _FRESH_ARRAYS:
            return Data(loops=loops)
        if name in ("concatenate", "vstack", "row_stack", "append"):
            items = first.items if isinstance(first, Container) else args
            return self._concat(Container(kind="list", items=list(items)), {}, [])
        if name in ("hstack", "column_stack", "dstack"):
            items = first.items if isinstance(first, Container) else args
            return self._concat(Container(kind="list", items=list(items)), {"axis": Const(value=1)}, [])
        if name == "take" and len(args) > 1:
            return self.subscript(args[0], args[1], node)
        if name == "where" and len(args) == 1:
            return Unknown(loops=loops)
        return self._generic(args, kwargs)

    # -- scikit-learn and friends --------------------------------------------------------------------
    def _construct(self, name: str, info, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        loops = _loops(*args, *kwargs.values())
        estimator = Estimator(
            cls=name,
            role=info.role,
            known=info.known,
            classifier=info.classifier,
            stateless=info.stateless,
            label_only=info.label_only,
            loops=loops,
        )
        if info.role == "pipeline":
            steps = self._arg(args, kwargs, 0, "steps")
            pairs = steps.items if isinstance(steps, Container) else []
            self._compose(estimator, [p.items[-1] if isinstance(p, Container) and p.items else p for p in pairs])
        elif name in ("ColumnTransformer", "FeatureUnion"):
            parts = self._arg(args, kwargs, 0, "transformers", "transformer_list")
            pairs = parts.items if isinstance(parts, Container) else []
            inner = [p.items[1] if isinstance(p, Container) and len(p.items) > 1 else p for p in pairs]
            self._combine_transformers(estimator, [*inner, kwargs.get("remainder", Const(value="drop"))])
        inner_estimator = self._arg(args, kwargs, 0, "estimator", "base_estimator")
        if isinstance(inner_estimator, Estimator) and info.role in ("search", "model"):
            estimator.inner = inner_estimator
            if estimator.classifier is None:
                estimator.classifier = inner_estimator.classifier
        estimator.cv = kwargs.get("cv")
        if info.role == "sampler":
            self._evidence(node, False, f"{name} resamples the classes")
        self._rarity(kwargs, node)
        return estimator

    def _compose(self, pipeline: Estimator, steps: list[Value]) -> None:
        estimators = [s for s in steps if isinstance(s, Estimator)]
        pipeline.steps = estimators
        pipeline.known = len(estimators) == len([s for s in steps if not _is_const(s, None, "passthrough")]) and all(
            s.known for s in estimators
        )
        pipeline.stateless = all(s.stateless for s in estimators)
        if estimators:
            pipeline.classifier = estimators[-1].classifier

    def _combine_transformers(self, combined: Estimator, parts: list[Value]) -> None:
        estimators = [p for p in parts if isinstance(p, Estimator)]
        others = [p for p in parts if not isinstance(p, Estimator)]
        combined.steps = estimators
        combined.known = all(e.known for e in estimators) and all(_is_const(o, "drop", "passthrough") for o in others)
        combined.stateless = all(e.stateless for e in estimators)

    def _rarity(self, kwargs: dict[str, Value], node: ast.AST) -> None:
        weights = kwargs.get("class_weight")
        if _is_const(weights, "balanced", "balanced_subsample"):
            self._evidence(node, False, 'class_weight="balanced"')
        elif isinstance(weights, Container) and weights.kind == "dict":
            numbers = [n for n in (_number(i) for i in weights.items) if n is not None and n > 0]
            if len(numbers) >= 2 and max(numbers) > min(numbers):
                ratio = max(numbers) / min(numbers)
                self._evidence(node, ratio >= 10, f"class weights {ratio:g}:1")
        if "scale_pos_weight" in kwargs:
            ratio = _number(kwargs["scale_pos_weight"])
            self._evidence(node, ratio is not None and ratio >= 10, "scale_pos_weight")
        if _is_const(kwargs.get("is_unbalance"), True) or "auto_class_weights" in kwargs:
            self._evidence(node, False, "class weights")

    def _sklearn_function(
        self, qualname: str, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        if name in _CROSS_VALIDATION:
            return self._cross_validation(name, args, kwargs, node)
        if is_metric(qualname):
            return self._metric(name, args, kwargs, node)
        if name == "train_test_split":
            return self._train_test_split(args, kwargs, node)
        if name == "make_pipeline":
            pipeline = Estimator(cls="Pipeline", role="pipeline", loops=_loops(*args))
            self._compose(pipeline, list(args))
            return pipeline
        if name in ("make_column_transformer", "make_union"):
            combined = Estimator(cls="ColumnTransformer" if "column" in name else "FeatureUnion", role="transformer")
            parts = [a.items[0] if isinstance(a, Container) and a.items else a for a in args]
            self._combine_transformers(combined, [*parts, kwargs.get("remainder", Const(value="drop"))])
            return combined
        if name == "clone":
            first = args[0] if args else Unknown()
            if isinstance(first, Estimator):
                return replace(first, fit=None, name=None, local_name=False, search_events=EMPTY)
            return Unknown()
        if name == "resample":
            return self._resample_function(args, kwargs, node)
        if name == "shuffle":
            return args[0] if len(args) == 1 else Container(kind="tuple", items=list(args))
        if name in ("compute_class_weight", "compute_sample_weight"):
            self._evidence(node, False, name)
        if name in _ONE_SHOT_SCALERS:
            data = self._arg(args, kwargs, 0, "X")
            if isinstance(data, Data):
                event = self._fit_event("transformer", name, data, node, self._arg_node(node, 0, "X"))
                return data.derived(lineage=data.lineage | {event.id}, loops=data.loops)
        if qualname.startswith("sklearn.datasets."):
            return self._dataset(name, kwargs, node)
        if name in ("make_scorer", "get_scorer", "check_scoring"):
            return Unknown()
        return self._generic(args, kwargs)

    def _dataset(self, name: str, kwargs: dict[str, Value], node: ast.Call) -> Value:
        rows = frozenset({(f"dataset:{name}:{describe(node)}",)})
        if name == "make_classification":
            weights = kwargs.get("weights")
            if isinstance(weights, Container):
                shares = [n for n in (_number(i) for i in weights.items) if n is not None]
                if len(shares) == 1:
                    shares.append(1 - shares[0])
                if shares and min(shares) <= 0.1:
                    self._evidence(node, True, f"make_classification(weights={shares})")
        if name.startswith("make_") or _is_const(kwargs.get("return_X_y"), True):
            return Container(kind="tuple", items=[Data(rows=rows), Data(rows=rows)])
        return Data(rows=rows)

    def _train_test_split(self, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        key = self.flow.next_id()
        stratify = kwargs.get("stratify")
        ordered = _is_const(kwargs.get("shuffle"), False)
        stratified = stratify is not None and not _is_const(stratify, None)
        source = next((a for a in args if isinstance(a, Data)), Unknown())
        split = SplitEvent(
            key,
            key,
            self._site(node),
            "train_test_split",
            self._name_of(source, self._arg_node(node, 0)),
            stratified=None if ordered else stratified,
        )
        if not self.flow.serving:
            self.record.splits[key] = split
            if split.stratified is False:
                self.record.unstratified.append(split)
        parts: list[Value] = []
        for array in args:
            for side in (0, 1):
                if isinstance(array, Data):
                    parts.append(array.derived(rows=with_step(array.rows, (key, side)), loops=array.loops))
                else:
                    parts.append(Unknown(loops=array.loops))
        return Container(kind="tuple", items=parts)

    def _cv_split(self, cv: Value | None, node: ast.AST, source: Value, source_node: ast.AST) -> None:
        """A cross-validation splitter the author chose: unstratified folds are recorded."""
        if isinstance(cv, Splitter) and not cv.stratified and not cv.exempt and not self.flow.serving:
            key = self.flow.next_id()
            split = SplitEvent(key, key, self._site(node), cv.cls, self._name_of(source, source_node), stratified=False)
            self.record.splits[key] = split
            self.record.unstratified.append(split)

    def _cross_validation(self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        estimator = self._arg(args, kwargs, 0, "estimator")
        data = self._arg(args, kwargs, 1, "X")
        labels = self._arg(args, kwargs, 2, "y")
        data_node = self._arg_node(node, 1, "X")
        self._cv_split(kwargs.get("cv"), node, data, data_node)
        cls = estimator.cls if isinstance(estimator, Estimator) else "a model"
        self._future_uses(data, f"{name} of {cls}", node)
        loops = _loops(estimator, data, labels)
        if not isinstance(data, Data):
            return Unknown(loops=loops)
        if name == "cross_val_predict":
            info = PredInfo(
                training=data.lineage,
                model_fit=None,
                oof=True,
                input_name=self._name_of(data, data_node),
                input_loops=data.loops,
            )
            return Data(rows=data.rows, lineage=data.lineage, pred=info, loops=loops)
        event = self._evaluation(
            node,
            metric=self._scoring_name(kwargs.get("scoring")),
            via="cv",
            rows=data.rows,
            subject=self._name_of(data, data_node),
            training=data.lineage,
            input=EMPTY,
            truth=EMPTY,
            model_fit=None,
            oof=True,
            curve=False,
            pred_loops=loops,
            rows_loops=data.loops,
            classifier=estimator.classifier if isinstance(estimator, Estimator) else None,
            label=name,
        )
        return Score(events=frozenset({event.id}) if event else EMPTY, loops=loops)

    @staticmethod
    def _scoring_name(scoring: Value | None) -> str:
        if isinstance(scoring, Const) and isinstance(scoring.value, str):
            return scoring.value
        if isinstance(scoring, Container) and scoring.items and isinstance(scoring.items[0], Const):
            return str(scoring.items[0].value)
        return "score"

    def _metric(self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        truth = self._arg(args, kwargs, 0, "y_true", "labels_true")
        predicted = self._arg(args, kwargs, 1, "y_pred", "y_score", "probas_pred", "y_prob", "y_proba")
        loops = _loops(truth, predicted)
        event = None
        if isinstance(predicted, Data) and predicted.pred is not None:
            info = predicted.pred
            rows = predicted.rows
            if rows is None and isinstance(truth, Data):
                rows = truth.rows
            event = self._evaluation(
                node,
                metric=name,
                via="metric",
                rows=rows,
                subject=info.input_name,
                training=info.training,
                input=predicted.lineage,
                truth=truth.lineage if isinstance(truth, Data) else EMPTY,
                model_fit=info.model_fit,
                oof=info.oof,
                curve=name in CURVE_METRICS,
                pred_loops=predicted.loops,
                rows_loops=(truth.loops if isinstance(truth, Data) else EMPTY) | info.input_loops,
            )
        events = frozenset({event.id}) if event else EMPTY
        if name in CURVE_METRICS:
            thresholds: Value = Thresholds(event=event.id, loops=loops) if event else Unknown(loops=loops)
            return Container(
                kind="tuple", items=[Score(events=events, loops=loops), Score(events=events, loops=loops), thresholds]
            )
        return Score(events=events, loops=loops)

    def _resample_function(self, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        """sklearn.utils.resample: drawing with replacement (its default) duplicates rows."""
        first = next((a for a in args if isinstance(a, Data)), None)
        if first is None:
            return self.opaque_result(args, kwargs)
        if _is_const(kwargs.get("replace"), False):
            key = self.flow.next_id()
            self._register_cut(key, node, "resample", first, self._arg_node(node, 0))
            outputs = [
                a.derived(rows=with_step(a.rows, (key, 0)), loops=a.loops) if isinstance(a, Data) else a for a in args
            ]
        else:
            event = self._fit_event("sampler", "resample(replace=True)", first, node, self._arg_node(node, 0))
            outputs = [a.derived(lineage=a.lineage | {event.id}, loops=a.loops) if isinstance(a, Data) else a for a in args]
        return outputs[0] if len(outputs) == 1 else Container(kind="tuple", items=outputs)

    # -- methods -------------------------------------------------------------------------------------
    def call_method(
        self, receiver: Value, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        if isinstance(receiver, Data):
            return self._data_method(receiver, name, args, kwargs, node)
        if isinstance(receiver, Estimator):
            return self._estimator_method(receiver, name, args, kwargs, node)
        if isinstance(receiver, Splitter):
            if name == "split":
                return self._split_pairs(receiver, args, kwargs, node)
            return Unknown()
        if isinstance(receiver, Container):
            return self._container_method(receiver, name, args, kwargs, node)
        if isinstance(receiver, Score):
            if name in _SELECTIONS:
                self.select(receiver, node)
            return Score(events=receiver.events, loops=_loops(receiver, *args))
        if isinstance(receiver, IndexOf):
            other = args[0] if args else None
            if name == "isin" and isinstance(other, IndexOf):
                step = self._step_between(receiver.data, other.data)
                return Data(rows=receiver.data.rows, mask=step, loops=_loops(receiver, other))
            if name == "difference" and isinstance(other, IndexOf):
                return IndexOf(data=self._complement(receiver.data, other.data), loops=_loops(receiver, other))
            return receiver
        return self.opaque_result(args, kwargs)

    def _container_method(
        self, container: Container, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        if container.kind == "columns":
            return Container(kind="columns", loops=container.loops)
        if name in ("append", "add", "insert") and args:
            container.items.append(args[-1])
            return Const(value=None)
        if name == "extend" and args:
            container.items.append(self.element(args[0]))
            return Const(value=None)
        if name == "items":
            pair = Container(kind="tuple", items=[self.join(list(container.keys or [])), self.join(container.items)])
            return Container(kind="list", items=[pair], loops=container.loops)
        if name == "values":
            return Container(kind="list", items=list(container.items), loops=container.loops)
        if name == "keys":
            return Container(kind="list", items=list(container.keys or []), loops=container.loops)
        if name in ("get", "pop", "setdefault"):
            return self._container_subscript(container, args[0] if args else Unknown())
        if name == "update" and args and isinstance(args[0], Container):
            container.items.extend(args[0].items)
            if container.keys is not None:
                container.keys.extend(args[0].keys or [Unknown() for _ in args[0].items])
            return Const(value=None)
        if name == "copy":
            keys = None if container.keys is None else list(container.keys)
            return Container(kind=container.kind, items=list(container.items), keys=keys, loops=container.loops)
        if name in _SELECTIONS or name == "index":
            self.select(container, node)
        return self.opaque_result([container, *args], kwargs)

    def _split_pairs(self, splitter: Splitter, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        data = self._arg(args, kwargs, 0, "X")
        key = self.flow.next_id()
        split = SplitEvent(
            key,
            key,
            self._site(node),
            splitter.cls,
            self._name_of(data, self._arg_node(node, 0, "X")),
            stratified=None if splitter.exempt else splitter.stratified,
        )
        if not self.flow.serving:
            self.record.splits[key] = split
            if split.stratified is False:
                self.record.unstratified.append(split)
        return SplitPairs(key=key, loops=_loops(splitter, *args))

    def _estimator_method(
        self, estimator: Estimator, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        data = self._arg(args, kwargs, 0, "X")
        labels = self._arg(args, kwargs, 1, "y")
        data_node = self._arg_node(node, 0, "X")
        if name in ("fit", "partial_fit"):
            self._fit(estimator, data, labels, node, data_node)
            return estimator
        if name == "fit_transform":
            self._fit(estimator, data, labels, node, data_node)
            return self._transformed(estimator, data)
        if name == "fit_resample":
            return self._resample(estimator, data, labels, node, data_node)
        if name in ("transform", "inverse_transform"):
            return self._transformed(estimator, data)
        if name in _PREDICT:
            return self._predictions(estimator, data, data_node)
        if name == "fit_predict":
            self._fit(estimator, data, labels, node, data_node)
            return self._predictions(estimator, data, data_node)
        if name == "score":
            return self._score(estimator, data, labels, node, data_node)
        if name in ("set_params", "set_output"):
            return estimator
        return self.opaque_result(args, kwargs)

    @staticmethod
    def display(estimator: Estimator, depth: int = 0) -> str:
        if estimator.role == "pipeline" and estimator.steps and depth < 2:
            return f"Pipeline({', '.join(Library.display(s, depth + 1) for s in estimator.steps)})"
        if estimator.role == "search" and estimator.inner is not None and depth < 2:
            return f"{estimator.cls}({Library.display(estimator.inner, depth + 1)})"
        return estimator.cls

    @staticmethod
    def _fit_role(estimator: Estimator) -> str:
        if estimator.role == "pipeline":
            last = estimator.steps[-1] if estimator.steps else None
            if last is None:
                return "unknown"
            return last.role if last.role in ("transformer", "selector") else "model"
        return estimator.role

    def _fit(self, estimator: Estimator, data: Value, labels: Value, node: ast.Call, data_node: ast.AST) -> None:
        estimator.loops = estimator.loops | data.loops | labels.loops
        if estimator.stateless or estimator.label_only:
            estimator.fit = None
            return
        event = self._fit_event(
            self._fit_role(estimator),
            self.display(estimator),
            data,
            node,
            data_node,
            known=estimator.known,
            owner=estimator,
        )
        estimator.fit = event.id
        self._future_uses(data, self.display(estimator), node)
        if estimator.role == "search":
            self._cv_split(estimator.cv, node, data, data_node)
            if isinstance(data, Data):
                evaluation = self._evaluation(
                    node,
                    metric="score",
                    via="search",
                    rows=data.rows,
                    subject=self._name_of(data, data_node),
                    training=data.lineage,
                    input=EMPTY,
                    truth=EMPTY,
                    model_fit=None,
                    oof=True,
                    curve=False,
                    pred_loops=estimator.loops,
                    rows_loops=data.loops,
                    classifier=estimator.classifier,
                    label=f"{estimator.cls}'s cross-validation",
                )
                estimator.search_events = frozenset({evaluation.id}) if evaluation else EMPTY

    def _training_of(self, estimator: Estimator) -> frozenset[int]:
        if estimator.fit is None or estimator.fit not in self.record.fits:
            return EMPTY
        return frozenset({estimator.fit}) | self.record.fits[estimator.fit].lineage

    def _transformed(self, estimator: Estimator, data: Value) -> Value:
        if not isinstance(data, Data):
            return Unknown(loops=estimator.loops | data.loops)
        upstream = EMPTY if estimator.stateless else self._training_of(estimator)
        taints = frozenset((None, event, certain) for _column, event, certain in data.taints)
        return data.derived(
            lineage=data.lineage | upstream,
            taints=taints,
            pred=None,
            column_preds={},
            loops=data.loops | estimator.loops,
        )

    def _resample(
        self, estimator: Estimator, data: Value, labels: Value, node: ast.Call, data_node: ast.AST
    ) -> Value:
        event = self._fit_event(
            "sampler",
            estimator.cls,
            data,
            node,
            data_node,
            known=estimator.known and estimator.role == "sampler",
            owner=estimator,
        )
        estimator.fit = event.id
        outputs = [
            v.derived(lineage=v.lineage | {event.id}, loops=v.loops) if isinstance(v, Data) else Unknown(loops=v.loops)
            for v in (data, labels)
        ]
        return Container(kind="tuple", items=outputs)

    def _predictions(self, estimator: Estimator, data: Value, data_node: ast.AST) -> Value:
        if not isinstance(data, Data):
            return Unknown(loops=estimator.loops | data.loops)
        info = PredInfo(
            training=self._training_of(estimator),
            model_fit=estimator.fit,
            oof=False,
            input_name=self._name_of(data, data_node),
            input_loops=data.loops,
        )
        return Data(rows=data.rows, lineage=data.lineage, pred=info, loops=data.loops | estimator.loops)

    def _score(
        self, estimator: Estimator, data: Value, labels: Value, node: ast.Call, data_node: ast.AST
    ) -> Value:
        if not isinstance(data, Data):
            return Score(loops=_loops(estimator, data, labels))
        metric = {True: "accuracy_score", False: "r2_score"}.get(estimator.classifier, "score")  # type: ignore[arg-type]
        event = self._evaluation(
            node,
            metric=metric,
            via="score",
            rows=data.rows,
            subject=self._name_of(data, data_node),
            training=self._training_of(estimator),
            input=data.lineage,
            truth=labels.lineage if isinstance(labels, Data) else EMPTY,
            model_fit=estimator.fit,
            oof=False,
            curve=False,
            pred_loops=estimator.loops | data.loops,
            rows_loops=data.loops | labels.loops,
            classifier=estimator.classifier,
            label=f"{estimator.cls}.score",
        )
        return Score(events=frozenset({event.id}) if event else EMPTY, loops=_loops(estimator, data, labels))

    def _future_uses(self, data: Value, fit_cls: str, node: ast.AST) -> None:
        if not isinstance(data, Data) or self.flow.serving:
            return
        for column, event, certain in sorted(data.taints, key=lambda t: (t[1], str(t[0]))):
            site, what = self.record.futures[event]
            self.record.future_uses.append(
                FutureUse(event, what, site, self._site(node), fit_cls, certain, column)
            )

    def _future(self, node: ast.AST, what: str) -> int:
        event = self.flow.next_id()
        self.record.futures[event] = (self._site(node), what)
        return event

    # -- pandas and NumPy methods on data ------------------------------------------------------------
    def _statistic(
        self, data: Data, what: str, node: ast.AST, data_node: ast.AST, aligned: bool = False
    ) -> Data:
        if data.pred is not None:
            return data.derived(rows=None, pred=None, loops=data.loops)  # a statistic of predictions
        event = self._fit_event("statistic", what, data, node, data_node, subject=describe(node, 50))
        return Data(rows=data.rows if aligned else None, lineage=data.lineage | {event.id}, loops=data.loops)

    def _data_method(self, data: Data, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        result = self._data_method_result(data, name, args, kwargs, node)
        if _is_const(kwargs.get("inplace"), True) and isinstance(result, Data):
            data.rows, data.lineage, data.taints = result.rows, result.lineage, result.taints
            data.column_preds = dict(result.column_preds)
            return Const(value=None)
        return result

    def _data_method_result(
        self, data: Data, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        loops = _loops(data, *args, *kwargs.values())
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else node
        first = args[0] if args else None
        if data.window and (name in _STATISTICS or name in ("apply", "count")):
            if data.window_future is None:
                return data.derived(loops=loops)
            return data.derived(taints=data.taints | {(None, data.window_future, True)}, loops=loops)
        if name in ("shift", "diff", "pct_change"):
            periods = first if first is not None else kwargs.get("periods")
            amount = _number(periods) if periods is not None else None
            if amount is not None and amount < 0:
                event = self._future(node, f"{name}({amount:g})")
                return data.derived(taints=data.taints | {(None, event, True)}, loops=loops)
            return data.derived(loops=loops)
        if name in ("bfill", "backfill") or (name == "fillna" and _is_const(kwargs.get("method"), "bfill", "backfill")):
            event = self._future(node, "bfill()" if name != "fillna" else 'fillna(method="bfill")')
            return data.derived(taints=data.taints | {(None, event, True)}, loops=loops)
        if name in ("rolling", "expanding", "ewm"):
            future = None
            if _is_const(kwargs.get("center"), True):
                future = self._future(node, "rolling(center=True)")
            return data.derived(window=True, window_future=future, grouped=False, loops=loops)
        if data.grouped:
            return self._group_method(data, name, args, node, receiver, loops)
        if name == "groupby":
            return data.derived(grouped=True, loops=loops)
        if name in _STATISTICS and not _rowwise(kwargs):
            return self._statistic(data, name, node, receiver)
        if name == "sample":
            return self._sample(data, kwargs, node, receiver, loops)
        if name in ("head", "tail"):
            count = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "n"), None)
            key = ("slice" if name == "head" else "tail", _dump(count))
            self._register_cut(key, node, name, data, receiver)
            return data.derived(rows=with_step(data.rows, (key, 0 if name == "head" else 1)), loops=loops)
        if name == "drop":
            return self._drop(data, args, kwargs, loops)
        if name == "query":
            key = ("query", _dump(node.args[0]) if node.args else "")
            return data.derived(rows=with_step(data.rows, (key, 1)), loops=loops)
        if name in ("isin", "between"):
            return data.derived(mask=(("cmp", _dump(receiver), name, _dump(node.args[0]) if node.args else ""), 0), loops=loops)
        if name == "assign":
            result = data.derived(loops=loops)
            for column, value in kwargs.items():
                self._assign_columns(result, Const(value=column), value)
            return result
        if name == "insert" and len(args) >= 3:
            self._assign_columns(data, args[1], args[2])
            return Const(value=None)
        if name == "pipe" and isinstance(first, Function):
            return self.flow.call_function(first, [data, *args[1:]], kwargs)
        others = [v for v in (*args, *kwargs.values()) if isinstance(v, Data)]
        lineage = data.lineage.union(*(o.lineage for o in others)) if others else data.lineage
        return data.derived(lineage=lineage, loops=loops)

    def _group_method(
        self, data: Data, name: str, args: list[Value], node: ast.Call, receiver: ast.AST, loops: frozenset[int]
    ) -> Value:
        if name in _GROUP_STATISTICS:
            # A function given to transform/apply/agg may look only backwards (shift, expanding): only a
            # named aggregate ("mean") is known to use the whole group.
            if name in ("transform", "apply", "agg", "aggregate") and not (args and _is_columns(args[0])):
                return data.derived(loops=loops)
            return self._statistic(data, f"groupby {name}", node, receiver, aligned=name == "transform")
        return data.derived(grouped=name not in ("cumsum", "cumcount", "cummax", "cummin", "cumprod"), loops=loops)

    def _sample(
        self, data: Data, kwargs: dict[str, Value], node: ast.Call, receiver: ast.AST, loops: frozenset[int]
    ) -> Value:
        if _is_const(kwargs.get("replace"), True):
            event = self._fit_event("sampler", "sample(replace=True)", data, node, receiver)
            return data.derived(lineage=data.lineage | {event.id}, loops=loops)
        fraction = _number(kwargs.get("frac", Unknown()))
        if fraction is not None and fraction >= 1:
            return data.derived(loops=loops)  # a shuffle
        key = self.flow.next_id()
        self._register_cut(key, node, "sample", data, receiver)
        return data.derived(rows=with_step(data.rows, (key, 0)), loops=loops)

    def _drop(self, data: Data, args: list[Value], kwargs: dict[str, Value], loops: frozenset[int]) -> Value:
        target = args[0] if args else kwargs.get("index", kwargs.get("labels"))
        if isinstance(target, IndexOf):
            return self._complement(data, target.data).derived(loops=loops | target.loops)
        columns = kwargs.get("columns")
        if columns is None and args and _is_const(kwargs.get("axis"), 1, "columns"):
            columns = args[0]
        if columns is not None:
            names = _const_names(columns)
            result = data.derived(loops=loops)
            if names is None:
                result.taints = frozenset((c, e, False) for c, e, _ in data.taints)
            else:
                result.taints = frozenset(t for t in data.taints if t[0] not in names)
                result.column_preds = {k: v for k, v in data.column_preds.items() if k not in names}
            return result
        if target is not None and not isinstance(target, Const | Container):
            return data.derived(rows=None, loops=loops)  # dropping rows heldout cannot identify
        return data.derived(loops=loops)

    @staticmethod
    def _step_between(whole: Data, part: Data):
        """The cut that made ``part`` from ``whole``, when ``part`` is one side of one cut of it."""
        if not whole.rows or not part.rows:
            return None
        steps = set()
        for path in part.rows:
            if len(path) > 1 and path[:-1] in whole.rows:
                steps.add(path[-1])
            else:
                return None
        return steps.pop() if len(steps) == 1 else None

    def _complement(self, whole: Data, part: Data) -> Data:
        step = self._step_between(whole, part)
        if step is None:
            return whole.derived(rows=None)
        key, side = step
        return whole.derived(rows=with_step(whole.rows, (key, 1 - side)))

    def _assign_columns(self, frame: Data, columns: Value, value: Value) -> None:
        names = _const_names(columns)
        if isinstance(value, Data):
            frame.lineage = frame.lineage | value.lineage
        if names is None:
            if isinstance(value, Data):
                frame.taints = frame.taints | {(None, e, False) for _, e, _ in value.taints}
            return
        frame.taints = frozenset(t for t in frame.taints if t[0] not in names)
        for name in names:
            frame.column_preds.pop(name, None)
            if isinstance(value, Data):
                frame.taints = frame.taints | {(name, e, certain) for _, e, certain in value.taints}
                if value.pred is not None:
                    frame.column_preds[name] = value.pred

    # -- subscripts ----------------------------------------------------------------------------------
    def slice_value(self, node: ast.Slice, parts: list[Value]) -> SliceOf:
        def text(bound: ast.expr | None) -> str | None:
            return None if bound is None else _dump(bound)

        return SliceOf(lower=text(node.lower), upper=text(node.upper), step=text(node.step), loops=_loops(*parts))

    def subscript(self, base: Value, index: Value, node: ast.AST) -> Value:
        loops = base.loops | index.loops
        if isinstance(base, Data):
            return self._data_subscript(base, index, node)
        if isinstance(base, Container):
            return self._container_subscript(base, index)
        if isinstance(base, Score):
            return Score(events=base.events, loops=loops)
        if isinstance(base, Thresholds):
            constant = isinstance(index, Const) or (
                isinstance(index, SliceOf) and index.lower is None and index.step is None
            )
            if not constant:
                self.record.selections.setdefault(base.event, self._site(node))
                return Unknown(loops=loops)
            return base
        if isinstance(base, Permutation) and isinstance(index, SliceOf) and index.step is None:
            if index.lower is None and index.upper is not None:
                return Indices(step=((base.key, index.upper), 0), loops=loops)
            if index.upper is None and index.lower is not None:
                return Indices(step=((base.key, index.lower), 1), loops=loops)
        if isinstance(base, IndexOf):
            return IndexOf(data=self._data_subscript(base.data, index, node), loops=loops)
        if isinstance(base, Ref) and base.qualname in ("numpy.c_", "numpy.r_"):
            items = index.items if isinstance(index, Container) else [index]
            axis = {"axis": Const(value=1)} if base.qualname == "numpy.c_" else {}
            return self._concat(Container(kind="list", items=list(items)), axis, [])
        return Unknown(loops=loops)

    def _container_subscript(self, container: Container, index: Value) -> Value:
        if container.kind == "columns":
            return container
        if isinstance(index, SliceOf):
            return Container(kind=container.kind, items=list(container.items), loops=container.loops)
        if container.kind == "dict" and isinstance(index, Const):
            for key, item in zip(reversed(container.keys or []), reversed(container.items), strict=False):
                if isinstance(key, Const) and key.value == index.value:
                    return item
        if (
            container.kind in ("list", "tuple")
            and isinstance(index, Const)
            and isinstance(index.value, int)
            and -len(container.items) <= index.value < len(container.items)
        ):
            return container.items[index.value]
        return with_loops(self.join(list(container.items)), index.loops)

    def _data_subscript(self, data: Data, index: Value, node: ast.AST) -> Data:
        loops = data.loops | index.loops
        if data.grouped:
            return data.derived(grouped=True, loops=loops)
        if isinstance(index, Container) and index.kind == "tuple":
            selected = self._select_rows(data, index.items[0], node) if index.items else data
            if len(index.items) > 1:
                selected = self._select_columns(selected, index.items[1])
            return selected
        if _is_columns(index) or (isinstance(index, Const) and not isinstance(index.value, bool | type(None))):
            return self._select_columns(data, index)
        return self._select_rows(data, index, node)

    def _select_rows(self, data: Data, selector: Value, node: ast.AST) -> Data:
        loops = data.loops | selector.loops
        source = node.value if isinstance(node, ast.Subscript) else node
        if isinstance(selector, SliceOf):
            if selector.step is None and selector.lower is None and selector.upper is None:
                return data.derived(loops=loops)
            if selector.step is None and (selector.lower is None) != (selector.upper is None):
                key = ("slice", selector.upper if selector.lower is None else selector.lower)
                self._register_cut(key, node, "slice", data, source)
                return data.derived(rows=with_step(data.rows, (key, 0 if selector.lower is None else 1)), loops=loops)
            return data.derived(rows=None, loops=loops)
        if isinstance(selector, Indices):
            self._register_cut(selector.step[0], node, "positions", data, source)
            return data.derived(rows=with_step(data.rows, selector.step), loops=loops)
        if isinstance(selector, Data) and selector.mask is not None:
            self._register_cut(selector.mask[0], node, "mask", data, source)
            return data.derived(rows=with_step(data.rows, selector.mask), loops=loops)
        if isinstance(selector, IndexOf):
            return data.derived(rows=selector.data.rows, loops=loops)
        if _is_const(selector, None):
            return data.derived(loops=loops)
        return data.derived(rows=None, loops=loops)

    def _select_columns(self, data: Data, index: Value) -> Data:
        loops = data.loops | index.loops
        names = _const_names(index)
        if isinstance(index, Const) and names is not None:
            (column,) = names
            taints = frozenset((None, e, c) for col, e, c in data.taints if col is None or col == column)
            pred = data.column_preds.get(column, data.pred)
            return data.derived(column=column, pred=pred, column_preds={}, taints=taints, loops=loops)
        if isinstance(index, Const):
            return data.derived(loops=loops)  # a positional column of an array: proba[:, 1]
        if names is not None:
            taints = frozenset(t for t in data.taints if t[0] is None or t[0] in names)
            column_preds = {k: v for k, v in data.column_preds.items() if k in names}
            return data.derived(taints=taints, column_preds=column_preds, loops=loops)
        taints = frozenset((c, e, False) for c, e, _ in data.taints)
        return data.derived(taints=taints, loops=loops)

    def set_item(self, target: Value, index: Value, value: Value, node: ast.AST) -> None:
        if isinstance(target, Data):
            self._data_set_item(target, index, value)
        elif isinstance(target, Container):
            if target.kind == "dict":
                if target.keys is None:
                    target.keys = []
                target.keys.append(index)
                target.items.append(value)
                if _is_const(index, "estimate") and not self.flow.serving:
                    metric = None
                    for key, item in zip(target.keys, target.items, strict=False):
                        if _is_const(key, "metric") and isinstance(item, Const) and isinstance(item.value, str):
                            metric = item.value
                    self.record.reports.append(Report(self._site(node), metric, value))
            else:
                target.items.append(value)

    def _data_set_item(self, frame: Data, index: Value, value: Value) -> None:
        if isinstance(index, Container) and index.kind == "tuple" and len(index.items) == 2:
            self._assign_columns(frame, index.items[1], value)  # df.loc[rows, "column"] = value
            return
        if _is_columns(index):
            self._assign_columns(frame, index, value)
            return
        if isinstance(value, Data) and value.pred is not None:
            # Predictions written into a prepared array by position (oof[va] = p): out-of-fold scores.
            info = value.pred
            training = info.training - {info.model_fit} if info.model_fit is not None else info.training
            frame.pred = PredInfo(training, None, True, frame.name or "predictions", EMPTY)
            if frame.rows is None and value.rows and isinstance(index, Indices):
                parents = {path[:-1] for path in value.rows if len(path) > 1 and path[-1] == index.step}
                frame.rows = frozenset(parents) or None
        if isinstance(value, Data):
            frame.lineage = frame.lineage | value.lineage

    # -- operators -----------------------------------------------------------------------------------
    def binop(self, left: Value, right: Value, op: ast.operator, node: ast.AST) -> Value:
        loops = left.loops | right.loops
        if isinstance(left, Score) or isinstance(right, Score):
            return Score(events=contained_scores(left) | contained_scores(right), loops=loops)
        datas = [v for v in (left, right) if isinstance(v, Data)]
        if datas:
            base = next((d for d in datas if d.rows is not None), datas[0])
            mask: tuple | None = None
            if isinstance(op, ast.BitAnd | ast.BitOr) and all(d.mask is not None for d in datas):
                mask = (("combined", self.flow.next_id()), 0)
            taints = frozenset((None, e, c) for d in datas for _, e, c in d.taints)
            return base.derived(
                lineage=frozenset().union(*(d.lineage for d in datas)),
                taints=taints,
                column_preds={},
                mask=mask,
                loops=loops,
            )
        if (
            isinstance(op, ast.Add)
            and isinstance(left, Container)
            and isinstance(right, Container)
            and left.kind in ("list", "tuple")
            and right.kind == left.kind
        ):
            return Container(kind=left.kind, items=[*left.items, *right.items], loops=loops)
        return Unknown(loops=loops)

    def unary(self, operand: Value, op: ast.unaryop) -> Value:
        if isinstance(operand, Data):
            if isinstance(op, ast.Invert | ast.Not) and operand.mask is not None:
                key, side = operand.mask
                return operand.derived(mask=(key, 1 - side), loops=operand.loops)
            return operand.derived(loops=operand.loops)
        if isinstance(op, ast.USub) and _number(operand) is not None:
            return Const(value=-operand.value, loops=operand.loops)  # type: ignore[attr-defined]
        if isinstance(operand, Score):
            return Score(events=operand.events, loops=operand.loops)
        return Unknown(loops=operand.loops)

    def compare(self, left: Value, ops: list[ast.cmpop], rights: list[Value], node: ast.Compare) -> Value:
        values = [left, *rights]
        loops = _loops(*values)
        scores = [v for v in values if isinstance(v, Score)]
        if len(scores) >= 2:
            for score in scores:  # `if score > best_score:` keeps the best
                self.select(score, node)
        datas = [v for v in values if isinstance(v, Data)]
        if not datas:
            return Unknown(loops=loops)
        mask = None
        if len(ops) == 1 and type(ops[0]) in _MASK_SIDES:
            family, side = _MASK_SIDES[type(ops[0])]
            mask = (("cmp", _dump(node.left), family, _dump(node.comparators[0])), side)
        return datas[0].derived(
            lineage=frozenset().union(*(d.lineage for d in datas)),
            column_preds={},
            mask=mask,
            loops=loops,
        )
