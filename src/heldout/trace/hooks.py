"""The kernel-side tracer: wraps what fits, splits, resamples, predicts and scores, and records it.

What is wrapped, and why there:

- estimator methods (``fit``, ``fit_transform``, ``fit_resample``, ``transform``, ``predict*``, ``score`` ...)
  on every scikit-learn / imbalanced-learn estimator class, including classes imported later
  (``BaseEstimator.__init_subclass__``) and mixins, so calls made by Pipelines and searches are seen too;
- ``split`` of every cross-validation splitter, and ``train_test_split``;
- ``_safe_indexing``, the one function scikit-learn uses to cut rows out of X and y inside
  ``train_test_split`` and cross-validation: it carries row identity into every fold;
- metric functions (every name each loaded scikit-learn module binds them to) and the scorer classes,
  which hold their own references to the metric functions;
- ``pandas.read_csv`` for the dataset's files (row identity starts there), and ``to_numpy`` /
  ``values`` / ``__array__`` / ``reset_index`` when called from the candidate's own code.

A call made while another traced call of the same object (or any metric) is running is internal and
passes straight through; a call made by another object is recorded with that call as its parent.
Parallel joblib workers would run outside the tracer, so joblib is set to run sequentially.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import sys
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from heldout.metric_names import CURVE_METRICS, THRESHOLD_METRICS, is_metric_name
from heldout.pandas_names import ROW_WINDOWS
from heldout.trace.channel import NullChannel
from heldout.trace.ir_hooks import install_ir_hooks
from heldout.trace.lineage import Lineage, LineageRegistry, synthetic_rows
from heldout.trace.record import Recorder
from heldout.trace.sites import SiteFinder

__all__ = ["Tracer", "active_tracer"]

FIT_METHODS = ("fit", "partial_fit", "fit_transform", "fit_resample", "fit_predict")
PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
ESTIMATOR_METHODS = (*FIT_METHODS, "transform", *PREDICT_METHODS, "score")
_SPLITTER_STRATIFIED = frozenset(
    {"StratifiedKFold", "StratifiedShuffleSplit", "StratifiedGroupKFold", "RepeatedStratifiedKFold"}
)

_ACTIVE: Tracer | None = None
_MAX_HOOK_ERRORS = 20  # recorded in the trace; beyond these, only counted


def active_tracer() -> Tracer | None:
    return _ACTIVE


@dataclass(frozen=True)
class _Frame:
    event: int
    obj: int
    kind: str


@dataclass
class _Patch:
    owner: Any
    name: str
    original: Any
    wrapper: Any
    via_descriptor: bool = False
    inherited: bool = False  # the owner only inherited ``name``: undoing deletes our override

    def apply(self) -> None:
        if self.via_descriptor:
            self.owner.__dict__[self.name].fn = self.wrapper
        else:
            setattr(self.owner, self.name, self.wrapper)

    def undo(self) -> None:
        if self.via_descriptor:
            self.owner.__dict__[self.name].fn = self.original
        elif self.inherited:
            delattr(self.owner, self.name)
        else:
            setattr(self.owner, self.name, self.original)

    def in_place(self) -> bool:
        current = self.owner.__dict__.get(self.name)
        if self.via_descriptor:
            current = getattr(current, "fn", None)
        # scikit-learn itself may wrap ours once more (set_output wraps a transformer's ``transform``
        # when the class is created); ours is still called, inside.
        for _ in range(4):
            if current is self.wrapper:
                return True
            current = getattr(current, "__wrapped__", None)
        return False


def _hide_original(wrapper: Callable, original: Callable) -> Callable:
    """Keep the signature scikit-learn inspects, without handing out the unwrapped function."""
    try:
        wrapper.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        pass
    wrapper.__dict__.pop("__wrapped__", None)
    wrapper.__heldout__ = True  # type: ignore[attr-defined]
    return wrapper


def _length(obj: Any) -> int | None:
    shape = getattr(obj, "shape", None)
    if shape:
        return int(shape[0])
    try:
        return len(obj)
    except TypeError:
        return None


def _first(args: tuple, kwargs: Mapping[str, Any], position: int, *names: str) -> Any:
    if len(args) > position:
        return args[position]
    for name in names:
        if name in kwargs:
            return kwargs[name]
    return None


class _OriginalCall:
    """The wrapped function as a handler calls it, remembering whether it ran and how it ended: a
    handler's exception that the candidate's own call did not raise is heldout's, not theirs."""

    __slots__ = ("error", "function", "ran", "result")

    def __init__(self, function: Callable) -> None:
        self.function = function
        self.ran = False
        self.error: BaseException | None = None
        self.result: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.ran = True
        try:
            self.result = self.function(*args, **kwargs)
        except BaseException as error:
            self.error = error
            raise
        return self.result


def _guarded(tracer: Tracer, original: Callable, handler: Callable, *args: Any, **kwargs: Any) -> Any:
    """``handler(call, *args, **kwargs)``, where ``call`` stands for ``original``. If heldout's own
    bookkeeping fails, the candidate's call runs (or its result returns) as it would without heldout,
    and the failure is recorded as heldout's."""
    call = _OriginalCall(original)
    try:
        return handler(call, *args, **kwargs)
    except Exception as error:
        if call.error is error:
            raise  # the candidate's call raised it: theirs, as without heldout
        tracer._hook_failed(original, error)
        if call.ran and call.error is None:
            return call.result
        if call.ran:
            raise call.error from None
        return original(*args, **kwargs)


