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
from ._ui import Explorer, captioned, cells_rgb, draw_box, fallback, fmt, hstack, html_grid, legend, play_control

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
    """Input with the window outlined, the kernel as laid on it, the output filled in up to ``(i, j)``."""
    kh, kw = s.kernel.shape
    img = draw_box(cells_rgb(s.x, "Greys"), s.position[0], s.position[1], kh, kw)
    lim = float(np.abs(s.kernel).max()) or 1.0
    ker = cells_rgb(s.used, "PuOr_r", -lim, lim, cell=30)
    ho, wo = s.y.shape
    filled = np.arange(ho * wo).reshape(ho, wo) <= s.step
    out = cells_rgb(np.where(filled, s.y, np.nan), "Greys", float(s.y.min()), float(s.y.max()))
    i, j = s.position
    return hstack([captioned(img, "image x\n(window in red)"),
                   captioned(ker, "kernel flipped\nk[::-1, ::-1]" if s.flip else "kernel k\n(as it is)"),
                   captioned(draw_box(out, i, j, 1, 1), f"output y\n(filled up to y[{i}, {j}])")], gap=24)


def numbers_html(s: SlidingWindowState) -> str:
    i, j = s.position
    what = "true convolution: the kernel flipped" if s.flip else "cross-correlation (Conv2D): the kernel as it is"
    terms = " + ".join(f"{fmt(a)}·{fmt(b)}" if b >= 0 else f"{fmt(a)}·({fmt(b)})"
                       for a, b in zip(s.window.ravel(), s.used.ravel()))
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
    """Step the window over a 6 x 6 integer image (seed 0); toggle the kernel flip.

    Attributes
    ----------
    controls : ``KH``, ``KW``, ``i``, ``j`` (IntSliders), ``play`` (Play), ``flip`` (ToggleButtons)
    state, numbers (HTML), image (Image), widget (the panel), last_update_ms
    """

    def __init__(self, x=None, k=None, **values):
        import ipywidgets as w

        v = self._start(values, DEFAULTS)
        self.x = None if x is None else np.asarray(x, float)
        self.k = None if k is None else np.asarray(k, float)
        lay = w.Layout(width="240px")
        c = self.controls = {
            "KH": w.IntSlider(value=v["KH"], min=1, max=4, description="KH", layout=lay),
            "KW": w.IntSlider(value=v["KW"], min=1, max=4, description="KW", layout=lay),
            "i": w.IntSlider(value=v["i"], min=0, max=0, description="output i", layout=lay),
            "j": w.IntSlider(value=v["j"], min=0, max=0, description="output j", layout=lay),
            "play": play_control(1, "step the window"),
            "flip": w.ToggleButtons(options=[("cross-correlation (Conv2D)", False), ("true convolution (flipped)", True)],
                                    value=v["flip"], description="kernel", style={"button_width": "200px"}),
        }
        if self.k is not None:
            c["KH"].value, c["KW"].value = self.k.shape
            c["KH"].disabled = c["KW"].disabled = True
        self.numbers = w.HTML()
        self._finish([c["flip"], w.HBox([w.VBox([c["KH"], c["KW"]]), w.VBox([c["i"], c["j"]]),
                                         w.HBox([w.Label("play:"), c["play"]])]),
                      self.numbers,
                      legend("The picture: the image with the window in red, the kernel as it is laid "
                             "on the window, the output filled in up to the current cell."),
                      self.image], FALLBACK)

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
