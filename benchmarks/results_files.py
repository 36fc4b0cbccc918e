"""The benchmarks' results files, and the pages made from them.

Each benchmark script saves its tables as ``benchmarks/results/NAME.json``:
how it was started, on what machine, with which versions, when, and its
blocks (the tables and the notes that say how they were measured), each a
list of paragraphs and tables (header and rows of cells). docs/performance.md
shows each file's ``results`` block between ``<!-- results: NAME -->`` and
``<!-- end results -->``, README.md the ``headline`` block of ``run``
between ``<!-- headline: run -->`` and ``<!-- end headline -->``; both are
made from the files, never typed::

    python benchmarks/results_files.py      # write the pages' blocks from benchmarks/results/*.json

A test checks that the pages hold what the files say.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PERFORMANCE = ROOT / "docs" / "performance.md"
README = ROOT / "README.md"
#: The packages whose versions a results file records.
PACKAGES = ("dlq", "cleanlab", "numpy", "dask", "distributed", "zarr", "pandas", "pyarrow", "scikit-learn")


def environment() -> dict[str, Any]:
    """The machine, the versions and the date of a run."""
    memory = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = round(total_kib / 2**20)
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "date": datetime.date.today().isoformat(),
        "machine": {"architecture": platform.machine(), "cores": os.cpu_count(), "memory_gib": memory},
        "versions": versions,
    }


def parsed(markdown: str) -> list[dict[str, Any]]:
    """Markdown paragraphs and tables as a block: ``{"text": ...}`` for a
    paragraph, ``{"header": [...], "align": [...], "rows": [[...], ...]}``
    for a table (cells as written)."""
    block = []
    for paragraph in markdown.strip().split("\n\n"):
        lines = paragraph.strip().splitlines()
        if lines and all(line.startswith("|") for line in lines):
            header, align, *rows = (_cells(line) for line in lines)
            block.append({"header": header, "align": align, "rows": rows})
        elif lines:
            block.append({"text": paragraph.strip()})
    return block


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def rendered(block: list[dict[str, Any]]) -> str:
    """The Markdown of a block (:func:`parsed`'s inverse)."""
    paragraphs = []
    for item in block:
        if "text" in item:
            paragraphs.append(item["text"])
        else:
            header, *rows = ("| " + " | ".join(cells) + " |" for cells in [item["header"], *item["rows"]])
            paragraphs.append("\n".join([header, "|" + "|".join(item["align"]) + "|", *rows]))
    return "\n\n".join(paragraphs)


def provenance(results: dict[str, Any]) -> str:
    """The line above a file's tables: the command, the machine, the versions, the date."""
    machine = results["machine"]
    memory = f", {machine['memory_gib']} GiB" if machine.get("memory_gib") else ""
    versions = results.get("versions")
    if versions:
        listed = ", ".join(f"{name} {version}" for name, version in versions.items() if version)
        used = f" with {listed}"
    else:
        used = " (versions not recorded)"
    return (
        f"Written by `{results['command']}` on {machine['architecture']}, {machine['cores']} cores{memory}"
        f"{used}, {results['date']}; from `benchmarks/results/{results['name']}.json`."
    )


def save(name: str, blocks: dict[str, str], out: Path | None = None) -> Path:
    """Save a run's ``blocks`` (Markdown) as ``benchmarks/results/NAME.json``
    and put them into the pages; with ``out`` elsewhere, only write that
    file (a quick look leaves the pages as they are)."""
    script = Path(sys.argv[0]).name
    results = {
        "name": name,
        "command": " ".join(["python", f"benchmarks/{script}", *sys.argv[1:]]),
        **environment(),
        "blocks": {key: parsed(text) for key, text in blocks.items()},
    }
    path = out if out is not None else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {path}", file=sys.stderr)
    if path.resolve() == (RESULTS / f"{name}.json").resolve():
        publish(results)
    return path


def loaded(name: str) -> dict[str, Any]:
    """The results file ``benchmarks/results/NAME.json``."""
    return json.loads((RESULTS / f"{name}.json").read_text())


def page_blocks(results: dict[str, Any]) -> dict[tuple[Path, str, str], str]:
    """Where a results file's blocks go (page, start marker, end marker), and their text."""
    name, blocks = results["name"], results["blocks"]
    places = {
        (PERFORMANCE, f"<!-- results: {name} -->", "<!-- end results -->"): (
            provenance(results) + "\n\n" + rendered(blocks["results"])
        )
    }
    if "headline" in blocks:
        places[(README, f"<!-- headline: {name} -->", "<!-- end headline -->")] = (
            rendered(blocks["headline"]) + f"\n\n{results['machine']['cores']} cores, {results['date']}; "
            f"from `benchmarks/results/{name}.json`."
        )
    return places


def between(content: str, start: str, end: str) -> str | None:
    """The text between the lines ``start`` and ``end``, stripped; None without them."""
    if start not in content or end not in content:
        return None
    return content.split(start, 1)[1].split(end, 1)[0].strip()


def publish(results: dict[str, Any]) -> None:
    """Put a results file's blocks between their markers in the pages."""
    for (page, start, end), text in page_blocks(results).items():
        content = page.read_text()
        if between(content, start, end) is None:
            raise SystemExit(f"{page}: no {start} ... {end} block")
        before, rest = content.split(start, 1)
        after = rest.split(end, 1)[1]
        page.write_text(f"{before}{start}\n\n{text}\n\n{end}{after}")
        print(f"updated {page.relative_to(ROOT)} ({start})", file=sys.stderr)


def main() -> None:
    for path in sorted(RESULTS.glob("*.json")):
        publish(json.loads(path.read_text()))


if __name__ == "__main__":
    main()
