"""How a scan and its result show in Jupyter: small HTML tables, their
numbers as people read them (the report's too)."""

from __future__ import annotations

import html
from typing import Any

import numpy as np


def significant(value: Any) -> str:
    """A number of any float type to four significant digits, a list (a
    multi-label row's classes) as its items joined by commas; anything else
    (an index, a name) as it is.

    Parameters
    ----------
    value : Any
        What to show.

    Returns
    -------
    str
        ``value`` as a table cell shows it.

    Examples
    --------
    >>> significant(np.float32(4.9446136983868124e-15)), significant(0.123456789), significant(12345)
    ('4.945e-15', '0.1235', '12345')
    >>> significant(["even", "prime"]), significant(np.array([0, 4]))
    ('even, prime', '0, 4')
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(significant(item) for item in value)
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)


def readable(value: Any, separator: str = ", ") -> str:
    """A value as people read it: floats to four significant digits
    (:func:`significant`), integers with thousands separators, a mapping as
    ``name = value`` items and a list as its items, joined by ``separator``.

    Parameters
    ----------
    value : Any
        What to show: a number, a mapping or list of them, or anything else
        (shown as ``str`` gives it).
    separator : str
        What joins a mapping's items.

    Returns
    -------
    str
        Plain text (not escaped for HTML).

    Examples
    --------
    >>> readable({"method": "softmin", "temperature": 0.123456789}), readable(1234567), readable(True)
    ('method = softmin, temperature = 0.1235', '1,234,567', 'True')
    """
    if isinstance(value, dict):
        return separator.join(f"{name} = {readable(item, separator)}" for name, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(readable(item, separator) for item in value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    return significant(value)


def html_table(title: str, rows: list[tuple[str, Any]]) -> str:
    """A titled two-column table of ``rows`` (name, value), as HTML, each
    value shown by :func:`readable`.

    Examples
    --------
    >>> html_table("scan", [("rows", 3)]).count("<tr>")
    1
    """
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
        f"<td style='text-align:left'>{html.escape(readable(value))}</td></tr>"
        for name, value in rows
    )
    return f"<div><strong>{html.escape(title)}</strong><table>{cells}</table></div>"


def preview(values: np.ndarray, limit: int = 10) -> str:
    """The first ``limit`` values (rows of a 2-d array as tuples) and how
    many there are in all, floats to four significant digits.

    Examples
    --------
    >>> preview(np.arange(12), limit=3)
    '[0, 1, 2, ...] (12 in all)'
    >>> preview(np.array([[0.123456789, 0.5], [1 / 3, 0.25]]))
    '[(0.1235, 0.5), (0.3333, 0.25)] (2 in all)'
    """
    shown = ", ".join(
        f"({', '.join(map(significant, item))})" if isinstance(item, list) else significant(item)
        for item in values[:limit].tolist()
    )
    return f"[{shown}{', ...' if values.shape[0] > limit else ''}] ({values.shape[0]:,} in all)"


def result_view(result: Any) -> str:
    """A :class:`dlq.ScanResult` as a notebook shows it: its counts, the
    first issues, the confident thresholds of the first classes (a pair each
    for multi-label data) and the options.

    Parameters
    ----------
    result : ScanResult
        What a scan found.

    Returns
    -------
    str
        An HTML table; full precision stays in ``result``.

    Examples
    --------
    >>> from dlq.result import ScanResult
    >>> result = ScanResult(np.array([3, 1]), 2, np.array([0.123456789, 4.9446136983868124e-15]), 5000, 2)
    >>> page = result_view(result)
    >>> "5,000" in page, "[0.1235, 4.945e-15] (2 in all)" in page
    (True, True)
    """
    rows = [
        ("examples", result.n_examples),
        ("classes", result.n_classes),
        ("estimated issues", result.num_issues),
        ("label issues found", result.issues.shape[0]),
        ("worst first", preview(result.issues)),
        ("confident thresholds", preview(np.asarray(result.thresholds).T)),  # multi-label's (2, K): a pair a class
        *result.options.items(),
    ]
    return html_table("dlq scan result", rows)
