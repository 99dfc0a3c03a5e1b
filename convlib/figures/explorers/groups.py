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

import numpy as np

from ...counting import Counts, conv2d_counts
from ._ui import Explorer, fallback, new_figure, png_bytes

__all__ = ["GroupsState", "valid_groups", "groups_state", "draw_groups", "GroupsExplorer"]


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


_GROUP_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]


def draw_groups(s: GroupsState, fig=None):
    """Input channels on the left, output channels on the right (and the 1×1 stage's input in between),
    one line per connection, coloured by group.  Returns the figure; ``fig.convlib`` is ``s``."""
    from matplotlib.collections import LineCollection

    cols = [s.c_in, s.c_in, s.c_out] if s.separable else [s.c_in, s.c_out]
    xs = np.arange(len(cols), dtype=float)

    def ys(n):
        return (np.arange(n) - (n - 1) / 2) * -1.0

    if fig is None or getattr(fig, "convlib_layout", None) != tuple(cols):  # build; else only the lines change
        if fig is None:
            fig = new_figure((6.0, 3.6))
        fig.clear()
        ax = fig.add_axes((0.02, 0.02, 0.96, 0.86))
        fig.convlib_lines = ax.add_collection(LineCollection([], linewidths=1.4, alpha=0.9))
        for x, n in zip(xs, cols):
            ax.scatter(np.full(n, x), ys(n), s=60, c="white", edgecolors="black", zorder=3)
        labels = ["C_in", "after grouped", "C_out (1x1)"] if s.separable else ["C_in", "C_out"]
        for x, n, lab in zip(xs, cols, labels):
            ax.text(x, (max(cols) - 1) / 2 + 0.9, f"{lab}: {n}", ha="center", fontsize=9)
        ax.set_xlim(-0.3, xs[-1] + 0.3)
        ax.set_ylim(-(max(cols) - 1) / 2 - 0.6, (max(cols) - 1) / 2 + 1.4)
        ax.set_axis_off()
        fig.convlib_title = fig.suptitle("", fontsize=10)
        fig.convlib_layout = tuple(cols)
    segs, colours = [], []
    mid = s.c_in if s.separable else s.c_out
    for stage, a, b in s.edges:
        n_a, n_b = cols[stage], cols[stage + 1]
        segs.append([(xs[stage], ys(n_a)[a]), (xs[stage + 1], ys(n_b)[b])])
        colours.append(_GROUP_COLOURS[(b // (mid // s.groups)) % 8] if stage == 0 else "#bdbdbd")
    fig.convlib_lines.set_segments(segs)
    fig.convlib_lines.set_color(colours)
    fig.convlib_title.set_text(f"{s.name}: {len([e for e in s.edges if e[0] == 0])} input-output channel links")
    fig.convlib = s
    return fig


def counts_html(s: GroupsState) -> str:
    kh, kw = s.kernel_size
    ho, wo = s.out_hw
    mid = s.c_in if s.separable else s.c_out
    lines = [f"grouped stage: {s.c_out if not s.separable else s.c_in} filters of depth C_in/groups = "
             f"{s.c_in}/{s.groups} = {s.c_in // s.groups}: weights {kh}·{kw}·{s.c_in // s.groups}·{mid} = "
             f"{kh * kw * (s.c_in // s.groups) * mid}"]
    if s.separable:
        lines.append(f"1x1 stage: {s.c_in}·{s.c_out} = {s.c_in * s.c_out} weights + {s.c_out} biases")
    std = conv2d_counts(s.c_in, s.c_out, s.kernel_size, s.out_hw)
    return ("<div>" + "<br>".join(lines) + "</div>"
            f"<div class='gr-counts' style='font-size:115%'>parameters <b class='gr-params'>{s.counts.params}</b>, "
            f"multiply-adds for a {ho}x{wo} output <b class='gr-macs'>{s.counts.macs}</b></div>"
            f"<div>standard Conv2D({s.c_out}, {kh}x{kw}) on {s.c_in} channels: {std.params} parameters, "
            f"{std.macs} multiply-adds</div>")


DEFAULTS = dict(C_in=8, C_out=8, KH=3, groups=1, separable=False)

FALLBACK = fallback("The groups explorer appears here when you run this cell in JupyterLab: slide from groups=1 "
                    "to depthwise, add a 1x1 stage, and watch the channel connections, parameters and "
                    "multiply-adds change.")


class GroupsExplorer(Explorer):
    """``C_in``, ``C_out``, ``KH`` sliders, a ``groups`` SelectionSlider over :func:`valid_groups` and a
    ``1x1 stage`` checkbox; an 8 x 8 output.  Attributes as the other explorers."""

    def __init__(self, **values):
        import ipywidgets as w

        v = self._start(values, DEFAULTS)
        lay = w.Layout(width="260px")
        c = self.controls = {
            "C_in": w.IntSlider(value=v["C_in"], min=1, max=8, description="C_in", layout=lay),
            "C_out": w.IntSlider(value=v["C_out"], min=1, max=12, description="C_out", layout=lay),
            "KH": w.IntSlider(value=v["KH"], min=1, max=5, description="KH = KW", layout=lay),
            "groups": w.SelectionSlider(options=valid_groups(v["C_in"], v["C_out"], v["separable"]),
                                        value=v["groups"], description="groups", layout=lay),
            "separable": w.Checkbox(value=v["separable"], description="then a 1x1 convolution to C_out",
                                    indent=False),
        }
        self.numbers = w.HTML()
        self.figure = None
        self._finish([w.HBox([w.VBox([c["C_in"], c["C_out"], c["KH"]]), w.VBox([c["groups"], c["separable"]])]),
                      self.numbers, self.image], FALLBACK)

    def _redraw(self):
        c = self.controls
        options = valid_groups(c["C_in"].value, c["C_out"].value, c["separable"].value)
        with self._quiet():
            if list(c["groups"].options) != options:
                keep = c["groups"].value if c["groups"].value in options else 1
                c["groups"].options = options
                c["groups"].value = keep
        s = groups_state(c["C_in"].value, c["C_out"].value, c["groups"].value, c["KH"].value,
                         separable=c["separable"].value)
        self.state = s
        self.numbers.value = f"<div><b>{s.name}</b></div>" + counts_html(s)
        self.figure = draw_groups(s, self.figure)
        self.image.value = png_bytes(self.figure)
        self.image.width = int(self.figure.get_figwidth() * 72)
