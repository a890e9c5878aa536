"""``heldout watch NOTEBOOK``: live feedback for editors other than Jupyter.

Polls the file's modification time (no file-watching dependency) and, on every save, lints it again with
``heldout.lint`` and prints what changed since the previous save: ``+`` for a finding that appeared,
``-`` for one that went away. The first pass prints every finding. ``--once`` runs a single pass; Ctrl-C
ends the watch with exit code 0.

Findings are matched across saves by kind, severity and message with its cell and line numbers left
out: typing above a mistake moves it without making it new. A save that cannot be linted (a
half-written file) is reported, and the previous findings are kept for the next comparison.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from heldout.result import EXIT_CODES

__all__ = ["Watcher", "describe", "watch_command"]

Key = tuple[str, str, str, int]  # kind, severity, message without places, occurrence
_PLACE = re.compile(r"\bcell \d+(, line \d+)?|\bline \d+")


def describe(finding: Any) -> str:
    """One line: severity, where, kind and message."""
    cell, line = finding.cell, finding.line
    where = "" if line is None else f"line {line}"
    if cell is not None:
        where = f"cell {cell}, {where}" if where else f"cell {cell}"
    where = f" ({where})" if where else ""
    return f"{finding.severity} {finding.kind}{where}: {finding.message}"


class Watcher:
    """Remembers the last save's findings and prints the difference on the next one."""

    def __init__(self, path: Path, lint: Callable[[Path], Iterable[Any]], stream: TextIO) -> None:
        self.path = Path(path)
        self.lint = lint
        self.stream = stream
        self.stamp: tuple[int, int] | None = None
        self.previous: dict[Key, Any] | None = None

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:  # an editor replacing the file: it will be back
            return None
        return stat.st_mtime_ns, stat.st_size

    def poll(self) -> bool:
        """Lint again if the file changed since the last pass; True if it did."""
        stamp = self._stamp()
        if stamp is None or stamp == self.stamp:
            return False
        self.check()
        return True

    def check(self) -> None:
        self.stamp = self._stamp()
        now = time.strftime("%H:%M:%S")
        try:
            findings = list(self.lint(self.path))
        except Exception as error:  # the linter on a half-saved file; the next save retries
            self._say(f"{now} {self.path.name}: could not lint ({type(error).__name__}: {error})")
            return
        current = _keyed(findings)
        if self.previous is None:
            count = f"{len(findings)} finding{'' if len(findings) == 1 else 's'}"
            self._say(f"{now} {self.path.name}: {count}")
            for finding in findings:
                self._say(f"  {describe(finding)}")
        else:
            added = [f for key, f in current.items() if key not in self.previous]
            gone = [f for key, f in self.previous.items() if key not in current]
            if not added and not gone:
                self._say(f"{now} {self.path.name} saved: no change ({len(findings)} findings)")
            else:
                self._say(f"{now} {self.path.name} saved: {len(added)} new, {len(gone)} gone")
                for finding in added:
                    self._say(f"  + {describe(finding)}")
                for finding in gone:
                    self._say(f"  - {describe(finding)}")
        self.previous = current

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def _keyed(findings: list[Any]) -> dict[Key, Any]:
    keyed: dict[Key, Any] = {}
    for finding in findings:
        base = (str(finding.kind), str(finding.severity), _PLACE.sub("", str(finding.message)))
        occurrence = sum(1 for key in keyed if key[:3] == base)
        keyed[(*base, occurrence)] = finding
    return keyed


def watch_command(path: Path, once: bool, interval: float, stream: TextIO) -> int:
    path = Path(path)
    if not path.is_file():
        print(f"heldout: {path} is not a file", file=stream)
        return EXIT_CODES["usage"]
    try:
        from heldout.lint import lint_path
    except ImportError as error:
        print(f"heldout watch: the linter is not available ({error})", file=stream)
        return EXIT_CODES["harness"]
    watcher = Watcher(path, lint_path, stream)
    try:
        watcher.check()
        if once:
            return 0
        print(f"watching {path} (every {interval:g} s); Ctrl-C to stop", file=stream, flush=True)
        while True:
            time.sleep(interval)
            watcher.poll()
    except KeyboardInterrupt:
        print("heldout watch: stopped", file=stream, flush=True)
        return 0
