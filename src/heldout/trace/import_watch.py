"""Runs a callback right after a watched module has been imported, before the importer sees it.

A finder at the front of ``sys.meta_path`` lets the other finders locate a watched module, then has its
loader call back once the module's code has run: ``from scipy.stats import ttest_ind`` then binds the
name after the callback patched ``scipy.stats``. The finder answers only for the watched names, so every
other import costs one set lookup.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

__all__ = ["ImportWatch"]


class ImportWatch:
    """``on_import(name)`` after each watched module's first import. ``start``/``stop`` put the finder
    in ``sys.meta_path`` and take it out; ``in_place`` says whether it is still there."""

    def __init__(self, names: set[str], on_import: Callable[[str], None]) -> None:
        self.pending = set(names)
        self._on_import = on_import
        self._finding: set[str] = set()

    def start(self) -> None:
        if self.pending and self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def stop(self) -> None:
        while self in sys.meta_path:
            sys.meta_path.remove(self)

    def in_place(self) -> bool:
        return not self.pending or self in sys.meta_path

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.pending or fullname in self._finding:
            return None
        self._finding.add(fullname)
        try:
            spec = _find_elsewhere(self, fullname, path, target)
        finally:
            self._finding.discard(fullname)
        loader = getattr(spec, "loader", None) if spec is not None else None
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec
        watch = self

        def exec_and_report(module: ModuleType) -> None:
            # The loader is this module's own instance: its class is not changed, only this call.
            del loader.exec_module
            exec_module(module)
            watch.pending.discard(fullname)
            if not watch.pending:
                watch.stop()
            watch._on_import(fullname)

        try:
            loader.exec_module = exec_and_report
        except (AttributeError, TypeError):  # a loader that takes no attributes: import unwatched
            return spec
        return spec

    def invalidate_caches(self) -> None:
        return None


def _find_elsewhere(watch: ImportWatch, fullname: str, path: Any, target: Any) -> ModuleSpec | None:
    for finder in list(sys.meta_path):
        if finder is watch:
            continue
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        spec = find(fullname, path, target)
        if spec is not None:
            return spec
    return None
