"""The sliding-window explorer: one channel, the window stepping over the input.

At output pixel ``(i, j)`` the kernel lies on the window ``x[i:i+KH, j:j+KW]``;
the output is the sum of the element-wise products (cross-correlation, what
``Conv2D`` computes).  True convolution first flips the kernel in both axes
(``k[::-1, ::-1]``), then does the same.

:func:`sliding_window_state` computes it, :func:`sliding_window_raster` draws
it, :class:`SlidingWindowExplorer` steps it with sliders and a play button.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...reference import correlate2d
from .frame import Explorer, choice, fallback, int_slider, play_control
from ..base import DATA_CMAP
from ..raster import captioned, cells_rgb, draw_box, fit_cell, hstack, indexed, output_map, signed_rgb
from .tables import fmt, html_grid, term

__all__ = ["SlidingWindowState", "sliding_window_state", "sliding_window_raster", "example_data",
           "SlidingWindowExplorer"]


def example_data(h: int = 6, w: int = 6, kh: int = 3, kw: int = 3, seed: int = 0):
    """A ``(H, W)`` image of integers 0..4 and a ``(KH, KW)`` kernel of integers -1..2 that is not symmetric."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, size=(h, w)).astype(float)
    k = rng.integers(-1, 3, size=(kh, kw)).astype(float)
    if kh * kw > 1 and np.array_equal(k, k[::-1, ::-1]):
        k.flat[0] += 1  # a symmetric kernel would hide the flip
    return x, k


@dataclass
class SlidingWindowState:
    """x : (H, W); kernel : (KH, KW) as given; used : the kernel laid on the window (flipped for convolution);
    flip : bool; position : (i, j); window, products : (KH, KW); value : float; y : (Ho, Wo), the whole output."""

    x: np.ndarray
    kernel: np.ndarray
    used: np.ndarray
    flip: bool
    position: tuple
    window: np.ndarray
    products: np.ndarray
    value: float
    y: np.ndarray

    @property
    def step(self) -> int:
        return self.position[0] * self.y.shape[1] + self.position[1]

    @property
    def correlation(self) -> float:
        """Cross-correlation's value at this position (the kernel as it is)."""
        return float((self.window * self.kernel).sum())

    @property
    def convolution(self) -> float:
        """True convolution's value at this position (the kernel flipped in both axes)."""
        return float((self.window * self.kernel[::-1, ::-1]).sum())


def sliding_window_state(x, k, *, position=(0, 0), flip: bool = False) -> SlidingWindowState:
    """One step of the window: ``'valid'``, stride 1.

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (KH, KW)
    position : (i, j), clipped to the output ``(H-KH+1, W-KW+1)``
    flip : bool
        False: cross-correlation (``Conv2D``); True: true convolution (the kernel flipped).
    """
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    used = k[::-1, ::-1] if flip else k
    y = correlate2d(x, used)
    i = int(np.clip(position[0], 0, y.shape[0] - 1))
    j = int(np.clip(position[1], 0, y.shape[1] - 1))
    window = x[i:i + k.shape[0], j:j + k.shape[1]]
    products = window * used
    return SlidingWindowState(x, k, used, flip, (i, j), window, products, float(products.sum()), y)


def sliding_window_raster(s: SlidingWindowState):
    """The picture, every panel captioned and indexed: the image with the window outlined, the kernel as it is
    laid on the window (flipped for true convolution; its weights written in), the output filled in up to
    ``(i, j)`` (values written, cells not computed yet hatched).  The explorer shows it live; a notebook shows it
    with :func:`convlib.figures.raster.picture`.

    Returns
    -------
    ndarray, shape (rows, cols, 3), uint8
    """
    kh, kw = s.kernel.shape
    h, w = s.x.shape
    cell = fit_cell(s.x)
    img = draw_box(cells_rgb(s.x, DATA_CMAP, cell=cell, values=True), s.position[0], s.position[1], kh, kw, cell=cell)
    ker = signed_rgb(s.used, cell=30, values=True)
    i, j = s.position
    return hstack([captioned(indexed(img, range(h), range(w), cell), "image x\n(window in red)"),
                   captioned(indexed(ker, range(kh), range(kw), 30),
                             "kernel flipped\nk[::-1, ::-1]" if s.flip else "kernel k\n(as it is)"),
                   output_map(s.y, s.step, s.position, f"output y\n(filled up to y[{i}, {j}])")], gap=24)


