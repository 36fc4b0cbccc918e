"""Every example in README.md and docs/user-guide.md runs as shown.

The rules, one per kind of code block:

- A ``python`` block runs after the ``python`` blocks above it on its page,
  in one file, as a reader who pastes them into a file in order would run
  it: in a fresh process, in a temporary folder that the page's blocks
  share. A block with ``if __name__ == "__main__":`` (one that starts
  worker processes, which import the file again) runs as a file of its
  own, in the same folder, after the blocks above it.
- A ``bash`` block whose first word is ``dlq`` runs too, a command a line,
  in the same folder, after the ``python`` blocks above it. Other ``bash``
  blocks (``pip install``, ``dask scheduler``) show commands to adapt and
  are not run.
- ``<!-- not run: REASON -->`` on the line before a block leaves it out,
  with its reason in the page; no block is left out silently.

Each python run's file is laid out line for line as the page, so a
traceback's line numbers are the page's.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = ["README.md", "docs/user-guide.md"]
#: Seconds one python run or one command may take.
TIMEOUT = 600
GUARD = re.compile(r'^if __name__ == "__main__":', re.MULTILINE)
NOT_RUN = re.compile(r"^<!-- not run:(.*)-->$")
#: Other names of python and shell code, whose blocks would not run: tag them ``python`` and ``bash``.
UNTESTED_NAMES = {"py", "python3", "pycon", "ipython", "sh", "shell", "console", "zsh"}
#: README's Quick start, kept as it is.
QUICK_START = ['pip install ".[demo]" && dlq demo --rows 200000', 'pip install -e ".[test]" && python -m pytest']


@dataclass
class Block:
    """A fenced code block of a page.

    Attributes
    ----------
    language : str
        What follows the opening fence (``python``, ``bash``, ...).
    line : int
        The page's line number of the block's first line of code.
    code : str
        The block's text, without its fences.
    not_run : str or None
        The reason given by a ``<!-- not run: ... -->`` line before the block.
    """

    language: str
    line: int
    code: str
    not_run: str | None = None

    @property
    def first_line(self) -> str:
        return next((line for line in self.code.splitlines() if line.strip()), "")

    @property
    def standalone(self) -> bool:
        """Whether the block runs as a file of its own (it starts worker processes)."""
        return bool(GUARD.search(self.code))

    def name(self, page: str) -> str:
        """How a failure names the block: its page, line and first line."""
        return f"{page} line {self.line} ({self.first_line.strip()!r})"


def blocks_of(page: str) -> list[Block]:
    """The fenced code blocks of ``page`` (relative to the repository), in order."""
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    blocks, opened, previous = [], None, ""
    for number, line in enumerate(lines, start=1):
        if opened is None:
            fence = re.match(r"^```(\S*)\s*$", line)
            if fence:
                marker = NOT_RUN.match(previous.strip())
                opened = Block(fence.group(1), number + 1, "", marker.group(1).strip() if marker else None)
                code = []
            elif line.strip():
                previous = line
        elif line.rstrip() == "```":
            opened.code = "\n".join(code) + "\n"
            blocks.append(opened)
            opened, previous = None, ""
        else:
            code.append(line)
    assert opened is None, f"{page}: the block at line {opened.line} is not closed"
    return blocks


def commands_of(block: Block) -> list[list[str]]:
    """The commands of a ``bash`` block: a list of words per line, comments and blank lines left out."""
    joined = block.code.replace("\\\n", " ")
    return [words for words in (shlex.split(line, comments=True) for line in joined.splitlines()) if words]


def is_run(block: Block) -> bool:
    """Whether ``block`` runs: every python block, and a bash block of dlq commands, unless marked not run."""
    if block.not_run is not None:
        return False
    if block.language == "python":
        return True
    commands = commands_of(block) if block.language == "bash" else []
    return bool(commands) and commands[0][0] == "dlq"


def script(blocks: list[Block]) -> str:
    """The python ``blocks`` as one file, each at its line of the page (blank lines between)."""
    lines: list[str] = []
    for block in blocks:
        lines += [""] * (block.line - 1 - len(lines))
        lines += block.code.splitlines()
    return "\n".join(lines) + "\n"


def environment() -> dict[str, str]:
    """This environment, with the interpreter's folder (and its ``dlq``) first on PATH."""
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("DASK_SCHEDULER_ADDRESS", None)  # the commands start their own cluster, as shown
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def failure(command: list[str], folder: Path) -> str | None:
    """Run ``command`` in ``folder``: None if it exits with 0, else what it printed."""
    try:
        done = subprocess.run(command, cwd=folder, env=environment(), capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as timeout:
        return f"took more than {TIMEOUT} s\n--- stdout\n{timeout.stdout}\n--- stderr\n{timeout.stderr}"
    if done.returncode == 0:
        return None
    return f"exited with {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


def failing_block(page: str, blocks: list[Block], printed: str, file_name: str) -> Block:
    """The block of ``blocks`` where the traceback in ``printed`` (of the file ``file_name``) ends."""
    lines = re.findall(rf'File "[^"]*{re.escape(file_name)}", line (\d+)', printed)
    last = int(lines[-1]) if lines else 0
    return next((block for block in reversed(blocks) if block.line <= last), blocks[-1])


def run_python(page: str, blocks: list[Block], folder: Path, file_name: str) -> None:
    """Run ``blocks`` as one file ``file_name`` in ``folder``, failing with the block the error came from."""
    (folder / file_name).write_text(script(blocks), encoding="utf-8")
    printed = failure([sys.executable, file_name], folder)
    if printed is not None:
        block = failing_block(page, blocks, printed, file_name)
        pytest.fail(f"{block.name(page)}, run as {file_name} with the blocks above it, {printed}", pytrace=False)


def run_page(page: str, folder: Path) -> None:
    """Run every block of ``page`` that runs, in order, in ``folder``."""
    dlq_command = shutil.which("dlq", path=str(Path(sys.executable).parent)) or shutil.which("dlq")
    assert dlq_command, "the dlq command is not installed"
    above: list[Block] = []  # the python blocks above, which run before each of the next
    pending = False  # whether some of them have not run yet
    runs = 0
    for block in blocks_of(page):
        if not is_run(block):
            continue
        if block.language == "python" and not block.standalone:
            above.append(block)
            pending = True
            continue
        if pending:
            runs += 1
            run_python(page, above, folder, f"example_{runs}.py")
            pending = False
        if block.language == "python":
            runs += 1
            run_python(page, [block], folder, f"example_{runs}.py")
        else:
            for words in commands_of(block):
                assert words[0] == "dlq", f"{block.name(page)}: {shlex.join(words)} is not a dlq command"
                printed = failure([dlq_command, *words[1:]], folder)
                if printed is not None:
                    pytest.fail(f"{block.name(page)}: `{shlex.join(words)}` {printed}", pytrace=False)
    if pending:
        run_python(page, above, folder, f"example_{runs + 1}.py")


@pytest.mark.parametrize("page", PAGES)
def test_every_block_runs_or_says_why_not(page):
    blocks = blocks_of(page)
    assert any(block.language == "python" for block in blocks)
    for block in blocks:
        assert block.language, f"{block.name(page)}: name the block's language (python, bash, text, ...)"
        assert block.language not in UNTESTED_NAMES, f"{block.name(page)}: tag python code python, commands bash"
        assert block.not_run != "", f"{block.name(page)}: <!-- not run: --> gives no reason"
        if block.language == "python" and block.not_run is None:
            assert is_run(block)


def test_readme_keeps_its_quick_start_and_headline_and_stays_short():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 8000
    quick_start = readme.partition("## Quick start\n\n```bash\n")[2].partition("```")[0]
    assert quick_start.splitlines() == QUICK_START
    assert readme.count("<!-- headline: ") == readme.count("<!-- end headline -->") == 1  # a script writes between
    sections = re.findall(r"^## (.+)$", readme, re.MULTILINE)
    for section in [
        "Quick start",
        "Multi-class data",
        "Switching from cleanlab",
        "Multi-label data",
        "The `dlq` command",
        "Running on a cluster",
        "Performance",
        "Documentation",
    ]:
        assert section in sections


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_the_examples_of_the_page_run(page, tmp_path):
    run_page(page, tmp_path)
