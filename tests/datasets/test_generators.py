"""What every dataset generator promises: the same seed and label secret write the same bytes, the
shipped files the seed determines are exactly what it writes, and the shipped hidden labels are not:
they come from a label secret that is not in the repository. Each dataset's own properties are in its
test file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from heldout import datasets
from heldout.cli import main
from heldout.errors import DatasetError
from tests.conftest import ROOT


@pytest.mark.parametrize("name", sorted(datasets.GENERATORS))
def test_same_seed_gives_identical_bytes(name: str, tmp_path: Path) -> None:
    module = datasets.generator(name)
    first = module.generate(module.DEFAULT_SEED).write(tmp_path / "a")
    second = module.generate(module.DEFAULT_SEED).write(tmp_path / "b")
    names = [p.relative_to(tmp_path / "a").as_posix() for p in first]
    # Hidden labels and candidate files; the manifest names which file is which (a dataset may add
    # hidden ground truth for its checks).
    assert "hidden/holdout_labels.csv" in names and any(not n.startswith("hidden/") for n in names)
    assert [p.relative_to(tmp_path / "b").as_posix() for p in second] == names
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert b"\r" not in first[-1].read_bytes()


def _bytes(dataset: datasets.GeneratedDataset, folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in dataset.write(folder)}


@pytest.mark.parametrize("name", sorted(datasets.GENERATORS))
def test_the_shipped_seeds_files_are_what_the_generator_makes(name: str, tmp_path: Path) -> None:
    shipped = ROOT / "datasets" / name
    assert datasets.check(name, shipped) == datasets.generator(name).generate(1).secret_files
    module = datasets.generator(name)
    dataset = module.generate(module.DEFAULT_SEED)
    fresh = _bytes(dataset, tmp_path)
    # A dataset drawn from a label secret keeps its hidden labels secret; one from shipped text has none.
    assert "hidden/holdout_labels.csv" in dataset.secret_files or dataset.shipped_files
    for relative, content in fresh.items():
        if relative in dataset.secret_files:
            # The seed's own label stream is not the shipped secret's: other labels (other July payments).
            assert (shipped / relative).read_bytes() != content, relative
        else:
            assert (shipped / relative).read_bytes() == content, relative
    assert module.generate(module.DEFAULT_SEED).name == name


@pytest.mark.parametrize("name", sorted(datasets.GENERATORS))
def test_the_label_secret_alone_changes_the_secret_files(name: str, tmp_path: Path) -> None:
    module = datasets.generator(name)
    first = _bytes(module.generate(module.DEFAULT_SEED, 2**130 + 7), tmp_path / "a")
    again = _bytes(module.generate(module.DEFAULT_SEED, 2**130 + 7), tmp_path / "b")
    other = _bytes(module.generate(module.DEFAULT_SEED, 2**130 + 8), tmp_path / "c")
    assert first == again
    secret = set(module.generate(1).secret_files)
    assert {k for k in first if first[k] != other[k]} == secret


@pytest.mark.parametrize(
    ("name", "label", "floor", "ceiling"),
    [
        # Floors: the average precision of the true probabilities (estimated from 40 label draws) on the
        # shipped labels, measured at 0.76, 0.68 and 0.24; one redraw as scores gets about half of it.
        ("card_fraud", "is_fraud", 0.6, 0.45),
        ("readmissions", "readmitted_30d", 0.55, 0.45),
        ("subscriptions", "churned", 0.15, 0.12),
    ],
)
def test_the_public_seed_does_not_recompute_the_shipped_labels(
    name: str, label: str, floor: float, ceiling: float
) -> None:
    module = datasets.generator(name)
    shipped = pd.read_csv(ROOT / "datasets" / name / "hidden" / "holdout_labels.csv")[label].to_numpy()

    def labels(**kwargs) -> np.ndarray:
        generated = module.generate(module.DEFAULT_SEED, **kwargs).hidden_files["holdout_labels.csv"]
        return generated[label].to_numpy()

    for redrawn in (labels(), labels(legacy_labels=True)):  # the seed's label stream, its world stream
        assert not np.array_equal(redrawn, shipped)
        assert average_precision_score(shipped, redrawn) <= ceiling
    # What the public generator can give at best: the true probabilities, as the mean of many draws.
    estimated = np.mean([labels(label_secret=secret) for secret in range(40)], axis=0)
    assert average_precision_score(shipped, estimated) >= floor  # the shipped labels are draws of them


def test_redrawn_delivery_minutes_miss_the_shipped_ones_like_any_fresh_draw() -> None:
    module = datasets.generator("delivery_times")
    shipped = pd.read_csv(ROOT / "datasets" / "delivery_times" / "hidden" / "holdout_labels.csv")

    def minutes(**kwargs) -> np.ndarray:
        generated = module.generate(module.DEFAULT_SEED, **kwargs).hidden_files["holdout_labels.csv"]
        return generated["delivery_minutes"].to_numpy()

    truth = shipped["delivery_minutes"].to_numpy()
    between_secrets = np.abs(minutes(label_secret=1) - minutes(label_secret=2)).mean()
    for redrawn in (minutes(), minutes(legacy_labels=True)):
        assert np.abs(redrawn - truth).mean() > 0.8 * between_secrets > 3.0


def test_payments_july_is_not_the_public_seeds(tmp_path: Path) -> None:
    module = datasets.generator("payments")
    shipped = ROOT / "datasets" / "payments"
    public = _bytes(module.generate(module.DEFAULT_SEED), tmp_path)
    assert public["train.csv"] == (shipped / "train.csv").read_bytes()
    july = pd.read_csv(shipped / "holdout_features.csv")
    redrawn = module.generate(module.DEFAULT_SEED).candidate_files["holdout_features.csv"]
    # Other payments altogether, numbered on from the same last payment of June.
    assert july["payment_id"].min() == redrawn["payment_id"].min()
    assert len(july.merge(redrawn, on=["user_id", "event_time", "amount"])) < 0.01 * len(july)


def test_check_says_what_it_cannot_regenerate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets", "check", "payments"]) == 0
    out = capsys.readouterr().out
    assert "holdout_features.csv, hidden/holdout_labels.csv come from a label secret" in out
    assert "only their checksums are checked: nothing can regenerate them" in out


def test_check_refuses_a_changed_public_file(tmp_path: Path) -> None:
    folder = tmp_path / "card_fraud"
    datasets.build("card_fraud", folder, label_secret=5)
    datasets.check("card_fraud", folder)  # any secret's labels pass: they are checked by checksum only
    train = folder / "train.csv"
    train.write_bytes(train.read_bytes().replace(b"tx_0000001", b"tx_9999999", 1))
    with pytest.raises(DatasetError, match="differs from its checksum"):
        datasets.check("card_fraud", folder)
    datasets.build("card_fraud", folder, seed=7, label_secret=5)  # a consistent listing of another seed
    with pytest.raises(DatasetError, match="not what the generator makes"):
        datasets.check("card_fraud", folder)


def test_build_takes_a_fresh_secret_unless_given_one(tmp_path: Path) -> None:
    def build(*extra: str) -> bytes:
        out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        assert main(["datasets", "build", "card_fraud", "--out", str(out), *extra]) == 0
        return (out / "hidden" / "holdout_labels.csv").read_bytes()

    assert build() != build()
    assert build("--label-secret", "c0ffee" * 6) == build("--label-secret", "C0FFEE" * 6)
