"""Sphinx configuration of dlq's documentation site.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

import os
import shutil
import sys
from pathlib import Path

from sphinx.ext.autosummary.generate import find_autosummary_in_files

import dlq

DOCS = Path(__file__).parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "dlq"
author = "dlq's authors"
copyright = "dlq's authors"
version = release = dlq.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
    "api_reference",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
nitpicky = False

# The API reference: one page per public function or class, written from the docstrings
# into generated/ at every build (.gitignored).
autosummary_generate = True
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Markdown and notebooks. The notebooks are shown with the outputs they are stored with.
nb_execution_mode = "off"
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = f"dlq {release}"
html_theme_options = {"navigation_depth": 2, "show_toc_level": 2}


def _copy_notebooks() -> None:
    """Bring notebooks/ into the source tree as notebooks/ (.gitignored): Sphinx reads only what is under docs/."""
    target = DOCS / "notebooks"
    target.mkdir(exist_ok=True)
    notebooks = {notebook.name: notebook for notebook in (DOCS.parent / "notebooks").glob("*.ipynb")}
    for copy in target.glob("*.ipynb"):
        if copy.name not in notebooks:
            copy.unlink(missing_ok=True)
    for name, notebook in notebooks.items():
        copy = target / name
        # copied only when changed, so that an unchanged notebook is not read again, and whole,
        # so that a build running at the same time never reads half a notebook
        if not copy.exists() or copy.read_bytes() != notebook.read_bytes():
            partial = target / f".{name}.{os.getpid()}"
            shutil.copy2(notebook, partial)
            partial.replace(copy)


def _remove_stale_stubs() -> None:
    """Remove the pages of names the API reference no longer lists, which would fail the build as orphans."""
    listed = {entry.name for entry in find_autosummary_in_files([DOCS / "api.md"])}
    for stub in (DOCS / "generated").glob("*.rst"):
        if stub.stem not in listed:
            stub.unlink(missing_ok=True)


_copy_notebooks()
_remove_stale_stubs()

# Pages link these files where the repository keeps them, as GitHub shows them; the site has them here.
SITE_LINKS = {"](../notebooks/": "](notebooks/", "](../CONTRIBUTING.md": "](contributing.md"}


def _link_within_site(app, docname: str, source: list[str]) -> None:
    if "/" not in docname:
        for repository, site in SITE_LINKS.items():
            source[0] = source[0].replace(repository, site)


def setup(app):
    app.connect("source-read", _link_within_site)
