"""Pictures for notebooks 07-10: gradients per channel, groups, transposed overlap, training.

Every function is pure: it takes arrays and returns a matplotlib ``Figure``
(nothing is shown or saved), so tests can read back what was drawn.
matplotlib is imported here only; ``import convlib`` stays numpy-only.

* :func:`plot_channel_rows` -- rows of per-channel panels (a kernel slice,
  its gradient, an input channel and its gradient ...), one column per channel.
* :func:`group_mask` / :func:`plot_group_connectivity` -- which input channels
  each filter sees, for several ``groups``: the continuum from standard to
  depthwise.
* :func:`plot_counts` -- parameters and multiply-adds of layer kinds, as bars.
* :func:`overlap_counts` / :func:`plot_transpose_overlap` -- how many kernel
  stamps of a transposed convolution cover each output pixel (checkerboard).
* :func:`plot_history` -- a Keras training history, one panel per metric.
* :func:`plot_images` -- a row of RGB images with titles (e.g. training examples).
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .base import DATA_CMAP, SIGNED_CMAP, format_number, new_figure, text_colour
from ..transpose import conv2d_transpose
from ..validation import check_groups_divide

__all__ = [
    "plot_channel_rows",
    "group_mask",
    "plot_group_connectivity",
    "plot_counts",
    "overlap_counts",
    "plot_transpose_overlap",
    "plot_history",
    "plot_images",
]


def _bare(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def plot_channel_rows(rows, *, channel_names=None, annotate=None, title=None, shared_scale=False):
    """Rows of per-channel panels: column ``c`` shows every row's channel ``c``.

    Parameters
    ----------
    rows : sequence of (label, array of shape (h, w, C))
        For example ``[("w[..., 0]", w[..., 0]), ("dw[..., 0]", dw[..., 0])]``
        for a filter and its gradient, or ``("x", x[0])`` for an image.
        Every array must have the same channel count C.
    channel_names : sequence of C str, optional
        Column titles (default ``"channel 0"``, ...).
    annotate : bool, optional
        Write each value in its cell (default: in the rows whose panels have
        <= 25 cells).
    title : str, optional
    shared_scale : bool, default False
        One colour scale for all rows, ``+-max`` over every array, and one
        colour bar: use it when the rows are the same quantity at different
        times (weights before and after training), so that a row of small
        values looks faint instead of as strong as the others.

    Returns
    -------
    matplotlib.figure.Figure
        First ``len(rows) * C`` axes in row-major order; panel ``(r, c)``
        shows ``rows[r][1][:, :, c]`` on the diverging map
        :data:`convlib.figures.base.SIGNED_CMAP` (white = 0; no red or blue, the
        course's channel names) with the colour limits ``+-max|rows[r][1]|``
        (one symmetric scale per row, so the channels of a row compare), or
        ``+-max`` over all rows with ``shared_scale``.  Then one colour-bar
        axes per row, or a single one with ``shared_scale``.
    """
    rows = [(str(label), np.asarray(a, float)) for label, a in rows]
    if not rows:
        raise ValueError("rows must hold at least one (label, array) pair")
    for label, a in rows:
        if a.ndim != 3:
            raise ValueError(f"row {label!r}: each array must be (h, w, C), got shape {a.shape}")
    c = rows[0][1].shape[2]
    if any(a.shape[2] != c for _, a in rows):
        raise ValueError(f"every row needs the same channel count C, got {[a.shape for _, a in rows]}")
    names = list(channel_names) if channel_names is not None else [f"channel {i}" for i in range(c)]
    if len(names) != c:
        raise ValueError(f"need {c} channel names, got {len(names)}")
    fig = new_figure(figsize=(1.9 * c + 2.0, 1.9 * len(rows) + 0.6), layout="constrained")
    axes = fig.subplots(len(rows), c, squeeze=False)
    shared_vmax = max(float(np.abs(a).max()) for _, a in rows) or 1.0
    for r, (label, a) in enumerate(rows):
        vmax = shared_vmax if shared_scale else float(np.abs(a).max()) or 1.0
        write = annotate if annotate is not None else a.shape[0] * a.shape[1] <= 25
        for ci in range(c):
            ax, panel = axes[r, ci], a[:, :, ci]
            image = ax.imshow(panel, cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax)
            if write:
                for i in range(panel.shape[0]):
                    for j in range(panel.shape[1]):
                        ax.text(j, i, format_number(panel[i, j]), ha="center", va="center", fontsize=9,
                                color=text_colour(image.cmap, image.norm, panel[i, j]))
            _bare(ax)
            if r == 0:
                ax.set_title(names[ci], fontsize=10)
            if ci == 0:
                ax.set_ylabel(label, fontsize=10)
        if not shared_scale:
            bar = fig.colorbar(image, ax=list(axes[r]), shrink=0.85, aspect=12, pad=0.03)
            bar.ax.tick_params(labelsize=8)
    if shared_scale:
        bar = fig.colorbar(image, ax=list(axes.ravel()), shrink=0.85, aspect=20, pad=0.03)
        bar.ax.tick_params(labelsize=8)
    scale = "one colour scale for all rows" if shared_scale else "one colour scale per row"
    fig.suptitle((title + "\n" if title else "")
                 + f"(orange > 0, purple < 0, white = 0; {scale})", fontsize=10)
    return fig


def group_mask(c_in, c_out, groups) -> np.ndarray:
    """Which input channels each filter of a grouped convolution sees.

    Parameters
    ----------
    c_in, c_out, groups : int
        Both channel counts divisible by ``groups``.

    Returns
    -------
    mask : ndarray of bool, shape (C_out, C_in)
        ``mask[co, ci]``: filter ``co`` has weights for input channel ``ci``,
        i.e. both are in the same group (``co // (C_out/groups) == ci // (C_in/groups)``).
    """
    check_groups_divide(groups, {"C_in": c_in, "C_out": c_out})
    return (np.arange(c_out)[:, None] // (c_out // groups)) == (np.arange(c_in)[None, :] // (c_in // groups))


def plot_group_connectivity(c_in, c_out, groups_list):
    """One panel per ``groups`` value: the (C_out, C_in) mask of :func:`group_mask`.

    Returns
    -------
    matplotlib.figure.Figure
        Panel ``i`` shows ``group_mask(c_in, c_out, groups_list[i])`` as an
        image (black = a weight exists); its title gives groups and the number
        of weights per kernel position, ``C_in/groups * C_out``.
    """
    groups_list = list(groups_list)
    fig = new_figure(figsize=(2.6 * len(groups_list) + 0.4, 3.0), layout="constrained")
    axes = fig.subplots(1, len(groups_list), squeeze=False)[0]
    for ax, g in zip(axes, groups_list):
        mask = group_mask(c_in, c_out, g)
        ax.imshow(mask.astype(float), cmap=DATA_CMAP, vmin=0, vmax=1)
        ax.set_xticks(range(c_in))
        ax.set_yticks(range(c_out))
        ax.tick_params(labelsize=8)
        ax.set_xlabel("input channel ci", fontsize=9)
        if ax is axes[0]:
            ax.set_ylabel("filter co", fontsize=9)
        ax.set_title(f"groups={g}\n{int(mask.sum())} weights per kernel position", fontsize=9)
    fig.suptitle(f"which input channels each filter sees (C_in={c_in}, C_out={c_out}): "
                 "black = filter co has weights for channel ci", fontsize=10)
    return fig


def plot_counts(counts):
    """Bars of parameters and multiply-adds per layer kind, on linear axes from 0.

    Parameters
    ----------
    counts : mapping of str to Counts
        E.g. ``{"standard": layer_counts("standard", ...), ...}``; the first
        entry is the reference the others are compared with.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, "parameters" and "multiply-adds"; bar heights are the
        ``params`` and ``macs`` of each entry, in the mapping's order, on a
        linear axis starting at 0 (so a bar half as tall is half as much;
        a log axis made an 8-fold saving look like a small step).  Above each
        bar: the exact number and, for every entry after the first, the ratio
        ``first / this`` (as ``"1/8.4"``), so bars too short to see still
        carry their size.
    """
    names = list(counts)
    fig = new_figure(figsize=(9.0, 3.6), layout="constrained")
    for ax, field, label in zip(fig.subplots(1, 2), ("params", "macs"), ("parameters", "multiply-adds")):
        values = [getattr(counts[n], field) for n in names]
        ax.bar(names, values, color="tab:blue")
        ax.set_ylim(0, max(values) * 1.3)  # room for the labels above the tallest bar
        ax.set_title(f"{label} (1/x: x times fewer than {names[0]})", fontsize=10)
        ax.tick_params(axis="x", labelsize=9, rotation=15)
        ax.grid(axis="y", alpha=0.3)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
        for i, v in enumerate(values):
            text = f"{v:,}" if i == 0 else f"{v:,}\n1/{values[0] / v:.1f}"
            ax.text(i, v + 0.02 * max(values), text, ha="center", va="bottom", fontsize=8)
    return fig


def overlap_counts(in_hw, kernel_size, stride) -> np.ndarray:
    """How many kernel stamps of a transposed convolution land on each output pixel.

    The transposed convolution of an all-ones input with an all-ones kernel
    (one channel, ``padding="valid"``, default output size).

    Returns
    -------
    ndarray, shape (H, W)
    """
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    return conv2d_transpose(np.ones((*in_hw, 1)), np.ones((kh, kw, 1, 1)), stride=stride)[..., 0]


def plot_transpose_overlap(in_hw, kernel_sizes, stride):
    """One panel per kernel size: :func:`overlap_counts` as an image, numbers written in.

    Returns
    -------
    matplotlib.figure.Figure
        Panel ``i`` shows ``overlap_counts(in_hw, kernel_sizes[i], stride)``
        on one grey scale from 0 (white) to the largest count, each count
        written in its cell (for maps of up to 256 pixels); then a colour bar.
        Uneven counts are the checkerboard of strided transposed convolutions.
    """
    kernel_sizes = list(kernel_sizes)
    maps = [overlap_counts(in_hw, k, stride) for k in kernel_sizes]
    vmax = max(float(m.max()) for m in maps)
    side = max(3.6, 0.28 * max(max(m.shape) for m in maps))  # about 0.28 inch per pixel: numbers fit
    fig = new_figure(figsize=(side * len(maps) + 1.0, side + 0.7), layout="constrained")
    axes = fig.subplots(1, len(maps), squeeze=False)[0]
    for ax, k, m in zip(axes, kernel_sizes, maps):
        image = ax.imshow(m, cmap=DATA_CMAP, vmin=0, vmax=vmax * 1.15)
        if m.size <= 256:
            for i in range(m.shape[0]):
                for j in range(m.shape[1]):
                    ax.text(j, i, f"{m[i, j]:.0f}", ha="center", va="center", fontsize=8,
                            color=text_colour(image.cmap, image.norm, m[i, j]))
        _bare(ax)
        ax.set_title(f"kernel {k}, stride {stride}: output {m.shape[0]}x{m.shape[1]}\n"
                     f"counts {m.min():.0f}..{m.max():.0f}", fontsize=10)
    bar = fig.colorbar(image, ax=list(axes), shrink=0.8, aspect=20, ticks=range(int(vmax) + 1))
    bar.set_label("stamps covering the pixel", fontsize=9)
    fig.suptitle("how many kernel stamps cover each output pixel of a transposed convolution", fontsize=11)
    return fig


def plot_history(history, metrics=None):
    """A training history: one panel per metric, value against epoch.

    Parameters
    ----------
    history : mapping of str to sequence of float
        Keras' ``model.fit(...).history``.
    metrics : sequence of str, optional
        Which keys to draw (default: all, in order).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per metric; its single line has x = 1..epochs and y = the
        values, whole-number epoch ticks, and the title ``"training <metric>"``
        (``"validation <metric>"`` for Keras' ``val_`` keys): ``fit`` reports
        those on the training data, not on test data.
    """
    metrics = list(metrics) if metrics is not None else list(history)
    missing = [m for m in metrics if m not in history]
    if missing:
        raise ValueError(f"history has no {missing}; it has {sorted(history)}")
    fig = new_figure(figsize=(3.4 * len(metrics) + 0.4, 2.8), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, m in zip(axes, metrics):
        values = np.asarray(history[m], float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3)
        ax.set_xlabel("epoch", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # no epoch 1.5
        ax.set_title(f"validation {m[4:]}" if m.startswith("val_") else f"training {m}", fontsize=10)
        ax.grid(alpha=0.3)
    return fig


def plot_images(x, titles=None):
    """A row of RGB images, values clipped to [0, 1].

    Parameters
    ----------
    x : array_like, shape (N, H, W, 3)
    titles : sequence of N str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image; axes ``i`` shows ``clip(x[i], 0, 1)``.
    """
    x = np.asarray(x, float)
    if x.ndim != 4 or x.shape[3] != 3:
        raise ValueError(f"x must be RGB images (N, H, W, 3), got shape {x.shape}")
    titles = list(titles) if titles is not None else [""] * len(x)
    if len(titles) != len(x):
        raise ValueError(f"need {len(x)} titles, got {len(titles)}")
    fig = new_figure(figsize=(1.8 * len(x) + 0.4, 2.2), layout="constrained")
    axes = fig.subplots(1, len(x), squeeze=False)[0]
    for ax, img, title in zip(axes, x, titles):
        ax.imshow(np.clip(img, 0.0, 1.0), interpolation="nearest")
        _bare(ax)
        ax.set_title(title, fontsize=9)
    return fig
