"""Write the pictures of ``dlq scan``'s report that the user guide shows.

    python docs/report_pictures.py

Runs ``dlq demo --rows 20000`` (scikit-learn's digits, 10% of the labels
flipped, scanned on a local cluster) in a temporary folder and saves the
figures its report.html embeds as ``docs/images/report-N.png``: the
pictures are the report's own, not drawn for the docs.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import tempfile
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"
EMBEDDED = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)"')


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "demo"
        command = [sys.executable, "-m", "dlq.cli.command", "demo", "--rows", "20000", "--out", str(out), "--quiet"]
        subprocess.run(command, check=True)
        report = (out / "scan" / "report.html").read_text()
    IMAGES.mkdir(exist_ok=True)
    for number, (alt, data) in enumerate(EMBEDDED.findall(report), start=1):
        path = IMAGES / f"report-{number}.png"
        path.write_bytes(base64.b64decode(data))
        print(f"{path.name}: {alt}")


if __name__ == "__main__":
    main()
