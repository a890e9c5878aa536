"""Container shared by the dataset generators: what candidates get, what stays hidden."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class GeneratedDataset:
    name: str
    seed: int
    candidate_files: dict[str, pd.DataFrame]
    hidden_files: dict[str, pd.DataFrame]

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
                # Explicit terminator and encoding so bytes match on every OS.
                frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
                written.append(path)
        return sorted(written)


def solve_intercept(logit: np.ndarray, rate: float) -> float:
    """Bisect the intercept so that the mean of sigmoid(logit + intercept) equals ``rate``."""
    lo, hi = -30.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(1 / (1 + np.exp(-(logit + mid)))) < rate else (lo, mid)
    return (lo + hi) / 2
