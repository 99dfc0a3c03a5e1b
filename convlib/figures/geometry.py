"""The picture of convolution geometry: the padded input, the kernel's positions, the output.

:func:`geometry_layout` computes from shapes alone what is drawn (a dict, so
tests read exactly what the picture shows); :func:`geometry_raster` draws it as
a raster, captioned and indexed.  The stride/padding explorer
(:mod:`convlib.figures.explorers.stride_padding`) shows it live; a notebook
shows it with :func:`convlib.figures.raster.picture`.
"""

from __future__ import annotations

import numpy as np

from ..geometry import coverage
from .base import PADDING_COLOUR
from .raster import CELL, captioned, hatch, hstack, indexed

__all__ = ["geometry_grid", "kernel_taps", "geometry_layout", "geometry_raster", "CELL_CODES", "OUTSIDE", "COLOURS"]

#: Codes in the grid returned by :func:`geometry_grid`.
CELL_CODES = {"padding": 0, "input": 1, "unused input": 2, "padding (unused)": 3}
#: Code of a cell of :func:`geometry_layout`'s margin that is not padding (drawn white).
OUTSIDE = 4
#: The colour of each code: padding light blue (as in every picture), input mid grey, input no output reads red,
#: padding no tap reads pale blue, outside white.
COLOURS = [PADDING_COLOUR, "#bdbdbd", "#fb6a4a", "#e8f0f8", "#ffffff"]
_RGB = np.array([[int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in COLOURS], np.uint8)
TAP, START, GHOST, PIXEL = (230, 97, 1), (0, 0, 0), (84, 39, 143), (230, 97, 1)


def geometry_grid(hw, khw, stride=1, padding="valid", dilation=1):
    """Classify every cell of the padded input.

    Parameters
    ----------
    hw, khw, stride, padding, dilation
        As for :func:`convlib.geometry.coverage`.

    Returns
    -------
    grid : ndarray of int, shape (H + top + bottom, W + left + right)
        :data:`CELL_CODES`: 0 padding, 1 input read by the kernel, 2 input that
        no output depends on, 3 padding that no kernel tap reaches.
    cov : Coverage
        From :func:`convlib.geometry.coverage`.
    """
    cov = coverage(hw, khw, stride, padding, dilation)
    (top, bottom), (left, right) = cov.geometry.pads
    is_input = np.zeros((len(cov.rows_used), len(cov.cols_used)), bool)
    is_input[top : top + hw[0], left : left + hw[1]] = True
    used = cov.rows_used[:, None] & cov.cols_used[None, :]
    grid = np.where(is_input, np.where(used, 1, 2), np.where(used, 0, 3))
    return grid, cov


def kernel_taps(khw, stride, dilation, position):
    """Padded-input coordinates read by the kernel for output pixel ``position = (i, j)``.

    Returns
    -------
    rows, cols : ndarray of int, shape (KH*KW,)
    """
    (kh, kw), (sh, sw), (dh, dw), (i, j) = khw, stride, dilation, position
    rr, cc = np.meshgrid(i * sh + np.arange(kh) * dh, j * sw + np.arange(kw) * dw, indexing="ij")
    return rr.ravel(), cc.ravel()


def geometry_layout(hw, khw, stride=1, padding="valid", dilation=1, *, position=(0, 0), margin=None, ghost=None):
    """What the stride/padding picture shows, in input coordinates (input row 0 is the image's first row; padding
    rows above it are -1, -2, ...), so that a different padding moves the windows, not the image.

    Parameters
    ----------
    hw, khw, stride, padding, dilation
        As for :func:`convlib.geometry.coverage`.
    position : (i, j), default (0, 0)
        The output pixel whose kernel taps are marked (clipped to the output).
    margin : ((top, bottom), (left, right)), optional
        How many cells to draw around the input (default: this padding).  A margin larger than the padding is drawn
        white; the explorer passes the largest padding of every 'same' convention, so the image stays put while
        the convention changes.
    ghost : padding, optional
        A second padding (for example TensorFlow's 'same' split) whose window starts are marked too.

    Returns
    -------
    dict
        ``coverage`` (:class:`~convlib.geometry.Coverage`), ``grid`` (the padded input's :data:`CELL_CODES`),
        ``canvas`` (``grid`` inside the margin, :data:`OUTSIDE` beyond it), ``origin`` (the input coordinates of the
        canvas' top-left cell), ``position``, and in input coordinates ``taps`` (rows, cols) of output ``position``,
        the window ``starts`` (rows, cols; one per output pixel, raster order) and the ``ghost_starts``.
    """
    grid, cov = geometry_grid(hw, khw, stride, padding, dilation)
    g = cov.geometry
    ho, wo = g.out
    i, j = min(position[0], ho - 1), min(position[1], wo - 1)
    (top, bottom), (left, right) = g.pads
    (mt, mb), (ml, mr) = g.pads if margin is None else margin
    mt, mb, ml, mr = max(mt, top), max(mb, bottom), max(ml, left), max(mr, right)
    canvas = np.full((hw[0] + mt + mb, hw[1] + ml + mr), OUTSIDE)
    canvas[mt - top:mt - top + grid.shape[0], ml - left:ml - left + grid.shape[1]] = grid
    rows, cols = kernel_taps(khw, g.stride, g.dilation, (i, j))
    if ghost is not None:
        ghost_starts = _window_starts(coverage(hw, khw, stride, ghost, dilation).geometry)
    else:
        ghost_starts = (np.zeros(0, int), np.zeros(0, int))
    return dict(coverage=cov, grid=grid, canvas=canvas, origin=(-mt, -ml), position=(i, j),
                taps=(rows - top, cols - left), starts=_window_starts(g), ghost_starts=ghost_starts)


def geometry_raster(d: dict, cell: int = CELL):
    """The picture of :func:`geometry_layout` ``d``: the padded input (cells coloured by :data:`COLOURS`, the
    image framed, every window's first tap a black dot, the ghost's window starts purple rings, the kernel taps of
    output ``position`` orange squares), and the ``Ho x Wo`` output with ``position`` marked; rows and columns
    numbered, each panel captioned with its sizes.

    Returns
    -------
    ndarray, shape (rows, cols, 3), uint8
    """
    canvas, (r0, c0) = d["canvas"], d["origin"]
    g = d["coverage"].geometry
    img = np.repeat(np.repeat(_RGB[canvas], cell, axis=0), cell, axis=1)
    img[::cell, :] = img[:, ::cell] = 255
    hatch(img, np.repeat(np.repeat(canvas == OUTSIDE, cell, axis=0), cell, axis=1), colour=(225, 225, 225))
    (top, bottom), (left, right) = g.pads
    hin, win = d["grid"].shape[0] - top - bottom, d["grid"].shape[1] - left - right
    y0, x0 = -r0 * cell, -c0 * cell
    _frame(img, y0, x0, hin * cell, win * cell, (8, 81, 156), 2)
    for r, c in zip(*d["taps"]):
        _frame(img, (r - r0) * cell + 2, (c - c0) * cell + 2, cell - 4, cell - 4, TAP, 3)
    for r, c in zip(*d["ghost_starts"]):
        _frame(img, (r - r0) * cell + 5, (c - c0) * cell + 5, cell - 10, cell - 10, GHOST, 2)
    q = cell // 2
    for r, c in zip(*d["starts"]):
        y, x = (r - r0) * cell + q, (c - c0) * cell + q
        img[y - 2:y + 3, x - 2:x + 3] = START
    rows = range(r0, r0 + canvas.shape[0])
    cols = range(c0, c0 + canvas.shape[1])
    ho, wo = g.out
    out = np.full((ho * cell, wo * cell, 3), (253, 208, 162), np.uint8)
    i, j = d["position"]
    out[i * cell:(i + 1) * cell, j * cell:(j + 1) * cell] = PIXEL
    out[::cell, :] = out[:, ::cell] = 255
    inp = captioned(indexed(img, rows, cols, cell),
                    f"input {hin}x{win} padded to {d['grid'].shape[0]}x{d['grid'].shape[1]} "
                    f"(top {top}, bottom {bottom}, left {left}, right {right})")
    return hstack([inp, captioned(indexed(out, range(ho), range(wo), cell),
                                  f"output Ho x Wo = {ho}x{wo}\norange: output ({i}, {j})")], gap=28)


def _frame(img, y, x, h, w, colour, t):
    """An outline of ``h`` x ``w`` pixels at ``(y, x)`` of ``img``, ``t`` pixels thick, in place."""
    img[y:y + t, x:x + w] = colour
    img[y + h - t:y + h, x:x + w] = colour
    img[y:y + h, x:x + t] = colour
    img[y:y + h, x + w - t:x + w] = colour


def _window_starts(g):
    """Input coordinates (rows, cols) of every window's first tap, one per output pixel, in raster order."""
    (top, _), (left, _) = g.pads
    rr, cc = np.meshgrid(np.arange(g.out[0]) * g.stride[0] - top, np.arange(g.out[1]) * g.stride[1] - left,
                         indexing="ij")
    return rr.ravel(), cc.ravel()
