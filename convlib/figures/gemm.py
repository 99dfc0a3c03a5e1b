"""Pictures for notebook 06 (im2col and GEMM).

Every function is pure: it takes arrays, shapes or measured numbers and returns
a matplotlib ``Figure`` (nothing is shown or saved), so tests can read back
what was drawn.  matplotlib is imported here only; ``import convlib`` stays
numpy-only.

* :func:`plot_patch_row` -- one output pixel, the input pixels it reads and its
  row of the patch matrix.
* :func:`copy_counts` / :func:`plot_copy_counts` -- how many rows of the patch
  matrix each input pixel is copied into.
* :func:`plot_speed_ladder` -- time and GFLOP/s of equivalent implementations
  against the plain matrix multiply of the same size.
* :func:`plot_patch_memory` -- input, full patch matrix and bounded buffer, in bytes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..im2col import im2col
from ..geometry import as_pair, conv_geometry
from ..reference import zero_pad
from .base import CMAPS, format_number, new_figure, text_colour

__all__ = ["plot_patch_row", "copy_counts", "plot_copy_counts", "plot_speed_ladder", "plot_patch_memory"]

# Roles of the cells drawn in plot_patch_row's grids (the image data tests read back).
INPUT, PADDING, SELECTED, SELECTED_PADDING = 0, 1, 2, 3
_ROLE_COLOURS = ["#ffffff", "#d9d9d9", "#ffb703", "#c9a227"]


def _role_cmap():
    return ListedColormap(_ROLE_COLOURS)


def _grid(ax, shape):
    """Thin cell borders on an imshow'd grid."""
    h, w = shape
    ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
    ax.grid(which="minor", color="#888888", lw=0.6)
    ax.tick_params(which="both", length=0)


