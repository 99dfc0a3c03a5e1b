"""Pictures as rasters: arrays of cells straight to RGB, then PNG (the explorers' pictures).

A matplotlib figure with a few hundred numbers in it takes 100-200 ms to render
on a 2-core machine; the explorers redraw on every key press, so their pictures
are rasters composed with numpy (matplotlib's colour maps, text and PNG by
Pillow).  The same raster is the live picture of an explorer and, through
:func:`picture`, the static figure of a notebook cell.
"""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib
import numpy as np
from IPython.display import Image as IPImage
from PIL import Image, ImageDraw, ImageFont

from .base import DATA_CMAP, PADDING_COLOUR, SIGNED_CMAP, format_number

__all__ = ["CELL", "RED", "ORANGE", "BLUE", "PADDING", "SIGNED_WIDEN", "CAPTION_LINE_PX", "pad_mask", "cells_rgb",
           "fit_cell", "signed_rgb", "output_map", "hatch", "blank", "captioned", "indexed", "draw_box", "mark_cells",
           "hstack", "vstack", "rgb_png", "picture"]

CELL = 22  # pixels per array cell
RED = (214, 39, 40)
ORANGE = (255, 127, 14)
BLUE = (33, 113, 181)
#: Padding, in every panel of every explorer (and the stride/padding picture): one light blue.
PADDING = tuple(int(PADDING_COLOUR[k:k + 2], 16) for k in (1, 3, 5))
#: Signed panels (weights, products) put their colour limits this much beyond the largest value, so that the
#: largest values are clearly purple and clearly orange, never two near-black cells.
SIGNED_WIDEN = 1.5
#: Text size in pixels: captions, indices and the values written in cells (never under 9 px as shown).
FONT_PX = 12


def pad_mask(shape, pads):
    """True on the padding cells of a padded ``shape``, ``pads = ((top, bottom), (left, right))``."""
    m = np.ones(shape, bool)
    (t, b), (l, r) = pads
    m[t:shape[0] - b, l:shape[1] - r] = False
    return m


def cells_rgb(a, cmap: str = DATA_CMAP, vmin=None, vmax=None, cell: int = CELL, padding=None, values: bool = False):
    """A 2-D array as an RGB raster, one ``cell`` x ``cell`` square per entry, thin grid lines.

    NaN entries are cells not computed yet: white, hatched (the same mark in every explorer).  Cells where the
    boolean array ``padding`` is True are :data:`PADDING`.  With ``values``, each number is written in its cell
    where it fits (black or white, whichever reads better on the cell's colour).
    """
    a = np.asarray(a, dtype=float)
    nan = np.isnan(a)
    lo = np.nanmin(a) if vmin is None and not nan.all() else (vmin or 0.0)
    hi = np.nanmax(a) if vmax is None and not nan.all() else (vmax if vmax is not None else 1.0)
    norm = (np.where(nan, lo, a) - lo) / ((hi - lo) or 1.0)
    rgb = (matplotlib.colormaps[cmap](np.clip(norm, 0, 1))[..., :3] * 255).astype(np.uint8)
    rgb[nan] = (255, 255, 255)
    if padding is not None:
        rgb[padding] = PADDING
    img = np.repeat(np.repeat(rgb, cell, axis=0), cell, axis=1)
    if nan.any():
        hatch(img, np.repeat(np.repeat(nan, cell, axis=0), cell, axis=1))
    img[::cell, :] = 200
    img[:, ::cell] = 200
    img[-1, :] = 200
    img[:, -1] = 200
    if values:
        _write_values(img, a, rgb, cell)
    return img


def fit_cell(a, least: int = CELL) -> int:
    """A cell size in pixels in which every finite value of ``a`` can be written (at least ``least``)."""
    a = np.asarray(a, dtype=float)
    texts = [format_number(v) for v in a[np.isfinite(a)].ravel()] or ["0"]
    return max(least, int(np.ceil(max(_font().getlength(t) for t in texts))) + 8)


def signed_rgb(a, lim=None, cell: int = CELL, values: bool = False):
    """A signed 2-D array (weights, products) in the diverging map, white at 0, limits ``+-SIGNED_WIDEN * lim``
    (``lim`` default: the largest magnitude), so that ``-2`` and ``+2`` are clearly purple and orange."""
    a = np.asarray(a, dtype=float)
    lim = SIGNED_WIDEN * (float(np.abs(a).max()) if lim is None else float(lim) or 1.0) or 1.0
    return cells_rgb(a, SIGNED_CMAP, -lim, lim, cell=cell, values=values)


