"""Figures for the course: pure functions that draw arrays and return a Figure.

Every function here computes what it draws with convlib's own numpy code,
draws it on a new :class:`matplotlib.figure.Figure` and returns that figure.
Nothing is shown, saved or registered with ``pyplot`` (the figures know how
to draw themselves as PNG in Jupyter), so

* in a notebook, make the returned figure the cell's last expression (or call
  ``display(fig)``) and it is drawn once;
* in a test, inspect what was drawn: ``ax.images[0].get_array()``,
  ``ax.texts``, ``ax.patches``, ``ax.get_title()``.

Matplotlib is imported inside the functions, so ``import convlib.plotting``
costs nothing and ``import convlib`` never needs matplotlib.

Names follow the course's naming table: ``x`` an image ``(H, W)`` or
``(H, W, C_in)``, ``w`` a kernel bank ``(KH, KW, C_in, C_out)``, ``b`` the
biases ``(C_out,)``, ``y`` the output; ``co`` indexes filters (output
channels) and ``c`` input channels.
"""

from __future__ import annotations

import numpy as np

from .reference import correlate2d

__all__ = [
    "format_number",
    "plot_maps",
    "plot_sliding_window",
    "plot_kernel_volume",
    "plot_channel_sum",
    "plot_depth_positions",
]

#: Colour of windows, highlighted cells and kernel weights overlaid on an input.
HIGHLIGHT = "#d62728"
_DATA_CMAP = "Blues"
_WEIGHT_CMAP = "RdBu_r"


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


# --------------------------------------------------------------------------- helpers


_FIGURE_CLASS = None


def _figure_class():
    """A matplotlib Figure that Jupyter can draw by itself.

    IPython shows a returned object as an image when it has ``_repr_png_``.
    A plain Figure only gets that ability from ``%matplotlib inline``, so this
    subclass adds it: a figure returned by a convlib function is drawn as the
    last expression of a cell (or by ``display(fig)``) on any backend, once.
    """
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        import io

        from matplotlib.figure import Figure as _MplFigure

        class Figure(_MplFigure):
            __doc__ = _MplFigure.__doc__

            def _repr_png_(self):
                buf = io.BytesIO()
                self.savefig(buf, format="png", facecolor="white")
                return buf.getvalue()

        Figure.__module__ = __name__
        _FIGURE_CLASS = Figure
    return _FIGURE_CLASS


def _figure(width: float, height: float):
    return _figure_class()(figsize=(width, height), layout="constrained")


def _as_2d(a, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (one channel), got shape {a.shape}")
    return a


def _text_colour(cmap, norm, v) -> str:
    r, g, bl, _ = cmap(norm(v))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * bl > 0.5 else "white"


def _draw_grid(ax, a, *, cmap=_DATA_CMAP, centred=False, annotate=True, fontsize=None, ticks=True, skip=()):
    """Draw a 2-D array as a grid of coloured cells, each labelled with its value.

    ``centred`` uses a diverging colour scale symmetric about zero (for weights);
    ``skip`` lists cells ``(i, j)`` left without a label (the caller labels them).
    Returns the fontsize used for the labels.
    """
    import matplotlib
    from matplotlib.colors import Normalize

    a = np.asarray(a, dtype=float)
    cmap = matplotlib.colormaps[cmap]
    lo, hi = float(a.min()), float(a.max())
    if centred:  # symmetric about 0, a little wider than the data so no cell is too dark to read
        m = 1.4 * max(abs(lo), abs(hi)) or 1.0
        lo, hi = -m, m
    elif lo == hi:  # a constant map: a mid-scale colour
        lo, hi = lo - 1.0, hi + 1.0
    norm = Normalize(lo, hi)
    ax.imshow(a, cmap=cmap, norm=norm)
    rows, cols = a.shape
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    if ticks:
        ax.set_xticks(range(cols))
        ax.set_yticks(range(rows))
        ax.tick_params(which="major", labelsize=7, length=0, pad=2)
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
                    color=_text_colour(cmap, norm, v))
    return fontsize


def _operator(ax, symbol: str):
    ax.set_axis_off()
    ax.text(0.5, 0.5, symbol, ha="center", va="center", fontsize=20, transform=ax.transAxes)


# --------------------------------------------------------------------------- figures


