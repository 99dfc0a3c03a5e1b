"""What the explorers share: the :class:`Explorer` frame (controls in, a panel out, timed redraws), the
:class:`PaddedLayer` they show, a figure as PNG bytes, a play control, HTML number tables, fast rasters."""

from __future__ import annotations

import io
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..base import figure_png, format_number

__all__ = ["Explorer", "PaddedLayer", "fallback", "legend", "png_bytes", "play_control", "html_grid", "fmt",
           "PLAY_INTERVAL_MS", "captioned", "hatch"]

#: Time between two steps of a play control: slow enough to read one step's numbers.
PLAY_INTERVAL_MS = 1200


def fmt(v) -> str:
    """One number as the explorers print it (:func:`convlib.figures.base.format_number`)."""
    return format_number(v)


def png_bytes(fig, dpi: int = 72) -> bytes:
    """The figure as PNG bytes (low dpi: the explorers redraw many times a second)."""
    return figure_png(fig, dpi=dpi)


def fallback(intro: str) -> str:
    """An explorer panel's plain-text stand-in: ``intro``, then what to do when it stays after a run."""
    return (f"[{intro} If you have run it and still read this line, JupyterLab is missing the widget "
            "extension: see notebooks/00-setup-check.ipynb, section 3.]")


def legend(text: str):
    """A small line of HTML that says what the picture below the controls shows."""
    import ipywidgets as w

    return w.HTML(f"<small>{text}</small>")


@dataclass
class PaddedLayer:
    """The layer an explorer shows: ``x`` (H, W, C_in), ``w`` (KH, KW, C_in, C_out), ``b`` (C_out,),
    ``xp`` the zero-padded input, ``pads`` ((top, bottom), (left, right)), ``out`` (Ho, Wo), ``stride`` (sh, sw)."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    xp: np.ndarray
    pads: tuple
    out: tuple
    stride: tuple


class Explorer:
    """The frame of every explorer: checked starting values, a panel of controls, timed redraws.

    A subclass builds ``self.controls`` (a dict of ipywidgets) between :meth:`_start` and
    :meth:`_finish`, and draws in :meth:`_redraw`.  A control named ``"play"`` steps through the
    output pixels in raster order (the subclass says how wide the output is, :meth:`_output_width`).

    Attributes
    ----------
    image : ipywidgets.Image, the picture as PNG
    state : what was drawn last (None before the first draw, or when there is no output)
    widget : the panel to display (:func:`convlib.figures.widgets.panel`)
    last_update_ms : float, wall time of the last redraw, PNG included
    """

    def _start(self, values, defaults) -> dict:
        """The starting control values: ``defaults`` updated with ``values`` (a TypeError for unknown names)."""
        import ipywidgets as w

        unknown = set(values) - set(defaults)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}; known: {sorted(defaults)}")
        self.image = w.Image(format="png")
        self.state = None
        self.last_update_ms = float("nan")
        self._updating = False
        return {**defaults, **values}

    def _finish(self, children, text):
        """Observe every control, lay ``children`` out in a panel whose plain text is ``text``, draw."""
        from ..widgets import panel

        for name, control in self.controls.items():
            control.observe(self._on_play if name == "play" else self._on_change, names="value")
        self.widget = panel(children, text=text)
        self.update()

    def update(self):
        """Recompute and redraw from the control values."""
        start = time.perf_counter()
        try:
            self._redraw()
        finally:
            self.last_update_ms = (time.perf_counter() - start) * 1e3

    def _redraw(self):
        raise NotImplementedError

    def _output_width(self) -> int:
        raise NotImplementedError

    @contextmanager
    def _quiet(self):
        """Within it, setting a control (its value, its limits) does not trigger a redraw."""
        self._updating = True
        try:
            yield
        finally:
            self._updating = False

    def _show(self, rgb):
        """Show an RGB raster at its native size (one array cell is :data:`CELL` screen pixels)."""
        self.image.value = rgb_png(rgb)
        self.image.width = rgb.shape[1]

    def _on_change(self, change):
        if not self._updating:
            self.update()

    def _on_play(self, change):
        if self._updating or self.state is None:
            return
        with self._quiet():
            self.controls["i"].value, self.controls["j"].value = divmod(change["new"], self._output_width())
        self.update()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def new_figure(figsize):
    """A figure that is not registered with pyplot (no memory kept by the pyplot state)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout=None)


