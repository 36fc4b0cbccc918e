"""How a scan and its result show in Jupyter: small HTML tables."""

from __future__ import annotations

import html
from typing import Any

import numpy as np


def html_table(title: str, rows: list[tuple[str, Any]]) -> str:
    """A titled two-column table of ``rows`` (name, value), as HTML.

    Examples
    --------
    >>> html_table("scan", [("rows", 3)]).count("<tr>")
    1
    """
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
        f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>"
        for name, value in rows
    )
    return f"<div><strong>{html.escape(title)}</strong><table>{cells}</table></div>"


def preview(values: np.ndarray, limit: int = 10) -> str:
    """The first ``limit`` values and how many there are in all.

    Examples
    --------
    >>> preview(np.arange(12), limit=3)
    '[0, 1, 2, ...] (12 in all)'
    """
    shown = ", ".join(str(v) for v in values[:limit].tolist())
    return f"[{shown}{', ...' if values.shape[0] > limit else ''}] ({values.shape[0]} in all)"