def numbers_html(s: SlidingWindowState) -> str:
    i, j = s.position
    what = "true convolution: the kernel flipped" if s.flip else "cross-correlation (Conv2D): the kernel as it is"
    terms = " + ".join(f"{term(a)}·{term(b)}" for a, b in zip(s.window.ravel(), s.used.ravel()))
    return (f"<div>{what}</div>" + html_grid(s.window, caption=f"window x[{i}:{i + s.kernel.shape[0]}, "
                                                               f"{j}:{j + s.kernel.shape[1]}]")
            + " × " + html_grid(s.used, caption="k[::-1, ::-1]" if s.flip else "k")
            + " = " + html_grid(s.products, caption="products")
            + f"<div class='sw-total' style='font-size:115%'>y[{i}, {j}] = {terms} = <b>{fmt(s.value)}</b></div>"
            + f"<div class='sw-both'>{both_values(s)}</div>")


def both_values(s: SlidingWindowState) -> str:
    """Both operations' values at this position, and whether they happen to coincide."""
    c, v = s.correlation, s.convolution
    text = (f"At ({s.position[0]}, {s.position[1]}): cross-correlation gives <b>{fmt(c)}</b>; "
            f"true convolution (flipped kernel) gives <b>{fmt(v)}</b>")
    if c != v:
        return text + "."
    if np.array_equal(s.window * s.kernel, s.window * s.kernel[::-1, ::-1]):
        return text + " (the same: here the flip does not change a single product)."
    return text + " (the same here, by coincidence: the products differ, their sums do not)."


DEFAULTS = dict(KH=3, KW=3, i=0, j=0, flip=False)

FALLBACK = fallback("The sliding-window explorer appears here when you run this cell in JupyterLab: step the "
                    "window over the image, or press play, and watch the products and the output cell they fill.")


class SlidingWindowExplorer(Explorer):
    """Step the window over a 6 x 6 integer image (seed 0); choose the kernel flip.

    Attributes
    ----------
    controls : ``KH``, ``KW``, ``i``, ``j`` (IntSliders), ``play`` (PlayControl), ``flip`` (RadioButtons)
    state, numbers (HTML), note (HTML), image (Image), widget (the panel), last_update_ms
    """

    def __init__(self, x=None, k=None, **values):
        v = self._start(values, DEFAULTS)
        self.x = None if x is None else np.asarray(x, float)
        self.k = None if k is None else np.asarray(k, float)
        c = self.controls = {
            "flip": choice([("cross-correlation (Conv2D)", False), ("true convolution (flipped)", True)], v["flip"],
                           "kernel"),
            "KH": int_slider(v["KH"], 1, 4, "KH"),
            "KW": int_slider(v["KW"], 1, 4, "KW"),
            "i": int_slider(v["i"], 0, 0, "output i"),
            "j": int_slider(v["j"], 0, 0, "output j"),
            "play": play_control(1, "step the window over the image", "all windows"),
        }
        if self.k is not None:
            c["KH"].value, c["KW"].value = self.k.shape
            c["KH"].disabled = c["KW"].disabled = True
            self.note.value = ("<small class='cl-why'>KH and KW are the shape of this notebook's kernel k "
                               "(greyed out)</small>")
        self._finish([c[k] for k in ("flip", "KH", "KW", "i", "j", "play")],
                     "The image with the window in red, the kernel as it is laid on the window, the output filled "
                     "in up to the current cell (hatched: not computed yet).", FALLBACK)

    def _redraw(self):
        c = self.controls
        x, k = example_data(kh=c["KH"].value, kw=c["KW"].value)
        x = x if self.x is None else self.x
        k = k if self.k is None else self.k
        s = sliding_window_state(x, k, position=(c["i"].value, c["j"].value), flip=c["flip"].value)
        with self._quiet():
            c["i"].max, c["j"].max = s.y.shape[0] - 1, s.y.shape[1] - 1
            c["play"].max = s.y.size - 1
            c["play"].value = s.step
        self.state = s
        self.numbers.value = numbers_html(s)
        self._show(sliding_window_raster(s))

    def _output_width(self) -> int:
        return self.state.y.shape[1]
