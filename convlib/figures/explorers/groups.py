"""The groups explorer: which input channels each output channel sees, and what it costs.

With ``groups = g`` the ``C_in`` input channels and the ``C_out`` filters are
split into ``g`` consecutive groups; filter group ``k`` reads only input group
``k``.  ``groups = 1`` is the standard convolution (every output sees every
input); ``groups = C_in`` is depthwise (each filter sees one channel).  With
the 1×1 stage on, the grouped stage maps ``C_in -> C_in`` and a 1×1
convolution mixes the channels into ``C_out`` (``groups = C_in``: Keras'
``SeparableConv2D``).

:func:`groups_state` computes the connections and the counts (from
:mod:`convlib.counting`), :func:`draw_groups` draws them, :class:`GroupsExplorer`
wires them to a slider over the valid ``groups``.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as w
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection

from ...counting import Counts, conv2d_counts
from ..base import new_figure
from .frame import Explorer, choice, fallback, int_slider
from ..raster import rgb_png

__all__ = ["GroupsState", "valid_groups", "groups_state", "draw_groups", "groups_png", "title", "GroupsExplorer"]


def valid_groups(c_in: int, c_out: int, separable: bool = False) -> list[int]:
    """The ``groups`` values the layer accepts: divisors of ``C_in`` (and of ``C_out``, without the 1×1 stage)."""
    n = c_in if separable else c_out
    return [g for g in range(1, c_in + 1) if c_in % g == 0 and n % g == 0]


@dataclass
class GroupsState:
    """c_in, c_out, groups, kernel_size (KH, KW), out_hw (Ho, Wo), separable : the layer;
    edges : list of (stage, a, b), an edge from channel ``a`` of a stage's input to channel ``b`` of its output
    (stage 0: the grouped convolution; stage 1: the 1x1 stage);
    counts : Counts (params, macs), the stages' sum; stage_counts : one Counts per stage."""

    c_in: int
    c_out: int
    groups: int
    kernel_size: tuple
    out_hw: tuple
    separable: bool
    edges: list
    counts: Counts
    stage_counts: list

    @property
    def depthwise(self) -> bool:
        return self.groups == self.c_in

    @property
    def name(self) -> str:
        base = ("depthwise" if self.depthwise else "standard" if self.groups == 1 else f"grouped (groups={self.groups})")
        return base + (" + 1x1" + (" = depthwise-separable" if self.depthwise else "") if self.separable else "")