def play_control(n_steps: int, description: str = "play"):
    """An ``ipywidgets.Play`` that steps 0 .. n_steps-1 at a readable pace and stops at the end."""
    import ipywidgets as w

    return w.Play(value=0, min=0, max=max(n_steps - 1, 0), step=1, interval=PLAY_INTERVAL_MS,
                  repeat=False, description=description, show_repeat=False)


def html_grid(a, *, highlight=None, caption: str = "", cls: str = "") -> str:
    """A 2-D array as a small HTML table of numbers (what a screen reader and a browser test read)."""
    a = np.asarray(a)
    rows = []
    for r in range(a.shape[0]):
        cells = []
        for c in range(a.shape[1]):
            style = "padding:1px 5px;border:1px solid #bbb;text-align:right;font-family:monospace"
            if highlight is not None and highlight[r][c]:
                style += ";background:#fdd0a2"
            cells.append(f"<td style='{style}'>{fmt(a[r, c])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption style='caption-side:top;font-size:90%;white-space:nowrap'>{caption}</caption>" if caption else ""
    return f"<table class='{cls}' style='border-collapse:collapse;display:inline-table;margin:2px 6px'>{cap}{''.join(rows)}</table>"


# -- fast pictures: arrays of cells straight to PNG ---------------------------
# A matplotlib figure with a few hundred numbers in it takes 100-200 ms to
# render on a 2-core machine; the explorers redraw on every key press, so their
# live pictures are rasters composed with numpy (matplotlib's colour maps, PNG
# by Pillow) and their numbers are HTML tables next to the picture.

CELL = 22  # pixels per array cell
RED = (214, 39, 40)
ORANGE = (255, 127, 14)
BLUE = (33, 113, 181)


PADDING = (198, 219, 239)


def pad_mask(shape, pads):
    """True on the padding cells of a padded ``shape``, ``pads = ((top, bottom), (left, right))``."""
    m = np.ones(shape, bool)
    (t, b), (l, r) = pads
    m[t:shape[0] - b, l:shape[1] - r] = False
    return m


def cells_rgb(a, cmap: str = "Greys", vmin=None, vmax=None, cell: int = CELL, missing=(243, 243, 243),
              padding=None, hatch_missing: bool = False):
    """A 2-D array as an RGB raster, one ``cell`` x ``cell`` square per entry, thin grid lines;
    NaN entries in ``missing`` (hatched with ``hatch_missing``, so that they differ from any value's colour);
    cells where the boolean array ``padding`` is True in light blue."""
    import matplotlib

    a = np.asarray(a, dtype=float)
    nan = np.isnan(a)
    lo = np.nanmin(a) if vmin is None and not nan.all() else (vmin or 0.0)
    hi = np.nanmax(a) if vmax is None and not nan.all() else (vmax if vmax is not None else 1.0)
    norm = (np.where(nan, lo, a) - lo) / ((hi - lo) or 1.0)
    rgb = (matplotlib.colormaps[cmap](np.clip(norm, 0, 1))[..., :3] * 255).astype(np.uint8)
    rgb[nan] = missing
    if padding is not None:
        rgb[padding] = PADDING
    img = np.repeat(np.repeat(rgb, cell, axis=0), cell, axis=1)
    if hatch_missing and nan.any():
        hatch(img, np.repeat(np.repeat(nan, cell, axis=0), cell, axis=1))
    img[::cell, :] = 200
    img[:, ::cell] = 200
    img[-1, :] = 200
    img[:, -1] = 200
    return img


def hatch(img, where, colour=(170, 170, 170), spacing: int = 6):
    """Diagonal lines over the pixels of ``img`` where the boolean array ``where`` is True, in place."""
    yy, xx = np.indices(where.shape)
    img[where & ((yy + xx) % spacing == 0)] = colour
    return img


_FONT = None


def _font():
    global _FONT
    if _FONT is None:
        from PIL import ImageFont

        try:
            _FONT = ImageFont.load_default(size=12)
        except TypeError:  # Pillow without FreeType: the small bitmap font
            _FONT = ImageFont.load_default()
    return _FONT


def captioned(rgb, text: str, colour=(40, 40, 40), line: int = 15):
    """A raster panel with its caption above it (one line per ``\\n``), on white: what the panel shows.

    Every explorer captions its picture's panels with this, so a learner reads which grid is the input, which the
    kernel and which the output without matching colours to a legend.  The panel widens when the caption is wider.
    """
    from PIL import Image, ImageDraw

    lines = text.split("\n")
    font = _font()
    width = max([rgb.shape[1]] + [int(np.ceil(font.getlength(t))) + 2 for t in lines])
    head = Image.new("RGB", (width, line * len(lines) + 3), "white")
    draw = ImageDraw.Draw(head)
    for n, t in enumerate(lines):
        draw.text((1, n * line), t, fill=colour, font=font)
    out = np.full((head.height + rgb.shape[0], width, 3), 255, np.uint8)
    out[:head.height] = np.asarray(head)
    out[head.height:, :rgb.shape[1]] = rgb
    return out


def draw_box(img, r0: int, c0: int, h: int, w: int, colour=RED, cell: int = CELL, t: int = 3):
    """Outline cells ``[r0, r0+h) x [c0, c0+w)`` of a :func:`cells_rgb` raster, in place."""
    y0, x0 = r0 * cell, c0 * cell
    y1, x1 = min((r0 + h) * cell, img.shape[0]), min((c0 + w) * cell, img.shape[1])
    img[y0:y0 + t, x0:x1] = colour
    img[y1 - t:y1, x0:x1] = colour
    img[y0:y1, x0:x0 + t] = colour
    img[y0:y1, x1 - t:x1] = colour
    return img


def mark_cells(img, cells, colour=ORANGE, cell: int = CELL):
    """A small square in the middle of each ``(row, col)`` cell, in place."""
    q = cell // 3
    for r, c in cells:
        img[r * cell + q:(r + 1) * cell - q, c * cell + q:(c + 1) * cell - q] = colour
    return img


def _stack(panels, gap: int, axis: int):
    """Panels along ``axis`` (1: side by side, tops aligned; 0: one above the other, left aligned), on white."""
    across = 1 - axis
    size = [0, 0]
    size[axis] = sum(p.shape[axis] for p in panels) + gap * (len(panels) - 1)
    size[across] = max(p.shape[across] for p in panels)
    out = np.full((*size, 3), 255, np.uint8)
    at = 0
    for p in panels:
        where = [slice(0, p.shape[0]), slice(0, p.shape[1])]
        where[axis] = slice(at, at + p.shape[axis])
        out[tuple(where)] = p
        at += p.shape[axis] + gap
    return out


def hstack(panels, gap: int = 14):
    """Panels side by side, tops aligned, on white."""
    return _stack(panels, gap, axis=1)


def vstack(panels, gap: int = 14):
    """Panels one above the other, left aligned, on white."""
    return _stack(panels, gap, axis=0)


def rgb_png(rgb) -> bytes:
    """An RGB uint8 array as PNG bytes (Pillow, fast compression)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def picture(rgb):
    """An RGB raster as an ``IPython.display.Image`` (what a notebook cell shows as a static figure)."""
    from IPython.display import Image

    return Image(data=rgb_png(rgb), format="png", width=rgb.shape[1])
