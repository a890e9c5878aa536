"""Deterministic dataset generators, and the files they wrote with their checksums.

Each generator module exposes ``generate(seed) -> GeneratedDataset`` and ``DEFAULT_SEED``. The files
for the default seed live in ``datasets/<name>/`` (hidden ones under ``hidden/``) next to a
``SHA256SUMS`` file; ``heldout datasets build`` rewrites them and ``--check`` proves they are what the
generator makes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

from heldout.datasets import card_fraud, delivery_times, payments, readmissions, subscriptions
from heldout.datasets._generated import GeneratedDataset
from heldout.errors import DatasetError

__all__ = ["GENERATORS", "GeneratedDataset", "build", "checksums", "verify"]

GENERATORS: dict[str, ModuleType] = {
    "card_fraud": card_fraud,
    "delivery_times": delivery_times,
    "payments": payments,
    "readmissions": readmissions,
    "subscriptions": subscriptions,
}
CHECKSUM_FILE = "SHA256SUMS"


def generator(name: str) -> ModuleType:
    try:
        return GENERATORS[name]
    except KeyError:
        known = ", ".join(sorted(GENERATORS))
        raise DatasetError(f"unknown dataset '{name}' (known: {known})") from None


def build(name: str, out_dir: Path, seed: int | None = None) -> list[Path]:
    """Generate ``name`` with ``seed`` (default: the generator's) into ``out_dir``; write checksums."""
    module = generator(name)
    dataset: GeneratedDataset = module.generate(module.DEFAULT_SEED if seed is None else seed)
    written = dataset.write(Path(out_dir))
    lines = [f"{digest}  {path}\n" for path, digest in checksums(Path(out_dir), written).items()]
    (Path(out_dir) / CHECKSUM_FILE).write_text("".join(lines), encoding="utf-8")
    return written


def checksums(root: Path, files: list[Path]) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(files)
    }


def verify(folder: Path) -> None:
    """Raise DatasetError unless every file listed in SHA256SUMS is present and unchanged."""
    listing = folder / CHECKSUM_FILE
    if not listing.is_file():
        raise DatasetError(f"{listing} is missing: run `heldout datasets build`")
    for line in listing.read_text(encoding="utf-8").splitlines():
        digest, _, relative = line.partition("  ")
        path = folder / relative
        if not path.is_file():
            raise DatasetError(f"{path} is missing: run `heldout datasets build`")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise DatasetError(f"{path} differs from its checksum: run `heldout datasets build`")
