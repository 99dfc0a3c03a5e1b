"""The channel-sum explorer: one output pixel of a multi-channel convolution, in numbers.

For output pixel ``(i, j)`` of filter ``co``, every input channel ``ci``
contributes the sum of its window times **its own** kernel slice
``w[:, :, ci, co]``; the output is the sum of these partial sums plus the one
bias ``b[co]``::

    y[i, j, co] = sum_ci sum_(kh, kw) xp[i*sh + kh, j*sw + kw, ci] * w[kh, kw, ci, co] + b[co]

:func:`channel_sum_state` computes every number the explorer shows (and what
each wrong model of notebook 01 would give for the same pixel),
:func:`channel_sum_raster` draws it (the live picture and the notebooks' static one), :class:`ChannelSumExplorer` wires it to
sliders, a play button and toggles.

    from convlib.figures.explorers.channel_sum import ChannelSumExplorer
    ChannelSumExplorer()                      # in a notebook cell
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...conv import conv2d
from ...geometry import conv_geometry
from ...reference import zero_pad
from .frame import Explorer, PaddedLayer, choice, fallback, int_slider, play_control
from ..base import DATA_CMAP
from ..raster import (CAPTION_LINE_PX, blank, captioned, cells_rgb, draw_box, fit_cell, hstack, indexed, output_map,
                      pad_mask, signed_rgb, vstack)
from .tables import fmt, html_grid, term

__all__ = ["PRESETS", "WRONG_MODELS", "preset_data", "channel_sum_state", "channel_sum_raster",
           "ChannelSumExplorer", "ChannelSumState", "model_working"]

#: The data presets: name -> what it is.
PRESETS = {
    "fingerprint": "channel c holds 100**c (1, 100, 10000, ...), a kernel of ones, bias 0",
    "random integers": "small random integers (seed 0): input 0..3, weights -1..2, bias -1..1",
    "layer weights": "a layer's real weights (given with weights=(w, b)) on a random integer input",
}

#: The wrong models of notebook 01, as the explorer names them.
WRONG_MODELS = {
    "Conv2D (true)": "each channel has its own slice; the partial sums are added, then the one bias",
    "A: one flat kernel": "one 2-D kernel (channel 0's slice) reused on every channel, results added",
    "B: map per channel": "no sum: every channel gives its own output map",
    "C: channels averaged": "the channels' results averaged instead of summed",
}

CHANNEL_NAMES = ("red", "green", "blue", "alpha")


def preset_data(preset: str, c_in: int = 3, c_out: int = 1, kh: int = 2, kw: int = 2, *, seed: int = 0,
                weights=None, x=None):
    """The arrays of a preset.

    Parameters
    ----------
    preset : str
        A key of :data:`PRESETS`.
    c_in, c_out, kh, kw : int
        Kernel bank shape ``(KH, KW, C_in, C_out)`` (ignored for ``"layer weights"``,
        which takes it from ``weights``).
    weights : (w, b), optional
        ``w`` of shape ``(KH, KW, C_in, C_out)`` and ``b`` of shape ``(C_out,)``,
        e.g. ``layer.get_weights()`` of a Keras ``Conv2D``.
    x : array_like, shape (H, W, C_in), optional
        The image for ``"layer weights"`` (a notebook's own input) instead of a random one.

    Returns
    -------
    x : ndarray, shape (H, W, C_in)
    w : ndarray, shape (KH, KW, C_in, C_out)
    b : ndarray, shape (C_out,)
        All float64.  The fingerprint image is 3 x 3 (larger when the kernel is),
        the others 5 x 5.
    """
    rng = np.random.default_rng(seed)
    if preset == "fingerprint":
        n = max(3, kh, kw)
        x = np.empty((n, n, c_in))
        x[...] = 100.0 ** np.arange(c_in)
        return x, np.ones((kh, kw, c_in, c_out)), np.zeros(c_out)
    if preset == "random integers":
        n = max(5, kh, kw)
        x = rng.integers(0, 4, size=(n, n, c_in)).astype(float)
        w = rng.integers(-1, 3, size=(kh, kw, c_in, c_out)).astype(float)
        return x, w, rng.integers(-1, 2, size=c_out).astype(float)
    if preset == "layer weights":
        if weights is None:
            raise ValueError("the 'layer weights' preset needs weights=(w, b), e.g. layer.get_weights()")
        w, b = (np.asarray(a, dtype=float) for a in weights)
        if x is not None:
            x = np.asarray(x, dtype=float)
            if x.ndim != 3 or x.shape[2] != w.shape[2]:
                raise ValueError(f"x must have shape (H, W, {w.shape[2]}) for these weights, got {x.shape}")
            return x, w, b
        n = max(5, w.shape[0], w.shape[1])
        x = rng.integers(0, 4, size=(n, n, w.shape[2])).astype(float)
        return x, w, b
    raise ValueError(f"unknown preset {preset!r}; known: {sorted(PRESETS)}")


@dataclass
class ChannelSumState(PaddedLayer):
    """Everything the channel-sum explorer shows for one output pixel (shapes in the naming table).

    Attributes
    ----------
    x : (H, W, C_in)          w : (KH, KW, C_in, C_out)       b : (C_out,)
    xp : (H + top + bottom, W + left + right, C_in), the zero-padded input
    pads : ((top, bottom), (left, right));  out : (Ho, Wo);  stride : (sh, sw)
    position : (i, j), the output pixel;  co : the filter
    origin : (row, col) in ``xp`` of the window's top-left tap
    windows, kernels, products : (C_in, KH, KW), per channel: the window, ``w[:, :, ci, co]``, their product
    partial_sums : (C_in,), each channel's sum of products
    bias : float, ``b[co]``;  value : float, ``partial_sums.sum() + bias``
    y : (Ho, Wo, C_out), :func:`convlib.conv2d` of the whole input
    wrong : dict, what each of :data:`WRONG_MODELS` gives for this pixel (B: one number per channel)
    """

    position: tuple
    co: int
    origin: tuple
    windows: np.ndarray
    kernels: np.ndarray
    products: np.ndarray
    partial_sums: np.ndarray
    bias: float
    value: float
    y: np.ndarray
    wrong: dict = field(default_factory=dict)

    @property
    def step(self) -> int:
        """Raster index of the pixel, ``i * Wo + j`` (what the play control counts)."""
        return self.position[0] * self.out[1] + self.position[1]

    def equation(self) -> str:
        """``4 + 400 + 40000 + bias 0 = 40404``."""
        parts = " + ".join(term(s) for s in self.partial_sums)
        return f"{parts} + bias {term(self.bias)} = {fmt(self.value)}"


def channel_sum_state(x, w, b=None, *, stride=1, padding="valid", position=(0, 0), co=0) -> ChannelSumState:
    """Compute what the explorer shows for output pixel ``position`` of filter ``co``.

    Parameters
    ----------
    x : array_like, shape (H, W, C_in)
    w : array_like, shape (KH, KW, C_in, C_out)
    b : array_like, shape (C_out,), optional (zeros)
    stride, padding
        As for :func:`convlib.conv2d` (``"valid"``, ``"same"``, an int or pairs).
    position : (i, j)
        The output pixel; clipped to the output.
    co : int
        The filter, clipped to ``0 .. C_out-1``.

    Returns
    -------
    ChannelSumState
        ``value`` equals ``y[i, j, co]``, which :func:`convlib.conv2d` computed.

    Raises
    ------
    ValueError
        As :func:`convlib.conv2d` (wrong kernel depth, a kernel larger than the padded input).
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    c_out = w.shape[3]
    b = np.zeros(c_out) if b is None else np.asarray(b, dtype=float)
    y = conv2d(x, w, b, stride=stride, padding=padding)  # validates every argument, teaching errors included
    kh, kw = w.shape[:2]
    g = conv_geometry(x.shape[:2], (kh, kw), stride, padding)
    i = int(np.clip(position[0], 0, g.out[0] - 1))
    j = int(np.clip(position[1], 0, g.out[1] - 1))
    co = int(np.clip(co, 0, c_out - 1))
    xp = zero_pad(x[None], g.pads)[0]
    r0, c0 = i * g.stride[0], j * g.stride[1]
    windows = np.moveaxis(xp[r0:r0 + kh, c0:c0 + kw, :], 2, 0)
    kernels = np.moveaxis(w[:, :, :, co], 2, 0)
    products = windows * kernels
    partial = products.sum(axis=(1, 2))
    bias = float(b[co])
    value = float(partial.sum() + bias)
    shared = (windows * kernels[0]).sum() + bias
    wrong = {
        "Conv2D (true)": value,
        "A: one flat kernel": float(shared),
        "B: map per channel": tuple(float(p + bias) for p in partial),
        "C: channels averaged": float(partial.mean() + bias),
    }
    return ChannelSumState(x, w, b, xp, g.pads, g.out, g.stride, (i, j), co, (r0, c0), windows, kernels,
                           products, partial, bias, value, y, wrong)


def model_working(s: ChannelSumState, model: str = "Conv2D (true)") -> dict:
    """The columns of the explorer computed the way ``model`` (a key of :data:`WRONG_MODELS`) computes the pixel.

    Returns
    -------
    dict
        ``kernels``, ``products`` (C_in, KH, KW): the slice each channel is multiplied with under the model (model
        A: channel 0's slice on every channel) and the products; ``partial_sums`` (C_in,); ``maps`` (C_in, Ho, Wo),
        each channel's partial map (its padded channel correlated with its slice, at the layer's stride: the
        partial sum of every output pixel); ``labels``, the slice's
        name per channel; ``working``, the sum written out (``"10 + 4 + 1 + bias 0 = 15"``); ``value``, what the
        model gives (a tuple, one number per channel, for model B), equal to ``s.wrong[model]``.
    """
    if model not in WRONG_MODELS:
        raise ValueError(f"unknown model {model!r}; known: {list(WRONG_MODELS)}")
    c_in = len(s.partial_sums)
    flat = model == "A: one flat kernel"
    kernels = np.broadcast_to(s.kernels[0], s.kernels.shape) if flat else s.kernels
    products = s.windows * kernels
    partial = products.sum(axis=(1, 2))
    maps = np.stack([conv2d(s.xp[:, :, c:c + 1], kernels[c][:, :, None, None], stride=s.stride)[:, :, 0]
                     for c in range(c_in)])
    labels = [f"w[:, :, {0 if flat else c}, {s.co}]" for c in range(c_in)]
    terms = " + ".join(term(p) for p in partial)
    bias = f"bias {term(s.bias)}"
    if model == "B: map per channel":
        value = tuple(float(p + s.bias) for p in partial)
        working = ", ".join(f"{term(p)} + {bias} = {fmt(v)}" for p, v in zip(partial, value))
    elif model == "C: channels averaged":
        value = float(partial.mean() + s.bias)
        working = f"({terms}) / {c_in} + {bias} = {fmt(value)}"
    else:
        value = float(partial.sum() + s.bias)
        working = f"{terms} + {bias} = {fmt(value)}"
    return dict(kernels=kernels, products=products, partial_sums=partial, maps=maps, labels=labels, working=working,
                value=value)


# -- the picture --------------------------------------------------------------


def channel_sum_raster(s: ChannelSumState, model: str = "Conv2D (true)", names=None, maps: bool = False):
    """The picture of one output pixel, every panel captioned and indexed: per input channel, the padded channel
    (padding light blue, rows and columns numbered in input coordinates) with the window outlined and, below it,
    the kernel slice it is multiplied with under ``model`` (its weights written in); then the output map of filter
    ``co`` filled in up to the pixel (raster order, its values written, cells not computed yet hatched), the pixel
    outlined.  The explorer shows it live; a notebook shows it with :func:`convlib.figures.raster.picture`.

    With ``maps``, each channel's partial map (:func:`model_working`) fills in below its kernel slice, up to the
    same pixel, and the output map stands beside them: at the last pixel this is the whole layer, the partial maps
    summed plus the bias.  The partial maps and the output share one grey scale and one cell size.

    Each channel has its own grey scale (the fingerprint's channels differ a hundredfold); a constant channel is
    mid grey, and its caption gives the value.  The kernel slices share one colour scale.

    Returns
    -------
    ndarray, shape (rows, cols, 3), uint8
    """
    c_in, kh, kw = s.windows.shape
    names = list(names or CHANNEL_NAMES)
    work = model_working(s, model)
    klim = float(np.abs(work["kernels"]).max()) or 1.0
    columns, below = [], []
    mask = pad_mask(s.xp.shape[:2], s.pads)
    (top, _), (left, _) = s.pads
    rows = range(-top, s.xp.shape[0] - top)
    cols = range(-left, s.xp.shape[1] - left)
    cell = fit_cell(s.xp)
    out = s.y[:, :, s.co]
    scale = np.concatenate([np.ravel(work["maps"]), out.ravel()])
    for c in range(c_in):
        ch = s.x[:, :, c]
        lo, hi = float(ch.min()), float(ch.max())
        caption = f"{names[c] if c < len(names) else 'channel'} (ci={c}) window"
        if hi == lo:  # one colour says nothing: write the value
            lo, hi = lo - 1.0, hi + 1.0
            caption += f"\nevery pixel {fmt(ch.flat[0])}"
        img = cells_rgb(s.xp[:, :, c], DATA_CMAP, lo, hi, cell=cell, padding=mask, values=True)
        draw_box(img, s.origin[0], s.origin[1], kh, kw, cell=cell)
        kernel = signed_rgb(work["kernels"][c], klim, values=True)
        columns.append(vstack([captioned(indexed(img, rows, cols, cell), caption),
                               captioned(indexed(kernel, range(kh), range(kw)), "slice " + work["labels"][c])],
                              gap=8))
        if maps:
            below.append(output_map(work["maps"][c], s.step, s.position, f"partial map ci={c}", scale))
    caption = f"output y[:, :, {s.co}]\n(hatched: not yet)"
    if not maps:
        return hstack([*columns, output_map(out, s.step, s.position, caption)], gap=18)
    # the partial maps in a row under their channels; the output beside them, its grid level with theirs
    height = max(col.shape[0] for col in columns) + 12
    columns = [vstack([col, blank(height - col.shape[0]), m], gap=0) for col, m in zip(columns, below)]
    caption = f"output y[:, :, {s.co}] =\nthe partial maps\nsummed + bias {fmt(s.bias)}"
    result = output_map(out, s.step, s.position, caption, scale)
    return hstack([*columns, vstack([blank(height - 2 * CAPTION_LINE_PX), result], gap=0)], gap=18)


# -- the widget ---------------------------------------------------------------

#: Starting values of the controls.
DEFAULTS = dict(preset="fingerprint", C_in=3, C_out=1, KH=2, KW=2, stride=1, mode="valid", pad=1, co=0, i=0, j=0,
                model="Conv2D (true)")

CAPTION = ("Each input channel (padding in light blue) with the window in red, and below it the kernel slice it is "
           "multiplied with (orange positive, purple negative); on the right the output map of filter co, filled in "
           "up to the chosen pixel (hatched: not computed yet).")

FALLBACK = fallback("The channel-sum explorer appears here when you run this cell in JupyterLab: pick an output "
                    "pixel, or press play, and watch each channel's window, kernel slice, products and partial sum "
                    "add up to the output value.")


class ChannelSumExplorer(Explorer):
    """Sliders, a play button and choices over :func:`channel_sum_state`, drawn by :func:`channel_sum_raster`.

    Parameters
    ----------
    weights : (w, b), optional
        A layer's weights (``layer.get_weights()``); adds the ``"layer weights"`` preset.
    x : array_like, shape (H, W, C_in), optional
        The image the ``"layer weights"`` preset uses (a notebook's own input, so that pixel ``(i, j)`` is the
        pixel of the notebook's figures); without it, a random integer image.
    names : sequence of str, optional
        Channel names for the picture.
    **values
        Starting control values (see :data:`DEFAULTS`).

    Attributes
    ----------
    controls : dict of ipywidgets
        ``preset``, ``mode``, ``model`` (RadioButtons); ``C_in``, ``C_out``, ``KH``, ``KW``,
        ``stride``, ``pad``, ``co``, ``i``, ``j`` (IntSliders); ``play`` (PlayControl, the raster index).
    state : ChannelSumState or None (None when the kernel does not fit)
    numbers : ipywidgets.HTML, the per-channel tables and the sum, in text (:func:`numbers_html`)
    note : ipywidgets.HTML, why a control is greyed out
    image : ipywidgets.Image, the picture as PNG (:func:`channel_sum_raster`)
    picture : ndarray (rows, cols, 3), the picture as RGB
    widget : the panel to display
    last_update_ms : float, wall time of the last redraw (PNG included)
    """

    def __init__(self, weights=None, names=None, x=None, **values):
        if x is not None and weights is None:
            raise ValueError("x= is the image of the 'layer weights' preset: pass weights=(w, b) too")
        v = self._start(values, DEFAULTS)
        self.weights = weights
        self.x = x
        self.names = names
        presets = [p for p in PRESETS if p != "layer weights" or weights is not None]
        self.controls = {
            "preset": choice(presets, v["preset"], "data"),
            "C_in": int_slider(v["C_in"], 1, 4, "C_in"),
            "C_out": int_slider(v["C_out"], 1, 3, "C_out"),
            "KH": int_slider(v["KH"], 1, 4, "KH"),
            "KW": int_slider(v["KW"], 1, 4, "KW"),
            "stride": int_slider(v["stride"], 1, 3, "stride"),
            "mode": choice(["valid", "same", "explicit"], v["mode"], "padding"),
            "pad": int_slider(v["pad"], 0, 2, "pad"),
            # the limits follow the output at the first redraw; until then they admit the starting values
            "co": int_slider(v["co"], 0, max(v["co"], 0), "filter co"),
            "i": int_slider(v["i"], 0, max(v["i"], 0), "output i"),
            "j": int_slider(v["j"], 0, max(v["j"], 0), "output j"),
            "play": play_control(1, "step through the output pixels", "all pixels"),
            "model": choice(list(WRONG_MODELS), v["model"], "model"),
        }
        self.picture = None
        c = self.controls
        self._finish([c["preset"], c["mode"], *(c[k] for k in ("C_in", "C_out", "KH", "KW", "stride", "pad", "co",
                                                               "i", "j", "play")), c["model"]],
                     CAPTION, FALLBACK)

    @property
    def padding(self):
        mode = self.controls["mode"].value
        return self.controls["pad"].value if mode == "explicit" else mode

    def data(self):
        """``(x, w, b)`` of the current preset and shape."""
        c = self.controls
        return preset_data(c["preset"].value, c["C_in"].value, c["C_out"].value, c["KH"].value, c["KW"].value,
                           weights=self.weights, x=self.x)

    def _redraw(self):
        c = self.controls
        layer = c["preset"].value == "layer weights"
        for k in ("C_in", "C_out", "KH", "KW"):
            c[k].disabled = layer
        c["pad"].disabled = c["mode"].value != "explicit"
        why = []
        if layer:
            why.append("C_in, C_out, KH, KW are the layer's own (greyed out)")
        if c["pad"].disabled:
            why.append(f"pad is used only with padding 'explicit' ('{c['mode'].value}' computes its own)")
        self.note.value = "<small class='cl-why'>" + "; ".join(why) + "</small>"
        x, wt, b = self.data()
        with self._quiet():
            if layer:  # the layer fixes the shape: show it on the (disabled) sliders
                for k, n in zip(("KH", "KW", "C_in", "C_out"), wt.shape):
                    c[k].max = max(c[k].max, n)
                    c[k].value = n
            try:
                state = channel_sum_state(x, wt, b, stride=c["stride"].value, padding=self.padding,
                                          position=(c["i"].value, c["j"].value), co=c["co"].value)
            except ValueError as err:
                self.picture = None
                return self._no_output(str(err))
            ho, wo = state.out
            for k, n in (("i", ho), ("j", wo), ("co", wt.shape[3])):
                c[k].max = n - 1
            c["play"].max = ho * wo - 1
            c["play"].value = state.step
        self.state = state
        self.numbers.value = numbers_html(state, c["model"].value, self.names)
        self.picture = channel_sum_raster(state, c["model"].value, self.names)
        self._show(self.picture)

    def _output_width(self) -> int:
        return self.state.out[1]


def numbers_html(s: ChannelSumState, model: str = "Conv2D (true)", names=None) -> str:
    """The numbers of one pixel as HTML: per channel window, slice, products, partial sum, computed the way
    ``model`` computes them (:func:`model_working`); what the model gives, worked out; then Conv2D's sum."""
    names = list(names or CHANNEL_NAMES)
    i, j = s.position
    work = model_working(s, model)
    wrong = model != "Conv2D (true)"
    rows = []
    if wrong:
        rows.append(f"<div class='cs-model-note' style='color:#8c2d04'>The columns below are computed as "
                    f"<b>{model}</b> computes them: {WRONG_MODELS[model]}.</div>")
    for c in range(len(s.partial_sums)):
        name = names[c] if c < len(names) else f"channel {c}"
        rows.append(
            f"<div class='cs-channel'><b>{name}</b> (ci={c}): "
            + html_grid(s.windows[c], caption="window")
            + " × " + html_grid(work["kernels"][c], caption=work["labels"][c])
            + " = " + html_grid(work["products"][c], caption="products")
            + f" → sum <b class='cs-partial'>{fmt(work['partial_sums'][c])}</b></div>"
        )
    if wrong:
        got = work["value"]
        text = ", ".join(fmt(g) for g in got) + f" ({len(got)} maps, not 1)" if isinstance(got, tuple) else fmt(got)
        same = not isinstance(got, tuple) and np.isclose(got, s.value)
        verdict = ("the same number here: this pixel cannot tell the models apart" if same
                   else f"not {fmt(s.value)}, so the model is wrong here")
        rows.append(f"<div class='cs-wrong' style='color:#8c2d04'><b>{model}</b> would give "
                    f"<span class='cs-working'>{work['working']}</span> &rarr; "
                    f"<b class='cs-wrong-value'>{text}</b>: {verdict}</div>")
    rows.append(f"<div class='cs-total' style='font-size:115%'>{'Conv2D (true): ' if wrong else ''}"
                f"y[{i}, {j}, {s.co}] = {s.equation().replace('= ', '= <b>')}</b>"
                f" &nbsp; (conv2d: <span class='cs-conv2d'>{fmt(s.y[i, j, s.co])}</span>)</div>")
    return "".join(rows)
