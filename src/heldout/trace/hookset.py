"""The one interface every library's hooks implement: what to wrap, once its library is imported.

A library's hooks are a module under ``heldout.trace.libraries`` that defines ``HOOKS``, a ``HookSet`` (or
a tuple of them):
its name, the module whose import makes the hooks installable (``after``), and ``install(tracer)``, which
patches what it wraps through the tracer (``tracer.patch``, ``tracer.patch_everywhere``) and records
events from its handlers (``tracer.event``, ``tracer.run``, ``tracer.rows`` ...). The tracer installs the
set at once when ``after`` is imported already, and otherwise when it first is, so adding a library is
one new module listed in ``HOOK_MODULES``, never an edit of the tracer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heldout.trace.hooks import Tracer

__all__ = ["HOOK_MODULES", "HookSet", "hook_sets"]


@dataclass(frozen=True)
class HookSet:
    name: str  # says what is hooked, in tracer error messages
    after: str  # the module that must have been imported before ``install`` runs
    install: Callable[[Tracer], None]
    # Installed with the tracer, importing ``after`` if needed (the libraries every scenario uses);
    # otherwise only when the candidate's code imports ``after``, never at heldout's initiative.
    eager: bool = True


# In installation order: later sets may rely on what earlier ones wrapped.
HOOK_MODULES = (
    "heldout.trace.libraries.sklearn_estimators",
    "heldout.trace.libraries.sklearn_selection",
    "heldout.trace.libraries.sklearn_metrics",
    "heldout.trace.libraries.pandas_rows",
    "heldout.trace.libraries.pandas_statistics",
    "heldout.trace.libraries.scipy_stats",
    "heldout.trace.libraries.statsmodels_tests",
    "heldout.trace.libraries.statsmodels_models",
    "heldout.trace.ir_hooks",
)


def hook_sets(modules: tuple[str, ...] = HOOK_MODULES) -> list[HookSet]:
    """Every set the modules define (``HOOKS`` is one set, or a tuple of them), in order."""
    sets: list[HookSet] = []
    for name in modules:
        hooks = importlib.import_module(name).HOOKS
        sets.extend(hooks if isinstance(hooks, tuple) else (hooks,))
    return sets
