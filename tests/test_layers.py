"""The layers' arrows point down: kernels <- graphs <- API <- command and report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "dlq"


def imports_of(path: Path) -> set[str]:
    """The modules a file imports (``dlq.x.y`` for ``from dlq.x import y`` too).
    Every import is absolute: a relative one would pass every check here unread."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno} imports relative to its package: name the module whole"
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(folder: str) -> list[Path]:
    found = sorted((PACKAGE / folder).glob("*.py"))
    assert found, f"no module in {PACKAGE / folder}"
    return found


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
         "result.py", "experimental", "multilabel", "segmentation", "token_classification"}  # fmt: skip
#: The layers below and beside the faces.
LAYERS = {"io", "cli", "_validation", "graphs", "kernels"}


def test_the_top_level_is_the_faces_and_the_layers():
    entries = {path.name for path in PACKAGE.iterdir() if path.name != "__pycache__"}
    assert entries == FACES | LAYERS


#: The io modules that compose graphs: what a scan writes as it runs.
GRAPH_WRITERS = {"scan_writing.py"}


def test_the_io_layer_imports_no_face_and_not_the_command():
    for path in modules("io"):
        for name in imports_of(path):
            if name.startswith("dlq"):
                assert name.startswith(("dlq.io", "dlq.graphs", "dlq.kernels", "dlq._validation")), (path.name, name)


def test_the_inputs_import_no_graph_module():
    """Data flows from the inputs to the graphs: an opened input carries its
    marks (dlq.io.marks), which the graphs read without importing io."""
    readers = [path for path in modules("io") if path.name not in GRAPH_WRITERS]
    assert len(readers) >= 10
    for path in readers:
        assert not any(name.startswith("dlq.graphs") for name in imports_of(path)), path.name
    for path in modules("graphs"):
        assert not any(name.startswith("dlq.io") for name in imports_of(path)), path.name


def test_the_command_uses_the_public_api_the_engine_and_io_only():
    """The command reaches the kernels through the graphs, and takes from a
    face only what the face offers (its ``__all__``): no face serves the command."""
    import importlib
    import inspect

    for path in modules("cli"):
        for name in imports_of(path):
            assert not name.startswith("dlq.kernels"), (path.name, name)
            module, _, attribute = name.rpartition(".")
            if module.split(".")[:2] == ["dlq"] or module.startswith(("dlq.multilabel", "dlq.experimental")):
                if module.startswith(("dlq.io", "dlq.cli", "dlq.graphs", "dlq._validation")) or module == "dlq":
                    continue
                face = importlib.import_module(module)
                if inspect.ismodule(getattr(face, attribute, None)):
                    continue  # a face module itself: its names are checked as they are imported
                assert attribute in getattr(face, "__all__", ()), (path.name, name)


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


#: The faces that only translate: cleanlab's arguments into calls of dlq._validation and of the engine (graphs and
#: io), and results back; no check of their own, no kernel, no sort (each of those lives in its layer).
TRANSLATING_FACES = (
    "rank.py",
    "count.py",
    "dataset.py",
    "noise_matrices.py",
    "multilabel/dataset.py",
    "multilabel/aggregators.py",
    "experimental/label_inspector.py",
    "filter.py",
    "multiclass.py",
    "multilabel/filter.py",
    "multilabel/scans.py",
    "multilabel/searches.py",
    "multilabel/rank.py",
    "multilabel/__init__.py",
    "experimental/label_issues_batched.py",
    "result.py",
    "__init__.py",
    "token_classification/__init__.py",
    "token_classification/_inputs.py",
    "token_classification/filter.py",
    "token_classification/rank.py",
    "token_classification/summary.py",
    "segmentation/__init__.py",
    "segmentation/filter.py",
    "segmentation/rank.py",
    "segmentation/summary.py",
)
#: The sorts a translating face leaves to the kernels, as functions or methods.
SORTS = {"sort", "argsort", "lexsort", "sorted", "sort_values", "sort_index", "nlargest", "nsmallest"}


def called_name(call: ast.Call) -> str | None:
    """The name of the function a call calls: ``f`` of ``f(...)`` and of ``x.f(...)``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


@pytest.mark.parametrize("face", TRANSLATING_FACES)
def test_a_translating_face_raises_nothing_imports_no_kernel_and_sorts_nothing(face):
    path = PACKAGE / face
    tree = ast.parse(path.read_text())
    raises = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Raise)]
    assert not raises, f"{face} raises at lines {raises}: checks belong in dlq/_validation/"
    kernels = sorted(name for name in imports_of(path) if name.startswith("dlq.kernels"))
    assert not kernels, f"{face} imports {kernels}: kernels are reached through dlq/graphs/"
    sorts = [
        (node.lineno, called_name(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and called_name(node) in SORTS
    ]
    assert not sorts, f"{face} sorts at {sorts}: sorting belongs in a kernel"


def test_a_scan_is_built_in_one_place():
    builders = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Scan":
                builders.add(path.relative_to(PACKAGE).as_posix())
    assert builders == {"result.py"}


def _module_imports() -> dict[str, set[str]]:
    """Each dlq module's imports of dlq modules (``from dlq import x``
    counts as an import of ``dlq.x`` when that is a module, not of ``dlq``)."""
    modules_by_name = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules_by_name[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    found = {}
    for name, path in modules_by_name.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names if alias.name in modules_by_name)
            elif isinstance(node, ast.ImportFrom) and node.module:
                inside = {f"{node.module}.{alias.name}" for alias in node.names} & modules_by_name.keys()
                if len(inside) < len(node.names) and node.module in modules_by_name:
                    imported.add(node.module)
                imported |= inside
        found[name] = imported - {name}
    return found


def test_no_import_cycle():
    imports = _module_imports()
    assert len(imports) > 50 and imports["dlq.graphs.batched"]
    done, path = set(), []

    def visit(module):
        path.append(module)
        for imported in sorted(imports[module]):
            assert imported not in path, " -> ".join([*path[path.index(imported) :], imported])
            if imported not in done:
                visit(imported)
        path.pop()
        done.add(module)

    for module in sorted(imports):
        if module not in done:
            visit(module)


def test_no_module_is_over_400_lines():
    """A module that grows past 400 lines holds more than one idea: split it by idea."""
    long = {
        path.relative_to(PACKAGE).as_posix(): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert not long, long
