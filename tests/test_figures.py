"""The figures of README.md and docs/performance.md come from the benchmarks'
results files: each block between markers is what its file says, every file
says how, where, with what and when it was made, and the prose around the
blocks types no timing of its own."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import results_files  # noqa: E402

RESULTS_FILES = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
PAGES = [ROOT / "README.md", ROOT / "docs" / "performance.md", ROOT / "docs" / "design.md"]
#: A measured time or multiple typed in prose: "0.42 s", "12 ms", "5.5x" (not a shape, "512 x 512").
TYPED_FIGURE = re.compile(r"\b\d+(?:[.,]\d+)?(?:\s?(?:s|ms|µs|seconds|minutes)\b|\s?x\b(?!\s?\d))")
MARKERS = re.compile(r"<!-- (results|headline): (\w+) -->(.*?)<!-- end \1 -->", re.S)


def test_there_are_results_files():
    assert {path.stem for path in RESULTS_FILES} >= {"run", "scale", "noise", "segmentation", "tokens"}


@pytest.mark.parametrize("path", RESULTS_FILES, ids=lambda path: path.name)
def test_a_results_file_says_how_where_and_when(path):
    results = json.loads(path.read_text())
    assert results["name"] == path.stem
    assert results["command"].startswith(f"python benchmarks/{results['name']}.py")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", results["date"])
    assert results["machine"]["architecture"] and results["machine"]["cores"] >= 1
    assert "versions" in results  # null for runs made before versions were kept
    tables = [item for item in results["blocks"]["results"] if "rows" in item]
    assert tables, "a results file without a table"
    for table in tables:
        assert all(len(row) == len(table["header"]) for row in table["rows"]), table["header"]


@pytest.mark.parametrize("path", RESULTS_FILES, ids=lambda path: path.name)
def test_the_pages_hold_what_the_file_says(path):
    for (page, start, end), text in results_files.page_blocks(json.loads(path.read_text())).items():
        shown = results_files.between(page.read_text(), start, end)
        assert shown is not None, f"{page.name} has no {start} block"
        assert shown == text, (
            f"{page.name}'s {start} block is not what {path.name} says: run benchmarks/results_files.py"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_block_of_a_page_has_its_file(page):
    names = {match.group(2) for match in MARKERS.finditer(page.read_text())}
    assert names <= {path.stem for path in RESULTS_FILES}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_timing_is_typed_outside_the_blocks(page):
    prose = MARKERS.sub("", page.read_text())
    prose = re.sub(r"```.*?```", "", prose, flags=re.S)  # commands and code
    prose = re.sub(r"^    .*$", "", prose, flags=re.M)  # indented commands
    assert TYPED_FIGURE.findall(prose) == []


def test_a_typed_timing_is_found():
    prose = "took 0.42 s, 12 ms and 3 minutes, 5.5x or 4x the rows; 1,000 x 100 float32, 512 x 512 pixels"
    assert TYPED_FIGURE.findall(prose) == ["0.42 s", "12 ms", "3 minutes", "5.5x", "4x"]


def test_parsing_and_rendering_keep_a_block():
    text = "Some words.\n\n| a | b |\n|---|---:|\n| 1 | 2.0 s |\n| x |  |\n\nMore words\non two lines."
    assert results_files.rendered(results_files.parsed(text)) == text