class Tracer:
    """Records one notebook run. ``install()`` patches, ``verify()`` says whether patches survived."""

    def __init__(
        self, dataset_files: Mapping[str, int], sites: SiteFinder | None = None, channel: Any = None
    ) -> None:
        self.dataset_files = dict(dataset_files)  # file name -> source number
        self.sites = sites or SiteFinder()
        self.channel = channel if channel is not None else NullChannel()
        self.recorder = Recorder(self.channel)
        self.lineage = LineageRegistry()
        self.lineage.is_user_frame = self._called_from_user
        self._enabled = False
        self._stack: list[_Frame] = []
        self._hook_errors = 0
        self._fitted: dict[int, tuple[weakref.ref, int]] = {}
        # Results of pandas statistics (a weakref to a Series, or a number), newest last.
        self._statistics: deque[tuple[weakref.ref | None, float | None, int]] = deque(maxlen=256)
        self._object_keys: dict[int, tuple[weakref.ref, int]] = {}
        self._splitting: set[int] = set()
        self._patches: list[_Patch] = []
        self._installed_count = 0
        self._uninstalled = False
        self._wrapped_classes: set[type] = set()
        self._user_file_cache: dict[str, bool] = {}
        self._library_prefixes = tuple(
            {
                os.path.dirname(os.__file__),
                sys.prefix,
                sys.base_prefix,
                os.path.dirname(os.path.dirname(__file__)),
            }
        )

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        # Every switch leaves the kernel at once: the runner holds switching off during the
        # candidate's cells against the run (heldout itself switches only after the last cell).
        if bool(on) != self._enabled:
            self.channel.send("switch", on=bool(on))
        self._enabled = bool(on)

    # == installation ===================================================================================
    def install(self) -> Tracer:
        global _ACTIVE
        import joblib
        import sklearn.base
        import sklearn.metrics
        import sklearn.metrics._scorer as scorer_module
        import sklearn.model_selection
        import sklearn.model_selection._split as split_module
        import sklearn.pipeline

        try:
            import imblearn.over_sampling
            import imblearn.pipeline
            import imblearn.under_sampling  # noqa: F401
        except ImportError:
            pass

        # Parallel workers are other processes the tracer cannot see into.
        joblib.parallel_config(backend="sequential")

        for cls in _all_subclasses(sklearn.base.BaseEstimator):
            self._wrap_estimator_class(cls)
        self._hook_new_estimator_classes(sklearn.base.BaseEstimator)

        for base in (
            split_module.BaseCrossValidator,
            split_module.BaseShuffleSplit,
            split_module._RepeatedSplits,
        ):
            for cls in (base, *_all_subclasses(base)):
                if "split" in cls.__dict__ and inspect.isfunction(cls.__dict__["split"]):
                    self._patch_attr(cls, "split", self._split_wrapper(cls.__dict__["split"]))

        everywhere: dict[Callable, Callable] = {}
        everywhere[split_module.train_test_split] = self._function_wrapper(
            split_module.train_test_split, self._on_train_test_split
        )
        from sklearn.utils import _indexing

        everywhere[_indexing._safe_indexing] = self._function_wrapper(
            _indexing._safe_indexing, self._on_safe_indexing
        )
        import sklearn.model_selection._validation as validation

        for name in ("cross_validate", "cross_val_score", "cross_val_predict"):
            original = getattr(validation, name)
            everywhere[original] = self._function_wrapper(
                original, functools.partial(self._on_cross_validation, name)
            )
        for name in sklearn.metrics.__all__:
            original = getattr(sklearn.metrics, name)
            if _is_metric(name, original):
                everywhere[original] = self._function_wrapper(
                    original, functools.partial(self._on_metric, name)
                )
        self._patch_everywhere(everywhere)

        for cls in (scorer_module._Scorer, scorer_module._CurveScorer):
            self._patch_attr(cls, "_score", self._scorer_wrapper(cls.__dict__["_score"]))

        self._hook_pandas()
        install_ir_hooks(self)
        self._installed_count = len(self._patches)
        self.enabled = True
        _ACTIVE = self
        return self

    def uninstall(self) -> None:
        global _ACTIVE
        self.channel.send("uninstall")
        self._uninstalled = True
        for patch in reversed(self._patches):
            patch.undo()
        self._patches.clear()
        self.enabled = False
        if _ACTIVE is self:
            _ACTIVE = None

    def verify(self) -> list[str]:
        """Patches that were removed or replaced since install (evidence of tampering)."""
        problems = [
            f"{getattr(p.owner, '__name__', p.owner)}.{p.name}" for p in self._patches if not p.in_place()
        ]
        if _ACTIVE is not self:
            problems.append("the active tracer was replaced")
        if self._uninstalled:
            problems.append("the tracer was uninstalled")
        if len(self._patches) < self._installed_count:  # classes defined later add hooks, never remove
            problems.append(f"{self._installed_count - len(self._patches)} hooks were dropped")
        return problems

    def _patch_attr(self, owner: Any, name: str, wrapper: Callable, descriptor: bool = False) -> None:
        inherited = name not in owner.__dict__
        if descriptor:
            original = owner.__dict__[name].fn
        else:
            original = inspect.getattr_static(owner, name) if inherited else owner.__dict__[name]
        patch = _Patch(owner, name, original, wrapper, descriptor, inherited)
        patch.apply()
        self._patches.append(patch)

    def _patch_everywhere(self, replacements: Mapping[Callable, Callable]) -> None:
        """Rebind every module-level name that refers to a wrapped function (``from x import f``)."""
        for module_name, module in list(sys.modules.items()):
            # Every module, not only scikit-learn's: a helper module (or a test) may have done
            # `from sklearn.metrics import f1_score` before the tracer was installed.
            if module is None or module_name.startswith("heldout"):
                continue
            try:
                namespace = list(vars(module).items())
            except TypeError:
                continue
            for name, value in namespace:
                try:
                    wrapper = replacements.get(value)
                except TypeError:  # unhashable module attribute
                    continue
                if wrapper is not None:
                    self._patch_attr(module, name, wrapper)
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:
            shell = None
        if shell is not None:  # live mode: names the candidate imported before loading heldout
            for name, value in list(shell.user_ns.items()):
                try:
                    wrapper = replacements.get(value)
                except TypeError:
                    continue
                if wrapper is not None:
                    shell.user_ns[name] = wrapper

    def _wrap_estimator_class(self, cls: type) -> None:
        from sklearn.utils._available_if import _AvailableIfDescriptor

        for klass in cls.__mro__[:-1]:
            if klass in self._wrapped_classes:
                continue
            self._wrapped_classes.add(klass)
            for name in ESTIMATOR_METHODS:
                member = klass.__dict__.get(name)
                if isinstance(member, _AvailableIfDescriptor):
                    if not getattr(member.fn, "__heldout__", False):
                        self._patch_attr(klass, name, self._method_wrapper(name, member.fn), True)
                elif inspect.isfunction(member) and not getattr(member, "__heldout__", False):
                    self._patch_attr(klass, name, self._method_wrapper(name, member))

    def _hook_new_estimator_classes(self, base: type) -> None:
        tracer_ref = weakref.ref(self)
        inherited = base.__dict__.get("__init_subclass__")

        def __init_subclass__(cls: type, **kwargs: Any) -> None:
            if inherited is not None:
                inherited.__func__(cls, **kwargs)
            else:
                super(base, cls).__init_subclass__(**kwargs)
            tracer = tracer_ref()
            if tracer is not None and tracer._patches:
                tracer._wrap_estimator_class(cls)

        patch = _Patch(base, "__init_subclass__", inherited, classmethod(__init_subclass__))
        base.__init_subclass__ = patch.wrapper
        # Undoing must restore "no own __init_subclass__", which setattr(None) would not.
        patch.undo = lambda: (
            delattr(base, "__init_subclass__")
            if inherited is None  # type: ignore[method-assign]
            else setattr(base, "__init_subclass__", inherited)
        )
        self._patches.append(patch)

    def _hook_pandas(self) -> None:
        import pandas.io.parsers.readers as readers

        original_read_csv = readers.read_csv
        wrapper = self._function_wrapper(original_read_csv, self._on_read_csv)
        for owner in (pd, readers):
            if owner.__dict__.get("read_csv") is original_read_csv:
                self._patch_attr(owner, "read_csv", wrapper)
        for cls in (pd.DataFrame, pd.Series):
            # Same rows in, same rows out: the result keeps the rows even when its values no longer
            # match the file (a frame built inside a function, then copied or trimmed of a column).
            for name in ("to_numpy", "__array__", "reset_index", "copy", "drop", "rename", "astype"):
                original = inspect.getattr_static(cls, name)
                self._patch_attr(cls, name, self._pandas_wrapper(original, name))
            values = inspect.getattr_static(cls, "values")
            self._patch_attr(
                cls, "values", property(self._pandas_wrapper(values.fget, "values"), doc=values.__doc__)
            )
            self._patch_attr(cls, "__init__", self._pandas_build_wrapper(cls.__dict__["__init__"], "init"))
        self._patch_attr(
            pd.DataFrame,
            "__setitem__",
            self._pandas_build_wrapper(pd.DataFrame.__dict__["__setitem__"], "setitem"),
        )
        self._hook_pandas_statistics()

    def _hook_pandas_statistics(self) -> None:
        """Statistics computed with pandas over rows, and where they are used.

        Estimator hooks cannot see ``df.fillna(df.mean())``, ``groupby(key)[target].transform("mean")``,
        ``clip(upper=df.quantile(.99))`` or ``pd.qcut``. A metamorphic re-run (perturb the evaluated rows,
        re-execute, compare) could, but it costs a second run of the whole notebook and needs the
        evaluated rows before the first run has shown them. Tracing pandas instead makes each statistic a
        "fit" (role ``statistic``) over the rows it read, and links it to the frames that use its result,
        so the leakage checks judge it exactly like a scaler: same lineage, same messages, one run.
        """
        from pandas.core.groupby.generic import DataFrameGroupBy, SeriesGroupBy

        for cls in (pd.DataFrame, pd.Series):
            for name in STATISTICS:
                original = inspect.getattr_static(cls, name, None)
                if callable(original):
                    self._patch_attr(cls, name, self._statistic_wrapper(original, f"{cls.__name__}.{name}"))
            for name in ("fillna", "clip", *ARITHMETIC):
                original = inspect.getattr_static(cls, name)
                self._patch_attr(cls, name, self._consumer_wrapper(original, name))
        original_assign = inspect.getattr_static(pd.DataFrame, "assign")
        self._patch_attr(pd.DataFrame, "assign", self._assign_wrapper(original_assign))
        original_map = inspect.getattr_static(pd.Series, "map")
        self._patch_attr(pd.Series, "map", self._consumer_wrapper(original_map, "map"))
        for cls in (DataFrameGroupBy, SeriesGroupBy):
            for name in GROUP_STATISTICS:
                original = inspect.getattr_static(cls, name, None)
                if callable(original):
                    self._patch_attr(cls, name, self._statistic_wrapper(original, f"groupby.{name}"))
        # pd.cut with given edges is stateless, unless the edges are a statistic (quantiles of the rows);
        # qcut's edges are always quantiles of the rows it reads.
        self._patch_attr(pd, "qcut", self._statistic_wrapper(pd.__dict__["qcut"], "pandas.qcut"))
        self._patch_attr(pd, "cut", self._consumer_wrapper(pd.__dict__["cut"], "cut"))

    # == wrappers =======================================================================================
    def _method_wrapper(self, name: str, original: Callable) -> Callable:
        @functools.wraps(original)
        def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            if tracer is None or not tracer.enabled:
                return original(obj, *args, **kwargs)
            return _guarded(
                tracer,
                original,
                lambda call, *a, **k: tracer._on_method(name, call, a[0], a[1:], k),
                obj,
                *args,
                **kwargs,
            )

        return _hide_original(traced, original)

    def _function_wrapper(self, original: Callable, handler: Callable) -> Callable:
        @functools.wraps(original)
        def traced(*args: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            if tracer is None or not tracer.enabled:
                return original(*args, **kwargs)
            return _guarded(tracer, original, lambda call, *a, **k: handler(call, a, k), *args, **kwargs)

        return _hide_original(traced, original)

    def _scorer_wrapper(self, original: Callable) -> Callable:
        @functools.wraps(original)
        def traced(
            scorer: Any, method_caller: Any, estimator: Any, X: Any, y_true: Any, **kwargs: Any
        ) -> Any:
            tracer = _ACTIVE
            if tracer is None or not tracer.enabled or tracer._inside_metric():
                return original(scorer, method_caller, estimator, X, y_true, **kwargs)
            return _guarded(
                tracer,
                original,
                lambda call, *a, **k: tracer._on_scorer(call, *a, k),
                scorer,
                method_caller,
                estimator,
                X,
                y_true,
                **kwargs,
            )

        return _hide_original(traced, original)

    def _split_wrapper(self, original: Callable) -> Callable:
        @functools.wraps(original)
        def traced(splitter: Any, *args: Any, **kwargs: Any) -> Iterator:
            tracer = _ACTIVE
            top = tracer._top() if tracer is not None else None
            if (
                tracer is None
                or not tracer.enabled
                or id(splitter) in tracer._splitting
                or (top is not None and top.kind in ("split", "metric"))
            ):
                # Inside train_test_split the splitter is its machinery, not a second split.
                yield from original(splitter, *args, **kwargs)
                return
            yield from tracer._on_split(original, splitter, args, kwargs)

        return _hide_original(traced, original)

    def _pandas_wrapper(self, original: Callable, name: str) -> Callable:
        @functools.wraps(original)
        def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(obj, *args, **kwargs)
            tracer = _ACTIVE
            if tracer is not None and tracer.enabled and tracer._called_from_user(sys._getframe(1)):
                try:
                    tracer._on_pandas_conversion(name, obj, result, kwargs)
                except Exception as error:
                    tracer._hook_failed(original, error)
            return result

        return _hide_original(traced, original)

    def _pandas_build_wrapper(self, original: Callable, name: str) -> Callable:
        """``pd.DataFrame(array, index=...)`` keeps the array's lineage; ``df[cols] = values`` adds the
        lineage of the values' producer to the frame's (a column computed by a fitted encoder)."""

        @functools.wraps(original)
        def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            if tracer is None or not tracer.enabled or not tracer._called_from_user(sys._getframe(1)):
                return original(obj, *args, **kwargs)
            return _guarded(tracer, original, build, obj, *args, **kwargs)

        def build(call: Callable, obj: Any, *args: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            if name == "init":
                result = call(obj, *args, **kwargs)
                tracer._on_frame_built(obj, _first(args, kwargs, 0, "data"))
                return result
            # Resolved before the column changes: once overwritten, the frame no longer matches the
            # file's values, and its rows could no longer be told.
            before = tracer.lineage.resolve(obj)
            result = call(obj, *args, **kwargs)
            tracer._on_column_set(
                obj, _first(args, kwargs, 1, "value"), _first(args, kwargs, 0, "key"), before
            )
            return result

        return _hide_original(traced, original)

    def _statistic_wrapper(self, original: Callable, label: str) -> Callable:
        @functools.wraps(original)
        def traced(*args: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            if (
                tracer is None
                or not tracer.enabled
                or tracer._top() is not None
                or not tracer._called_from_user(sys._getframe(1))
            ):
                return original(*args, **kwargs)
            return _guarded(
                tracer,
                original,
                lambda call, *a, **k: tracer._on_statistic(label, call, a, k),
                *args,
                **kwargs,
            )

        return _hide_original(traced, original)

    def _consumer_wrapper(self, original: Callable, name: str) -> Callable:
        arithmetic = name in ARITHMETIC

        @functools.wraps(original)
        def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(obj, *args, **kwargs)
            tracer = _ACTIVE
            if (
                tracer is not None
                and tracer.enabled
                and (not arithmetic or tracer._statistics)
                and tracer._called_from_user(sys._getframe(1))
            ):
                try:
                    tracer._on_statistic_used(obj, result, args, kwargs, arithmetic)
                except Exception as error:
                    tracer._hook_failed(original, error)
            return result

        return _hide_original(traced, original)

    def _assign_wrapper(self, original: Callable) -> Callable:
        """``df.assign(col=values)`` sets columns like ``df[col] = values``, from pandas' own frames."""

        @functools.wraps(original)
        def traced(obj: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            if tracer is None or not tracer.enabled or not tracer._called_from_user(sys._getframe(1)):
                return original(obj, **kwargs)
            return _guarded(tracer, original, assign, obj, **kwargs)

        def assign(call: Callable, obj: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            before = tracer.lineage.resolve(obj)
            result = call(obj, **kwargs)
            for key, value in kwargs.items():
                tracer._on_column_set(result, value, key, before)
                before = tracer.lineage.lookup(result) or before
            return result

        return _hide_original(traced, original)

    # == handlers =======================================================================================
    def _hook_failed(self, original: Callable, error: Exception) -> None:
        """heldout's bookkeeping failed on a call that ran as it would have without heldout: say so in
        the trace (the checks then rest on less evidence there), never as the candidate's error."""
        self._hook_errors += 1
        if self._hook_errors > _MAX_HOOK_ERRORS:
            return
        with contextlib.suppress(Exception):
            cell, line = self.sites.find(sys._getframe(2))
            self.recorder.add(
                "tracer_error",
                parent=None,
                cell=cell,
                line=line,
                function=getattr(original, "__qualname__", str(original))[:120],
                error=f"{type(error).__name__}: {error}"[:300],
            )

    def _top(self) -> _Frame | None:
        return self._stack[-1] if self._stack else None

    def _inside_metric(self) -> bool:
        return any(frame.kind == "metric" for frame in self._stack)

    def _called_from_user(self, frame: Any) -> bool:
        filename = frame.f_code.co_filename
        known = self._user_file_cache.get(filename)
        if known is None:
            known = self.sites.is_user_frame(frame) or not (
                filename.startswith(self._library_prefixes) or filename.startswith("<frozen")
            )
            # IPython cell files are registered before they run, so a cached "no" could be stale.
            if known:
                self._user_file_cache[filename] = known
        return known

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        top = self._top()
        cell, line = self.sites.find(sys._getframe(2))
        return self.recorder.add(
            kind, parent=None if top is None else top.event, cell=cell, line=line, **fields
        )

    def _rows(self, lineage: Lineage | None) -> str | None:
        return None if lineage is None else self.recorder.rowset(lineage.rows)

    def _inputs(self, *lineages: Lineage | None) -> list[int]:
        return sorted({event for lin in lineages if lin is not None for event in lin.producers})

    def _object_key(self, obj: Any) -> int:
        entry = self._object_keys.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return entry[1]
        key = len(self._object_keys)
        with contextlib.suppress(TypeError):
            self._object_keys[id(obj)] = (weakref.ref(obj), key)
        return key

    def fit_event_of(self, obj: Any) -> int | None:
        entry = self._fitted.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return entry[1]
        return None

    def _run(self, frame: _Frame, call: Callable[[], Any]) -> Any:
        self._stack.append(frame)
        try:
            return call()
        finally:
            self._stack.pop()

    def _on_method(self, name: str, original: Callable, obj: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        top = self._top()
        if top is not None and (top.obj == id(obj) or top.kind == "metric"):
            return original(obj, *args, **kwargs)
        X = _first(args, kwargs, 0, "X")
        if name in FIT_METHODS:
            return self._on_fit(name, original, obj, X, _first(args, kwargs, 1, "y"), args, kwargs)
        if name == "score":
            return self._on_score(original, obj, X, _first(args, kwargs, 1, "y"), args, kwargs)
        lin_x = self.lineage.resolve(X)
        kind = "transform" if name == "transform" else "predict"
        event = self._event(
            kind,
            method=name,
            estimator=type(obj).__name__,
            obj=self._object_key(obj),
            fit_event=self.fit_event_of(obj),
            rows=self._rows(lin_x),
            n_rows=_length(X),
            inputs=self._inputs(lin_x),
        )
        result = self._run(_Frame(event["id"], id(obj), kind), lambda: original(obj, *args, **kwargs))
        if lin_x is not None:
            output = Lineage(lin_x.rows, event["id"])
            if kind == "predict":
                self.lineage.add_prediction(result, output)
            else:
                self.lineage.register(result, output)
        return result

    def _on_fit(
        self, name: str, original: Callable, obj: Any, X: Any, y: Any, args: tuple, kwargs: dict[str, Any]
    ) -> Any:
        lin_x = self.lineage.resolve(X)
        lin_y = self.lineage.resolve(y) if y is not None else None
        fields: dict[str, Any] = {"takes_cv": True} if getattr(obj, "cv", None) is not None else {}
        top = self._top()
        if top is None or top.kind == "cv":
            # What the candidate chose, for checks that compare experiments and name features; fits
            # made inside another estimator are the library's, and too many to describe cheaply.
            fields["config"], fields["config_key"] = _config(obj)
            columns = _columns(X)
            if columns is not None:
                fields["columns"] = columns
            probe = _column_probe(X)
            if probe is not None:
                fields["column_probe"] = probe
        event = self._event(
            "fit",
            method=name,
            estimator=type(obj).__name__,
            obj=self._object_key(obj),
            role=_role(obj),
            rows=self._rows(lin_x if lin_x is not None else lin_y),
            n_rows=_length(X),
            inputs=self._inputs(lin_x, lin_y),
            **fields,
        )
        result = self._run(_Frame(event["id"], id(obj), "fit"), lambda: original(obj, *args, **kwargs))
        with contextlib.suppress(TypeError):
            self._fitted[id(obj)] = (weakref.ref(obj), event["id"])
        best = getattr(obj, "best_estimator_", None) if event.get("role") == "search" else None
        if best is not None:
            # What the search chose: an estimator later built with these settings was chosen on the
            # rows this search saw, whatever object it is.
            event["chosen"], event["chosen_key"] = _config(best)
        base = lin_x if lin_x is not None else lin_y
        if name == "fit_resample" and isinstance(result, tuple) and len(result) >= 2:
            rows_out = self._resampled_rows(obj, X, result[0], base)
            if rows_out is not None:
                event["rows_out"] = self.recorder.rowset(rows_out)
                event["n_synthetic"] = int((rows_out < 0).sum())
                output = Lineage(rows_out, event["id"])
                self.lineage.register(result[0], output)
                self.lineage.register(result[1], output)
            event["n_out"] = _length(result[0])
        elif name in ("fit_transform", "fit_predict") and base is not None:
            self.lineage.register(result, Lineage(base.rows, event["id"]))
        return result

    def _resampled_rows(self, sampler: Any, X_in: Any, X_out: Any, base: Lineage | None) -> np.ndarray | None:
        if base is None:
            return None
        indices = getattr(sampler, "sample_indices_", None)
        n_out = _length(X_out) or 0
        if indices is not None and len(indices) == n_out:
            return base.rows[np.asarray(indices)]
        n_in = len(base.rows)
        # Over-samplers of the SMOTE family keep the original rows first, then append new ones.
        if n_out >= n_in:
            head = X_out.iloc[:n_in] if hasattr(X_out, "iloc") else X_out[:n_in]
            original = X_in.to_numpy() if hasattr(X_in, "to_numpy") else np.asarray(X_in)
            head = head.to_numpy() if hasattr(head, "to_numpy") else np.asarray(head)
            try:
                if np.array_equal(head, original, equal_nan=head.dtype.kind == "f"):
                    return np.concatenate([base.rows, synthetic_rows(n_out - n_in)])
            except TypeError:
                pass
        return synthetic_rows(n_out)

    def _on_score(
        self, original: Callable, obj: Any, X: Any, y: Any, args: tuple, kwargs: dict[str, Any]
    ) -> Any:
        lin_x = self.lineage.resolve(X)
        lin_y = self.lineage.resolve(y)
        event = self._event(
            "metric",
            metric="score",
            via="score_method",
            estimator=type(obj).__name__,
            fit_event=self.fit_event_of(obj),
            rows=self._rows(lin_y if lin_y is not None else lin_x),
            n_rows=_length(y),
            inputs=self._inputs(lin_x),
            truth_producer=None if lin_y is None else lin_y.producer,
            threshold_dependent=True,
        )
        value = self._run(_Frame(event["id"], id(obj), "metric"), lambda: original(obj, *args, **kwargs))
        event["value"] = _as_float(value)
        return value

    def _on_scorer(
        self,
        original: Callable,
        scorer: Any,
        method_caller: Any,
        estimator: Any,
        X: Any,
        y_true: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        lin_x = self.lineage.resolve(X)
        lin_y = self.lineage.resolve(y_true)
        metric = getattr(getattr(scorer, "_score_func", None), "__name__", "custom_scorer")
        curve = type(scorer).__name__ == "_CurveScorer"
        event = self._event(
            "metric",
            metric=metric,
            via="scorer",
            estimator=type(estimator).__name__,
            fit_event=self.fit_event_of(estimator),
            rows=self._rows(lin_y if lin_y is not None else lin_x),
            n_rows=_length(y_true),
            inputs=self._inputs(lin_x),
            curve=curve,
            truth_producer=None if lin_y is None else lin_y.producer,
            threshold_dependent=metric in THRESHOLD_METRICS,
        )
        value = self._run(
            _Frame(event["id"], id(scorer), "metric"),
            lambda: original(scorer, method_caller, estimator, X, y_true, **kwargs),
        )
        event["value"] = _as_float(value)
        return value

    def _on_metric(self, name: str, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
        if self._inside_metric():
            return original(*args, **kwargs)
        y_true = _first(args, kwargs, 0, "y_true", "labels_true")
        y_pred = _first(args, kwargs, 1, "y_pred", "y_score", "y_prob", "probas_pred")
        lin_t = self.lineage.resolve(y_true)
        lin_p = self.lineage.resolve(y_pred)
        fields: dict[str, Any] = {}
        if name in THRESHOLD_METRICS and y_pred is not None:
            fields["pred_digest"] = _digest(y_pred)
        event = self._event(
            "metric",
            metric=name,
            via="function",
            rows=self._rows(lin_t if lin_t is not None else lin_p),
            n_rows=_length(y_true),
            pred_producer=None if lin_p is None else lin_p.producer,
            inputs=self._inputs(lin_p),
            truth_producer=None if lin_t is None else lin_t.producer,
            threshold_dependent=name in THRESHOLD_METRICS,
            curve=name in CURVE_METRICS,
            **fields,
        )
        value = self._run(_Frame(event["id"], 0, "metric"), lambda: original(*args, **kwargs))
        event["value"] = _as_float(value)
        if name in CURVE_METRICS and isinstance(value, tuple):
            event["thresholds"] = self.recorder.array(np.asarray(value[-1], dtype=np.float64))
        return value

    def _on_cross_validation(self, name: str, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
        if any(frame.kind in ("cv", "metric") for frame in self._stack):
            return original(*args, **kwargs)
        estimator = _first(args, kwargs, 0, "estimator")
        X = _first(args, kwargs, 1, "X")
        y = _first(args, kwargs, 2, "y")
        lin_x = self.lineage.resolve(X)
        lin_y = self.lineage.resolve(y)
        event = self._event(
            "cv",
            function=name,
            estimator=type(estimator).__name__,
            rows=self._rows(lin_x if lin_x is not None else lin_y),
            n_rows=_length(X),
            inputs=self._inputs(lin_x, lin_y),
        )
        result = self._run(_Frame(event["id"], 0, "cv"), lambda: original(*args, **kwargs))
        if name == "cross_val_predict" and lin_x is not None:
            self.lineage.add_prediction(result, Lineage(lin_x.rows, event["id"]))
        elif name == "cross_val_score":
            event["values"] = [_as_float(v) for v in np.ravel(result)]
        elif name == "cross_validate" and isinstance(result, dict):
            event["values"] = {
                k: [_as_float(v) for v in np.ravel(vals)]
                for k, vals in result.items()
                if k.startswith("test_")
            }
        return result

    def _on_train_test_split(self, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
        if self._inside_metric():
            return original(*args, **kwargs)
        lineages = [self.lineage.resolve(a) for a in args]
        event = self._event(
            "split",
            splitter="train_test_split",
            stratified=kwargs.get("stratify") is not None,
            shuffle=bool(kwargs.get("shuffle", True)),
            groups=False,
            n_rows=_length(args[0]) if args else None,
            inputs=self._inputs(*lineages),
            folds=[],
        )
        result = self._run(_Frame(event["id"], 0, "split"), lambda: original(*args, **kwargs))
        if len(result) >= 2:
            train, test = (self.lineage.lookup(part) for part in result[:2])
            if train is not None and test is not None:
                event.append_to("folds", [self._rows(train), self._rows(test)])
        return result

    def _on_safe_indexing(self, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
        result = original(*args, **kwargs)
        X = _first(args, kwargs, 0, "X")
        indices = _first(args, kwargs, 1, "indices")
        axis = _first(args, kwargs, 2, "axis") or 0
        lineage = self.lineage.resolve(X)
        if lineage is None or indices is None:
            return result
        if axis == 1:
            self.lineage.register(result, lineage)
            return result
        top = self._top()
        selected = lineage.take(indices)
        if top is not None and top.kind == "split":
            selected = Lineage(selected.rows, top.event)
        self.lineage.register(result, selected)
        return result

    def _on_split(self, original: Callable, splitter: Any, args: tuple, kwargs: dict[str, Any]) -> Iterator:
        X = _first(args, kwargs, 0, "X")
        y = _first(args, kwargs, 1, "y")
        groups = _first(args, kwargs, 2, "groups")
        lin_x = self.lineage.resolve(X)
        lin_y = self.lineage.resolve(y) if y is not None else None
        self._splitting.add(id(splitter))
        try:
            event = self._event(
                "split",
                splitter=type(splitter).__name__,
                stratified=type(splitter).__name__ in _SPLITTER_STRATIFIED,
                shuffle=getattr(splitter, "shuffle", None),
                groups=groups is not None,
                n_rows=_length(X),
                inputs=self._inputs(lin_x, lin_y),
                folds=[],
            )
            base = lin_x if lin_x is not None else lin_y
            for train, test in original(splitter, *args, **kwargs):
                if base is not None and len(event["folds"]) < 1000:
                    event.append_to("folds", [self._rows(base.take(train)), self._rows(base.take(test))])
                    for obj, lineage in ((X, lin_x), (y, lin_y)):
                        if lineage is not None and isinstance(obj, np.ndarray):
                            fold_lineage = Lineage(lineage.rows, event["id"])
                            self.lineage.add_selection(obj, fold_lineage, train)
                            self.lineage.add_selection(obj, fold_lineage, test)
                yield train, test
        finally:
            self._splitting.discard(id(splitter))

    def _on_read_csv(self, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
        frame = original(*args, **kwargs)
        source = _first(args, kwargs, 0, "filepath_or_buffer")
        if isinstance(source, str | os.PathLike) and isinstance(frame, pd.DataFrame):
            name = os.path.basename(os.fspath(source))
            source_no = self.dataset_files.get(name)
            if source_no is not None:
                event = self._event("load", file=name, source=source_no, n_rows=len(frame))
                lineage = self.lineage.add_source(name, frame, source_no, event["id"])
                event["rows"] = self._rows(lineage)
        return frame

    def _on_frame_built(self, frame: Any, data: Any) -> None:
        lineage = self.lineage.lookup(data) if data is not None else None
        if lineage is not None and _length(frame) == len(lineage.rows):
            self.lineage.register(frame, lineage)

    def _on_column_set(self, frame: Any, value: Any, key: Any = None, before: Lineage | None = None) -> None:
        frame_lineage = before if before is not None else self.lineage.resolve(frame)
        if frame_lineage is None:
            return
        value_lineage = self.lineage.lookup(value) if value is not None else None
        if (
            value_lineage is None
            or not value_lineage.producers
            or len(frame_lineage.rows) != len(value_lineage.rows)
        ):
            self.lineage.register(frame, frame_lineage)  # its rows, whatever its new values
            return
        columns = [key] if isinstance(key, str) else list(key) if isinstance(key, list | tuple) else None
        self.lineage.register(frame, frame_lineage.with_columns_from(value_lineage, columns))

    def _on_statistic(self, label: str, original: Callable, args: tuple, kwargs: dict[str, Any]) -> Any:
        from pandas.core.groupby import GroupBy

        subject = args[0] if args else kwargs.get("x")
        source = subject.obj if isinstance(subject, GroupBy) else subject  # what a groupby groups
        lineage = self.lineage.resolve(source) if source is not None else None
        if lineage is None or len(lineage.rows) < 2:
            return original(*args, **kwargs)
        func = _first(args, kwargs, 1, "func")
        if label == "groupby.transform" and (
            (isinstance(func, str) and func in ROW_WINDOWS) or (callable(func) and _reads_the_past_only(func))
        ):
            # A row's previous value, its running total: each row reads its neighbours in row order,
            # never a statistic of the rows. Features built so are judged by time order (the future
            # probe), not as a fit.
            result = original(*args, **kwargs)
            if _length(result) == len(lineage.rows):
                self.lineage.register(result, lineage)
            return result
        event = self._event(
            "fit",
            method=label.rsplit(".", 1)[-1],
            estimator=label,
            obj=-1,
            role="statistic",
            rows=self._rows(lineage),
            n_rows=len(lineage.rows),
            inputs=self._inputs(lineage),
        )
        result = self._run(_Frame(event["id"], 0, "fit"), lambda: original(*args, **kwargs))
        if isinstance(result, tuple) and len(result) == 2 and label == "pandas.qcut":  # retbins=True
            self._remember_statistic(result[1], event["id"])
            self.lineage.register(result[0], Lineage(lineage.rows, event["id"]))
            return result
        self._remember_statistic(result, event["id"])
        if _length(result) == len(lineage.rows) and label in ROW_ALIGNED:
            # One value per input row (a group mean broadcast back, a bin per row): it carries the rows.
            self.lineage.register(result, Lineage(lineage.rows, event["id"]))
        return result

    def _remember_statistic(self, result: Any, event_id: int) -> None:
        value = _as_float(result)
        if value is not None:
            self._statistics.append((None, value, event_id))
            return
        with contextlib.suppress(TypeError):
            self._statistics.append((weakref.ref(result), None, event_id))

    def _statistic_of(self, value: Any) -> int | None:
        """The statistic event whose result ``value`` is (by identity, or equal for a number)."""
        number = _as_float(value)
        if number in (0.0, 1.0, -1.0):  # constants anyone fills with; a statistic equal to one is chance
            number = None
        for ref, remembered, event_id in reversed(self._statistics):
            if ref is not None and ref() is value:
                return event_id
            if number is not None and remembered is not None and remembered == number:
                return event_id
        if isinstance(value, dict):
            found = [self._statistic_of(v) for v in value.values()]
            return next((e for e in found if e is not None), None)
        return None

    def _on_statistic_used(
        self, obj: Any, result: Any, args: tuple, kwargs: dict[str, Any], arithmetic: bool = False
    ) -> None:
        """``fillna``, ``clip``, ``map``, ``pd.cut``: the result has the rows of ``obj`` (its values
        changed, so it could not be matched to the file any more), plus the statistics it used."""
        used = [*args, *kwargs.values()]
        events = (
            {e for e in (self._statistic_of(v) for v in used) if e is not None} if self._statistics else set()
        )
        target = obj if result is None else result  # inplace=True returns None and changes obj
        if arithmetic and not events and self._statistic_of(obj) is None:
            return  # ``df["a"] * 2``: no statistic in it, nothing to link (and arithmetic is frequent)
        lineage = self.lineage.resolve(obj)
        if lineage is None:
            # Arithmetic between statistics (``sums / counts``) is a statistic of the same rows.
            own = self._statistic_of(obj) if self._statistics else None
            for event_id in sorted(events | ({own} if own is not None else set())):
                self._remember_statistic(target, event_id)
            return
        combined = lineage
        for event_id in sorted(events):
            combined = combined.with_columns_from(Lineage(lineage.rows, event_id))
        self.lineage.register(target, combined)

    def _on_pandas_conversion(self, name: str, obj: Any, result: Any, kwargs: dict[str, Any]) -> None:
        if self._statistics and result is not None:
            statistic = self._statistic_of(obj)
            if statistic is not None:  # quantiles.to_numpy(): the same statistic
                self._remember_statistic(result, statistic)
                return
        lineage = self.lineage.resolve(obj)
        if lineage is None:
            return
        if kwargs.get("inplace"):
            if len(lineage.rows) == _length(obj):
                self.lineage.register(obj, lineage)
            else:  # rows dropped in place: what was known about it is wrong now
                self.lineage.forget(obj)
        elif result is not None:
            if name == "drop" and isinstance(result, pd.DataFrame):
                lineage = lineage.keep_columns(list(result.columns))
            self.lineage.register(result, lineage)


def _reads_the_past_only(func: Callable) -> bool:
    """Whether a group ``transform`` function gives each row a value from that row and earlier ones only
    (``lambda s: s.shift(1)``, a trailing rolling mean), judged by what it does: the later half of a small
    series is changed, and the earlier half's outputs must stay. A group mean, a rank or a forward window
    moves them, and stays a statistic over every row it read."""
    values = np.arange(1.0, 13.0)
    changed = values.copy()
    changed[6:] *= 7.0
    try:
        before = np.asarray(func(pd.Series(values)), dtype=np.float64)
        after = np.asarray(func(pd.Series(changed)), dtype=np.float64)
    except Exception:  # it needs the real data's columns or types: stay on the safe side
        return False
    if before.shape != (12,) or after.shape != (12,):
        return False
    return bool(np.array_equal(before[:6], after[:6], equal_nan=True))


def _all_subclasses(cls: type) -> list[type]:
    seen: list[type] = []
    pending = list(cls.__subclasses__())
    while pending:
        sub = pending.pop()
        if sub not in seen:
            seen.append(sub)
            pending.extend(sub.__subclasses__())
    return seen


def _is_metric(name: str, value: Any) -> bool:
    return inspect.isfunction(value) and is_metric_name(name)


def _role(obj: Any) -> str:
    from sklearn.feature_selection import SelectorMixin
    from sklearn.model_selection._search import BaseSearchCV

    if hasattr(obj, "steps"):
        return "pipeline"
    if isinstance(obj, BaseSearchCV):
        return "search"
    if hasattr(obj, "fit_resample"):
        return "sampler"
    if isinstance(obj, SelectorMixin):
        return "selector"
    if hasattr(obj, "transform") and not hasattr(obj, "predict"):
        return "transformer"
    return "model"


_CONFIG_CHARS = 400
_MAX_COLUMNS = 500


def _config(obj: Any) -> tuple[str, str]:
    """The estimator as scikit-learn prints it (only parameters changed from their defaults), cut for
    messages, and a digest of all of it: two pipelines that differ past the cut are two models."""
    try:
        text = " ".join(repr(obj).split())
    except Exception:  # a candidate's class may have any __repr__
        text = type(obj).__name__
    return text[:_CONFIG_CHARS], hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _columns(X: Any) -> list[str] | None:
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(columns, "__len__") or len(columns) > _MAX_COLUMNS:
        return None
    try:
        return [str(name)[:100] for name in columns]
    except Exception:
        return None


# pandas reductions that learn from the rows they read (a mean to fill with, a quantile to clip at).
STATISTICS = ("mean", "median", "quantile", "std", "var", "min", "max", "mode")
GROUP_STATISTICS = (
    "transform",
    "mean",
    "median",
    "agg",
    "aggregate",
    "quantile",
    "std",
    "sum",
    "count",
    "max",
    "min",
    "nunique",
)
# Arithmetic that can carry a statistic into a frame: ``(X - X.mean()) / X.std()`` standardises with
# the means and scales of the rows the statistics read, as a scaler fitted on them would.
ARITHMETIC = (
    *(f"__{op}__" for op in ("add", "sub", "mul", "truediv", "floordiv")),
    *(f"__r{op}__" for op in ("add", "sub", "mul", "truediv")),
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "truediv",
)
ROW_ALIGNED = frozenset({"groupby.transform", "pandas.qcut"})

PROBE_ROWS = 64


def _column_probe(X: Any) -> list[str] | None:
    """A digest of each column's first values, so the grader can tell which columns of the training
    file a model was fitted on even when it got a NumPy array (column names gone)."""
    if _length(X) is None or (_length(X) or 0) < PROBE_ROWS:
        return None
    try:
        head = X.iloc[:PROBE_ROWS] if hasattr(X, "iloc") else X[:PROBE_ROWS]
        values = np.asarray(head, dtype=np.float64)
    except (TypeError, ValueError):
        if not hasattr(X, "iloc"):
            return None
        values = None
    if getattr(X, "ndim", 2) != 2:
        return None  # a Series or a 1-D array (a label encoder's y): one column, named or not
    if values is not None:
        if values.ndim != 2 or values.shape[1] > _MAX_COLUMNS:
            return None
        return [column_digest(values[:, j]) for j in range(values.shape[1])]
    if X.shape[1] > _MAX_COLUMNS:
        return None
    out = []
    for j in range(X.shape[1]):
        try:
            out.append(column_digest(np.asarray(head.iloc[:, j], dtype=np.float64)))
        except (TypeError, ValueError):
            out.append("")  # text: its name says what it is (see "columns")
    return out


def column_digest(values: np.ndarray) -> str:
    rounded = np.round(np.asarray(values, dtype=np.float64), 6)
    rounded[np.isnan(rounded)] = np.inf  # NaN bytes vary; the grader hashes missing values the same way
    return hashlib.blake2b((rounded + 0.0).tobytes(), digest_size=6).hexdigest()


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        value = float(value)
        return value if np.isfinite(value) else None
    return None


def _digest(values: Any) -> str | None:
    try:
        array = np.ascontiguousarray(np.asarray(values))
    except (TypeError, ValueError):
        return None
    if array.dtype == object:
        return None
    return hashlib.blake2b(array.tobytes(), digest_size=8).hexdigest()
