"""The documentation site builds without a warning, and its API reference lists every public name."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import dlq

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
API = DOCS / "api.md"

#: The layers under cleanlab's API (docs/design.md#layout): none of their names is public.
INTERNAL = {"dlq.cli", "dlq.graphs", "dlq.io", "dlq.kernels"}


def _public_modules() -> list[str]:
    """dlq's modules with an ``__all__``, outside the internal layers and private names."""
    found, packages = ["dlq"], [dlq]
    while packages:
        package = packages.pop()
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            if info.name in INTERNAL or info.name.rpartition(".")[2].startswith("_"):
                continue
            module = importlib.import_module(info.name)
            if hasattr(module, "__all__"):
                found.append(info.name)
            if info.ispkg:
                packages.append(module)
    return sorted(found)


def _listed() -> dict[str, list[str]]:
    """The entries of docs/api.md's autosummary tables, under the module each names them in, as written."""
    listed: dict[str, list[str]] = {}
    module, in_table = None, False
    for line in API.read_text().splitlines():
        if match := re.match(r"\.\. (?:auto|current)module:: (\S+)$", line):
            module, in_table = match[1], False
            listed.setdefault(module, [])
        elif line.startswith(".. autosummary::"):
            in_table = True
        elif in_table and (match := re.match(r" {3}~?([\w.]+)$", line)):
            listed[module].append(match[1])
        elif in_table and line and not line.startswith(" "):
            in_table = False
    return listed


def _api_reference_extension():
    spec = importlib.util.spec_from_file_location("api_reference", DOCS / "_ext" / "api_reference.py")
    extension = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extension)
    return extension


def test_the_public_modules_are_the_ones_expected():
    assert {"dlq", "dlq.count", "dlq.multilabel.rank", "dlq.token_classification.scans"} <= set(_public_modules())
    assert not set(_public_modules()) & {"dlq._validation", "dlq.graphs.problems"}


@pytest.mark.parametrize("name", _public_modules())
def test_every_public_name_is_in_the_api_reference(name):
    module, listed = importlib.import_module(name), _listed()
    assert name in listed, f"docs/api.md has no section for {name}"
    entries = {entry.rpartition(".")[2]: entry for entry in listed[name]}
    for public in module.__all__:
        value = getattr(module, public)
        if isinstance(value, types.ModuleType):
            assert value.__name__ in listed, f"docs/api.md has no section for {value.__name__}"
            continue
        assert public in entries, f"docs/api.md does not list {name}.{public}"
        # an entry such as ``~filter.find_label_issues`` under dlq must be the very object dlq exports
        owner, _, attribute = f"{name}.{entries[public]}".rpartition(".")
        assert getattr(importlib.import_module(owner), attribute) is value, f"{name}.{public}"


def test_the_counterparts_are_cleanlabs_names():
    extension = _api_reference_extension()
    assert extension.cleanlab_counterpart("dlq.find_label_issues") == "cleanlab.filter.find_label_issues"
    assert extension.cleanlab_counterpart("dlq.multilabel.find_label_issues") == (
        "cleanlab.multilabel_classification.filter.find_label_issues"
    )
    assert extension.cleanlab_counterpart("dlq.LabelInspector") == (
        "cleanlab.experimental.label_issues_batched.LabelInspector"
    )
    assert extension.cleanlab_counterpart("dlq.scan") is None
    assert extension.counterpart_url("cleanlab.filter.find_label_issues") == (
        "https://docs.cleanlab.ai/v2.9.0/cleanlab/filter.html#cleanlab.filter.find_label_issues"
    )
    for module, entries in _listed().items():
        for entry in entries:
            theirs = extension.cleanlab_counterpart(f"{module}.{entry}")
            if theirs is not None:
                owner, _, name = theirs.rpartition(".")
                assert hasattr(importlib.import_module(owner), name), theirs


@pytest.mark.slow
def test_the_site_builds_without_a_warning(tmp_path):
    html = tmp_path / "html"
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", str(DOCS), str(html)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    for page in (
        "index",
        "api",
        "contributing",
        "notebooks/finding-label-issues",
        "notebooks/images-and-sentences",
        "generated/dlq.scan",
        "generated/dlq.filter.find_label_issues",
        "generated/dlq.multilabel.rank.get_label_quality_scores",
        "generated/dlq.segmentation.scans.ImageScan",
        "generated/dlq.experimental.label_issues_batched.LabelInspector",
    ):
        assert (html / f"{page}.html").is_file(), page
    assert (
        "https://docs.cleanlab.ai/v2.9.0/cleanlab/filter.html#cleanlab.filter.find_label_issues"
        in (html / "api.html").read_text()
    )
