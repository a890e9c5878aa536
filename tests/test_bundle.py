"""Take-home bundles: what a candidate receives, per-candidate data, and grading a returned bundle."""

import json
import subprocess
import sys
import zipfile

import nbformat
import numpy as np
import pandas as pd
import pytest

from heldout.bundle import LEGACY_SCHEME, SCHEME, KeyStore, candidate_seed, dataset_for_seed, write_bundle
from heldout.checks.holdout import compute_baselines
from heldout.datasets import card_fraud
from heldout.errors import HeldoutError


@pytest.fixture
def keys(tmp_path):
    return KeyStore(tmp_path / "grader-only" / "keys.json")


def test_a_bundle_holds_the_brief_the_starter_and_training_data_only(manifest, root, tmp_path, keys):
    key = write_bundle(manifest, root, "Grace Hopper", tmp_path / "grace", keys)
    assert sorted(p.name for p in (tmp_path / "grace").rglob("*")) == [
        "prompt.md",
        "starter.ipynb",
        "train.csv",
    ]
    train = pd.read_csv(tmp_path / "grace" / "train.csv")
    assert "is_fraud" in train.columns and len(train) == 48_000
    starter = nbformat.read(tmp_path / "grace" / "starter.ipynb", as_version=4)
    assert starter.metadata["heldout"] == {
        "scenario": "imbalance",
        "version": manifest.version,
        "bundle": key.bundle_id,
    }
    assert str(key.seed) not in json.dumps(starter.metadata)  # the seed stays with the grader
    assert keys.get(key.bundle_id).candidate == "Grace Hopper"


def test_a_zip_bundle_lists_no_label_or_solution_file(manifest, root, tmp_path, keys):
    write_bundle(manifest, root, "Alan Turing", tmp_path / "alan.zip", keys)
    names = zipfile.ZipFile(tmp_path / "alan.zip").namelist()
    assert names == ["alan/prompt.md", "alan/starter.ipynb", "alan/train.csv"]
    assert not any("label" in n or "solution" in n or "hidden" in n or "holdout" in n for n in names)


def test_bundles_are_byte_identical_for_the_same_candidate(manifest, root, tmp_path, keys):
    write_bundle(manifest, root, "Alan Turing", tmp_path / "one" / "alan.zip", keys, seed=1234)
    write_bundle(manifest, root, "Alan Turing", tmp_path / "two" / "alan.zip", keys, seed=1234)
    assert (tmp_path / "one" / "alan.zip").read_bytes() == (tmp_path / "two" / "alan.zip").read_bytes()


def test_candidates_get_different_data_of_the_same_difficulty(tmp_path):
    seeds = [candidate_seed() for _ in range(3)]
    assert len(set(seeds)) == 3
    trains = []
    for seed in seeds:
        data = card_fraud.generate(seed)
        train = data.candidate_files["train.csv"]
        holdout = data.candidate_files["holdout_features.csv"]
        labels = data.hidden_files["holdout_labels.csv"]["is_fraud"].to_numpy()
        trains.append(train)
        assert 0.008 <= train["is_fraud"].mean() <= 0.015
        baseline = compute_baselines(train, holdout, labels, "is_fraud", 1, ("logistic_regression",))
        assert 0.15 <= baseline["logistic_regression"] <= 0.45, (seed, baseline)
    assert not np.array_equal(trains[0]["amount"], trains[1]["amount"])


def test_a_candidates_seed_is_secret_not_derived_from_their_name(manifest, root, tmp_path, keys):
    first = write_bundle(manifest, root, "Ada", tmp_path / "a1", keys)
    second = write_bundle(manifest, root, "Ada", tmp_path / "a2", keys)
    assert first.seed != second.seed and first.bundle_id != second.bundle_id


