"""Figures for the course: pure functions that draw arrays and return a Figure.

Every function here computes what it draws with convlib's own numpy code,
draws it on a new :class:`matplotlib.figure.Figure` and returns that figure.
Nothing is shown, saved or registered with ``pyplot`` (the figures know how
to draw themselves as PNG in Jupyter), so

* in a notebook, make the returned figure the cell's last expression (or call
  ``display(fig)``) and it is drawn once;
* in a test, inspect what was drawn: ``ax.images[0].get_array()``,
  ``ax.texts``, ``ax.patches``, ``ax.get_title()``.

Names follow the course's naming table: ``x`` an image ``(H, W)`` or
``(H, W, C_in)``, ``w`` a kernel bank ``(KH, KW, C_in, C_out)``, ``b`` the
biases ``(C_out,)``, ``y`` the output; ``co`` indexes filters (output
channels) and ``c`` input channels.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.patches import FancyBboxPatch, Rectangle

from ..geometry import conv_geometry
from ..reference import correlate2d
from .base import DATA_CMAP, HIGHLIGHT, SIGNED_CMAP, format_number, new_figure, text_colour

__all__ = [
    "format_number",
    "plot_maps",
    "plot_sliding_window",
    "plot_kernel_volume",
    "plot_depth_positions",
]


def _as_2d(a, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (one channel), got shape {a.shape}")
    return a


def _colouring(a, *, signed=None, cmap=None, scale=None):
    """Colour map and normalisation for the values ``a``.

    ``signed=None`` decides from the data: a diverging map centred on 0 when
    any value is negative, else the neutral grey scale.  ``signed=True`` forces
    the diverging map (weights).  An explicit ``cmap`` keeps the data's range.
    The limits are a little wider than the data, so that no cell is white on
    white or too dark to read its label.  ``scale`` (values) sets the limits
    instead of ``a``: panels that the reader compares share one scale.
    """
    a = np.asarray(a, dtype=float)
    s_ = a if scale is None else np.asarray(scale, dtype=float)
    lo, hi = float(s_.min()), float(s_.max())
    if signed is None:
        signed = lo < 0 and cmap is None
    if signed:
        m = 1.4 * max(abs(lo), abs(hi)) or 1.0
        return matplotlib.colormaps[cmap or SIGNED_CMAP], Normalize(-m, m)
    if lo == hi:  # a constant map: a light colour of the scale
        return matplotlib.colormaps[cmap or DATA_CMAP], Normalize(lo - 0.7, lo + 1.3)
    pad = 0.15 * (hi - lo)
    return matplotlib.colormaps[cmap or DATA_CMAP], Normalize(lo - pad, hi + 2 * pad)


def _draw_grid(ax, a, *, signed=None, cmap=None, annotate=True, fontsize=None, ticks=True, skip=(), scale=None):
    """Draw a 2-D array as a grid of coloured cells, each labelled with its value.

    ``signed`` and ``cmap`` choose the colours (see :func:`_colouring`);
    ``skip`` lists cells ``(i, j)`` left without a label (the caller labels
    them); ``scale`` as for :func:`_colouring`.  Returns the fontsize used for the labels.
    """
    a = np.asarray(a, dtype=float)
    cmap, norm = _colouring(a, signed=signed, cmap=cmap, scale=scale)
    ax.imshow(a, cmap=cmap, norm=norm)
    rows, cols = a.shape
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="0.7", linewidth=1)
    ax.tick_params(which="minor", length=0)
    if ticks:
        ax.set_xticks(range(cols))
        ax.set_yticks(range(rows))
        ax.tick_params(which="major", labelsize=8, length=0, pad=2)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if annotate:
        if fontsize is None:
            longest = max(len(format_number(v)) for v in a.flat)
            fontsize = 11 if longest <= 3 else 9 if longest <= 5 else 7
        for (i, j), v in np.ndenumerate(a):
            if (i, j) in skip:
                continue
            ax.text(j, i, format_number(v), ha="center", va="center", fontsize=fontsize,
                    color=text_colour(cmap, norm, v))
    return fontsize


# --------------------------------------------------------------------------- figures


def plot_maps(maps, titles=None, *, annotate=True, centred=False, cmap=None, suptitle=None, size=2.2):
    """Draw 2-D arrays side by side, each cell labelled with its value.

    Parameters
    ----------
    maps : sequence of array_like, each shape (rows, cols)
        E.g. the channels ``x[:, :, c]`` of an image, or output maps.
    titles : sequence of str, optional
        One per map.
    annotate : bool, default True
        Write every value in its cell.
    centred : bool, default False
        Diverging colours symmetric about 0 for every map (use for weights).
        A map with negative values gets them anyway.
    cmap : str or sequence of str, optional
        A matplotlib colour map for all maps, or one per map, e.g.
        ``("Reds", "Greens", "Blues")`` to draw each channel in its own hue.
        Default: grey for non-negative maps, diverging about 0 otherwise.
    suptitle : str, optional
    size : float
        Width in inches of one panel.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per map, in order; ``ax.images[0].get_array()`` is the map.
    """
    maps = [_as_2d(m, f"maps[{i}]") for i, m in enumerate(maps)]
    if not maps:
        raise ValueError("maps must hold at least one 2-D array")
    if titles is not None and len(titles) != len(maps):
        raise ValueError(f"got {len(titles)} titles for {len(maps)} maps")
    cmaps = [cmap] * len(maps) if cmap is None or isinstance(cmap, str) else list(cmap)
    if len(cmaps) != len(maps):
        raise ValueError(f"got {len(cmaps)} colour maps for {len(maps)} maps")
    # Room for the tallest panel, its title (up to two lines) and tick labels.
    aspect = max(m.shape[0] / m.shape[1] for m in maps)
    title_lines = max((t.count("\n") + 1 for t in titles), default=0) if titles is not None else 0
    height = size * aspect + 0.35 + 0.22 * title_lines + (0.4 if suptitle else 0.0)
    fig = new_figure(figsize=(size * len(maps) + 0.2, height), layout="constrained")
    axes = fig.subplots(1, len(maps), squeeze=False)[0]
    for k, (ax, m) in enumerate(zip(axes, maps)):
        _draw_grid(ax, m, signed=True if centred else None, cmap=cmaps[k], annotate=annotate)
        if titles is not None:
            ax.set_title(titles[k], fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _term(v) -> str:
    """A number as a factor in a product: negative numbers in parentheses."""
    t = format_number(v)
    return f"({t})" if t.startswith("-") else t


def _product_lines(window, k) -> str:
    """The sum of products, one kernel row per line: '1·2 + 3·0\\n+ 4·1 + 0·5'."""
    rows = [" + ".join(f"{_term(a)}·{_term(c)}" for a, c in zip(wr, kr))
            for wr, kr in zip(window, k)]
    return "\n+ ".join(rows)


def plot_sliding_window(x, k, positions, *, annotate=True, show_products=None):
    """The sliding window of a single-channel cross-correlation at a few positions.

    Panels, left to right: the kernel ``k``; for each output position
    ``(i, j)`` the input ``x`` with the ``KH x KW`` window starting at row
    ``i``, column ``j`` outlined and each covered cell's weight written under
    its value, titled ``y[i, j] = value``; finally the output ``y`` with those
    positions outlined.  No padding, stride 1: ``y`` has shape
    ``(H - KH + 1, W - KW + 1)``.  Axes are labelled with the indices of
    ``y[i, j] = sum over a, b of x[i + a, j + b] * k[a, b]``.

    Parameters
    ----------
    x : array_like, shape (H, W)
        One channel.
    k : array_like, shape (KH, KW)
    positions : sequence of (i, j)
        Output positions, ``0 <= i <= H - KH`` and ``0 <= j <= W - KW``.
    annotate : bool, default True
        Write the values of ``x``, ``k`` and ``y`` in their cells.
    show_products : bool, optional
        Write the sum of products under each position panel (one kernel row
        per line).  Default: when the kernel has at most 9 weights.

    Returns
    -------
    matplotlib.figure.Figure
        Axes ``[k, position 0, position 1, ..., y]``.  In each position panel
        ``ax.patches[0]`` is the (lightened, outlined) window, a Rectangle at
        ``(j - 0.5, i - 0.5)`` of width ``KW`` and height ``KH``; the sum of
        products is the text with ``get_gid() == "products"``.
    """
    x = _as_2d(x, "x")
    k = _as_2d(k, "k")
    (h, w_), (kh, kw) = x.shape, k.shape
    conv_geometry((h, w_), (kh, kw))  # "valid": raises when the kernel does not fit
    ho, wo = h - kh + 1, w_ - kw + 1
    positions = [tuple(int(v) for v in p) for p in positions]
    for i, j in positions:
        if not (0 <= i < ho and 0 <= j < wo):
            raise ValueError(
                f"position (i, j) = ({i}, {j}) is outside the output: with (H, W) = {x.shape} and "
                f"(KH, KW) = {k.shape} the output has {ho} x {wo} positions, i in 0..{ho - 1}, j in 0..{wo - 1}"
            )
    if show_products is None:
        show_products = k.size <= 9
    y = correlate2d(x, k)

    n = len(positions) + 2
    fig = new_figure(figsize=(2.9 * n, 3.2 + (0.2 + 0.17 * kh if show_products else 0.0)), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    _draw_grid(axes[0], k, signed=True, annotate=annotate)
    axes[0].set_title(f"kernel k  (KH, KW) = ({kh}, {kw})", fontsize=10)
    axes[0].set_ylabel("row a", fontsize=9)
    axes[0].set_xlabel("column b", fontsize=9)
    for ax, (i, j) in zip(axes[1:-1], positions):
        window = {(i + a, j + c) for a in range(kh) for c in range(kw)}
        fs = _draw_grid(ax, x, annotate=annotate, skip=window if annotate else ())
        # The window: lightened, outlined, and in each cell the input value over its weight.
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), kw, kh, facecolor=(1, 1, 1, 0.8), edgecolor=HIGHLIGHT,
                               linewidth=3, zorder=3))
        for a in range(kh):
            for c in range(kw):
                if annotate:
                    ax.text(j + c, i + a - 0.16, format_number(x[i + a, j + c]), ha="center", va="center",
                            fontsize=fs, color="black", zorder=4)
                ax.text(j + c, i + a + 0.26, f"×{_term(k[a, c])}", ha="center", va="center",
                        fontsize=9, color=HIGHLIGHT, fontweight="bold", zorder=4)
        ax.set_title(f"y[{i}, {j}] = {format_number(y[i, j])}", fontsize=11)
        ax.set_ylabel("row", fontsize=9)
        ax.set_xlabel("column", fontsize=9)
        if show_products:
            ax.annotate(_product_lines(x[i : i + kh, j : j + kw], k), xy=(0.5, 0), xycoords="axes fraction",
                        xytext=(0, -30), textcoords="offset points", ha="center", va="top", fontsize=8,
                        gid="products")
    ax = axes[-1]
    _draw_grid(ax, y, annotate=annotate)
    for i, j in positions:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=3, zorder=3))
    ax.set_title(f"output y: H-KH+1 = {ho} rows,\nW-KW+1 = {wo} columns", fontsize=10)
    ax.set_ylabel("row i", fontsize=9)
    ax.set_xlabel("column j", fontsize=9)
    return fig


def plot_kernel_volume(w, *, channel_names=None, annotate=True, title=None):
    """One filter drawn as a block: ``C_in`` slices of ``KH x KW`` weights.

    The slices are drawn one behind the other along a receding ``C_in``
    axis (slice 0 in front), joined by the edges of the block, each labelled
    with the weights it holds.  Weights are coloured on a diverging scale
    centred on 0 (a colour bar shows it); the colours say nothing about which
    channel a slice belongs to.

    Parameters
    ----------
    w : array_like, shape (KH, KW, C_in)
        One filter, e.g. ``w[:, :, :, co]`` of a Keras kernel bank.
    channel_names : sequence of str, optional
        One name per input channel, e.g. ``("red", "green", "blue")``.
    annotate : bool, default True
        Write each weight in its cell.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0]`` draws the block: ``ax.patches`` holds one square per
        weight (``KH * KW * C_in``, slice by slice from the back); each square
        carries its position in ``patch.get_gid() == "w[kh, kw, c]"``; the
        slice labels have ``get_gid() == "label c"``.  ``fig.axes[1]`` is the
        colour bar.
    """
    w = np.asarray(w, dtype=float)
    if w.ndim != 3:
        hint = " (for a kernel bank (KH, KW, C_in, C_out) pass one filter, w[:, :, :, co])" if w.ndim == 4 else ""
        raise ValueError(f"w must be one filter of shape (KH, KW, C_in), got shape {w.shape}{hint}")
    kh, kw, c_in = w.shape
    if channel_names is not None and len(channel_names) != c_in:
        raise ValueError(f"got {len(channel_names)} channel_names for C_in = {c_in} channels")
    cmap, norm = _colouring(w, signed=True)
    # Oblique projection: each slice moves up and to the right of the one before.  The gap between
    # slices leaves room for each slice's label, written to its right below the next slice.
    dx, dy = kw + 1.3, 0.5 * kh + 0.6
    fig = new_figure(figsize=(2.2 + 0.62 * (kw + dx * (c_in - 1)), 1.1 + 0.62 * (kh + dy * (c_in - 1))),
                     layout="constrained")
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.set_axis_off()
    # The block's four receding edges, behind everything.
    for cx, cy in [(0, 0), (kw, 0), (0, kh), (kw, kh)]:
        ax.plot([cx, cx + dx * (c_in - 1)], [cy, cy + dy * (c_in - 1)], color="0.6", linestyle="--",
                linewidth=1, zorder=0)
    for c in reversed(range(c_in)):
        ox, oy = dx * c, dy * c
        for a in range(kh):
            for q in range(kw):
                v = w[a, q, c]
                sq = Rectangle((ox + q, oy + kh - 1 - a), 1, 1, facecolor=cmap(norm(v)), edgecolor="black",
                               linewidth=1, zorder=2 * (c_in - c))
                sq.set_gid(f"w[{a}, {q}, {c}]")
                ax.add_patch(sq)
                if annotate:
                    ax.text(ox + q + 0.5, oy + kh - a - 0.5, format_number(v), ha="center", va="center",
                            fontsize=9, color=text_colour(cmap, norm, v), zorder=2 * (c_in - c) + 1)
        # The label sits just right of the slice.  There the four dashed edges cross the gap as parallel
        # lines; put it in the middle of the widest band between them (on a white box, to be safe).
        label = f"c = {c}" + (f"\n({channel_names[c]})" if channel_names is not None else "")
        x_label, slope = kw + 0.15, dy / dx
        rise = (x_label + 0.3 - kw) * slope          # how far the edges have risen at the label's centre
        levels = sorted([0.0, kw * slope, kh, kh + kw * slope])
        low, high = max(zip(levels, levels[1:]), key=lambda pair: pair[1] - pair[0])
        ax.text(ox + x_label, oy + rise + (low + high) / 2, label, ha="left", va="center", fontsize=8,
                zorder=2 * c_in + 2, gid=f"label {c}", bbox=dict(facecolor="white", edgecolor="none", pad=1.0))
    # Axis labels on the front slice and along the receding edge.
    ax.annotate("", xy=(kw, -0.35), xytext=(0, -0.35), arrowprops=dict(arrowstyle="<->", color="0.3"))
    ax.text(kw / 2, -0.45, f"KW = {kw}", ha="center", va="top", fontsize=9)
    ax.annotate("", xy=(-0.35, kh), xytext=(-0.35, 0), arrowprops=dict(arrowstyle="<->", color="0.3"))
    ax.text(-0.45, kh / 2, f"KH = {kh}", ha="right", va="center", fontsize=9, rotation=90)
    if c_in > 1:
        ax.text(dx * (c_in - 1) / 2 - 0.25, kh + dy * (c_in - 1) / 2 + 0.25, f"C_in = {c_in}", ha="right",
                va="bottom", fontsize=9, rotation=np.degrees(np.arctan2(dy, dx)), rotation_mode="anchor")
    ax.set_xlim(-1.3, kw + dx * (c_in - 1) + 1.6)
    ax.set_ylim(-1.0, kh + dy * (c_in - 1) + 0.5)
    ax.set_title(title or f"one filter: (KH, KW, C_in) = ({kh}, {kw}, {c_in}), {w.size} weights", fontsize=10)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, aspect=15, pad=0.02)
    bar.set_label("weight value (0 = white)", fontsize=8)
    bar.ax.tick_params(labelsize=8)
    return fig


def plot_depth_positions(c_in, depths):
    """Where a kernel of depth ``KD`` fits along the channel axis.

    One panel per kernel depth: the ``C_in`` input channels as a column of
    boxes, and one bracket per position the kernel can take when it slides
    through the channels one step at a time (``C_in - KD + 1`` positions).
    ``KD == C_in`` is Conv2D: exactly one position, so no depth axis in the
    output.

    Parameters
    ----------
    c_in : int
        Number of input channels, C_in.
    depths : sequence of int
        Kernel depths KD to draw, each ``1 <= KD <= C_in``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per depth; in each, ``ax.patches`` holds ``C_in`` channel
        boxes followed by one bracket per position, bracket ``d`` with
        ``patch.get_gid() == "channels d..d+KD-1"``.
    """
    c_in = int(c_in)
    depths = [int(d) for d in depths]
    if c_in < 1:
        raise ValueError(f"c_in must be at least 1, got {c_in}")
    for kd in depths:
        if not 1 <= kd <= c_in:
            raise ValueError(f"every kernel depth KD must be in 1..C_in = 1..{c_in}, got KD = {kd}")
    fig = new_figure(figsize=(3.3 * len(depths), 1.6 + 0.55 * c_in), layout="constrained")
    axes = fig.subplots(1, len(depths), squeeze=False)[0]
    for ax, kd in zip(axes, depths):
        n_pos = c_in - kd + 1
        ax.set_axis_off()
        for c in range(c_in):
            ax.add_patch(Rectangle((0, c_in - 1 - c), 1.6, 0.9, facecolor="0.85", edgecolor="black"))
            ax.text(0.8, c_in - 1 - c + 0.45, f"channel {c}", ha="center", va="center", fontsize=8)
        for d in range(n_pos):
            x0 = 1.9 + 0.55 * d
            top, bottom = c_in - 1 - d + 0.95, c_in - d - kd - 0.05
            br = FancyBboxPatch((x0, bottom), 0.35, top - bottom, boxstyle="round,pad=0,rounding_size=0.1",
                                facecolor="none", edgecolor=HIGHLIGHT, linewidth=2)
            br.set_gid(f"channels {d}..{d + kd - 1}")
            ax.add_patch(br)
            ax.text(x0 + 0.175, bottom - 0.15, f"d={d}", ha="center", va="top", fontsize=8, color=HIGHLIGHT)
        ax.set_xlim(-0.1, 2.6 + 0.55 * max(n_pos, 3))
        ax.set_ylim(-0.6, c_in + 0.1)
        kind = "  (= Conv2D)" if kd == c_in else ""
        ax.set_title(f"kernel depth KD = {kd}: {n_pos} position{'s' if n_pos != 1 else ''}{kind}", fontsize=10)
    fig.supxlabel("red bars: the positions a kernel of depth KD can take along the channel axis; "
                  "position d gives output depth d", fontsize=8)
    return fig