def groups_state(c_in: int, c_out: int, groups: int = 1, kernel_size=3, out_hw=(8, 8), *,
                 separable: bool = False) -> GroupsState:
    """Connections and counts of a grouped convolution (optionally followed by a 1×1 convolution).

    Parameters
    ----------
    c_in, c_out : int
    groups : int
        Divides ``C_in``, and ``C_out`` unless ``separable`` (then the grouped stage has ``C_in`` outputs).
    kernel_size : int or (KH, KW)
    out_hw : (Ho, Wo)
    separable : bool
        Add a 1×1 stage ``C_in -> C_out``; the grouped stage then has no bias (as in ``SeparableConv2D``).

    Returns
    -------
    GroupsState
        ``counts`` equals :func:`convlib.separable_counts` for ``groups = C_in`` with the 1×1 stage,
        :func:`convlib.conv2d_counts` otherwise.
    """
    k = (kernel_size, kernel_size) if np.isscalar(kernel_size) else tuple(kernel_size)
    mid = c_in if separable else c_out
    first = conv2d_counts(c_in, mid, k, out_hw, groups=groups, bias=not separable)  # checks that groups divide
    per_in, per_out = c_in // groups, mid // groups
    edges = [(0, a, b) for b in range(mid) for a in range((b // per_out) * per_in, (b // per_out + 1) * per_in)]
    stages = [first]
    if separable:
        stages.append(conv2d_counts(c_in, c_out, 1, out_hw))
        edges += [(1, a, b) for a in range(c_in) for b in range(c_out)]
    return GroupsState(c_in, c_out, groups, k, tuple(out_hw), separable, edges, sum(stages[1:], stages[0]), stages)


#: One colour per filter group: tab10 without its brown and grey, so that no two groups (depthwise: eight) look alike.
_GROUP_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#17becf", "#e377c2", "#bcbd22"]

#: The picture's resolution and its smallest font (the channel numbers): readable on a laptop screen.
DPI = 100
FONT = 11


def _links(s: GroupsState, stage: int) -> int:
    return sum(1 for e in s.edges if e[0] == stage)


def title(s: GroupsState) -> str:
    """The picture's title: the layer's name and its input-output channel links (every stage's)."""
    if s.separable:
        a, b = _links(s, 0), _links(s, 1)
        return f"{s.name}: {a} + {b} = {a + b} input-output channel links"
    return f"{s.name}: {_links(s, 0)} input-output channel links"


def draw_groups(s: GroupsState, fig=None):
    """Input channels on the left, output channels on the right (and the 1×1 stage's input in between),
    numbered, one line per connection, coloured by group.  Returns the figure; ``fig.convlib`` is ``s``."""
    cols = [s.c_in, s.c_in, s.c_out] if s.separable else [s.c_in, s.c_out]
    xs = np.arange(len(cols), dtype=float)

    def ys(n):
        return (np.arange(n) - (n - 1) / 2) * -1.0

    if fig is None or getattr(fig, "convlib_layout", None) != tuple(cols):  # build; else only the lines change
        if fig is None:
            fig = new_figure(figsize=(7.0, 4.6))
            fig.set_dpi(DPI)  # also what a notebook shows the figure at
        fig.clear()
        ax = fig.add_axes((0.02, 0.02, 0.96, 0.84))
        fig.convlib_lines = ax.add_collection(LineCollection([], linewidths=1.6, alpha=0.9))
        top = (max(cols) - 1) / 2
        fig.convlib_top = []  # what lies over the lines: redrawn after them (groups_png)
        for n_col, (x, n) in enumerate(zip(xs, cols)):
            fig.convlib_top.append(ax.scatter(np.full(n, x), ys(n), s=70, c="white", edgecolors="black", zorder=3))
            side, ha = (-0.07, "right") if n_col == 0 else (0.07, "left") if n_col == len(cols) - 1 else (0, "center")
            for r, y in enumerate(ys(n)):  # the channel numbers, outside the lines (in the middle: up left, on white)
                if side == 0:  # lines on both sides: drawn over them (groups_png)
                    fig.convlib_top.append(ax.text(x - 0.05, y + 0.08, str(r), ha="right", va="bottom", fontsize=FONT,
                                                   zorder=4, bbox=dict(facecolor="white", edgecolor="none",
                                                                       alpha=0.85, pad=0.4)))
                else:
                    ax.text(x + side, y, str(r), ha=ha, va="center", fontsize=FONT, zorder=4)
        labels = ["C_in", "after grouped", "C_out (1x1)"] if s.separable else ["C_in", "C_out"]
        for x, n, lab in zip(xs, cols, labels):
            ax.text(x, top + 1.0, f"{lab}: {n}", ha="center", fontsize=FONT)
        ax.set_xlim(-0.35, xs[-1] + 0.35)
        ax.set_ylim(-top - 0.6, top + 1.5)
        ax.set_axis_off()
        fig.convlib_title = fig.suptitle("", fontsize=FONT)
        fig.convlib_layout = tuple(cols)
        fig.convlib_background = None
    segs, colours = [], []
    mid = s.c_in if s.separable else s.c_out
    for stage, a, b in s.edges:
        n_a, n_b = cols[stage], cols[stage + 1]
        segs.append([(xs[stage], ys(n_a)[a]), (xs[stage + 1], ys(n_b)[b])])
        colours.append(_GROUP_COLOURS[(b // (mid // s.groups)) % len(_GROUP_COLOURS)] if stage == 0 else "#bdbdbd")
    fig.convlib_lines.set_segments(segs)
    fig.convlib_lines.set_color(colours)
    fig.convlib_title.set_text(title(s))
    fig.convlib = s
    return fig


def groups_png(fig, dpi: int = DPI) -> bytes:
    """A :func:`draw_groups` figure as PNG bytes, fast: what does not change with ``groups`` (the nodes, the
    channel numbers, the column labels) is drawn once per layout and kept; a redraw draws the lines, the nodes
    and the middle column's numbers over them, and the title (matplotlib's text is the slow part)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    changing = [fig.convlib_lines, fig.convlib_title, *fig.convlib_top]
    if getattr(fig, "convlib_background", None) is None or fig.convlib_background[0] != dpi:
        fig.set_dpi(dpi)
        for a in changing:
            a.set_visible(False)
        canvas.draw()
        for a in changing:
            a.set_visible(True)
        fig.convlib_background = (dpi, canvas.copy_from_bbox(fig.bbox))
    canvas.restore_region(fig.convlib_background[1])
    for a in changing:
        fig.draw_artist(a)
    return rgb_png(np.asarray(canvas.buffer_rgba())[..., :3])


def _ratio(a: int, b: int) -> str:
    """``a`` against ``b``: 'a/b = 0.507 (1.97× fewer)', or '(the same)'."""
    if a == b:
        return f"{a}/{b} = 1 (the same)"
    r = b / a if a < b else a / b
    return f"{a}/{b} = {a / b:.3g} ({r:.3g}× {'fewer' if a < b else 'more'})"


def counts_html(s: GroupsState) -> str:
    kh, kw = s.kernel_size
    ho, wo = s.out_hw
    mid = s.c_in if s.separable else s.c_out
    depth = s.c_in // s.groups
    weights = kh * kw * depth * mid
    links = _links(s, 0)
    bias = " (no biases: the 1x1 stage has them)" if s.separable else f" + {s.c_out} biases = {weights + s.c_out}"
    lines = [f"grouped stage: {mid} filters of depth C_in/groups = {s.c_in}/{s.groups} = {depth}: "
             f"weights {kh}·{kw}·{depth}·{mid} = {weights}{bias}",
             f"<span class='gr-per-link'>each line = one {kh}×{kw} slice = {kh * kw} weights; "
             f"{links} lines × {kh * kw} = {links * kh * kw}</span>"]
    if s.separable:
        lines.append(f"1x1 stage: {s.c_in}·{s.c_out} = {s.c_in * s.c_out} weights + {s.c_out} biases "
                     f"(each grey line = one 1×1 slice = 1 weight; {_links(s, 1)} lines × 1 = {_links(s, 1)})")
    std = conv2d_counts(s.c_in, s.c_out, s.kernel_size, s.out_hw)
    return ("<div>" + "<br>".join(lines) + "</div>"
            f"<div class='gr-counts' style='font-size:115%'>parameters <b class='gr-params'>{s.counts.params}</b>, "
            f"multiply-adds for a {ho}x{wo} output <b class='gr-macs'>{s.counts.macs}</b></div>"
            f"<div>standard Conv2D({s.c_out}, {kh}x{kw}) on {s.c_in} channels: {std.params} parameters, "
            f"{std.macs} multiply-adds</div>"
            f"<div class='gr-ratio'>against the standard layer: parameters {_ratio(s.counts.params, std.params)}, "
            f"multiply-adds {_ratio(s.counts.macs, std.macs)}</div>")


DEFAULTS = dict(C_in=8, C_out=8, KH=3, groups=1, separable=False)

FALLBACK = fallback("The groups explorer appears here when you run this cell in JupyterLab: slide from groups=1 "
                    "to depthwise, add a 1x1 stage, and watch the channel connections, parameters and "
                    "multiply-adds change.")


class GroupsExplorer(Explorer):
    """``C_in``, ``C_out``, ``KH`` sliders, ``groups`` radio buttons over :func:`valid_groups` (each reads out its
    value) and a ``1x1 stage`` checkbox; an 8 x 8 output.  Attributes as the other explorers."""

    def __init__(self, **values):
        v = self._start(values, DEFAULTS)
        c = self.controls = {
            "C_in": int_slider(v["C_in"], 1, 8, "C_in"),
            "C_out": int_slider(v["C_out"], 1, 12, "C_out"),
            "KH": int_slider(v["KH"], 1, 5, "KH = KW"),
            "groups": choice(valid_groups(v["C_in"], v["C_out"], v["separable"]), v["groups"], "groups"),
            "separable": w.Checkbox(value=v["separable"], description="then a 1x1 convolution to C_out",
                                    indent=False),
        }
        self.figure = None
        self._finish([c[k] for k in ("C_in", "C_out", "KH", "separable", "groups")],
                     "Input channels on the left, output channels on the right (with the 1x1 stage: its input in "
                     "between); one line per input-output channel link, coloured by filter group.", FALLBACK)

    def _redraw(self):
        c = self.controls
        options = valid_groups(c["C_in"].value, c["C_out"].value, c["separable"].value)
        self.note.value = ""
        with self._quiet():
            if list(c["groups"].options) != options:
                old = c["groups"].value
                keep = old if old in options else max(g for g in options if g <= old)
                c["groups"].options = options
                c["groups"].value = keep
                if keep != old:
                    self.note.value = (f"<small class='cl-changed' style='color:#8c2d04'>groups changed from {old} to "
                                       f"{keep}: groups must divide C_in = {c['C_in'].value}"
                                       + ("" if c["separable"].value else f" and C_out = {c['C_out'].value}")
                                       + "</small>")
        s = groups_state(c["C_in"].value, c["C_out"].value, c["groups"].value, c["KH"].value,
                         separable=c["separable"].value)
        self.state = s
        self.numbers.value = f"<div><b>{s.name}</b></div>" + counts_html(s)
        self.figure = draw_groups(s, self.figure)
        self.image.value = groups_png(self.figure)
        self.image.width = int(self.figure.get_figwidth() * DPI)
