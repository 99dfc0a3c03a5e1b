"""Pictures for notebook 11: which input pixels one output pixel depends on.

* :func:`field_box` -- the rows and columns where a 2-D map (an input
  gradient) is non-zero: the measured receptive field.
* :func:`plot_input_gradients` -- a row of input-gradient maps, their size
  shown by colour and the measured field framed, one panel per network.

Every function is pure: it takes arrays and returns numbers or a matplotlib
``Figure`` (nothing is shown or saved), so tests can read back what was drawn.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .base import new_figure

__all__ = ["field_box", "plot_input_gradients"]


def _as_map(g, name="g") -> np.ndarray:
    g = np.asarray(g)
    if g.ndim != 2:
        raise ValueError(
            f"{name} must be one 2-D map (H, W), e.g. the input gradient g[0, :, :, 0] of one image and one "
            f"channel; got {name}.ndim={g.ndim} with shape {g.shape}"
        )
    return g


def field_box(g) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)``, inclusive, of the non-zero entries of ``g``.

    Parameters
    ----------
    g : array_like, shape (H, W)
        For example the gradient of one output pixel with respect to the input.

    Returns
    -------
    tuple of int
        The first and last non-zero row and column.  The receptive field is
        ``bottom - top + 1`` rows by ``right - left + 1`` columns.

    Raises
    ------
    ValueError
        If ``g`` is not 2-D or is zero everywhere.

    Examples
    --------
    >>> g = np.zeros((5, 6)); g[1:4, 2:4] = 1.0
    >>> field_box(g)
    (1, 3, 2, 3)
    """
    g = _as_map(g)
    rows, cols = np.flatnonzero(np.any(g != 0, axis=1)), np.flatnonzero(np.any(g != 0, axis=0))
    if rows.size == 0:
        raise ValueError("g is zero everywhere: no input pixel reaches this output (is every weight zero?)")
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def plot_input_gradients(maps, titles=None, *, frame=True):
    """One panel per input-gradient map: ``|g|`` in grey (darker = larger), the field framed in orange.

    Parameters
    ----------
    maps : sequence of array_like, each shape (H, W)
        Input gradients of one output pixel (they may differ in size).
    titles : sequence of str, optional
        One per map; by default the measured field, e.g. ``"5 x 5"``.
    frame : bool, default True
        Draw the box :func:`field_box` finds around the non-zero pixels.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[i].images[0]`` holds ``|maps[i]|``; the frame is
        ``fig.axes[i].patches[0]``.
    """

    maps = [np.abs(_as_map(g, f"maps[{i}]")).astype(float) for i, g in enumerate(maps)]
    if not maps:
        raise ValueError("maps is empty: give at least one input-gradient map")
    if titles is not None and len(titles) != len(maps):
        raise ValueError(f"got {len(titles)} titles for {len(maps)} maps")
    fig = new_figure(figsize=(2.6 * len(maps), 2.9), layout="constrained")
    axes = fig.subplots(1, len(maps), squeeze=False)[0]
    for i, (ax, g) in enumerate(zip(axes, maps)):
        top, bottom, left, right = field_box(g)
        ax.imshow(g, cmap="Greys", vmin=0, vmax=g.max(), interpolation="nearest")
        if frame:
            ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1,
                                   fill=False, edgecolor="tab:orange", linewidth=1.5))
        ax.set_title(titles[i] if titles is not None else f"{bottom - top + 1} x {right - left + 1}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("|d output pixel / d input|: the input pixels one output pixel depends on", fontsize=10)
    return fig
