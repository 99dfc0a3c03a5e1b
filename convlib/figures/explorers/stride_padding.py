"""The stride/padding explorer: stride, padding, kernel size, dilation and input size on sliders.

Every change of a control recomputes the geometry with :mod:`convlib.geometry` and
draws :func:`convlib.figures.geometry.geometry_raster` (captions and row/column
numbers included: the same picture a notebook's static cell shows), shown as a PNG.

    from convlib.figures.explorers.stride_padding import GeometryExplorer
    GeometryExplorer()          # in a notebook cell: controls, the picture beside them, the sizes below
"""

from __future__ import annotations

from ... import output_size, same_pads
from ...geometry import effective_kernel_size
from ..geometry import COLOURS, geometry_layout, geometry_raster
from .frame import FALLBACK_TEXT, Explorer, choice, int_slider

__all__ = ["GeometryExplorer", "DEFAULTS", "CONVENTION_LABELS", "convention_note"]

#: Default control values: a non-square input and kernel, like real layers; 'same' split as TensorFlow splits it.
#: With 'same', the rows' total padding is odd ((3 - 1)*2 + 3 - 6 = 1), so the convention buttons move the row
#: windows; the columns' total is even ((4 - 1)*2 + 3 - 7 = 2) and every convention agrees on it.
DEFAULTS = dict(H=6, W=7, KH=3, KW=3, stride=2, padding=1, dilation=1, mode="explicit", convention="upper")

#: The ``convention`` buttons: label -> a convention of :func:`convlib.conventions.same_pads`.
CONVENTION_LABELS = {"TensorFlow (SAME_UPPER)": "upper", "ONNX SAME_LOWER": "lower", "PyTorch k_eff // 2": "symmetric"}

_RANGES = dict(H=(1, 12), W=(1, 12), KH=(1, 5), KW=(1, 5), stride=(1, 4), padding=(0, 3), dilation=(1, 3))


