"""Pictures of convolution geometry: the padded input, the kernel's positions, the output.

Pure functions: they compute from shapes alone and return a matplotlib
``Figure`` (never shown here), so tests can inspect exactly what is drawn.
:mod:`convlib.figures.widgets` wires :func:`draw_geometry` to sliders.
"""

from __future__ import annotations

import numpy as np

from ..geometry import coverage
from .base import new_figure

__all__ = ["geometry_grid", "draw_geometry", "CELL_CODES"]

#: Codes in the grid returned by :func:`geometry_grid`.
CELL_CODES = {"padding": 0, "input": 1, "unused input": 2, "padding (unused)": 3}
#: Code of a cell of :func:`draw_geometry`'s margin that is not padding (drawn white).
OUTSIDE = 4
_COLOURS = ["#d9d9d9", "#9ecae1", "#fb6a4a", "#f0f0f0"]


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


def draw_geometry(hw, khw, stride=1, padding="valid", dilation=1, *, position=(0, 0), fig=None, titles=True,
                  margin=None, ghost=None):
    """Draw the padded input with the kernel at one output position, and the output grid.

    Everything is drawn in input coordinates: input row 0 is the first row of the image, padding rows above it are
    rows -1, -2, ...  So a different padding moves the windows, not the image.

    Parameters
    ----------
    hw, khw, stride, padding, dilation
        As for :func:`convlib.geometry.coverage`.
    position : (i, j), default (0, 0)
        The output pixel whose kernel taps are outlined (clipped to the output).
    fig : matplotlib.figure.Figure, optional
        A figure made by an earlier call, to update in place (the widget does
        this to redraw fast).
    titles : bool, default True
        Write sizes and unused rows as titles.  The widget shows them as HTML
        instead: rendering text is most of a redraw's time.
    margin : ((top, bottom), (left, right)), optional
        How many cells to draw around the input (default: this padding).  A
        margin larger than the padding is drawn white; the widget passes the
        largest padding of every 'same' convention, so the image stays put
        while the convention changes.
    ghost : padding, optional
        A second padding (for example TensorFlow's 'same' split) whose window
        starts are drawn as hollow circles, to compare with this one's.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: ``axes[0]`` the padded input (cells coloured by the
        :func:`geometry_grid` codes, cells of the margin beyond the padding
        white, the highlighted window's KH*KW taps as orange squares, every
        output pixel's first tap as a black dot, the ghost's as hollow
        circles), ``axes[1]`` the ``Ho x Wo`` output with ``position`` marked.
        ``fig.convlib`` holds the :class:`~convlib.geometry.Coverage`, the
        padded ``grid``, the ``canvas`` drawn (``grid`` inside the margin,
        code 4 outside it) with its ``origin`` (the input coordinates of its
        top-left cell), the ``position``, and in input coordinates the
        ``taps`` (rows, cols), the window ``starts`` and the ``ghost_starts``
        (rows, cols; empty without a ghost).
    """
    grid, cov = geometry_grid(hw, khw, stride, padding, dilation)
    g = cov.geometry
    ho, wo = g.out
    i, j = min(position[0], ho - 1), min(position[1], wo - 1)
    (top, bottom), (left, right) = g.pads
    (mt, mb), (ml, mr) = g.pads if margin is None else margin
    mt, mb, ml, mr = max(mt, top), max(mb, bottom), max(ml, left), max(mr, right)
    canvas = np.full((hw[0] + mt + mb, hw[1] + ml + mr), 4)
    canvas[mt - top:mt - top + grid.shape[0], ml - left:ml - left + grid.shape[1]] = grid
    if fig is None or not hasattr(fig, "convlib"):
        fig = _new_figure()
    ax_in, ax_out = fig.axes
    art = fig.convlib["artists"]

    for mesh in art.pop("meshes", []):
        mesh.remove()
    colours = np.array([_to_rgb(c) for c in _COLOURS + ["white"]])
    out_img = np.zeros((ho, wo), int)
    out_img[i, j] = 1
    art["meshes"] = [
        ax_in.pcolormesh(np.arange(-ml, hw[1] + mr + 1) - 0.5, np.arange(-mt, hw[0] + mb + 1) - 0.5,
                         canvas, cmap=_cmap(colours), vmin=0, vmax=4, edgecolors="white", linewidth=0.8),
        ax_out.pcolormesh(np.arange(wo + 1) - 0.5, np.arange(ho + 1) - 0.5, out_img,
                          cmap=_cmap(np.array([_to_rgb("#fdd0a2"), _to_rgb("#ff7f00")])), vmin=0, vmax=1,
                          edgecolors="white", linewidth=0.8),
    ]
    art["input_box"].set_bounds(-0.5, -0.5, hw[1], hw[0])
    starts = _window_starts(g)
    art["anchors"].set_offsets(np.column_stack(starts[::-1]))
    if ghost is not None:
        ghost_starts = _window_starts(coverage(hw, khw, stride, ghost, dilation).geometry)
    else:
        ghost_starts = (np.zeros(0, int), np.zeros(0, int))
    art["ghosts"].set_offsets(np.column_stack(ghost_starts[::-1]).reshape(-1, 2))
    rows, cols = kernel_taps(khw, g.stride, g.dilation, (i, j))
    rows, cols = rows - top, cols - left
    art["taps"].set_offsets(np.column_stack([cols, rows]))
    fig.set_dpi(100 if titles else 72)  # the widget's PNG stays small and fast
    for ax, (r0, r1), (c0, c1) in ((ax_in, (-mt, hw[0] + mb), (-ml, hw[1] + mr)), (ax_out, (0, ho), (0, wo))):
        ax.set_xlim(c0 - 0.5, c1 - 0.5)
        ax.set_ylim(r1 - 0.5, r0 - 0.5)
        # Row/column numbers (input coordinates) for a static figure; text is slow to render in the widget.
        ax.set_xticks(np.arange(c0, c1) if titles else [])
        ax.set_yticks(np.arange(r0, r1) if titles else [])
        ax.tick_params(length=0, labelsize=7)
    fig.convlib.update(coverage=cov, grid=grid, canvas=canvas, origin=(-mt, -ml), position=(i, j),
                       taps=(rows, cols), starts=starts, ghost_starts=ghost_starts)
    if not titles:
        for text in (ax_in.title, ax_out.title, getattr(fig, "_suptitle", None)):
            if text is not None:
                text.set_text("")
        return fig
    ax_in.set_title(f"input {hw[0]}x{hw[1]} padded to {grid.shape[0]}x{grid.shape[1]}\n"
                    f"(top {top}, bottom {bottom}, left {left}, right {right})", fontsize=9)
    ax_out.set_title(f"output Ho x Wo = {ho}x{wo}", fontsize=9)
    unused = []
    if cov.unused_rows:
        unused.append(f"input rows {list(cov.unused_rows)} unused")
    if cov.unused_cols:
        unused.append(f"input columns {list(cov.unused_cols)} unused")
    fig.suptitle(
        f"KH x KW = {khw[0]}x{khw[1]}, stride {g.stride}, dilation {g.dilation}; orange: taps for output ({i}, {j})"
        + ("\n" + ", ".join(unused) if unused else ""),
        fontsize=10,
        color="#cb181d" if unused else "black",
    )
    return fig


