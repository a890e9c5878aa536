"""The kernel-side tracer: one record of what the candidate's code fitted, split, scored and computed.

The ``Tracer`` itself knows no library. It owns the record (events, row lineage, the stack of traced
calls in progress), the patches and their tamper check, and the services hooks record through. What is
wrapped, and which event each wrapped call records, lives in one small module per library under
``heldout.trace.libraries``, each a ``HookSet`` (see heldout.trace.hookset):

- ``sklearn_estimators``: ``fit``, ``transform``, ``predict*``, ``score`` ... of every scikit-learn and
  imbalanced-learn estimator class, including classes defined later, so calls made by Pipelines and
  searches are seen too; joblib is set to run sequentially (workers would run outside the tracer);
- ``sklearn_selection``: splitters' ``split``, ``train_test_split``, cross-validation functions and
  ``_safe_indexing`` (which carries row identity into every fold);
- ``sklearn_metrics``: metric functions under every name a module binds them to, and the scorers;
- ``pandas_rows``: ``read_csv`` of the dataset's files (row identity starts there) and the conversions
  and constructors that keep a frame's rows;
- ``pandas_statistics``: statistics computed with pandas over rows, and where their results are used.

A call made while another traced call of the same object (or any metric) is running is internal and
passes straight through; a call made by another object is recorded with that call as its parent.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import os
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from heldout.trace.channel import NullChannel
from heldout.trace.import_watch import ImportWatch
from heldout.trace.lineage import Lineage, LineageRegistry, synthetic_rows
from heldout.trace.patching import Patch, guarded, hide_original, length
from heldout.trace.record import Recorder
from heldout.trace.sites import SiteFinder
from heldout.trace.statistic_memory import StatisticMemory

if TYPE_CHECKING:
    from heldout.trace.hookset import HookSet

__all__ = ["Frame", "Tracer", "active_tracer", "as_float"]

_ACTIVE: Tracer | None = None
_MAX_HOOK_ERRORS = 20  # recorded in the trace; beyond these, only counted


def active_tracer() -> Tracer | None:
    return _ACTIVE


@dataclass(frozen=True)
class Frame:
    """A traced call in progress: its event, the object it runs on (its id) and its kind."""

    event: int
    obj: int
    kind: str


class Tracer:
    """Records one notebook run. ``install()`` patches, ``verify()`` says whether patches survived."""

    def __init__(
        self,
        dataset_files: Mapping[str, int],
        sites: SiteFinder | None = None,
        channel: Any = None,
        hook_sets: Sequence[HookSet] | None = None,
    ) -> None:
        self._hook_sets = None if hook_sets is None else list(hook_sets)  # None: every registered set
        self.dataset_files = dict(dataset_files)  # file name -> source number
        self.sites = sites or SiteFinder()
        self.channel = channel if channel is not None else NullChannel()
        self.recorder = Recorder(self.channel)
        self.lineage = LineageRegistry()
        self.lineage.is_user_frame = self.called_from_user
        self._enabled = False
        self.stack: list[Frame] = []
        self._hook_errors = 0
        self._fitted: dict[int, tuple[weakref.ref, int]] = {}
        self.statistics = StatisticMemory()  # results of recent statistics, to link where they are used
        self._object_keys: dict[int, tuple[weakref.ref, int]] = {}
        self.splitting: set[int] = set()  # splitters whose split() is running
        # Values of the candidate's own predictions still to record, so that a metric computed by hand
        # (np.mean(np.abs(...))) can be recomputed by the grader and matched with the report.
        self.prediction_values_left = 2_000_000
        self._patches: list[Patch] = []
        self._installed_count = 0
        self._uninstalled = False
        self._waiting: dict[str, list[HookSet]] = {}  # module name -> sets installed when it is imported
        self._watch: ImportWatch | None = None
        self._rebind: dict[Callable, Callable] | None = None  # patch_everywhere's, while installing
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
        from heldout.trace.hookset import hook_sets

        with self._rebinding():
            for hooks in self._hook_sets if self._hook_sets is not None else hook_sets():
                if hooks.eager:
                    importlib.import_module(hooks.after)
                    hooks.install(self)
                elif hooks.after in sys.modules:
                    self._install_late(hooks)
                else:
                    self._waiting.setdefault(hooks.after, []).append(hooks)
        self._installed_count = len(self._patches)
        if self._waiting:
            self._watch = ImportWatch(set(self._waiting), self._on_import)
            self._watch.start()
        self.enabled = True
        _ACTIVE = self
        return self

    def _on_import(self, name: str) -> None:
        """A module that hook sets wait for was imported: install them before the importer sees it."""
        if self._uninstalled:
            return
        if self._watch is not None:
            self._watch.pending.discard(name)
        before = len(self._patches)
        with self._rebinding():
            for hooks in self._waiting.pop(name, []):
                self._install_late(hooks)
        self._installed_count += len(self._patches) - before

    def _install_late(self, hooks: HookSet) -> None:
        # An optional library's hooks failing must not take the candidate's import (or the rest of
        # the trace) down with them: heldout's failure, said as such.
        try:
            hooks.install(self)
        except Exception as error:
            self.hook_failed(hooks.install, error)

    def _catch_up(self) -> None:
        """Hook sets whose module was imported without the watch seeing it (a loader it could not
        follow, the watch removed): installed now, late rather than never."""
        for name in [name for name in self._waiting if name in sys.modules]:
            self._on_import(name)

    def uninstall(self) -> None:
        global _ACTIVE
        self.channel.send("uninstall")
        self._uninstalled = True
        for patch in reversed(self._patches):
            patch.undo()
        self._patches.clear()
        if self._watch is not None:
            self._watch.stop()
        self.enabled = False
        if _ACTIVE is self:
            _ACTIVE = None

    def verify(self) -> list[str]:
        """Patches that were removed or replaced since install (evidence of tampering)."""
        watch_gone = self._watch is not None and not self._uninstalled and not self._watch.in_place()
        if not self._uninstalled:
            self._catch_up()
        problems = [
            f"{getattr(p.owner, '__name__', p.owner)}.{p.name}" for p in self._patches if not p.in_place()
        ]
        if _ACTIVE is not self:
            problems.append("the active tracer was replaced")
        if self._uninstalled:
            problems.append("the tracer was uninstalled")
        if len(self._patches) < self._installed_count:  # classes defined later add hooks, never remove
            problems.append(f"{self._installed_count - len(self._patches)} hooks were dropped")
        if watch_gone:
            problems.append("the import hook was removed")
        return problems

    # == patching (for hook sets) =======================================================================
    @property
    def installed(self) -> bool:
        """Whether this tracer's hooks are in place (not yet uninstalled)."""
        return bool(self._patches)

    def patch(self, owner: Any, name: str, wrapper: Callable, descriptor: bool = False) -> None:
        """Replace ``owner.name`` by ``wrapper`` until ``uninstall``; ``verify`` checks it stays.
        ``descriptor``: the attribute is scikit-learn's ``available_if`` descriptor, whose ``fn`` is
        replaced."""
        inherited = name not in owner.__dict__
        if descriptor:
            original = owner.__dict__[name].fn
        else:
            original = inspect.getattr_static(owner, name) if inherited else owner.__dict__[name]
        patch = Patch(owner, name, original, wrapper, descriptor, inherited)
        patch.apply()
        self._patches.append(patch)

    def add_patch(self, patch: Patch) -> None:
        """A patch the hook set applied itself (one whose undoing is not a plain setattr)."""
        self._patches.append(patch)

    def patch_everywhere(self, replacements: Mapping[Callable, Callable]) -> None:
        """Rebind every module-level name that refers to a wrapped function (``from x import f``). While
        hook sets are being installed, once for all of them at the end: each pass reads every module."""
        if self._rebind is not None:
            self._rebind.update(replacements)
        else:
            self._rebind_now(replacements)

    @contextlib.contextmanager
    def _rebinding(self) -> Iterator[None]:
        outer = self._rebind is None
        if outer:
            self._rebind = {}
        try:
            yield
        finally:
            if outer:
                pending, self._rebind = self._rebind, None
                if pending:
                    self._rebind_now(pending)

    def _rebind_now(self, replacements: Mapping[Callable, Callable]) -> None:
        for module_name, module in list(sys.modules.items()):
            # Every module, not only the library's: a helper module (or a test) may have done
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
                    self.patch(module, name, wrapper)
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

    def function_wrapper(self, original: Callable, handler: Callable) -> Callable:
        """A wrapper of ``original`` that, while tracing, calls ``handler(tracer, call, args, kwargs)``
        with the active tracer (``call`` stands for ``original``), under the guard that keeps heldout's
        failures heldout's."""

        @functools.wraps(original)
        def traced(*args: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            if tracer is None or not tracer.enabled:
                return original(*args, **kwargs)
            return guarded(
                tracer, original, lambda call, *a, **k: handler(tracer, call, a, k), *args, **kwargs
            )

        return hide_original(traced, original)

    def method_wrapper(self, original: Callable, handler: Callable) -> Callable:
        """The same for a method: ``handler(tracer, call, obj, args, kwargs)``."""

        @functools.wraps(original)
        def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
            tracer = _ACTIVE
            if tracer is None or not tracer.enabled:
                return original(obj, *args, **kwargs)
            return guarded(
                tracer,
                original,
                lambda call, *a, **k: handler(tracer, call, a[0], a[1:], k),
                obj,
                *args,
                **kwargs,
            )

        return hide_original(traced, original)

    # == services for the hooks' handlers ===============================================================
    def hook_failed(self, original: Callable, error: Exception) -> None:
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

    def top(self) -> Frame | None:
        return self.stack[-1] if self.stack else None

    def inside_metric(self) -> bool:
        return any(frame.kind == "metric" for frame in self.stack)

    def called_from_user(self, frame: Any) -> bool:
        """Whether ``frame`` runs the candidate's code (a cell, their own module), not a library's."""
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

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Record an event, placed at the candidate's line that led to it, inside the traced call in
        progress (its parent). Call it from the handler itself: the site search starts at its caller."""
        top = self.top()
        cell, line = self.sites.find(sys._getframe(2))
        return self.recorder.add(
            kind, parent=None if top is None else top.event, cell=cell, line=line, **fields
        )

    def rows(self, lineage: Lineage | None) -> str | None:
        return None if lineage is None else self.recorder.rowset(lineage.rows)

    def inputs(self, *lineages: Lineage | None) -> list[int]:
        return sorted({event for lin in lineages if lin is not None for event in lin.producers})

    def object_key(self, obj: Any) -> int:
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

    def remember_fit(self, obj: Any, event_id: int) -> None:
        with contextlib.suppress(TypeError):
            self._fitted[id(obj)] = (weakref.ref(obj), event_id)

    def run(self, frame: Frame, call: Callable[[], Any]) -> Any:
        """``call()`` with ``frame`` on the stack: what it calls is inside that traced call."""
        self.stack.append(frame)
        if len(self.stack) == 1:
            self.lineage.begin_call()
        try:
            return call()
        finally:
            self.stack.pop()
            if not self.stack:
                self.lineage.end_call()

    def remember_statistic(self, result: Any, event_id: int) -> None:
        """``result`` is (or holds) what the statistic event computed: where it is used is linked."""
        value = as_float(result)
        if value is not None:
            self.statistics.add_number(value, event_id)
            return
        with contextlib.suppress(TypeError):
            self.statistics.add_object(result, event_id)

    def statistic_of(self, value: Any) -> int | None:
        """The statistic event whose result ``value`` is (by identity, or equal for a number)."""
        number = as_float(value)
        if number in (0.0, 1.0, -1.0):  # constants anyone fills with; a statistic equal to one is chance
            number = None
        found = self.statistics.find_object(value) if number is None else self.statistics.find_number(number)
        if found is not None:
            return found
        if isinstance(value, dict):
            events = [self.statistic_of(v) for v in value.values()]
            return next((e for e in events if e is not None), None)
        return None

    def _resampled_rows(self, sampler: Any, X_in: Any, X_out: Any, base: Lineage | None) -> np.ndarray | None:
        """The rows a resampler's output holds: the input's rows it kept, synthetic ones for the rest.
        A tracer method rather than the estimators' hooks' own, so a test can make it fail."""
        if base is None:
            return None
        indices = getattr(sampler, "sample_indices_", None)
        n_out = length(X_out) or 0
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


def as_float(value: Any) -> float | None:
    """A finite number as a float; None for anything else (booleans included)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        value = float(value)
        return value if np.isfinite(value) else None
    return None


def all_subclasses(cls: type) -> Iterable[type]:
    seen: list[type] = []
    pending = list(cls.__subclasses__())
    while pending:
        sub = pending.pop()
        if sub not in seen:
            seen.append(sub)
            pending.extend(sub.__subclasses__())
    return seen