class GeometryExplorer(Explorer):
    """Stride, padding, kernel size, dilation and input size on sliders.

    Parameters
    ----------
    **values
        Starting values for the controls (see :data:`DEFAULTS`); ``mode`` is
        ``"explicit"`` (the padding slider pads every side), ``"same"`` or
        ``"valid"`` (TensorFlow's rules; the slider is then disabled); ``convention`` is how ``"same"``
        splits an odd total of padding (:func:`convlib.conventions.same_pads`: ``"upper"``, TensorFlow's,
        the default; ``"lower"``; ``"symmetric"``, PyTorch's ``padding=k_eff // 2``).

    Attributes
    ----------
    controls : dict of ipywidgets
        ``"H", "W", "KH", "KW", "stride", "padding", "dilation"`` (IntSliders),
        ``"mode"`` and ``"convention"`` (RadioButtons; the second enabled in
        mode ``"same"``) and ``"i"``, ``"j"`` (which output pixel's kernel taps
        to highlight).
    summary : ipywidgets.HTML
        The explorer's numbers (also ``numbers``): the output size with its formula, the padding and any unused rows; in
        mode ``"same"`` also where the convention's windows lie against
        TensorFlow's (:func:`convention_note`).
    image : ipywidgets.Image
        The current picture as PNG.
    drawn : dict
        What the picture shows (:func:`convlib.figures.geometry.geometry_layout`); None when there is no output.
    output_size : (Ho, Wo) or None
        None when the kernel does not fit the padded input.
    last_update_ms : float
        Wall time of the last redraw, PNG included.
    """

    def __init__(self, **values):
        v = self._start(values, DEFAULTS)
        self.controls = {"mode": choice(["explicit", "same", "valid"], v["mode"], "padding mode"),
                         "convention": choice(list(CONVENTION_LABELS.items()), v["convention"], "'same' split as")}
        self.controls.update({name: int_slider(v[name], lo, hi, name) for name, (lo, hi) in _RANGES.items()})
        self.controls["i"] = int_slider(0, 0, 0, "output i")
        self.controls["j"] = int_slider(0, 0, 0, "output j")
        self.summary = self.numbers
        self.drawn = None
        self.output_size = None
        c = self.controls
        self._finish([c[k] for k in ("mode", "convention", "H", "W", "KH", "KW", "stride", "padding", "dilation",
                                     "i", "j")], LEGEND_HTML, FALLBACK_TEXT)

    # -- the computation -------------------------------------------------
    @property
    def coverage(self):
        """The :class:`~convlib.geometry.Coverage` drawn last (None when the kernel does not fit)."""
        return None if self.output_size is None else self.drawn["coverage"]

    @property
    def padding(self):
        """The padding argument the controls describe: ``"same"``, ``"valid"`` or an int."""
        mode = self.controls["mode"].value
        return self.controls["padding"].value if mode == "explicit" else mode

    @property
    def pads(self):
        """What is drawn: :attr:`padding`, but in mode ``"same"`` the explicit ``((top, bottom), (left, right))``
        of the chosen convention (:func:`convlib.conventions.same_pads`)."""
        c = {k: ctl.value for k, ctl in self.controls.items()}
        if c["mode"] != "same":
            return self.padding
        return tuple(same_pads(n, k, c["stride"], c["dilation"], c["convention"])
                     for n, k in ((c["H"], c["KH"]), (c["W"], c["KW"])))

    def _redraw(self):
        c = {k: ctl.value for k, ctl in self.controls.items()}
        self.controls["padding"].disabled = c["mode"] != "explicit"
        self.controls["convention"].disabled = c["mode"] != "same"
        why = []
        if c["mode"] != "explicit":
            why.append(f"padding is used only in mode 'explicit' ('{c['mode']}' computes its own)")
        if c["mode"] != "same":
            why.append("'same' split as is used only in mode 'same'")
        self.note.value = "<small class='cl-why'>greyed out: " + "; ".join(why) + "</small>" if why else ""
        hw, khw = (c["H"], c["W"]), (c["KH"], c["KW"])
        try:
            pads = self.pads
            sizes = [output_size(n, k, c["stride"], p, c["dilation"])
                     for n, k, p in zip(hw, khw, pads if isinstance(pads, tuple) else (pads, pads))]
        except ValueError as err:
            self.output_size = None
            self.drawn = None
            return self._no_output(str(err))
        self.output_size = tuple(sizes)
        with self._quiet():  # moving the i/j limits must not trigger a second redraw
            for key, n in (("i", sizes[0]), ("j", sizes[1])):
                self.controls[key].max = n - 1
        margin = ghost = None
        if c["mode"] == "same":
            # The largest padding any convention gives, on both sides: the input stays put, the windows move.
            margin = tuple((m, m) for m in (max(max(same_pads(n, k, c["stride"], c["dilation"], conv))
                                                    for conv in CONVENTION_LABELS.values())
                                                for n, k in zip(hw, khw)))
            if c["convention"] != "upper":
                ghost = "same"  # TensorFlow's split
        self.drawn = geometry_layout(hw, khw, c["stride"], pads, c["dilation"],
                                     position=(self.controls["i"].value, self.controls["j"].value),
                                     margin=margin, ghost=ghost)
        self.summary.value = _summary_html(hw, khw, c["stride"], c["dilation"], self.drawn["coverage"],
                                           same=c["mode"] == "same", ghost=ghost is not None)
        if c["mode"] == "same":
            note = convention_note(hw, khw, c["stride"], c["dilation"], c["convention"])
            self.summary.value += "<br><span class='convention-note'>" + note.replace("\n", "<br>") + "</span>"
        self._show(geometry_raster(self.drawn))


#: The legend chips of the picture, in the colours :mod:`convlib.figures.geometry` draws.
LEGEND_HTML = (f"<span style='background:{COLOURS[1]}'>&nbsp;input&nbsp;</span> "
               f"<span style='background:{COLOURS[0]}'>&nbsp;padding&nbsp;</span> "
               f"<span style='background:{COLOURS[3]};border:1px solid {COLOURS[0]}'>&nbsp;padding never read&nbsp;</span> "
               f"<span style='background:{COLOURS[2]}'>&nbsp;input never read&nbsp;</span> "
               "<span style='color:#e66101'>&#9633; kernel taps of output (i, j)</span> "
               "&#9642; first tap of every window")
GHOST_LEGEND_HTML = "<span style='color:#54278f'>&#9633; purple: where TensorFlow's windows start</span>"


