"""Byte-identical zip archives: sorted entries, one fixed timestamp, fixed permissions."""

from __future__ import annotations

import zipfile
from pathlib import Path

__all__ = ["write_zip"]

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_zip(out: Path, files: dict[str, bytes], executable: frozenset[str] = frozenset()) -> Path:
    """Write ``files`` (archive name -> bytes) to ``out``; names in ``executable`` get mode 755."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = (0o100755 if name in executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that unzip honours the modes above
            archive.writestr(info, files[name])
    tmp.replace(out)
    return out
