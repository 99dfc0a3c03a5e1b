"""Pictures for notebook 04 (many filters): the kernel bank, a stack of layers, 1x1 mixing.

Every function is pure: it takes arrays or shapes and returns a matplotlib
``Figure`` (nothing is shown or saved), so tests can read back what was drawn.
matplotlib is imported here only; ``import convlib`` stays numpy-only.

* :func:`sample_image` -- a real RGB photo that ships with matplotlib (no download).
* :func:`plot_filter_bank` -- ``w`` of shape ``(KH, KW, C_in, C_out)`` as C_out
  filters, one row each: its C_in slices and, optionally, the map it produces.
* :func:`plot_conv_stack` -- activations and kernel banks of a stack of
  ``Conv2D`` layers, with each layer's parameter count.
* :func:`plot_channel_mix` -- a 1x1 convolution as a weighted sum of channels.
"""

from __future__ import annotations

import matplotlib.cbook as cbook
import matplotlib.image as mpimg
import numpy as np
from matplotlib.patches import Rectangle

from ..counting import conv2d_counts
from ..geometry import as_pair, conv_geometry
from .base import IMAGE_CMAP, SIGNED_CMAP, format_number, new_figure

#: Weight colour limits are this much wider than the largest weight: the darkest cells stay readable.
WIDEN = 1.4

__all__ = ["sample_image", "plot_filter_bank", "plot_conv_stack", "plot_channel_mix", "stack_shapes"]