def plot_maps(maps, titles=None, *, annotate=True, centred=False, suptitle=None, size=2.2):
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
        Diverging colours symmetric about 0 (use for weights).
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
    fig = _figure(size * len(maps), size + (0.4 if suptitle else 0.1))
    axes = fig.subplots(1, len(maps), squeeze=False)[0]
    for k, (ax, m) in enumerate(zip(axes, maps)):
        _draw_grid(ax, m, centred=centred, annotate=annotate, cmap=_WEIGHT_CMAP if centred else _DATA_CMAP)
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
    ``i``, column ``j`` outlined and each covered cell's weight written in its
    corner, titled ``y[i, j] = value``; finally the output ``y`` with those
    positions outlined.  No padding, stride 1: ``y`` has shape
    ``(H - KH + 1, W - KW + 1)``.

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
        ``(j - 0.5, i - 0.5)`` of width ``KW`` and height ``KH``.
    """
    from matplotlib.patches import Rectangle

    x = _as_2d(x, "x")
    k = _as_2d(k, "k")
    (h, w_), (kh, kw) = x.shape, k.shape
    if kh > h or kw > w_:
        raise ValueError(f"the kernel (KH, KW) = {k.shape} is larger than the input (H, W) = {x.shape}")
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
    fig = _figure(2.6 * n, 3.6 if show_products else 3.0)
    axes = fig.subplots(1, n, squeeze=False)[0]
    _draw_grid(axes[0], k, cmap=_WEIGHT_CMAP, centred=True, annotate=annotate)
    axes[0].set_title(f"kernel k  (KH, KW) = ({kh}, {kw})", fontsize=10)
    for ax, (i, j) in zip(axes[1:-1], positions):
        window = {(i + a, j + c) for a in range(kh) for c in range(kw)}
        fs = _draw_grid(ax, x, annotate=annotate, skip=window if annotate else ())
        # The window: lightened, outlined, and in each cell the input value over its weight.
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), kw, kh, facecolor=(1, 1, 1, 0.75), edgecolor=HIGHLIGHT,
                               linewidth=3, zorder=3))
        # Inside the window: the input value, and under it the weight it is multiplied by.
        for a in range(kh):
            for c in range(kw):
                if annotate:
                    ax.text(j + c, i + a - 0.12, format_number(x[i + a, j + c]), ha="center", va="center",
                            fontsize=fs, color="black", zorder=4)
                ax.text(j + c, i + a + 0.3, f"×{_term(k[a, c])}", ha="center", va="center",
                        fontsize=7, color=HIGHLIGHT, fontweight="bold", zorder=4)
        ax.set_title(f"y[{i}, {j}] = {format_number(y[i, j])}", fontsize=11)
        if show_products:
            ax.set_xlabel(_product_lines(x[i : i + kh, j : j + kw], k), fontsize=8)
    ax = axes[-1]
    _draw_grid(ax, y, annotate=annotate)
    for i, j in positions:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=3, zorder=3))
    ax.set_title(f"output y: H-KH+1 = {ho} rows,\nW-KW+1 = {wo} columns", fontsize=10)
    return fig


def plot_kernel_volume(w, *, channel_names=None, annotate=True, title=None):
    """One filter drawn as a block: ``C_in`` slices of ``KH x KW`` weights.

    The slices are drawn one behind the other along a receding ``C_in``
    axis (slice 0 in front), joined by the edges of the block, each labelled
    with the weights it holds.

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
        One axes.  ``ax.patches`` holds one square per weight (``KH * KW *
        C_in``, slice by slice from the back); each square carries its
        position in ``patch.get_gid() == "w[kh, kw, c]"``.
    """
    import matplotlib
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    w = np.asarray(w, dtype=float)
    if w.ndim != 3:
        hint = " (for a kernel bank (KH, KW, C_in, C_out) pass one filter, w[:, :, :, co])" if w.ndim == 4 else ""
        raise ValueError(f"w must be one filter of shape (KH, KW, C_in), got shape {w.shape}{hint}")
    kh, kw, c_in = w.shape
    if channel_names is not None and len(channel_names) != c_in:
        raise ValueError(f"got {len(channel_names)} channel_names for C_in = {c_in} channels")
    cmap = matplotlib.colormaps[_WEIGHT_CMAP]
    m = 1.4 * float(np.abs(w).max()) or 1.0
    norm = Normalize(-m, m)
    # Oblique projection: each slice moves up and to the right of the one before.
    dx, dy = kw + 0.4, 0.5 * kh + 0.4
    fig = _figure(1.2 + 0.75 * (kw + dx * (c_in - 1)), 1.1 + 0.75 * (kh + dy * (c_in - 1)))
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
                            fontsize=9, color=_text_colour(cmap, norm, v), zorder=2 * (c_in - c) + 1)
        label = f"c = {c}" + (f" ({channel_names[c]})" if channel_names is not None else "")
        ax.text(ox + kw + 0.1, oy + 0.1, label, ha="left", va="bottom", fontsize=8, zorder=2 * (c_in - c) + 1)
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
    return fig


def plot_channel_sum(x, w, co=0, b=None, *, channel_names=None, annotate=True):
    """How one filter turns ``C_in`` channels into one output map.

    Column ``c`` shows, top to bottom, the input channel ``x[:, :, c]``, its
    kernel slice ``w[:, :, c, co]`` and their cross-correlation (the partial
    map of channel ``c``).  The bottom row then adds the partial maps and the
    bias: ``partial 0 + partial 1 + ... + b[co] = y[:, :, co]``.  No padding,
    stride 1.

    Parameters
    ----------
    x : array_like, shape (H, W, C_in) or (1, H, W, C_in)
        One image.
    w : array_like, shape (KH, KW, C_in, C_out)
        A kernel bank in Keras layout.
    co : int, default 0
        Which filter (output channel) to draw.
    b : array_like, shape (C_out,), optional
        Biases; zero when omitted.
    channel_names : sequence of str, optional
        One name per input channel, e.g. ``("red", "green", "blue")``.
    annotate : bool, default True
        Write every value in its cell.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.convlib_axes`` is a dict of the panels: ``"x"``, ``"w"`` and
        ``"partial"`` (lists with one axes per channel), ``"b"`` and ``"y"``.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(f"x must be one image of shape (H, W, C_in), got shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"w must be a kernel bank of shape (KH, KW, C_in, C_out), got shape {w.shape}")
    c_in, c_out = x.shape[2], w.shape[3]
    if w.shape[2] != c_in:
        raise ValueError(
            f"the kernel depth w.shape[2] = {w.shape[2]} must equal the number of input channels "
            f"C_in = x.shape[2] = {c_in}: every filter spans all input channels"
        )
    if not 0 <= co < c_out:
        raise ValueError(f"co must be in 0..{c_out - 1} (C_out = {c_out}), got {co}")
    if channel_names is not None and len(channel_names) != c_in:
        raise ValueError(f"got {len(channel_names)} channel_names for C_in = {c_in} channels")
    bias = 0.0 if b is None else float(np.asarray(b, dtype=float).reshape(-1)[co])
    partials = [correlate2d(x[:, :, c], w[:, :, c, co]) for c in range(c_in)]
    y = np.sum(partials, axis=0) + bias

    ncols = 2 * c_in + 3  # map, op, map, op, ..., map, op, bias, op, y
    ratios = [1.0, 0.22] * c_in + [1.0, 0.22, 1.0]
    fig = _figure(1.1 + 2.3 * (c_in + 2), 7.0)
    gs = fig.add_gridspec(3, ncols, width_ratios=ratios)
    panels = {"x": [], "w": [], "partial": []}
    for c in range(c_in):
        name = f" ({channel_names[c]})" if channel_names is not None else ""
        ax = fig.add_subplot(gs[0, 2 * c])
        _draw_grid(ax, x[:, :, c], annotate=annotate)
        ax.set_title(f"x[:, :, {c}]{name}", fontsize=10)
        panels["x"].append(ax)
        ax = fig.add_subplot(gs[1, 2 * c])
        _draw_grid(ax, w[:, :, c, co], cmap=_WEIGHT_CMAP, centred=True, annotate=annotate)
        ax.set_title(f"⋆ w[:, :, {c}, {co}]", fontsize=10)
        panels["w"].append(ax)
        ax = fig.add_subplot(gs[2, 2 * c])
        _draw_grid(ax, partials[c], annotate=annotate)
        ax.set_title(f"= partial map of channel {c}", fontsize=10)
        panels["partial"].append(ax)
        _operator(fig.add_subplot(gs[2, 2 * c + 1]), "+")
    ax = fig.add_subplot(gs[2, ncols - 3])
    _draw_grid(ax, np.full(y.shape, bias), annotate=annotate)
    ax.set_title(f"b[{co}] (added everywhere)", fontsize=10)
    panels["b"] = ax
    _operator(fig.add_subplot(gs[2, ncols - 2]), "=")
    ax = fig.add_subplot(gs[2, ncols - 1])
    _draw_grid(ax, y, annotate=annotate)
    ax.set_title(f"y[:, :, {co}]", fontsize=11, fontweight="bold")
    panels["y"] = ax
    fig.suptitle(f"filter co = {co}: each channel is cross-correlated (⋆) with its own kernel slice, "
                 f"the {c_in} partial maps are summed, b[{co}] is added", fontsize=11)
    fig.convlib_axes = panels
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
    from matplotlib.patches import FancyBboxPatch, Rectangle

    c_in = int(c_in)
    depths = [int(d) for d in depths]
    if c_in < 1:
        raise ValueError(f"c_in must be at least 1, got {c_in}")
    for kd in depths:
        if not 1 <= kd <= c_in:
            raise ValueError(f"every kernel depth KD must be in 1..C_in = 1..{c_in}, got KD = {kd}")
    fig = _figure(3.3 * len(depths), 1.6 + 0.55 * c_in)
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
            ax.text(x0 + 0.175, bottom - 0.15, f"d={d}", ha="center", va="top", fontsize=7, color=HIGHLIGHT)
        ax.set_xlim(-0.1, 2.6 + 0.55 * max(n_pos, 3))
        ax.set_ylim(-0.6, c_in + 0.1)
        kind = "  (= Conv2D)" if kd == c_in else ""
        ax.set_title(f"kernel depth KD = {kd}: {n_pos} position{'s' if n_pos != 1 else ''}{kind}", fontsize=10)
    fig.supxlabel("red bars: the positions a kernel of depth KD can take along the channel axis; "
                  "position d gives output depth d", fontsize=8)
    return fig
