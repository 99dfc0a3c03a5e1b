"""The explorers' numbers: one format for a number, one for a term of a sum, one HTML table of an array.

The tables are what a screen reader and a browser test read; each sits beside
the picture it describes, in a box that scrolls sideways when it is wider than
the output area.
"""

from __future__ import annotations

import numpy as np

from ..base import format_number

__all__ = ["fmt", "term", "html_grid", "scroll_box"]


def fmt(v) -> str:
    """One number as the explorers print it (:func:`convlib.figures.base.format_number`): ``40404``, ``-1``, ``0.5``."""
    return format_number(v)


def term(v) -> str:
    """A term of a sum or product: negative numbers in parentheses, ``(-2)``, so that ``16 + (-1)`` reads as a sum."""
    return f"({fmt(v)})" if float(v) < 0 and fmt(v) != "0" else fmt(v)


def html_grid(a, *, highlight=None, caption: str = "", cls: str = "") -> str:
    """A 2-D array as a small HTML table of numbers, right-aligned, ``highlight`` (a boolean array) shaded."""
    a = np.asarray(a)
    rows = []
    for r in range(a.shape[0]):
        cells = []
        for c in range(a.shape[1]):
            style = ("padding:0 5px;border:1px solid #bbb;text-align:right;font-family:monospace;font-size:12px;"
                     "line-height:1.35")
            if highlight is not None and highlight[r][c]:
                style += ";background:#fdd0a2"
            cells.append(f"<td style='{style}'>{fmt(a[r, c])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption style='caption-side:top;font-size:90%;white-space:nowrap'>{caption}</caption>" if caption else ""
    return (f"<table class='{cls}' style='border-collapse:collapse;display:inline-table;margin:2px 6px'>"
            f"{cap}{''.join(rows)}</table>")


def scroll_box(html: str, cls: str = "") -> str:
    """``html`` in a box as wide as the output area that scrolls sideways itself when its content is wider."""
    return f"<div class='cl-scroll {cls}' style='max-width:100%;overflow-x:auto'>{html}</div>"
