"""The layers' arrows point down: kernels <- graphs <- API <- command and report."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "dlq"


def imports_of(path: Path) -> set[str]:
    """The modules a file imports (``dlq.x.y`` for ``from dlq.x import y`` too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).glob("*.py"))


def test_kernels_import_numpy_and_kernels_only():
    for path in modules("kernels"):
        for name in imports_of(path):
            top = name.split(".")[0]
            assert top in ("numpy", "__future__", "collections", "dataclasses", "typing", "functools", "fractions",
                           "operator") or name.startswith("dlq.kernels"), (path.name, name)  # fmt: skip


def test_graphs_import_dask_kernels_and_graphs_only():
    for path in modules("graphs"):
        for name in imports_of(path):
            if name.startswith("dlq"):
                assert name.startswith(("dlq.kernels", "dlq.graphs")), (path.name, name)


#: The faces: cleanlab's modules mirrored, dlq.scan and its result.
FACES = {"__init__.py", "count.py", "rank.py", "filter.py", "dataset.py", "noise_matrices.py", "multiclass.py",
         "result.py", "experimental", "multilabel"}  # fmt: skip
#: The layers below and beside the faces.
LAYERS = {"io", "cli", "_validation", "graphs", "kernels"}


def test_the_top_level_is_the_faces_and_the_layers():
    entries = {path.name for path in PACKAGE.iterdir() if path.name != "__pycache__"}
    assert entries == FACES | LAYERS


def test_the_io_layer_imports_no_face_and_not_the_command():
    for path in (PACKAGE / "io").glob("*.py"):
        for name in imports_of(path):
            if name.startswith("dlq"):
                assert name.startswith(("dlq.io", "dlq.graphs", "dlq.kernels", "dlq._validation")), (path.name, name)


def test_the_command_uses_the_public_api_and_io_only():
    for path in (PACKAGE / "cli").glob("*.py"):
        for name in imports_of(path):
            if name.startswith("dlq."):
                assert not name.startswith(("dlq.graphs", "dlq.kernels")), (path.name, name)


def test_no_module_imports_the_command_but_the_command():
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "cli":
            continue
        for name in imports_of(path):
            assert not name.startswith("dlq.cli"), (path, name)


def test_no_private_graph_layers():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "HighLevelGraph" not in text and "MaterializedLayer" not in text, path
