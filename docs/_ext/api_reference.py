"""The API reference's cleanlab 2.9 counterparts.

Every table of ``docs/api.md`` gets a third column, and every function and class
page a closing line, naming the cleanlab 2.9 function or class that a dlq one
stands in for, linked to cleanlab's documentation, or saying it has none (such
as ``dlq.scan``). The counterparts come from the modules that
``tests/test_api_coverage.py`` maps to cleanlab's (``MIRRORS``): a dlq name's
counterpart is the same name in cleanlab's module that mirrors the dlq module
holding the same object.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from docutils import nodes
from sphinx.ext.autosummary import Autosummary

COVERAGE_TEST = Path(__file__).parents[2] / "tests" / "test_api_coverage.py"
CLEANLAB_DOCS = "https://docs.cleanlab.ai/v2.9.0/cleanlab"


def _mirrors() -> dict[str, str]:
    """The test's ``MIRRORS``, read from its source: importing the test would need pytest to build the docs."""
    for statement in ast.parse(COVERAGE_TEST.read_text()).body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "MIRRORS" for target in statement.targets
        ):
            return ast.literal_eval(statement.value)
    raise LookupError(f"{COVERAGE_TEST} assigns no MIRRORS")


MIRRORS = _mirrors()


def cleanlab_counterpart(full_name: str) -> str | None:
    """The full name of the cleanlab 2.9 function or class that ``full_name`` stands in for, if any.

    Parameters
    ----------
    full_name : str
        A public dlq function or class under one of the names it is exported as,
        such as ``"dlq.find_label_issues"`` or ``"dlq.filter.find_label_issues"``.

    Returns
    -------
    str or None
        Such as ``"cleanlab.filter.find_label_issues"``; None for dlq's own.
    """
    module_name, _, name = full_name.rpartition(".")
    value = getattr(importlib.import_module(module_name), name)
    candidates = [module_name] if module_name in MIRRORS else list(MIRRORS)
    for candidate in candidates:
        module = importlib.import_module(candidate)
        if name in module.__all__ and getattr(module, name) is value:
            return f"{MIRRORS[candidate]}.{name}"
    return None


def counterpart_url(cleanlab_name: str) -> str:
    """The address of ``cleanlab_name``'s entry in cleanlab 2.9's documentation."""
    module = cleanlab_name.rpartition(".")[0]
    return f"{CLEANLAB_DOCS}/{module.removeprefix('cleanlab.').replace('.', '/')}.html#{cleanlab_name}"


def _counterpart_paragraph(full_name: str) -> nodes.paragraph:
    theirs = cleanlab_counterpart(full_name)
    if theirs is None:
        return nodes.paragraph("", "no counterpart")
    return nodes.paragraph("", "", nodes.reference("", "", nodes.literal("", theirs), refuri=counterpart_url(theirs)))


class CounterpartAutosummary(Autosummary):
    """autosummary whose table has a third column, each entry's cleanlab 2.9 counterpart."""

    def get_table(self, items: list[tuple[str, str | None, str, str]]) -> list[nodes.Node]:
        table_spec, table = super().get_table(items)
        table_spec["spec"] = r"\X{3}{10}\X{4}{10}\X{3}{10}"
        group = next(iter(table.findall(nodes.tgroup)))
        group["cols"] = 3
        for colspec, width in zip(group.findall(nodes.colspec), (30, 45), strict=True):
            colspec["colwidth"] = width
        body = next(iter(group.findall(nodes.tbody)))
        group.insert(group.index(body), nodes.colspec("", colwidth=25))
        titles = ("Name", "Summary", "cleanlab 2.9")
        head = nodes.row("", *(nodes.entry("", nodes.paragraph("", title)) for title in titles))
        group.insert(group.index(body), nodes.thead("", head))
        for row, (_, _, _, real_name) in zip(body.children, items, strict=True):
            row.append(nodes.entry("", _counterpart_paragraph(real_name)))
        return [table_spec, table]


def _close_with_counterpart(app, what, name, obj, options, lines) -> None:
    """End a public function's or class's page with its cleanlab 2.9 counterpart."""
    if what not in ("function", "class") or not name.startswith("dlq."):
        return
    theirs = cleanlab_counterpart(name)
    if theirs is None:
        lines.extend(["", "**cleanlab 2.9:** no counterpart."])
    else:
        lines.extend(["", f"**cleanlab 2.9:** `{theirs} <{counterpart_url(theirs)}>`__"])


def setup(app):
    app.setup_extension("sphinx.ext.autosummary")
    app.add_directive("autosummary", CounterpartAutosummary, override=True)
    # after numpydoc (priority 500), which rewrites the docstring's lines
    app.connect("autodoc-process-docstring", _close_with_counterpart, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