def _window_starts(g):
    """Input coordinates (rows, cols) of every window's first tap, one per output pixel, in raster order."""
    (top, _), (left, _) = g.pads
    rr, cc = np.meshgrid(np.arange(g.out[0]) * g.stride[0] - top, np.arange(g.out[1]) * g.stride[1] - left,
                         indexing="ij")
    return rr.ravel(), cc.ravel()


def _new_figure():
    from matplotlib.patches import Rectangle

    fig = new_figure(figsize=(8, 4), dpi=72)
    ax_in = fig.add_axes([0.04, 0.05, 0.58, 0.68])
    ax_out = fig.add_axes([0.68, 0.05, 0.3, 0.68])
    for ax in (ax_in, ax_out):
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    box = Rectangle((0, 0), 1, 1, fill=False, edgecolor="#08519c", linewidth=2.5, zorder=2)
    ax_in.add_patch(box)
    ghosts = ax_in.scatter(np.zeros(0), np.zeros(0), s=70, marker="o", facecolor="none", edgecolor="#54278f",
                           linewidth=1.6, zorder=3)
    anchors = ax_in.scatter([], [], s=14, color="black", zorder=3)
    taps = ax_in.scatter([], [], s=110, marker="s", facecolor="none", edgecolor="#ff7f00", linewidth=2.2, zorder=4)
    fig.convlib = {"artists": {"input_box": box, "anchors": anchors, "ghosts": ghosts, "taps": taps}}
    return fig


def _to_rgb(colour):
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


def _cmap(colours):
    from matplotlib.colors import ListedColormap

    return ListedColormap(colours)