def plot_patch_row(x, kernel_size, pixel, *, stride=1, padding="valid", dilation=1, channel_names=None):
    """Link one output pixel to its row of the patch matrix and to the input pixels in it.

    Parameters
    ----------
    x : array_like, shape (H, W, C_in)
        One image (C_in of 1 to 4 draws best); small integer values read best.
    kernel_size : int or (KH, KW)
    pixel : (i, j)
        The output pixel, ``0 <= i < Ho`` and ``0 <= j < Wo``.
    stride, padding, dilation
        As for :func:`convlib.conv2d`.
    channel_names : sequence of C_in str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Top row: one panel per input channel (the *padded* input; the cell
        image holds ``INPUT``/``PADDING``/``SELECTED`` roles, the texts the
        values) and the output grid (each cell labelled with its row number),
        drawn at the input's cell size, so that its size compares with the
        input's (the output panel has the padded input's axis limits).
        Bottom: the patch matrix ``im2col(x)`` of shape ``(Ho*Wo, KH*KW*C_in)``
        with row ``i*Wo + j`` outlined: a table of its numbers (texts) when it
        has at most 600 entries, else an image of its values.  ``fig.row`` is
        that row's index.
    """
    x = np.asarray(x, float)
    if x.ndim != 3:
        raise ValueError(f"x must be one image (H, W, C_in), got shape {x.shape}")
    h, w, c_in = x.shape
    kh, kw = as_pair(kernel_size, "kernel_size")
    g = conv_geometry((h, w), (kh, kw), stride, padding, dilation)
    (sh, sw), (dh, dw), (ho, wo) = g.stride, g.dilation, g.out
    i, j = (int(v) for v in pixel)
    if not (0 <= i < ho and 0 <= j < wo):
        raise ValueError(f"pixel must lie in the {ho}x{wo} output, got pixel={pixel}")
    names = list(channel_names) if channel_names is not None else [f"x[:, :, {ci}]" for ci in range(c_in)]
    xp = zero_pad(x[None], g.pads)[0]
    hp, wp = xp.shape[:2]
    (top, bottom), (left, right) = g.pads
    cols = im2col(x, (kh, kw), stride=stride, padding=padding, dilation=dilation)
    row = i * wo + j

    roles = np.full((hp, wp), PADDING)
    roles[top : top + h, left : left + w] = INPUT
    taps = [(i * sh + a * dh, j * sw + b * dw) for a in range(kh) for b in range(kw)]
    for r, c in taps:
        roles[r, c] = SELECTED if roles[r, c] == INPUT else SELECTED_PADDING

    fig = new_figure(figsize=(max(2.6 * (c_in + 1), 0.42 * cols.shape[1] + 1.5), 2.6 + 0.3 * cols.shape[0] + 1.4),
                  layout="constrained")
    gs = fig.add_gridspec(2, c_in + 1, height_ratios=[hp + 1.5, cols.shape[0] + 3])
    small = max(hp, wp) <= 12
    for ci in range(c_in):
        ax = fig.add_subplot(gs[0, ci])
        ax.imshow(roles, cmap=_role_cmap(), vmin=0, vmax=3)
        _grid(ax, (hp, wp))
        if small:
            for r in range(hp):
                for c in range(wp):
                    ax.text(c, r, format_number(xp[r, c, ci]), ha="center", va="center", in_layout=False, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        pad_note = " (grey: padding)" if any(any(p) for p in g.pads) else ""
        ax.set_title(f"{names[ci]}{pad_note}", fontsize=9)
    ax = fig.add_subplot(gs[0, c_in])
    out_roles = np.full((ho, wo), INPUT)
    out_roles[i, j] = SELECTED
    ax.imshow(out_roles, cmap=_role_cmap(), vmin=0, vmax=3)
    # Cells as large as the input's: the output grid sits in a frame of the padded input's size.
    ax.set_xlim(-0.5, wp - 0.5)
    ax.set_ylim(hp - 0.5, -0.5)
    ax.vlines(np.arange(-0.5, wo, 1), -0.5, ho - 0.5, color="#888888", lw=0.6)
    ax.hlines(np.arange(-0.5, ho, 1), -0.5, wo - 0.5, color="#888888", lw=0.6)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for r in range(ho):
        for c in range(wo):
            ax.text(c, r, str(r * wo + c), ha="center", va="center", in_layout=False, fontsize=8, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"output y: {ho}x{wo}\npixel ({i}, {j}) -> row {row}", fontsize=9)

    ax = fig.add_subplot(gs[1, :])
    m, k = cols.shape
    if m * k <= 600:  # small: a table of the numbers, the row filled in
        table = np.full((m, k), INPUT)
        table[row] = SELECTED
        ax.imshow(table, cmap=_role_cmap(), vmin=0, vmax=3, aspect="auto")
        _grid(ax, (m, k))
        for r in range(m):
            for c in range(k):
                ax.text(c, r, format_number(cols[r, c]), ha="center", va="center", in_layout=False, fontsize=8,
                        weight="bold" if r == row else "normal")
    else:  # large: the values as colours
        ax.imshow(cols, cmap=CMAPS["patches"], aspect="auto")
    ax.add_patch(Rectangle((-0.5, row - 0.5), k, 1, fill=False, edgecolor="#e85d04", lw=2.5))
    ax.set_yticks(range(cols.shape[0]))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xticks(range(cols.shape[1]))
    labels = [f"{a},{b},{ci}" for a in range(kh) for b in range(kw) for ci in range(c_in)]
    ax.set_xticklabels(labels, rotation=90, fontsize=8)
    ax.set_xlabel("column = (kh, kw, ci): the same order as w.reshape(-1, C_out)", fontsize=9)
    ax.set_ylabel("row = output pixel i*Wo + j", fontsize=9)
    ax.set_title(f"patch matrix im2col(x): shape {cols.shape} = (Ho*Wo, KH*KW*C_in); row {row} outlined",
                 fontsize=10)
    fig.row = row
    return fig


def copy_counts(input_hw, kernel_size, *, stride=1, padding="valid", dilation=1) -> np.ndarray:
    """How many rows of the patch matrix each input pixel is copied into.

    Parameters
    ----------
    input_hw : (H, W)
    kernel_size, stride, padding, dilation
        As for :func:`convlib.im2col`.

    Returns
    -------
    counts : ndarray of int, shape (H, W)
        ``counts.sum() == Ho * Wo * KH * KW`` minus the taps that fall on padding.
    """
    h, w = (int(v) for v in input_hw)
    ids = np.arange(1, h * w + 1, dtype=np.float64).reshape(1, h, w, 1)  # 0 is left for padding
    cols = im2col(ids, kernel_size, stride=stride, padding=padding, dilation=dilation)
    return np.bincount(cols.ravel().astype(np.int64), minlength=h * w + 1)[1:].reshape(h, w)


def plot_copy_counts(input_hw, kernel_size, *, stride=1, padding="valid", dilation=1):
    """Heat map of :func:`copy_counts`, one number per input pixel.

    Returns
    -------
    matplotlib.figure.Figure
        One axes whose image is the ``(H, W)`` count array; ``fig.counts`` holds it.
        Small grids have every count written in, white on dark cells and black
        on light ones.
    """
    counts = copy_counts(input_hw, kernel_size, stride=stride, padding=padding, dilation=dilation)
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(stride, "stride")
    h, w = counts.shape
    fig = new_figure(figsize=(0.42 * w + 2.2, 0.42 * h + 1.3), layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(counts, cmap=CMAPS["counts"], vmin=0)
    if h * w <= 400:
        for r in range(h):
            for c in range(w):
                ax.text(c, r, str(counts[r, c]), ha="center", va="center", in_layout=False, fontsize=8,
                        color=text_colour(im.cmap, im.norm, counts[r, c]))  # white on the dark cells
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(im, ax=ax, shrink=0.8, label="copies")
    ax.set_title(
        f"copies of each input pixel ({kh}x{kw}, stride {(sh, sw)}, {padding!r}):\n"
        f"mean {counts.mean():.2f}, max {counts.max()}; KH*KW/(sh*sw) = {kh * kw / (sh * sw):g}",
        fontsize=9,
    )
    fig.counts = counts
    return fig


def _value_axis(ax, values, label, hint):
    """Log scale when the values span more than 20x, else linear from 0; plain tick numbers."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi / lo > 20:
        ax.set_xscale("log")
        ax.set_xlim(lo / 3, hi * 8)
        ax.xaxis.set_minor_formatter(NullFormatter())
        label = f"{label} (log scale; {hint})"
    else:
        ax.set_xlim(0, hi * 1.3)
        label = f"{label} ({hint})"
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel(label)


def plot_speed_ladder(times, flops, matmul_time=None, *, title=None):
    """Time and throughput of equivalent convolution implementations.

    Parameters
    ----------
    times : dict of str -> float
        Seconds per call of each method, in the order to draw (top to bottom).
    flops : float
        Floating-point operations of the layer, ``2 * M * K * C_out`` for the
        GEMM of shape (M, K) x (K, C_out).
    matmul_time : float, optional
        Seconds for the bare matrix multiply of that size (patch matrix already
        built): the practical limit of any GEMM-based convolution, drawn as a
        dashed line.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Left axes: horizontal bars of milliseconds; right axes: bars of
        GFLOP/s = ``flops / time / 1e9``.  Each axis is logarithmic when its
        values span more than 20x, else linear from 0.  Bars are in the
        order of ``times``.
    """
    names = list(times)
    if not names:
        raise ValueError("times must name at least one method")
    secs = np.array([float(times[k]) for k in names])
    if np.any(secs <= 0) or flops <= 0:
        raise ValueError("times and flops must be positive")
    gflops = flops / secs / 1e9
    limit = None if matmul_time is None else flops / float(matmul_time) / 1e9
    ypos = np.arange(len(names))[::-1]
    fig = new_figure(figsize=(10, 0.55 * len(names) + 1.8), layout="constrained")
    ax_t, ax_f = fig.subplots(1, 2, sharey=True)
    ax_t.barh(ypos, secs * 1e3, color="#adb5bd", edgecolor="k")
    ax_t.set_yticks(ypos, names)
    ground = dict(facecolor="white", edgecolor="none", pad=0.3)  # the dashed line does not cross the digits
    for y, s in zip(ypos, secs):
        ax_t.text(s * 1e3, y, f" {s * 1e3:.3g} ms", va="center", fontsize=8, bbox=ground)
    ax_f.barh(ypos, gflops, color="#219ebc", edgecolor="k")
    for y, v in zip(ypos, gflops):
        ax_f.text(v, y, f" {v:.3g}", va="center", fontsize=8, bbox=ground, zorder=3)
    if limit is not None:  # named in the axes title, where no bar can hide it
        ax_f.axvline(limit, color="#e85d04", ls="--", lw=2, label=f"bare matmul: {limit:.3g} GFLOP/s")
        ax_f.set_title(f"dashed line: the bare matmul of the same size, {limit:.3g} GFLOP/s",
                       fontsize=9, color="#b34700")
    _value_axis(ax_t, secs * 1e3, "milliseconds per call", "shorter is better")
    _value_axis(ax_f, np.append(gflops, limit) if limit is not None else gflops, "GFLOP/s", "longer is better")
    fig.suptitle(title or f"the speed ladder ({flops / 1e6:.3g} MFLOP per call)", fontsize=11)
    return fig


def _ratio(r: float) -> str:
    """``9.0 -> "9"``, ``12.25 -> "12.25"``, ``7.0989 -> "7.1"``: two decimals at most, no trailing zeros."""
    return f"{r:.2f}".rstrip("0").rstrip(".")


def plot_patch_memory(names, input_bytes, patch_bytes, gemm_bytes=None, *, buffer_bytes=None):
    """Bytes of the input, of the full patch matrix and of convlib's bounded gemm.

    Parameters
    ----------
    names : sequence of str
        One label per layer.
    input_bytes, patch_bytes : sequence of int
        Size of each layer's input and of its full patch matrix.
    gemm_bytes : sequence of int, optional
        Extra memory measured for ``convlib.conv2d(..., method="gemm")``.
    buffer_bytes : int, optional
        The bound on gemm's patch buffer, drawn as a dashed line.

    Returns
    -------
    matplotlib.figure.Figure
        One axes of grouped horizontal bars in MiB on a linear axis from 0
        (so that bar lengths compare honestly): per layer, input, patch
        matrix and (if given) gemm, in that order of ``ax.containers``.  Each
        layer's label gives ``patch_bytes / input_bytes``.
    """
    names = list(names)
    # the patch matrix's size computed from the shapes (a measured peak also holds numpy's working copies, a little
    # more): the legend says which one the bars show
    series = [("input x", input_bytes, "#8ecae6"),
              ("full patch matrix im2col(x): its size, computed from the shapes", patch_bytes, "#e85d04")]
    if gemm_bytes is not None:
        series.append(("convlib gemm: extra memory, measured", gemm_bytes, "#90be6d"))
    for label, values, _ in series:
        if len(values) != len(names):
            raise ValueError(f"{label}: need {len(names)} values, got {len(values)}")
    mib = 2.0**20
    n, k = len(names), len(series)
    height = 0.8 / k
    fig = new_figure(figsize=(10, 0.9 * n * k / 2 + 1.8), layout="constrained")
    ax = fig.add_subplot()
    base = np.arange(n)[::-1].astype(float)
    for s, (label, values, colour) in enumerate(series):
        vals = np.asarray(values, float) / mib
        ypos = base + 0.4 - height * (s + 0.5)
        ax.barh(ypos, vals, height=height, color=colour, edgecolor="k", label=label)
        for y, v in zip(ypos, vals):  # on a white ground, so that the dashed line does not cross the digits
            ax.text(v, y, f" {v:.3g} MiB", va="center", fontsize=8,
                    bbox=dict(facecolor="white", edgecolor="none", pad=0.3))
    labels = [f"{name}\npatch = {_ratio(pat / inp)} x input" for name, inp, pat in zip(names, input_bytes, patch_bytes)]
    if buffer_bytes is not None:
        ax.axvline(buffer_bytes / mib, color="k", ls="--", lw=1.2,
                   label=f"cap on gemm's patch buffer: {buffer_bytes / mib:.3g} MiB")
    everything = [v for _, values, _ in series for v in values] + ([buffer_bytes] if buffer_bytes else [])
    ax.set_xlim(0, max(everything) / mib * 1.15)  # room for the value labels
    ax.set_yticks(base, labels)
    ax.set_xlabel("MiB")
    ax.legend(loc="lower left", fontsize=8, bbox_to_anchor=(0, 1.0), ncols=2, frameon=False)
    return fig
