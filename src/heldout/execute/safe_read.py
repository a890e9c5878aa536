"""Reading files that untrusted code could have replaced: never through a link, never unbounded.

A submission that turns its output file into a symlink to the hidden labels must read as an error, not as
the labels (a trap found by attacking an earlier sandbox).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["read_capped"]


def read_capped(path: Path, max_bytes: int, trusted_root: Path) -> bytes:
    """Read ``path`` (below ``trusted_root``) following no link below the root; fail past ``max_bytes``."""
    fd = _open_below(Path(trusted_root), Path(path))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{Path(path).name} is not a regular file")
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise ValueError(f"{Path(path).name} is larger than {max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _open_below(root: Path, path: Path) -> int:
    """The root is ours (a folder we made), so it may sit behind a link; nothing below it may."""
    relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts
    if not relative:
        raise ValueError(f"{path} names the folder itself")
    fd = os.open(os.path.realpath(root), os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in relative[:-1]:
            next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        return os.open(relative[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    finally:
        os.close(fd)