def test_an_existing_folder_is_never_overwritten(manifest, root, tmp_path, keys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep me")
    with pytest.raises(HeldoutError, match="not empty"):
        write_bundle(manifest, root, "Ada", tmp_path / "taken", keys)
    assert (tmp_path / "taken" / "mine.txt").read_text() == "keep me"


def test_an_unknown_bundle_is_a_usage_error(manifest, root, tmp_path, keys):
    write_bundle(manifest, root, "Ada", tmp_path / "ada", keys)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "heldout",
            "grade",
            str(tmp_path / "ada" / "starter.ipynb"),
            "--keys",
            str(tmp_path / "elsewhere.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2 and "is not in the key store" in run.stderr


@pytest.mark.slow
def test_a_returned_bundle_is_graded_on_its_own_hidden_labels(manifest, root, tmp_path, keys):
    from heldout.grading import grade

    key = write_bundle(manifest, root, "Katherine Johnson", tmp_path / "kj", keys)
    answer = nbformat.read(root / "solutions" / "imbalance" / "solution.ipynb", as_version=4)
    answer.metadata["heldout"]["bundle"] = key.bundle_id
    nbformat.write(answer, tmp_path / "kj" / "answer.ipynb")
    result = grade(tmp_path / "kj" / "answer.ipynb", keys=keys.path)
    assert result.dataset == {"name": "card_fraud", "seed": key.seed}
    assert result.bundle == {
        "id": key.bundle_id,
        "candidate": "Katherine Johnson",
        "grades": 1,
        "submissions": 1,
    }
    assert result.status == "passed", [(c.id, c.message) for c in result.checks if str(c.verdict) != "pass"]
    own = dataset_for_seed(root, "card_fraud", key.seed)
    assert (own / "hidden" / "holdout_labels.csv").is_file()
    assert not (root / "datasets" / "card_fraud" / "hidden" / "holdout_labels.csv").samefile(
        own / "hidden" / "holdout_labels.csv"
    )


def test_bundle_secrets_are_128_bits_and_kept_with_their_scheme(manifest, root, tmp_path, keys):
    seeds = [candidate_seed() for _ in range(20)]
    assert all(seed.bit_length() == 129 for seed in seeds)  # top bit set above 128 random bits
    assert len({seed & (2**128 - 1) for seed in seeds}) == 20
    key = write_bundle(manifest, root, "Ada", tmp_path / "ada", keys)
    stored = json.loads(keys.path.read_text())[key.bundle_id]
    assert stored["seed"] == key.seed and stored["seed"].bit_length() == 129
    assert stored["scheme"] == SCHEME == keys.get(key.bundle_id).scheme


def test_a_bundles_hidden_labels_regenerate_from_its_key(manifest, root, tmp_path, keys):
    key = write_bundle(manifest, root, "Ada", tmp_path / "ada", keys)
    key = keys.get(key.bundle_id)
    first = dataset_for_seed(tmp_path / "grader-a", "card_fraud", key.seed, key.scheme)
    second = dataset_for_seed(tmp_path / "grader-b", "card_fraud", key.seed, key.scheme)
    for relative in ("train.csv", "holdout_features.csv", "hidden/holdout_labels.csv", "SHA256SUMS"):
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    # The candidate's own train.csv is the grader's, and the labels are not the seed's world draw.
    assert (tmp_path / "ada" / "train.csv").read_bytes() == (first / "train.csv").read_bytes()
    legacy = card_fraud.generate(key.seed, legacy_labels=True).hidden_files["holdout_labels.csv"]
    own = pd.read_csv(first / "hidden" / "holdout_labels.csv")
    assert not np.array_equal(own["is_fraud"].to_numpy(), legacy["is_fraud"].to_numpy())


def test_an_old_31_bit_key_reads_and_regenerates_the_labels_it_was_made_with(tmp_path):
    # A key store written before secrets and schemes: no "scheme" field, a 31-bit seed.
    store = tmp_path / "keys.json"
    old = {"bundle_id": "0123456789abcdef", "scenario": "imbalance", "version": "1", "seed": 1_234_567_890}
    store.write_text(json.dumps({old["bundle_id"]: {**old, "candidate": "Grace"}}))
    key = KeyStore(store).get("0123456789abcdef")
    assert (key.seed, key.scheme) == (1_234_567_890, LEGACY_SCHEME)
    folder = dataset_for_seed(tmp_path, "card_fraud", key.seed, key.scheme)
    assert folder.name == "1234567890"  # the cache folder such keys always used
    # What the generator drew before label secrets: labels from the seed's world stream.
    before = card_fraud.generate(key.seed, legacy_labels=True).hidden_files["holdout_labels.csv"]
    expected = before.to_csv(index=False, lineterminator="\n").encode()
    assert (folder / "hidden" / "holdout_labels.csv").read_bytes() == expected
    train = card_fraud.generate(key.seed).candidate_files["train.csv"]  # the candidate's file is unchanged
    assert (folder / "train.csv").read_bytes() == train.to_csv(index=False, lineterminator="\n").encode()
