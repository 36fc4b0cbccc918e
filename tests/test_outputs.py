"""Outputs appear whole or not at all, and replace only what they were asked to."""

from __future__ import annotations

import json
import os
import stat

import pytest

from dlq.io.outputs import MANIFEST, atomic_directory


def test_an_output_that_appears_meanwhile_is_kept_and_this_one_refused(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(FileExistsError, match="appeared while this run was writing"):
        with atomic_directory(target, overwrite=False) as folder:
            (folder / "mine.txt").write_text("mine")
            target.mkdir()  # another run with the same output finishes first
            (target / "theirs.txt").write_text("theirs")
    assert [path.name for path in target.iterdir()] == ["theirs.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["out"]  # no staging left behind


def _published_elsewhere(target):
    """An earlier output of dlq at ``target``, published as a run does."""
    with atomic_directory(target, overwrite=False) as folder:
        (folder / "theirs.txt").write_text("theirs")


def test_overwrite_replaces_an_output_of_dlq_that_appears_meanwhile(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target, overwrite=True) as folder:
        (folder / "mine.txt").write_text("mine")
        _published_elsewhere(target)
    assert sorted(path.name for path in target.iterdir()) == [MANIFEST, "mine.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_overwrite_keeps_a_directory_of_someone_else_that_appears_meanwhile(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(FileExistsError, match="not an output of dlq"):
        with atomic_directory(target, overwrite=True) as folder:
            (folder / "mine.txt").write_text("mine")
            target.mkdir()
            (target / "theirs.txt").write_text("theirs")
    assert [path.name for path in target.iterdir()] == ["theirs.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("kind", ["empty", "files", "manifest of another tool", "broken manifest"])
def test_overwrite_refuses_what_dlq_did_not_publish(tmp_path, kind):
    target = tmp_path / "out"
    target.mkdir()
    if kind == "files":
        (target / "thesis.tex").write_text("years of work")
    elif kind == "manifest of another tool":
        (target / MANIFEST).write_text(json.dumps({"written_by": "other", "entries": []}))
    elif kind == "broken manifest":
        (target / MANIFEST).write_text("{")
    before = sorted(path.name for path in target.iterdir())
    with pytest.raises(FileExistsError, match="not an output of dlq"):
        with atomic_directory(target, overwrite=True):
            pytest.fail("the block must not run")
    assert sorted(path.name for path in target.iterdir()) == before
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_overwrite_refuses_an_output_of_dlq_that_holds_files_it_did_not_write(tmp_path):
    target = tmp_path / "out"
    _published_elsewhere(target)
    (target / "notes.txt").write_text("added by hand")
    with pytest.raises(FileExistsError, match=r"holds 'notes\.txt', which dlq did not write"):
        with atomic_directory(target, overwrite=True):
            pytest.fail("the block must not run")
    assert (target / "notes.txt").read_text() == "added by hand"


@pytest.mark.parametrize("where", [".", "..", "../.."])
def test_overwrite_never_replaces_the_current_directory_or_a_parent(tmp_path, monkeypatch, where):
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    with pytest.raises(FileExistsError, match="current directory or one of its parents"):
        with atomic_directory(where, overwrite=True):
            pytest.fail("the block must not run")
    assert (tmp_path / "a" / "b").is_dir()


def test_a_failed_run_leaves_no_parent_folder_it_created(tmp_path):
    (tmp_path / "kept").mkdir()
    with pytest.raises(RuntimeError, match="failed"):
        with atomic_directory(tmp_path / "kept" / "new" / "deeper" / "out", overwrite=False):
            raise RuntimeError("the scan failed")
    assert [path.name for path in tmp_path.iterdir()] == ["kept"]
    assert list((tmp_path / "kept").iterdir()) == []


def test_a_published_output_lists_what_it_holds(tmp_path):
    target = tmp_path / "new" / "out"
    with atomic_directory(target, overwrite=False) as folder:
        (folder / "a.txt").write_text("a")
        (folder / "b").mkdir()
    manifest = json.loads((target / MANIFEST).read_text())
    assert manifest["written_by"] == "dlq" and manifest["entries"] == ["a.txt", "b"]


def test_an_existing_output_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(FileExistsError, match="already exists"):
        with atomic_directory(target, overwrite=False):
            pytest.fail("the block must not run")


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_a_published_output_takes_the_permissions_the_umask_gives_a_new_folder(tmp_path, umask):
    previous = os.umask(umask)
    try:
        with atomic_directory(tmp_path / "out", overwrite=False) as folder:
            (folder / "report.html").write_text("<html></html>")
            (folder / "scores.zarr").mkdir()
        (tmp_path / "made by hand").mkdir()
    finally:
        os.umask(previous)
    for path in (tmp_path / "out", tmp_path / "out" / "scores.zarr"):
        assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE((tmp_path / "made by hand").stat().st_mode)
    assert stat.S_IMODE((tmp_path / "out" / "report.html").stat().st_mode) == 0o666 & ~umask


def test_a_leftover_of_a_killed_run_on_this_host_is_removed_and_one_of_another_host_kept(tmp_path):
    from dlq.io.outputs import _host

    dead = 2**22 + 12345  # no such process
    ours = tmp_path / f".out.dlq-partial-{_host()}-{dead}-abcd1234-x"
    theirs = tmp_path / f".out.dlq-partial-othernode-{dead}-abcd1234-x"
    for folder in (ours, theirs):
        folder.mkdir()
        (folder / "scores.txt").write_text("in progress")
    with atomic_directory(tmp_path / "out", overwrite=False) as folder:
        (folder / "a.txt").write_text("a")
    assert not ours.exists() and (theirs / "scores.txt").read_text() == "in progress"


def test_an_output_under_a_file_is_refused_in_a_sentence(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="afile is a file, not a folder"):
        with atomic_directory(tmp_path / "afile" / "sub" / "out", overwrite=False):
            pytest.fail("the block must not run")
    assert [path.name for path in tmp_path.iterdir()] == ["afile"]
