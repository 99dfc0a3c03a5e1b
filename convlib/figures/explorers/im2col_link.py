"""The im2col linker: an output pixel, its row of the patch matrix, a kernel column and their dot product.

:func:`convlib.im2col` copies the window of output pixel ``(i, j)`` (every
channel) into row ``r = i * Wo + j`` of the patch matrix, columns ordered
``(kh, kw, ci)``; the kernel bank reshaped to ``(KH*KW*C_in, C_out)`` has one
column per filter; the output is one matrix product::

    y[i, j, co] = cols[i * Wo + j] @ w.reshape(-1, C_out)[:, co] + b[co]

The second mode goes the other way: column ``k`` of the patch matrix is tap
``(kh, kw)`` of channel ``ci`` in every window, so it copies one input pixel
per output pixel; and every input pixel is copied once per window that covers
it (up to ``KH*KW`` times).

:func:`im2col_link_state` computes it all, :func:`im2col_raster` draws it,
:class:`Im2colExplorer` wires it to sliders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...conv import conv2d
from ...im2col import col2im, im2col
from ...geometry import conv_geometry
from ...reference import zero_pad
from .frame import Explorer, PaddedLayer, choice, fallback, int_slider
from ..raster import BLUE, captioned, cells_rgb, draw_box, hstack, mark_cells, pad_mask, vstack
from .tables import fmt, html_grid, scroll_box, term
from .channel_sum import preset_data

__all__ = ["Im2colLinkState", "im2col_link_state", "column_labels", "copy_counts", "im2col_raster",
           "Im2colExplorer"]


def column_labels(kh: int, kw: int, c_in: int) -> list[tuple[int, int, int]]:
    """``(kh, kw, ci)`` of every patch-matrix column, in :func:`convlib.im2col`'s order."""
    return [(p, q, c) for p in range(kh) for q in range(kw) for c in range(c_in)]


def copy_counts(hw, khw, stride=1, padding="valid") -> np.ndarray:
    """How many entries of the patch matrix copy each input pixel (of one channel).

    Returns
    -------
    ndarray of int, shape (H, W)
        ``col2im`` of a patch matrix of ones: the sum of the copies is ``Ho*Wo*KH*KW``
        minus the taps that read padding.
    """
    g = conv_geometry(hw, khw, stride, padding)
    ones = np.ones((g.out[0] * g.out[1], khw[0] * khw[1]))
    return np.rint(col2im(ones, (1, hw[0], hw[1], 1), khw, stride=stride, padding=padding)[0, :, :, 0]).astype(int)


@dataclass
class Im2colLinkState(PaddedLayer):
    """What the linker shows.

    Attributes
    ----------
    x : (H, W, C_in);  w : (KH, KW, C_in, C_out);  b : (C_out,);  xp : the padded input
    pads, out (Ho, Wo), stride (sh, sw)
    cols : (Ho*Wo, KH*KW*C_in), :func:`convlib.im2col` of ``x``
    labels : list of (kh, kw, ci), one per column
    position : (i, j);  row : int, ``i * Wo + j``;  patch_row : ``cols[row]``
    co : int;  kernel_column : (KH*KW*C_in,), ``w.reshape(-1, C_out)[:, co]``
    products : ``patch_row * kernel_column``;  value : their sum plus ``b[co]``
    y : (Ho, Wo, C_out), :func:`convlib.conv2d`
    column : int;  column_label : (kh, kw, ci)
    column_sources : (Ho*Wo, 2) int, the padded ``(row, col)`` that column ``column`` copies, per patch row
    copies : (H, W) int, :func:`copy_counts`
    """

    cols: np.ndarray
    labels: list
    position: tuple
    row: int
    patch_row: np.ndarray
    co: int
    kernel_column: np.ndarray
    products: np.ndarray
    value: float
    y: np.ndarray
    column: int
    column_label: tuple
    column_sources: np.ndarray
    copies: np.ndarray


