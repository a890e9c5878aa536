"""What pandas and NumPy calls do to data: keep rows, cut rows, or learn from rows.

A per-row operation keeps the rows and history of its inputs. Masks, positional slices, samples and
index complements cut rows (``df[df.t < c]`` and ``df[df.t >= c]`` are the two sides of one cut). A
statistic across rows (``mean``, ``median``, ``quantile``, a group's mean, ``pd.qcut``) is recorded as
a fit on those rows, since whatever uses it has learned from them. Negative shifts, back-fills and
centred windows look ahead in time; columns made by them are followed until a model is fitted on them.
"""

from __future__ import annotations

import ast

from heldout.lint.calls import (
    CallBase,
    const_names,
    describe,
    dump,
    is_columns,
    is_const,
    loops_of,
    number,
    rowwise,
    score_of,
)
from heldout.lint.values import (
    EMPTY,
    Const,
    Container,
    Data,
    Function,
    IndexOf,
    Indices,
    Length,
    Permutation,
    PredInfo,
    Ref,
    Score,
    SliceOf,
    Unknown,
    Value,
    contained_scores,
    with_step,
)
from heldout.pandas_names import ROW_WINDOWS

__all__ = ["FrameCalls"]

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
_NUMPY_SELECTIONS = frozenset(
    {"argmax", "argmin", "nanargmax", "nanargmin", "argsort", "max", "min", "amax", "amin"}
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


class FrameCalls(CallBase):
    """The pandas and NumPy half of ``Library``."""

    def _data_attribute(self, data: Data, attr: str) -> Value:
        if attr == "index":
            return IndexOf(data=data, loops=data.loops)
        if attr == "columns":
            return Container(kind="columns", loops=data.loops)
        if attr == "shape" and data.rows:
            return Container(kind="tuple", items=[Length(rows=data.rows), Unknown()], loops=data.loops)
        if attr in _ACCESSORS:
            return data  # the same frame: `df.loc[mask, "c"] = v` changes df
        if attr in _SAME_DATA_ATTRIBUTES:
            return data.derived(loops=data.loops)
        if attr in _NO_DATA_ATTRIBUTES or attr.startswith("_"):
            return Unknown(loops=data.loops)
        return self._select_columns(data, Const(value=attr))  # df.amount

    def _pandas(self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        if name.startswith("read_"):
            return self._loaded(self._arg(args, kwargs, 0, "filepath_or_buffer", "path", "io"))
        if name == "concat":
            return self._concat(args[0] if args else kwargs.get("objs", Unknown()), kwargs, args)
        if name in ("DataFrame", "Series"):
            return self._frame(self._arg(args, kwargs, 0, "data"), kwargs)
        if name == "qcut":
            data = self._arg(args, kwargs, 0, "x")
            if isinstance(data, Data):
                binned = self._statistic(data, "qcut", node, self._arg_node(node, 0, "x"), aligned=True)
                if is_const(kwargs.get("retbins"), True):
                    # (codes, edges): both come from the rows the quantiles were computed on.
                    edges = Data(rows=None, lineage=binned.lineage, loops=binned.loops)
                    return Container(kind="tuple", items=[binned, edges], loops=binned.loops)
                return binned
        return self._generic(args, kwargs)

    def _loaded(self, source: Value) -> Data:
        """Rows read from a file: the root of their row paths. The same file named twice holds the same
        rows; a path heldout cannot read gets a root of its own (so it is never taken for another file)."""
        if isinstance(source, Const) and isinstance(source.value, str):
            return Data(rows=frozenset({(f"file:{source.value}",)}))
        return Data(rows=frozenset({(f"read:{self.flow.next_id()}",)}))

    def _concat(self, objs: Value, kwargs: dict[str, Value], args: list[Value]) -> Value:
        items = objs.items if isinstance(objs, Container) else [objs]
        scores = frozenset().union(*(contained_scores(i) for i in items)) if items else EMPTY
        if scores:
            return Score(events=scores, loops=loops_of(*items))
        datas = [i for i in items if isinstance(i, Data)]
        if not datas:
            return Unknown(loops=loops_of(*items))
        axis = kwargs.get("axis", args[1] if len(args) > 1 else Const(value=0))
        if is_const(axis, 1, "columns"):
            rows = next((d.rows for d in datas if d.rows is not None), None)
        elif len(datas) == len(items) and all(d.rows is not None for d in datas):
            rows = frozenset().union(*(d.rows for d in datas if d.rows is not None))
        else:
            rows = None
        column_preds: dict = {}
        column_lineage: dict[str, frozenset[int]] = {}
        for d in datas:
            column_preds.update(d.column_preds)
        lineage = frozenset().union(*(d.lineage for d in datas))
        base = frozenset().union(*(d.base_lineage() for d in datas))
        for d in datas:
            for column, events in d.column_lineage.items():
                column_lineage[column] = column_lineage.get(column, EMPTY) | (events - base)
        return Data(
            rows=rows,
            lineage=lineage,
            taints=frozenset().union(*(d.taints for d in datas)),
            column_preds=column_preds,
            column_lineage={k: v for k, v in column_lineage.items() if v},
            loops=loops_of(*items),
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
            frame = Data(rows=rows, lineage=frozenset().union(*(d.lineage for d in datas)), loops=data.loops)
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
        score = score_of(values)
        if score is not None:
            return score
        datas = [v for v in values if isinstance(v, Data)]
        if not datas:
            return Unknown(loops=loops_of(*values))
        base = next((d for d in datas if d.rows is not None), datas[0])
        lineage = frozenset().union(*(d.lineage for d in datas))
        return base.derived(lineage=lineage, loops=loops_of(*values))

    def _numpy(
        self, qualname: str, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        first = args[0] if args else self._arg(args, kwargs, 0, "a", "x")
        loops = loops_of(*args, *kwargs.values())
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
            axis = kwargs.get(
                "axis", args[1] if len(args) > 1 and name not in ("percentile", "quantile") else None
            )
            if not is_const(axis, 1):
                return self._statistic(first, f"np.{name}", node, self._arg_node(node, 0, "a"))
        if name in ("load", "loadtxt", "genfromtxt", "fromfile") and qualname.count(".") == 1:
            return self._loaded(self._arg(args, kwargs, 0, "file", "fname"))
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

    def _statistic(
        self, data: Data, what: str, node: ast.AST, data_node: ast.AST, aligned: bool = False
    ) -> Data:
        if data.pred is not None:
            return data.derived(rows=None, pred=None, loops=data.loops)  # a statistic of predictions
        event = self._fit_event("statistic", what, data, node, data_node, subject=describe(node, 50))
        return Data(rows=data.rows if aligned else None, lineage=data.lineage | {event.id}, loops=data.loops)

    def _data_method(
        self, data: Data, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        result = self._data_method_result(data, name, args, kwargs, node)
        if is_const(kwargs.get("inplace"), True) and isinstance(result, Data):
            data.rows, data.lineage, data.taints = result.rows, result.lineage, result.taints
            data.column_preds = dict(result.column_preds)
            data.column_lineage = dict(result.column_lineage)
            if data.parent is not None:  # df["c"].fillna(v, inplace=True) changes df's column
                if data.column is not None:
                    data.parent.set_column_lineage(data.column, result.lineage)
                else:
                    data.parent.lineage = data.parent.lineage | result.lineage
            return Const(value=None)
        return result

    def _data_method_result(
        self, data: Data, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        loops = loops_of(data, *args, *kwargs.values())
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else node
        first = args[0] if args else None
        if data.window and (name in _STATISTICS or name in ("apply", "count")):
            if data.window_future is None:
                return data.derived(loops=loops)
            return data.derived(taints=data.taints | {(None, data.window_future, True)}, loops=loops)
        if name in ("shift", "diff", "pct_change"):
            periods = first if first is not None else kwargs.get("periods")
            amount = number(periods) if periods is not None else None
            if amount is not None and amount < 0:
                event = self._future(node, f"{name}({amount:g})")
                return data.derived(taints=data.taints | {(None, event, True)}, loops=loops)
            return data.derived(loops=loops)
        if name in ("bfill", "backfill") or (
            name == "fillna" and is_const(kwargs.get("method"), "bfill", "backfill")
        ):
            event = self._future(node, "bfill()" if name != "fillna" else 'fillna(method="bfill")')
            return data.derived(taints=data.taints | {(None, event, True)}, loops=loops)
        if name in ("rolling", "expanding", "ewm"):
            future = None
            if is_const(kwargs.get("center"), True):
                future = self._future(node, "rolling(center=True)")
            return data.derived(window=True, window_future=future, grouped=False, loops=loops)
        if data.grouped:
            return self._group_method(data, name, args, node, receiver, loops)
        if name == "groupby":
            return data.derived(grouped=True, loops=loops)
        if name in _STATISTICS and not rowwise(kwargs):
            return self._statistic(data, name, node, receiver)
        if name == "sample":
            return self._sample(data, kwargs, node, receiver, loops)
        if name in ("head", "tail"):
            count = (
                node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "n"), None)
            )
            key = ("slice" if name == "head" else "tail", dump(count))
            self._register_cut(key, node, name, data, receiver)
            return data.derived(rows=with_step(data.rows, (key, 0 if name == "head" else 1)), loops=loops)
        if name == "drop":
            return self._drop(data, args, kwargs, loops)
        if name == "query":
            key = ("query", dump(node.args[0]) if node.args else "")
            return data.derived(rows=with_step(data.rows, (key, 1)), loops=loops)
        if name in ("isin", "between"):
            return data.derived(
                mask=(("cmp", dump(receiver), name, dump(node.args[0]) if node.args else ""), 0), loops=loops
            )
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
        self,
        data: Data,
        name: str,
        args: list[Value],
        node: ast.Call,
        receiver: ast.AST,
        loops: frozenset[int],
    ) -> Value:
        if name in _GROUP_STATISTICS:
            # A function given to transform/apply/agg may look only backwards (shift, expanding): only a
            # named aggregate ("mean") is known to use the whole group.
            if name in ("transform", "apply", "agg", "aggregate") and not (args and is_columns(args[0])):
                return data.derived(loops=loops)
            # transform("shift"), transform("cumsum"): neighbouring rows, not a statistic of the group
            # (the runtime tracer reads them the same way).
            if name == "transform" and args and isinstance(args[0], Const) and args[0].value in ROW_WINDOWS:
                return data.derived(loops=loops)
            return self._statistic(data, f"groupby {name}", node, receiver, aligned=name == "transform")
        return data.derived(
            grouped=name not in ("cumsum", "cumcount", "cummax", "cummin", "cumprod"), loops=loops
        )

    def _sample(
        self, data: Data, kwargs: dict[str, Value], node: ast.Call, receiver: ast.AST, loops: frozenset[int]
    ) -> Value:
        if is_const(kwargs.get("replace"), True):
            event = self._fit_event("sampler", "sample(replace=True)", data, node, receiver)
            return data.derived(lineage=data.lineage | {event.id}, loops=loops)
        fraction = number(kwargs.get("frac", Unknown()))
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
        if columns is None and args and is_const(kwargs.get("axis"), 1, "columns"):
            columns = args[0]
        if columns is not None:
            names = const_names(columns)
            result = data.derived(loops=loops)
            if names is None:
                result.taints = frozenset((c, e, False) for c, e, _ in data.taints)
            else:
                result.taints = frozenset(t for t in data.taints if t[0] not in names)
                result.column_preds = {k: v for k, v in data.column_preds.items() if k not in names}
                result.lineage, result.column_lineage = data.lineage_without(names)
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
        names = const_names(columns)
        if names is None:
            if isinstance(value, Data):
                frame.lineage = frame.lineage | value.lineage
                frame.taints = frame.taints | {(None, e, False) for _, e, _ in value.taints}
            return
        frame.taints = frozenset(t for t in frame.taints if t[0] not in names)
        for name in names:
            frame.column_preds.pop(name, None)
            frame.set_column_lineage(name, value.lineage if isinstance(value, Data) else EMPTY)
            if isinstance(value, Data):
                frame.taints = frame.taints | {(name, e, certain) for _, e, certain in value.taints}
                if value.pred is not None:
                    frame.column_preds[name] = value.pred

    def _data_subscript(self, data: Data, index: Value, node: ast.AST) -> Data:
        loops = data.loops | index.loops
        if data.grouped:
            return data.derived(grouped=True, loops=loops)
        if isinstance(index, Container) and index.kind == "tuple":
            selected = self._select_rows(data, index.items[0], node) if index.items else data
            if len(index.items) > 1:
                selected = self._select_columns(selected, index.items[1])
            return selected
        if is_columns(index) or (isinstance(index, Const) and not isinstance(index.value, bool | type(None))):
            return self._select_columns(data, index)
        return self._select_rows(data, index, node)

    def _select_rows(self, data: Data, selector: Value, node: ast.AST) -> Data:
        loops = data.loops | selector.loops
        source = node.value if isinstance(node, ast.Subscript) else node
        if isinstance(selector, SliceOf):
            if selector.step is None and selector.lower is None and selector.upper is None:
                return data.derived(loops=loops)
            parts = self._parts_by_length(data, selector)
            if parts is not None:
                return data.derived(rows=parts, loops=loops)
            if selector.step is None and (selector.lower is None) != (selector.upper is None):
                key = ("slice", selector.upper if selector.lower is None else selector.lower)
                self._register_cut(key, node, "slice", data, source)
                return data.derived(
                    rows=with_step(data.rows, (key, 0 if selector.lower is None else 1)), loops=loops
                )
            return data.derived(rows=None, loops=loops)
        if isinstance(selector, Indices):
            self._register_cut(selector.step[0], node, "positions", data, source)
            return data.derived(rows=with_step(data.rows, selector.step), loops=loops)
        if isinstance(selector, Data) and selector.mask is not None:
            self._register_cut(selector.mask[0], node, "mask", data, source)
            return data.derived(rows=with_step(data.rows, selector.mask), loops=loops)
        if isinstance(selector, IndexOf):
            return data.derived(rows=selector.data.rows, loops=loops)
        if is_const(selector, None):
            return data.derived(loops=loops)
        # Rows or columns, heldout cannot tell: neither which rows remain nor whether a column went.
        taints = frozenset((c, e, False) for c, e, _ in data.taints)
        return data.derived(rows=None, taints=taints, loops=loops)

    @staticmethod
    def _parts_by_length(data: Data, selector: SliceOf) -> frozenset | None:
        """``full[:len(train)]`` / ``full[len(train):]`` of a concatenation that holds train's rows:
        train's rows, or the others. (The first part is the one measured, as concat([train, test]) has it.)"""
        bound = selector.bound
        if selector.step is not None or not isinstance(bound, Length) or not data.rows:
            return None
        first = frozenset(p for p in data.rows if any(p[: len(r)] == r for r in bound.rows))
        rest = data.rows - first
        if not first or not rest:
            return None  # not a concatenation of the measured rows with others
        return first if selector.lower is None else rest

    def _select_columns(self, data: Data, index: Value) -> Data:
        loops = data.loops | index.loops
        names = const_names(index)
        if isinstance(index, Const) and names is not None:
            (column,) = names
            taints = frozenset((None, e, c) for col, e, c in data.taints if col is None or col == column)
            pred = data.column_preds.get(column, data.pred)
            lineage, _ = data.lineage_of_columns({column})
            return data.derived(
                column=column,
                pred=pred,
                column_preds={},
                column_lineage={},
                lineage=lineage,
                taints=taints,
                loops=loops,
                parent=data,
            )
        if isinstance(index, Const):
            return data.derived(loops=loops)  # a positional column of an array: proba[:, 1]
        if names is not None:
            taints = frozenset(t for t in data.taints if t[0] is None or t[0] in names)
            column_preds = {k: v for k, v in data.column_preds.items() if k in names}
            lineage, column_lineage = data.lineage_of_columns(names)
            return data.derived(
                taints=taints,
                column_preds=column_preds,
                lineage=lineage,
                column_lineage=column_lineage,
                loops=loops,
            )
        taints = frozenset((c, e, False) for c, e, _ in data.taints)
        return data.derived(taints=taints, loops=loops)

    def _data_set_item(self, frame: Data, index: Value, value: Value) -> None:
        if isinstance(index, Container) and index.kind == "tuple" and len(index.items) == 2:
            self._assign_columns(frame, index.items[1], value)  # df.loc[rows, "column"] = value
            return
        if is_columns(index):
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
