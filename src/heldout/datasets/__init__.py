"""Deterministic dataset generators, and the files they wrote with their checksums.

Each generator module exposes ``generate(seed, label_secret) -> GeneratedDataset`` and ``DEFAULT_SEED``.
The seed draws the world: every file a candidate gets. The hidden holdout labels are drawn from the
label secret's own stream, so that the public generator and the public seed cannot recompute them. The
files for the default seed live in ``datasets/<name>/`` (hidden ones under ``hidden/``) next to a
``SHA256SUMS`` file; ``heldout datasets build`` rewrites them with a fresh label secret that is kept
nowhere, and ``heldout datasets check`` proves that the files the seed determines are what the
generator makes, and that the secret ones (the hidden labels) match their checksums: nothing can
regenerate those.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from types import ModuleType

from heldout.datasets import (
    card_fraud,
    checkout_experiment,
    delivery_times,
    loan_applications,
    payments,
    pydoc_passages,
    reactor_yield,
    readmissions,
    subscriptions,
)
from heldout.datasets._generated import GeneratedDataset
from heldout.errors import DatasetError

__all__ = ["GENERATORS", "GeneratedDataset", "build", "check", "checksums", "verify"]

GENERATORS: dict[str, ModuleType] = {
    "card_fraud": card_fraud,
    "checkout_experiment": checkout_experiment,
    "delivery_times": delivery_times,
    "loan_applications": loan_applications,
    "payments": payments,
    "pydoc_passages": pydoc_passages,
    "reactor_yield": reactor_yield,
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


def build(
    name: str,
    out_dir: Path,
    seed: int | None = None,
    label_secret: int | None = None,
    *,
    legacy_labels: bool = False,
) -> list[Path]:
    """Generate ``name`` with ``seed`` (default: the generator's) and its hidden labels from
    ``label_secret`` (default: the seed's own label stream, right for a secret seed only) into
    ``out_dir``; write checksums."""
    module = generator(name)
    dataset: GeneratedDataset = module.generate(
        module.DEFAULT_SEED if seed is None else seed, label_secret, legacy_labels=legacy_labels
    )
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


def check(name: str, folder: Path) -> tuple[str, ...]:
    """Raise DatasetError unless ``folder`` holds dataset ``name`` as shipped: every file matches
    SHA256SUMS, the listing names exactly the generator's files, and every file the default seed
    determines is what the generator makes today. Returns the files drawn from the label secret: those
    are proven by their checksums alone, since the secret is not in the repository and nothing can
    regenerate them."""
    verify(folder)
    module = generator(name)
    listed = {}
    for line in (folder / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines():
        digest, _, relative = line.partition("  ")
        listed[relative] = digest
    # Any secret will do: the files it draws are not compared.
    dataset: GeneratedDataset = module.generate(module.DEFAULT_SEED, 0)
    with tempfile.TemporaryDirectory() as scratch:
        fresh = checksums(Path(scratch), dataset.write(Path(scratch)))
    if sorted(fresh) != sorted(listed):
        raise DatasetError(
            f"{folder / CHECKSUM_FILE} lists {sorted(listed)}, the generator makes {sorted(fresh)}: "
            "run `heldout datasets build`"
        )
    for relative, digest in fresh.items():
        if relative not in (*dataset.secret_files, *dataset.shipped_files) and listed[relative] != digest:
            raise DatasetError(
                f"{folder / relative} is not what the generator makes today: run `heldout datasets build`"
            )
    return dataset.secret_files
