"""Files coming out of a sandbox are read without following links and with a size cap."""

import os

import pytest

from heldout.execute.safe_read import read_capped


def test_reads_a_regular_file(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "result.json").write_bytes(b"{}")
    assert read_capped(tmp_path / "out" / "result.json", 100, tmp_path) == b"{}"


def test_refuses_a_symlinked_file(tmp_path):
    secret = tmp_path.parent / f"{tmp_path.name}-labels.csv"
    secret.write_text("hidden")
    os.symlink(secret, tmp_path / "result.json")
    with pytest.raises(OSError):
        read_capped(tmp_path / "result.json", 100, tmp_path)


def test_refuses_a_symlinked_folder_on_the_way(tmp_path):
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "result.json").write_text("{}")
    os.symlink(elsewhere, tmp_path / "out")
    with pytest.raises(OSError):
        read_capped(tmp_path / "out" / "result.json", 100, tmp_path)


def test_refuses_more_than_the_cap(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(ValueError, match="larger than 100 bytes"):
        read_capped(tmp_path / "big", 100, tmp_path)


def test_refuses_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ValueError, match="not a regular file"):
        read_capped(tmp_path / "pipe", 100, tmp_path)
