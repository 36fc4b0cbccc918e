"""Every notebook is stored with its outputs (it reads on a code-hosting site
without running), and a fresh run prints what the stored one shows."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def _printed(notebook) -> list[str]:
    """What each code cell printed (its stdout), in order."""
    return [
        "".join(output.text for output in cell.outputs if output.output_type == "stream" and output.name == "stdout")
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def test_there_are_notebooks_stored_with_their_outputs():
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(cell.execution_count for cell in code), f"{path.name}: run it and store its outputs"
        images = [output for cell in code for output in cell.outputs if "image/png" in output.get("data", {})]
        assert images, f"{path.name}: its figures are not stored"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_fresh_run_prints_what_the_stored_notebook_shows(path, tmp_path):
    stored = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    NotebookClient(fresh, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert _printed(fresh) == _printed(stored)
    assert any(_printed(stored))
