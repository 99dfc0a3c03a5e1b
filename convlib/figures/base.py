"""What every convlib figure shares: the figure class, the colour maps, the number labels, the text colour.

Every figure function of :mod:`convlib.figures` returns a :class:`Figure`
made by :func:`new_figure`.  It is never shown, saved or registered with
``pyplot``; it has ``_repr_png_``, so Jupyter draws it once when a cell
returns it (or on ``display(fig)``), with or without ``%matplotlib inline``.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure as MplFigure

__all__ = ["Figure", "CMAPS", "HIGHLIGHT", "DATA_CMAP", "SIGNED_CMAP", "IMAGE_CMAP", "PADDING_COLOUR", "new_figure", "figure_png",
           "format_number", "text_colour"]

#: The colour maps, by what they show.  The course names channels red, green and blue, so the maps for
#: data avoid those colours.
CMAPS = {
    # non-negative data (pixel values, sums): a neutral grey scale, so no channel seems "red" or "blue"
    "data": "Greys",
    # weights and any signed data: diverging, centred on 0 (white), purple below and orange above
    "signed": "PuOr_r",
    # non-negative images and maps: black (0) to white, like a photo
    "image": "gray",
    # the patch matrix of plot_patch_row
    "patches": "Blues",
    # how often each input pixel is copied (plot_copy_counts)
    "counts": "Oranges",
}
DATA_CMAP, SIGNED_CMAP, IMAGE_CMAP = CMAPS["data"], CMAPS["signed"], CMAPS["image"]
#: Padding cells, in every picture: one light blue.
PADDING_COLOUR = "#c6dbef"
#: Colour of windows and highlighted cells, and of the weight written in each window cell.
HIGHLIGHT = "#d62728"

class Figure(MplFigure):
    """A matplotlib Figure that Jupyter can draw by itself.

    IPython shows a returned object as an image when it has ``_repr_png_``.
    A plain Figure only gets that ability from ``%matplotlib inline``, so this
    subclass adds it: a figure returned by a convlib function is drawn as the
    last expression of a cell (or by ``display(fig)``) on any backend, once.
    """

    def _repr_png_(self):
        return figure_png(self, facecolor="white")


def new_figure(**kwargs) -> Figure:
    """A new convlib :class:`Figure` (the one figure factory of :mod:`convlib.figures`); ``kwargs`` as for
    ``matplotlib.figure.Figure`` (figsize, layout, dpi).  It is not registered with pyplot, so no memory is kept
    by the pyplot state."""
    return Figure(**kwargs)


def figure_png(fig, **savefig_kwargs) -> bytes:
    """A matplotlib figure as PNG bytes; ``savefig_kwargs`` as for ``Figure.savefig`` (dpi, facecolor)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", **savefig_kwargs)
    return buf.getvalue()


def format_number(v) -> str:
    """Short text for one array entry: ``40404``, ``-1``, ``0.5``, ``0.33``.

    Integers print without a decimal point; other numbers with at most two
    decimals (trailing zeros dropped; a tiny negative number is "0").
    """
    v = float(v)
    if v == 0:
        return "0"  # also turns -0.0 into "0"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    text = np.format_float_positional(v, precision=2, trim="-")
    return "0" if text == "-0" else text  # a tiny negative number rounds to 0, not "-0"


def text_colour(cmap, norm, v) -> str:
    """Black or white, whichever reads better on the colour that ``cmap(norm(v))`` gives a cell."""
    r, g, b, _ = cmap(norm(v))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
