"""Take-home bundles: what one candidate receives, and the key the grader keeps to grade it.

Every candidate gets the same task on a dataset variant of their own (another, secret seed of the same
generator: same size, prevalence and difficulty), so answers cannot be copied between candidates, and
the public generator cannot be used to rebuild anybody's hidden labels. The seed is a 128-bit secret
(too many to search) and drives both the candidate's files and, on a stream of its own, the hidden
labels, so the grader regenerates both from the key alone. The
bundle holds the prompt, the starter notebook and the candidate's data files, never hidden labels,
solutions, graders or anybody else's data. The starter's metadata carries an opaque bundle id; the
grader's key store maps it back to (scenario, version, seed, candidate, scheme).

Keys written before 128-bit secrets (scheme 1: a 31-bit seed, hidden labels drawn on the seed's world
stream) are read as they were and graded on the labels their bundles were made with.

Bundles are byte-identical for the same candidate and seed: folders are written in sorted order and
zip entries carry a fixed timestamp and mode.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from heldout import datasets
from heldout.errors import HeldoutError
from heldout.manifest import Manifest

__all__ = [
    "LEGACY_SCHEME",
    "SCHEME",
    "BundleKey",
    "GradeLedger",
    "KeyStore",
    "candidate_seed",
    "dataset_for_seed",
    "write_bundle",
]

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# How a key's seed makes the hidden labels: 1 on the world's stream (31-bit seeds, keys written before
# this field existed), 2 on the seed's own label stream.
LEGACY_SCHEME, SCHEME = 1, 2
SECRET_BITS = 128


@dataclass(frozen=True)
class BundleKey:
    bundle_id: str
    scenario: str
    version: str
    seed: int
    candidate: str
    scheme: int = LEGACY_SCHEME  # absent from old keys, which are all of the legacy scheme


def candidate_seed() -> int:
    """A fresh 128-bit secret seed. Never derived from the candidate, and too many to search: the
    generator is public code, so a seed a candidate could guess or enumerate would let them regenerate
    their own hidden labels. The top bit is set so that every seed has the same length."""
    return (1 << SECRET_BITS) | secrets.randbits(SECRET_BITS)


def _bundle_id(scenario: str, version: str, seed: int, candidate: str) -> str:
    return hashlib.blake2b(f"{scenario}\0{version}\0{seed}\0{candidate}".encode(), digest_size=8).hexdigest()


class KeyStore:
    """A JSON file of bundle keys, kept by the hiring team and never shipped."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, BundleKey]:
        if not self.path.is_file():
            return {}
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        # Keys without a scheme predate it: BundleKey's default reads them as the legacy scheme.
        return {k: BundleKey(**v) for k, v in raw.items()}

    def add(self, key: BundleKey) -> None:
        keys = self.load()
        keys[key.bundle_id] = key
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps({k: asdict(v) for k, v in sorted(keys.items())}, indent=1) + "\n")
        tmp.replace(self.path)

    def get(self, bundle_id: str) -> BundleKey:
        keys = self.load()
        if bundle_id not in keys:
            raise HeldoutError(
                f"bundle {bundle_id} is not in the key store {self.path}; pass the --keys file that "
                "`heldout bundle` wrote when this bundle was made"
            )
        return keys[bundle_id]


class GradeLedger:
    """How often each bundle was graded, kept beside the key store (``keys.json`` -> ``keys.grades.jsonl``).

    A candidate who may grade again and again can tune a model to the hidden holdout; the interviewer's
    report says how many grades a bundle had, and of how many distinct notebooks. One JSON line per grade,
    appended with a single write (atomic for lines this short), so parallel grades of a batch never lose
    a count.
    """

    def __init__(self, keys_path: Path) -> None:
        keys_path = Path(keys_path)
        self.path = keys_path.with_name(f"{keys_path.stem}.grades.jsonl")

    def record(self, bundle_id: str, submission_sha256: str | None) -> dict[str, int]:
        """Count this grade, and return the bundle's counts including it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"bundle": bundle_id, "sha256": submission_sha256}) + "\n"
        with self.path.open("a", encoding="utf-8") as ledger:
            ledger.write(line)
        return self.counts(bundle_id)

    def counts(self, bundle_id: str) -> dict[str, int]:
        grades, notebooks = 0, set()
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a crash mid-write: the others still count
                if isinstance(entry, dict) and entry.get("bundle") == bundle_id:
                    grades += 1
                    notebooks.add(entry.get("sha256"))
        return {"grades": grades, "submissions": len(notebooks)}


def dataset_for_seed(root: Path, name: str, seed: int | None, scheme: int = SCHEME) -> Path:
    """The folder holding dataset ``name`` for ``seed``: the shipped one, or a generated cache (hidden
    labels from the seed's own label stream, or for ``LEGACY_SCHEME`` from its world stream)."""
    generator = datasets.generator(name)
    if seed is None or seed == generator.DEFAULT_SEED:
        return root / "datasets" / name
    legacy = scheme == LEGACY_SCHEME
    # Legacy caches keep their old folder names; they hold the same files as before.
    folder = root / ".heldout-cache" / "datasets" / name / (str(seed) if legacy else f"{seed}-s{scheme}")
    if not (folder / datasets.CHECKSUM_FILE).is_file():
        scratch = Path(
            tempfile.mkdtemp(
                prefix=f".{seed}-", dir=folder.parent if folder.parent.exists() else _mkdir(folder.parent)
            )
        )
        datasets.build(name, scratch, seed=seed, legacy_labels=legacy)
        try:
            scratch.rename(folder)
        except OSError:  # another grader built it first
            shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_bundle(
    manifest: Manifest, root: Path, candidate: str, out: Path, keys: KeyStore, seed: int | None = None
) -> BundleKey:
    """Write ``out`` (a folder, or a .zip) for ``candidate`` and record its key in ``keys``."""
    if not candidate.strip():
        raise HeldoutError("--candidate must not be empty")
    seed = candidate_seed() if seed is None else seed
    key = BundleKey(
        _bundle_id(manifest.id, manifest.version, seed, candidate),
        manifest.id,
        manifest.version,
        seed,
        candidate,
        SCHEME,
    )
    generated = datasets.generator(manifest.dataset.name).generate(seed)
    files: dict[str, bytes] = {
        "prompt.md": manifest.prompt.read_bytes(),
        "starter.ipynb": _starter_bytes(manifest, key),
    }
    for name in manifest.dataset.candidate_files:
        files[name] = generated.candidate_files[name].to_csv(index=False, lineterminator="\n").encode("utf-8")
    out = Path(out)
    if out.suffix == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(f"{out.stem}/{name}", date_time=_ZIP_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, files[name])
    else:
        if out.exists() and any(out.iterdir()):
            raise HeldoutError(f"{out} exists and is not empty; choose a new --out")
        out.mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            (out / name).write_bytes(files[name])
    keys.add(key)
    return key


def _starter_bytes(manifest: Manifest, key: BundleKey) -> bytes:
    notebook = nbformat.read(manifest.starter, as_version=4)
    notebook.metadata["heldout"] = {
        "scenario": manifest.id,
        "version": manifest.version,
        "bundle": key.bundle_id,
    }
    return (nbformat.writes(notebook) + "\n").encode("utf-8")
