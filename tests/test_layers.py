"""The layers' arrows point down: kernels <- graphs <- API <- command and report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("tool", ["cli.py", "command_inputs.py", "report.py", "demo.py"])
def test_the_tools_use_the_public_api_io_and_report_only(tool):
    for name in imports_of(PACKAGE / tool):
        if name.startswith("dlq."):
            assert not name.startswith(("dlq.graphs", "dlq.kernels", "dlq._search")), name


def test_no_module_imports_the_command_or_the_report_but_the_command():
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("cli.py",):
            continue
        for name in imports_of(path):
            assert not name.startswith(("dlq.cli", "dlq.report")), (path, name)


def test_no_private_graph_layers():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "HighLevelGraph" not in text and "MaterializedLayer" not in text, path