def _summary_html(hw, khw, stride, dilation, cov, same=False, ghost=False) -> str:
    g = cov.geometry
    lines = []
    for axis, n, k, (before, after), out in zip("HW", hw, khw, g.pads, g.out):
        k_eff = effective_kernel_size(k, dilation)
        lines.append(
            f"{'Ho' if axis == 'H' else 'Wo'} = floor(({n} + {before} + {after} &minus; {k_eff}) / {stride}) + 1 = <b>{out}</b>"
            + (f" &nbsp; (dilated kernel: {k} taps span {k_eff})" if dilation > 1 else "")
        )
    html = (GHOST_LEGEND_HTML + "<br>") if ghost else ""
    if same:
        (t, b), (l, r) = g.pads
        html += (f"<span class='same-pads'>'same' pads top {t}, bottom {b}, left {l}, right {r}</span> "
                 "(computed from the sizes; the padding slider is not used)<br>")
    html += "<br>".join(lines)
    html += f"<br>output: <b>{g.out[0]} x {g.out[1]}</b> per channel"
    for what, idx in (("rows", cov.unused_rows), ("columns", cov.unused_cols)):
        if idx:
            html += (f"<br><b style='color:#cb181d'>input {what} {list(idx)} are never read</b>: "
                     "no output depends on them (stride or dilation skips them, or the last window stops short)")
    return html


def _plural(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def convention_note(hw, khw, stride: int, dilation: int, convention: str) -> str:
    """Where the windows of a 'same' convention lie against TensorFlow's: one short line per axis.

    Computed from :func:`convlib.conventions.same_pads` and :func:`convlib.output_size`: a larger ``before``
    padding starts every window that much higher (further left); a different total can change the output size.

    Parameters
    ----------
    hw : (H, W);  khw : (KH, KW);  stride, dilation : int
    convention : {"upper", "lower", "symmetric"}

    Returns
    -------
    str
        Two lines (rows, then columns), separated by a newline.

    Examples
    --------
    >>> print(convention_note((6, 5), (2, 3), 1, 1, "lower"))
    rows: windows start 1 row higher than TensorFlow's (top padding 1 instead of 0)
    columns: same as TensorFlow: the total padding is even
    >>> print(convention_note((6, 5), (2, 3), 1, 1, "symmetric"))
    rows: windows start 1 row higher than TensorFlow's (top padding 1 instead of 0), and 7 output rows instead of 6
    columns: same as TensorFlow: the total padding is even
    >>> print(convention_note((6, 5), (2, 3), 1, 1, "upper"))
    rows: TensorFlow's split: top 0, bottom 1 (the odd extra row goes at the bottom)
    columns: TensorFlow's split: left 1, right 1
    """
    if convention not in CONVENTION_LABELS.values():
        raise ValueError(f"convention must be one of {sorted(CONVENTION_LABELS.values())}, got {convention!r}")
    lines = []
    for axis, n, k in zip("HW", hw, khw):
        tf = same_pads(n, k, stride, dilation, "upper")
        ours = same_pads(n, k, stride, dilation, convention)
        o_tf, o = (output_size(n, k, stride, p, dilation) for p in (tf, ours))
        what, (side0, side1), earlier, later, end = (
            ("row", ("top", "bottom"), "higher", "lower", "at the bottom") if axis == "H"
            else ("column", ("left", "right"), "further left", "further right", "on the right"))
        total = sum(tf)
        if convention == "upper":
            said = f"TensorFlow's split: {side0} {tf[0]}, {side1} {tf[1]}"
            if total % 2:
                said += f" (the odd extra {what} goes {end})"
        elif ours == tf:
            said = "same as TensorFlow: " + ("no padding is needed" if total == 0 else "the total padding is even")
        else:
            parts = []
            shift = ours[0] - tf[0]
            if shift:
                parts.append(f"windows start {_plural(abs(shift), what)} {earlier if shift > 0 else later} than "
                             f"TensorFlow's ({side0} padding {ours[0]} instead of {tf[0]})")
            else:
                parts.append(f"windows start where TensorFlow's do ({side1} padding {ours[1]} instead of {tf[1]})")
            if o != o_tf:
                parts.append(f"{o} output {what}s instead of {o_tf}")
            said = ", and ".join(parts)
        lines.append(f"{what}s: {said}")
    return "\n".join(lines)