def _write_values(img, a, rgb, cell):
    """Each finite entry of ``a`` written in the middle of its cell, where the text fits (in place)."""
    for (r, c), v in np.ndenumerate(a):
        if np.isnan(v):
            continue
        mask = _text_mask(format_number(v))
        h, w = mask.shape
        if w > cell - 3 or h > cell - 2:
            continue
        red, green, blue = (int(k) for k in rgb[r, c])
        colour = 0 if 0.299 * red + 0.587 * green + 0.114 * blue > 128 else 255
        y, x = r * cell + (cell - h) // 2, c * cell + (cell - w) // 2
        region = img[y:y + h, x:x + w]
        alpha = mask[..., None] / 255.0
        region[...] = (region * (1 - alpha) + colour * alpha).astype(np.uint8)
    return img


@lru_cache(maxsize=4096)
def _text_mask(text: str) -> np.ndarray:
    """The glyphs of ``text`` as an alpha mask (uint8, rows x cols), drawn once per text and kept."""
    font = _font()
    left, top, right, bottom = font.getbbox(text)
    im = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(im).text((-left, -top), text, fill=255, font=font)
    return np.asarray(im)


def output_map(y, step: int, position, caption: str, scale=None):
    """An output map filled in up to raster index ``step`` (values written; cells not computed yet hatched), the
    pixel ``position`` outlined, rows and columns numbered, captioned.  Light greys: the smallest value is not the
    white of a cell not computed yet, and every value is readable.

    ``scale`` : array_like, optional.  Values the grey scale and the cell size span, so that maps drawn with the
    same ``scale`` can be compared cell by cell (default: ``y``'s own values).
    """
    y = np.asarray(y, dtype=float)
    scale = y if scale is None else np.asarray(scale, dtype=float)
    ho, wo = y.shape
    filled = np.arange(ho * wo).reshape(ho, wo) <= step
    lo, hi = float(scale.min()), float(scale.max())
    lo, hi = (lo - 1.0, hi + 1.0) if hi == lo else (lo - 0.6 * (hi - lo), hi)  # one value: mid grey
    cell = fit_cell(scale)
    img = cells_rgb(np.where(filled, y, np.nan), DATA_CMAP, lo, hi, cell=cell,
                    values=True)
    draw_box(img, position[0], position[1], 1, 1, cell=cell)
    return captioned(indexed(img, range(ho), range(wo), cell), caption)


def hatch(img, where, colour=(170, 170, 170), spacing: int = 6):
    """Diagonal lines over the pixels of ``img`` where the boolean array ``where`` is True, in place."""
    yy, xx = np.indices(where.shape)
    img[where & ((yy + xx) % spacing == 0)] = colour
    return img


_FONT = None


def _font():
    global _FONT
    if _FONT is None:
        _FONT = ImageFont.load_default(size=FONT_PX)
    return _FONT


def indexed(rgb, rows, cols, cell: int = CELL, colour=(90, 90, 90)):
    """A :func:`cells_rgb` panel with its row numbers on the left and its column numbers above it.

    ``rows``, ``cols`` : the index of each row and column (input coordinates: padding rows are ``-1, -2, ...``).
    """
    font = _font()
    left = int(max(font.getlength(str(r)) for r in rows)) + 4
    top = FONT_PX + 4
    pil = Image.new("RGB", (left + rgb.shape[1], top + rgb.shape[0]), "white")
    pil.paste(Image.fromarray(np.ascontiguousarray(rgb)), (left, top))
    draw = ImageDraw.Draw(pil)
    for n, r in enumerate(rows):
        draw.text((left - 3, top + n * cell + cell / 2), str(r), fill=colour, font=font, anchor="rm")
    for n, c in enumerate(cols):
        draw.text((left + n * cell + cell / 2, top - 2), str(c), fill=colour, font=font, anchor="ms")
    return np.asarray(pil)


#: Height of one caption line, pixels.
CAPTION_LINE_PX = 15


def blank(height: int, width: int = 1):
    """A white raster, to hold a place in a stack."""
    return np.full((max(height, 0), width, 3), 255, np.uint8)


def captioned(rgb, text: str, colour=(40, 40, 40), line: int = CAPTION_LINE_PX):
    """A raster panel with its caption above it (one line per ``\\n``), on white: what the panel shows.

    Every explorer captions its picture's panels with this, so a learner reads which grid is the input, which the
    kernel and which the output without matching colours to a legend.  The panel widens when the caption is wider.
    """
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
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def picture(rgb):
    """An RGB raster as an ``IPython.display.Image`` (what a notebook cell shows as a static figure)."""
    return IPImage(data=rgb_png(rgb), format="png", width=rgb.shape[1])
