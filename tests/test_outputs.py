"""Outputs appear whole or not at all, and replace only what they were asked to."""

from __future__ import annotations

import pytest

from dlq.outputs import atomic_directory


def test_an_output_that_appears_meanwhile_is_kept_and_this_one_refused(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(FileExistsError, match="appeared while this run was writing"):
        with atomic_directory(target, overwrite=False) as folder:
            (folder / "mine.txt").write_text("mine")
            target.mkdir()  # another run with the same output finishes first
            (target / "theirs.txt").write_text("theirs")
    assert [path.name for path in target.iterdir()] == ["theirs.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["out"]  # no staging left behind


def test_overwrite_replaces_an_output_that_appears_meanwhile(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target, overwrite=True) as folder:
        (folder / "mine.txt").write_text("mine")
        target.mkdir()
        (target / "theirs.txt").write_text("theirs")
    assert [path.name for path in target.iterdir()] == ["mine.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_an_existing_output_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(FileExistsError, match="already exists"):
        with atomic_directory(target, overwrite=False):
            pytest.fail("the block must not run")
