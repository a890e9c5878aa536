"""Container shared by the dataset generators: what candidates get, what stays hidden, and the secret
stream the hidden labels are drawn from.

Every generator draws the world (features, and the labels the training file shows) from
``np.random.default_rng(seed)``, and then draws the hidden holdout labels again, from the same true
probabilities or means, on a stream of their own: :func:`label_rng` of a secret. The generators are
public and the shipped seed is in the repository, so labels drawn from the seed's stream could be
recomputed by any notebook that pastes the generator; labels drawn from a secret cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# Spawn key of the label stream: the seed's own label stream differs from the world's stream of that seed.
LABEL_STREAM = 0x1ABE15


@dataclass(frozen=True)
class GeneratedDataset:
    name: str
    seed: int
    candidate_files: dict[str, pd.DataFrame]
    hidden_files: dict[str, pd.DataFrame]
    # Files (relative to the dataset folder) drawn from the label secret's stream: nobody without the
    # secret can regenerate them, so `heldout datasets check` proves them by their checksums alone.
    secret_files: tuple[str, ...] = ("hidden/holdout_labels.csv",)
    # Files the generator reads from the repository and writes back unchanged (a corpus extracted once
    # from text that differs between machines): proven by their checksums alone, like the secret ones.
    shipped_files: tuple[str, ...] = ()

    def write(self, out_dir: Path) -> list[Path]:
        """Write candidate files to ``out_dir`` and hidden files to ``out_dir/hidden``."""
        out_dir = Path(out_dir)
        written: list[Path] = []
        for folder, files in (
            (out_dir, self.candidate_files),
            (out_dir / "hidden", self.hidden_files),
        ):
            folder.mkdir(parents=True, exist_ok=True)
            for filename, frame in files.items():
                path = folder / filename
                # Explicit terminator and encoding so bytes match on every OS; a compressed file gets no
                # time stamp, so that it too is byte-identical for the same seed.
                compression = {"method": "gzip", "mtime": 0} if filename.endswith(".gz") else None
                frame.to_csv(
                    path, index=False, lineterminator="\n", encoding="utf-8", compression=compression
                )
                written.append(path)
        return sorted(written)


def solve_intercept(logit: np.ndarray, rate: float) -> float:
    """Bisect the intercept so that the mean of sigmoid(logit + intercept) equals ``rate``."""
    lo, hi = -30.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(1 / (1 + np.exp(-(logit + mid)))) < rate else (lo, mid)
    return (lo + hi) / 2


def label_rng(seed: int, label_secret: int | None) -> np.random.Generator:
    """The stream the hidden holdout labels are drawn from: the secret's (the seed's own when None).

    A bundle's seed is itself a secret, so its labels come from the seed's label stream; the shipped
    datasets have a public seed and a label secret that is not in the repository.
    """
    secret = seed if label_secret is None else label_secret
    if secret < 0:
        raise ValueError(f"a label secret must be a non-negative integer (got {secret})")
    return np.random.default_rng(np.random.SeedSequence(entropy=secret, spawn_key=(LABEL_STREAM,)))


def draw_binary(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One 0/1 label per row with probability ``p`` (the generators' own Bernoulli draw)."""
    return (rng.random(len(p)) < p).astype(np.int64)
