"""What every dataset generator promises: the same seed writes the same bytes, and the shipped files are
exactly what it writes (SHA256SUMS included). Each dataset's own properties are in its test file."""

from __future__ import annotations

from pathlib import Path

import pytest

from heldout import datasets
from tests.conftest import ROOT

FILES = ["hidden/holdout_labels.csv", "holdout_features.csv", "train.csv"]


@pytest.mark.parametrize("name", sorted(datasets.GENERATORS))
def test_same_seed_gives_identical_bytes(name: str, tmp_path: Path) -> None:
    module = datasets.generator(name)
    first = module.generate(module.DEFAULT_SEED).write(tmp_path / "a")
    second = module.generate(module.DEFAULT_SEED).write(tmp_path / "b")
    names = [p.relative_to(tmp_path / "a").as_posix() for p in first]
    assert set(FILES) <= set(names)  # a dataset may add hidden ground truth for its checks
    assert [p.relative_to(tmp_path / "b").as_posix() for p in second] == names
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert b"\r" not in first[-1].read_bytes()


@pytest.mark.parametrize("name", sorted(datasets.GENERATORS))
def test_shipped_files_are_what_the_generator_makes(name: str, tmp_path: Path) -> None:
    shipped = ROOT / "datasets" / name
    datasets.verify(shipped)  # every file listed in SHA256SUMS is there, unchanged
    module = datasets.generator(name)
    written = datasets.build(name, tmp_path)
    for relative in [*(p.relative_to(tmp_path).as_posix() for p in written), datasets.CHECKSUM_FILE]:
        assert (shipped / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative
    assert module.generate(module.DEFAULT_SEED).name == name