def sample_image(factor: int = 4) -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's bundled sample data, shrunk.

    Parameters
    ----------
    factor : int, default 4
        Shrink factor: each ``factor x factor`` block of pixels is averaged.

    Returns
    -------
    x : ndarray, shape (600 // factor, 512 // factor, 3), float32 in [0, 1]
        Channels last: red, green, blue.
    """
    if not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be a positive int, got {factor!r}")
    img = mpimg.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    img = np.asarray(img, np.float32) / 255.0
    h, w = img.shape[0] // factor, img.shape[1] // factor
    blocks = img[: h * factor, : w * factor].reshape(h, factor, w, factor, 3)
    return blocks.mean(axis=(1, 3)).astype(np.float32)


def plot_filter_bank(w, y=None, *, channel_names=None, filter_names=None, annotate=None):
    """Draw a kernel bank as C_out filters: one row per filter ``w[..., co]``.

    Parameters
    ----------
    w : array_like, shape (KH, KW, C_in, C_out)
    y : array_like, shape (Ho, Wo, C_out), optional
        Output maps; map ``co`` is drawn at the end of filter ``co``'s row.
    channel_names : sequence of C_in str, optional
        Column titles, e.g. ``("R", "G", "B")``.
    filter_names : sequence of C_out str, optional
        Row labels.
    annotate : bool, optional
        Write each weight in its cell (default: when KH*KW <= 25).

    Returns
    -------
    matplotlib.figure.Figure
        Axes in row-major order: for each filter, C_in weight panels (images
        of ``w[:, :, ci, co]`` in the diverging map ``SIGNED_CMAP``, colour
        limits ``+-WIDEN * max|w[..., co]|``, so that no weight is too dark
        to read its label) and then, if ``y`` is given, the map
        ``y[..., co]``: grey (``IMAGE_CMAP``) when it has no negative value,
        else the diverging map centred on 0 with limits ``+-`` the 99th
        percentile of ``|y[..., co]|`` (the rarest extremes saturate, so
        that thin edges do not wash the rest of the map out to white).
    """
    w = np.asarray(w, float)
    if w.ndim != 4:
        raise ValueError(f"w must be 4-D (KH, KW, C_in, C_out), got shape {w.shape}")
    kh, kw, c_in, c_out = w.shape
    if y is not None:
        y = np.asarray(y, float)
        if y.ndim != 3 or y.shape[2] != c_out:
            raise ValueError(f"y must be (Ho, Wo, C_out) with C_out={c_out}, got shape {y.shape}")
    channel_names = list(channel_names) if channel_names is not None else [f"channel {ci}" for ci in range(c_in)]
    filter_names = list(filter_names) if filter_names is not None else [f"filter {co}" for co in range(c_out)]
    if len(channel_names) != c_in or len(filter_names) != c_out:
        raise ValueError(f"need {c_in} channel names and {c_out} filter names")
    if annotate is None:
        annotate = kh * kw <= 25
    ncols = c_in + (y is not None)
    fig = new_figure(figsize=(1.9 * ncols + 1.2, 1.9 * c_out + 0.4), layout="constrained")
    axes = fig.subplots(c_out, ncols, squeeze=False)
    for co in range(c_out):
        top = float(np.abs(w[..., co]).max()) or 1.0  # one colour scale per filter
        vmax = WIDEN * top
        for ci in range(c_in):
            ax = axes[co, ci]
            k = w[:, :, ci, co]
            ax.imshow(k, cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax)
            if annotate:
                for a in range(kh):
                    for b in range(kw):
                        dark = abs(k[a, b]) > 0.6 * top
                        ax.text(b, a, format_number(k[a, b]), ha="center", va="center", in_layout=False, fontsize=8,
                                color="white" if dark else "black")
            ax.set_xticks([])
            ax.set_yticks([])
            if co == 0:
                ax.set_title(f"{channel_names[ci]}\nw[:, :, {ci}, co]", fontsize=9)
            if ci == 0:
                ax.set_ylabel(f"{filter_names[co]}\nw[..., {co}]", fontsize=9)
        if y is not None:
            ax = axes[co, c_in]
            m = y[:, :, co]
            if m.min() < 0:  # signed map: white is 0, orange above, purple below
                ymax = float(np.percentile(np.abs(m), 99)) or float(np.abs(m).max())
                ax.imshow(m, cmap=SIGNED_CMAP, vmin=-ymax, vmax=ymax)
            else:
                ax.imshow(m, cmap=IMAGE_CMAP)
            ax.set_xticks([])
            ax.set_yticks([])
            if co == 0:
                ax.set_title("its output map\ny[..., co]", fontsize=9)
    maps_note = "; maps with negative values likewise, else grey" if y is not None else ""
    fig.suptitle(
        f"kernel bank w, shape {w.shape} = {c_out} filters, each {kh}x{kw}x{c_in}\n"
        f"(weights: orange > 0, white = 0, purple < 0; one colour scale per filter{maps_note})",
        fontsize=10,
    )
    return fig


def stack_shapes(input_shape, layers):
    """Shapes and parameter counts along a stack of Conv2D layers.

    Parameters
    ----------
    input_shape : (H, W, C_in)
    layers : sequence of (C_out, kernel_size) or (C_out, kernel_size, stride, padding)

    Returns
    -------
    list of dict
        One per layer, with keys ``"input"`` (H, W, C_in), ``"kernel"``
        (KH, KW, C_in, C_out), ``"output"`` (Ho, Wo, C_out), ``"weights"``
        (KH*KW*C_in*C_out), ``"biases"`` (C_out) and ``"params"`` (their sum).
    """
    h, w, c = (int(v) for v in input_shape)
    rows = []
    for spec in layers:
        spec = tuple(spec)
        if not 2 <= len(spec) <= 4:
            raise ValueError(f"a layer is (C_out, kernel_size[, stride[, padding]]), got {spec!r}")
        c_out, ksize, stride, padding = spec + (1, "valid")[len(spec) - 2 :]
        kh, kw = as_pair(ksize, "kernel_size")
        g = conv_geometry((h, w), (kh, kw), stride, padding)
        weights, biases = conv2d_counts(c, c_out, (kh, kw), bias=False).params, c_out
        rows.append(
            dict(
                input=(h, w, c),
                kernel=(kh, kw, c, c_out),
                output=(*g.out, c_out),
                weights=weights,
                biases=biases,
                params=weights + biases,
            )
        )
        h, w, c = (*g.out, c_out)
    return rows


def _sheets(ax, x0, y0, width, height, depth, color, max_sheets=8, step=0.12):
    """Draw ``depth`` stacked sheets (at most ``max_sheets``); return the drawn count."""
    n = min(depth, max_sheets)
    for s in reversed(range(n)):
        ax.add_patch(Rectangle((x0 + s * step, y0 + s * step), width, height, facecolor=color, edgecolor="k", lw=0.8))
    return n


def plot_conv_stack(input_shape, layers):
    """Schematic of a stack of Conv2D layers: activations, kernel banks, parameters.

    Activations are drawn as stacks of channel sheets, each layer's kernel bank
    as one representative filter whose depth (number of sheets) equals the
    previous activation's channel count.

    Parameters
    ----------
    input_shape : (H, W, C_in)
    layers : sequence
        As for :func:`stack_shapes`.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.stack`` holds :func:`stack_shapes`'s rows; the texts name every
        shape and each layer's count ``(KH*KW*C_in + 1)*C_out``.
    """
    rows = stack_shapes(input_shape, layers)
    n = len(rows)
    gap = 3.8  # distance between two activations
    fig = new_figure(figsize=(3.0 * (n + 1) + 0.6, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-0.3, gap * n + 2.2)
    ax.set_ylim(-1.6, 2.5)
    ax.set_axis_off()
    colors = ["#8ecae6", "#ffb703", "#90be6d", "#f4a3a8", "#cdb4db"]
    acts = [rows[0]["input"]] + [r["output"] for r in rows]
    for i, (h, w, c) in enumerate(acts):
        x0 = gap * i
        drawn = _sheets(ax, x0, 0.0, 1.0, 1.3, c, colors[i % len(colors)])
        name = "x" if i == 0 else f"y{i}"
        more = f"\n({drawn} of {c} sheets drawn)" if drawn < c else ""
        ax.text(x0 + 0.5, -0.3, f"{name}: {h}x{w}x{c}", ha="center", va="top", fontsize=10, weight="bold")
        ax.text(x0 + 0.5, -0.7, f"{c} channels{more}", ha="center", va="top", fontsize=8)
    for i, r in enumerate(rows):
        kh, kw, c_in, c_out = r["kernel"]
        start, stop = gap * i + 2.05, gap * (i + 1) - 0.15
        mid = (start + stop) / 2
        ax.annotate("", xy=(stop, 0.65), xytext=(start, 0.65), arrowprops=dict(arrowstyle="->", lw=1.5))
        # One representative filter: as many sheets as the activation it reads.
        _sheets(ax, mid - 0.45, 0.95, 0.4, 0.4, c_in, colors[i % len(colors)], step=0.07)
        ax.text(mid, 1.95, f"{c_out} filters, each {kh}x{kw}x{c_in}", ha="center", va="bottom", fontsize=9)
        ax.text(
            mid,
            0.45,
            f"kernel {r['kernel']}\n({kh}*{kw}*{c_in} + 1)*{c_out}\n= {r['params']} params",
            ha="center",
            va="top",
            fontsize=8,
            family="monospace",
        )
    fig.stack = rows
    return fig


def plot_channel_mix(x, weights, y=None, *, channel_names=None, title=None):
    """A 1x1 convolution with one filter: ``y = sum over ci of weights[ci] * x[..., ci]``.

    Parameters
    ----------
    x : array_like, shape (H, W, C_in)
        One image; for C_in == 3 it is also drawn in colour (values in [0, 1]).
    weights : array_like, shape (C_in,)
        The filter ``w[0, 0, :, 0]``.
    y : array_like, shape (H, W), optional
        The result to draw; computed as ``x @ weights`` when omitted.
    channel_names : sequence of C_in str, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Panels: the colour image (C_in == 3 only), each weighted channel
        ``weights[ci] * x[..., ci]`` titled with its weight, and ``y``, all on
        one colour scale, so the panels visibly add up to ``y``: grey from 0
        when no panel has a negative value, else the diverging map centred
        on 0.
    """
    x = np.asarray(x, float)
    weights = np.asarray(weights, float).reshape(-1)
    if x.ndim != 3 or x.shape[2] != weights.size:
        raise ValueError(f"x must be (H, W, C_in) with C_in = len(weights) = {weights.size}, got shape {x.shape}")
    c_in = x.shape[2]
    y = x @ weights if y is None else np.asarray(y, float)
    names = list(channel_names) if channel_names is not None else [f"channel {ci}" for ci in range(c_in)]
    colour = c_in == 3
    n = c_in + 1 + colour
    parts = [weights[ci] * x[:, :, ci] for ci in range(c_in)]
    lo = min(float(y.min()), *(float(p.min()) for p in parts))
    if lo < 0:  # signed panels: one diverging scale centred on 0
        top = max(float(np.abs(y).max()), *(float(np.abs(p).max()) for p in parts)) or 1.0
        scale = dict(cmap=SIGNED_CMAP, vmin=-top, vmax=top)
    else:  # one grey scale for every panel
        scale = dict(cmap=IMAGE_CMAP, vmin=0, vmax=max(1.0, float(x.max()), float(y.max())))
    fig = new_figure(figsize=(2.3 * n, 2.9), layout="constrained")
    axes = fig.subplots(1, n)
    k = 0
    if colour:
        axes[0].imshow(np.clip(x, 0, 1))
        axes[0].set_title("x (colour)", fontsize=10)
        k = 1
    for ci in range(c_in):
        ax = axes[k + ci]
        ax.imshow(parts[ci], **scale)
        sign = "" if ci == 0 else "+ "
        ax.set_title(f"{sign}{weights[ci]:g} x {names[ci]}", fontsize=10)
    axes[-1].imshow(y, **scale)
    axes[-1].set_title("= y (one output map)", fontsize=10)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