def im2col_link_state(x, w, b=None, *, stride=1, padding="valid", position=(0, 0), co=0, column=0) -> Im2colLinkState:
    """Compute the linked views for output pixel ``position``, filter ``co`` and patch column ``column``.

    Parameters
    ----------
    x : array_like, shape (H, W, C_in)
    w : array_like, shape (KH, KW, C_in, C_out)
    b : array_like, shape (C_out,), optional
    stride, padding : as for :func:`convlib.conv2d`
    position, co, column : clipped to the output, the filters and the columns

    Returns
    -------
    Im2colLinkState
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw, c_in, c_out = w.shape
    b = np.zeros(c_out) if b is None else np.asarray(b, dtype=float)
    y = conv2d(x, w, b, stride=stride, padding=padding)
    g = conv_geometry(x.shape[:2], (kh, kw), stride, padding)
    cols = im2col(x, (kh, kw), stride=stride, padding=padding)
    i = int(np.clip(position[0], 0, g.out[0] - 1))
    j = int(np.clip(position[1], 0, g.out[1] - 1))
    co = int(np.clip(co, 0, c_out - 1))
    column = int(np.clip(column, 0, cols.shape[1] - 1))
    r = i * g.out[1] + j
    kcol = w.reshape(-1, c_out)[:, co]
    products = cols[r] * kcol
    labels = column_labels(kh, kw, c_in)
    p, q, _ = labels[column]
    oi, oj = np.divmod(np.arange(cols.shape[0]), g.out[1])
    sources = np.stack([oi * g.stride[0] + p, oj * g.stride[1] + q], axis=1)
    return Im2colLinkState(x, w, b, zero_pad(x[None], g.pads)[0], g.pads, g.out, g.stride, cols, labels, (i, j), r,
                           cols[r], co, kcol, products, float(products.sum() + b[co]), y, column, labels[column],
                           sources, copy_counts(x.shape[:2], (kh, kw), stride, padding))


def im2col_raster(s: Im2colLinkState, mode: str = "pixel"):
    """The picture, every panel captioned: the padded input channels, the patch matrix, the kernel matrix.

    ``mode="pixel"``: the window of output pixel ``(i, j)`` outlined in every channel, its
    patch row and kernel column ``co`` outlined.  ``mode="column"``: the input pixels that
    patch column ``column`` copies marked in channel ``ci`` (blue), the column outlined.
    Padding is light blue wherever it stands: in the input and in the patch matrix entries that copy it.
    All channels and the patch matrix share one grey scale (the patch matrix holds the same numbers).
    """
    kh, kw, c_in, c_out = s.w.shape
    mask = pad_mask(s.xp.shape[:2], s.pads)
    lo, hi = float(min(s.xp.min(), 0)), float(s.xp.max())
    chans = []
    for c in range(c_in):
        img = cells_rgb(s.xp[:, :, c], "Greys", lo, hi, padding=mask)
        if mode == "pixel":
            draw_box(img, s.position[0] * s.stride[0], s.position[1] * s.stride[1], kh, kw)
        elif c == s.column_label[2]:
            mark_cells(img, [tuple(rc) for rc in s.column_sources], colour=BLUE)
        chans.append(captioned(img, f"input channel ci={c}"))
    cell = 12
    copied_padding = im2col(np.ones_like(s.x), (kh, kw), stride=s.stride, padding=s.pads) == 0
    patch = cells_rgb(s.cols, "Greys", lo, hi, cell=cell, padding=copied_padding)
    lim = float(np.abs(s.w).max()) or 1.0
    kmat = cells_rgb(s.w.reshape(-1, c_out), "PuOr_r", -lim, lim, cell=cell)
    if mode == "pixel":
        draw_box(patch, s.row, 0, 1, s.cols.shape[1], cell=cell, t=2)
        draw_box(kmat, 0, s.co, s.cols.shape[1], 1, cell=cell, t=2)
    else:
        draw_box(patch, 0, s.column, s.cols.shape[0], 1, cell=cell, t=2)
        draw_box(kmat, s.column, 0, 1, c_out, cell=cell, t=2)
    rows, cols = s.cols.shape
    return hstack([vstack(chans, gap=10),
                   captioned(patch, f"patch matrix cols\n{rows} x {cols}: a row\nper output pixel"),
                   captioned(kmat, f"kernel matrix\n{cols} x {c_out}: a\ncolumn per filter")], gap=24)


def _label(t) -> str:
    return f"({t[0]},{t[1]},{t[2]})"


def pixel_html(s: Im2colLinkState) -> str:
    """Mode 1 in numbers: the patch row with its column labels, the kernel column, the dot product."""
    i, j = s.position
    head = "".join(f"<th style='padding:1px 4px;font-weight:normal;font-size:80%'>{_label(t)}</th>" for t in s.labels)
    def row(name, values, cls):
        cells = "".join(f"<td style='padding:1px 4px;border:1px solid #bbb;text-align:right;font-family:monospace'>"
                        f"{fmt(v)}</td>" for v in values)
        return f"<tr class='{cls}'><th style='text-align:left;padding-right:6px'>{name}</th>{cells}</tr>"
    table = (f"<table style='border-collapse:collapse'><tr><th>(kh, kw, ci)</th>{head}</tr>"
             + row(f"cols[{s.row}]", s.patch_row, "im-row") + row(f"w[:, {s.co}]", s.kernel_column, "im-kcol")
             + row("product", s.products, "im-prod") + "</table>")
    return (f"<div>output pixel (i, j) = ({i}, {j}) is row <b>{s.row}</b> = {i}·{s.out[1]} + {j} of the patch matrix "
            f"({s.cols.shape[0]} x {s.cols.shape[1]}); filter co = {s.co} is column {s.co} of the kernel matrix "
            f"({s.cols.shape[1]} x {s.w.shape[3]}).</div>" + windows_html(s) + scroll_box(table, "im-row-table")
            + f"<div class='im-total' style='font-size:115%'>cols[{s.row}] · w[:, {s.co}] + b[{s.co}] = "
              f"{fmt(s.products.sum())} + {term(s.b[s.co])} = <b>{fmt(s.value)}</b> = y[{i}, {j}, {s.co}] "
              f"(conv2d: <span class='im-conv2d'>{fmt(s.y[i, j, s.co])}</span>)</div>")


def windows_html(s: Im2colLinkState) -> str:
    """Each channel's window under output pixel ``(i, j)`` as a small grid of its numbers (padding included):
    the patch row is these grids read channel by channel, interleaved as (kh, kw, ci)."""
    kh, kw, c_in, _ = s.w.shape
    r0, c0 = s.position[0] * s.stride[0], s.position[1] * s.stride[1]
    (t, _), (l, _) = s.pads
    grids = [html_grid(s.xp[r0:r0 + kh, c0:c0 + kw, c], cls="im-window", caption=f"channel ci = {c}")
             for c in range(c_in)]
    where = f"input rows {r0 - t}..{r0 - t + kh - 1}, cols {c0 - l}..{c0 - l + kw - 1}"
    return (f"<div class='im-windows'>the window, {where}, in each channel"
            + (" (outside the input: padding, 0)" if min(r0 - t, c0 - l) < 0 or r0 - t + kh > s.x.shape[0]
               or c0 - l + kw > s.x.shape[1] else "") + ":</div><div>" + "".join(grids) + "</div>")


def column_html(s: Im2colLinkState) -> str:
    """Mode 2 in numbers: what one column copies, and how often each input pixel is copied."""
    p, q, c = s.column_label
    (t, _), (l, _) = s.pads
    srcs = ", ".join(f"({r - t},{cc - l})" for r, cc in s.column_sources[:8])
    more = " ..." if len(s.column_sources) > 8 else ""
    return (f"<div class='im-column'>column <b>{s.column}</b> = (kh, kw, ci) = <b>{_label(s.column_label)}</b>: tap "
            f"({p}, {q}) of channel {c} in every window, so it copies channel {c} at input (row, col) "
            f"{srcs}{more} (negative or past the edge: padding, a zero), one per patch row.</div>"
            f"<div>How many times the patch matrix copies each input pixel (of each channel): total "
            f"<b class='im-copies-total'>{int(s.copies.sum())}</b> copies of {s.copies.size} pixels, at most "
            f"<b class='im-copies-max'>{int(s.copies.max())}</b> = KH·KW = {s.w.shape[0] * s.w.shape[1]} possible</div>"
            + html_grid(s.copies, caption="copies per input pixel"))


FALLBACK = fallback("The im2col linker appears here when you run this cell in JupyterLab: pick an output pixel "
                    "and see its window, its row of the patch matrix, a kernel column and their dot product; or "
                    "pick a patch-matrix column and see which input pixels it copies.")

#: Starting values of the controls; the input is always 5 x 5.
DEFAULTS = dict(C_in=2, C_out=2, KH=2, KW=2, stride=1, mode="valid", view="pixel", co=0, i=0, j=0, column=0)


class Im2colExplorer(Explorer):
    """Sliders over :func:`im2col_link_state`: input 5 x 5 of random integers (seed 0).

    Attributes
    ----------
    controls : dict of ipywidgets (``C_in``, ``C_out``, ``KH``, ``KW``, ``stride``, ``co``, ``i``, ``j``,
        ``column`` IntSliders; ``mode`` (padding) and ``view`` ("pixel" or "column") RadioButtons)
    state : Im2colLinkState;  numbers, note : ipywidgets.HTML;  image : ipywidgets.Image;  widget : the panel
    last_update_ms : float
    """

    def __init__(self, **values):
        v = self._start(values, DEFAULTS)
        ranges = dict(C_in=(1, 3), C_out=(1, 3), KH=(1, 3), KW=(1, 3), stride=(1, 2), i=(0, 0), j=(0, 0), co=(0, 0),
                      column=(0, 0))
        names = dict(co="filter co", i="output i", j="output j", column="patch column")
        self.controls = {"view": choice([("output pixel → patch row", "pixel"), ("patch column → input pixels", "column")],
                                        v["view"], "pick"),
                         "mode": choice(["valid", "same"], v["mode"], "padding")}
        self.controls.update({k: int_slider(v[k], lo, hi, names.get(k, k)) for k, (lo, hi) in ranges.items()})
        c = self.controls
        self._finish([c[k] for k in ("view", "mode", "C_in", "C_out", "KH", "KW", "stride", "i", "j", "co", "column")],
                     "The input channels (padding light blue, in the patch matrix too), the patch matrix (one row per "
                     "output pixel) and the kernel matrix (one column per filter).", FALLBACK)

    def _redraw(self):
        c = self.controls
        x, wt, b = preset_data("random integers", c["C_in"].value, c["C_out"].value, c["KH"].value, c["KW"].value)
        view = c["view"].value
        for k in ("i", "j", "co"):
            c[k].disabled = view != "pixel"
        c["column"].disabled = view != "column"
        self.note.value = ("<small class='cl-why'>" + ("patch column is used in the view 'patch column → input pixels'"
                                                       if view == "pixel" else
                                                       "output i, j and filter co are used in the view "
                                                       "'output pixel → patch row'") + " (greyed out)</small>")
        state = im2col_link_state(x, wt, b, stride=c["stride"].value, padding=c["mode"].value,
                                  position=(c["i"].value, c["j"].value), co=c["co"].value, column=c["column"].value)
        with self._quiet():
            for k, n in (("i", state.out[0]), ("j", state.out[1]), ("co", wt.shape[3]), ("column", state.cols.shape[1])):
                c[k].max = n - 1
        self.state = state
        self.numbers.value = pixel_html(state) if view == "pixel" else column_html(state)
        self._show(im2col_raster(state, view))
