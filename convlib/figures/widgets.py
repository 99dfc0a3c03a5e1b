"""Sliders over the pure plotting functions (thin wrappers, testable without a browser).

    from convlib.figures.widgets import GeometryExplorer
    GeometryExplorer()          # in a notebook cell: sliders, a summary and the picture

Every change of a control recomputes the geometry with :mod:`convlib.geometry`,
redraws :func:`convlib.figures.geometry.draw_geometry` into the same figure and
shows it as a PNG in an ``ipywidgets.Image``.
"""

from __future__ import annotations

from .explorers._ui import Explorer, fallback, png_bytes

__all__ = ["GeometryExplorer", "DEFAULTS", "panel", "FALLBACK_TEXT"]

#: What a notebook shows in place of a widget until its cell runs in a live
#: kernel (a fresh clone, an untrusted notebook, a code host), and what it
#: still shows after a run when JupyterLab lacks the widget extension: the
#: text is true in both states.
FALLBACK_TEXT = fallback("Interactive controls appear here when you run this cell in JupyterLab.")

_PANEL_CLASS = None


def panel(children, text: str = FALLBACK_TEXT):
    """A vertical box of widgets whose plain-text form is a friendly sentence.

    An ipywidget's stored ``text/plain`` output is its repr, for example
    ``VBox(children=(IntSlider(value=3, ...``: that is what a notebook shows
    wherever the widget itself cannot be drawn.  The box returned here is an
    ``ipywidgets.VBox`` in every other respect (same model and view, so
    JupyterLab draws it alike), but its ``text/plain`` is ``text``.

    Parameters
    ----------
    children : sequence of ipywidgets.Widget
    text : str
        The plain-text stand-in.

    Returns
    -------
    ipywidgets.VBox
    """
    global _PANEL_CLASS
    if _PANEL_CLASS is None:
        import ipywidgets

        class Panel(ipywidgets.VBox):
            """``ipywidgets.VBox`` with a friendly ``text/plain`` form."""

            fallback_text = FALLBACK_TEXT

            def _repr_mimebundle_(self, **kwargs):
                data = super()._repr_mimebundle_(**kwargs)
                data["text/plain"] = self.fallback_text
                return data

        _PANEL_CLASS = Panel
    box = _PANEL_CLASS(list(children))
    box.fallback_text = text
    return box

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
        ``"mode"`` and ``"convention"`` (ToggleButtons; the second enabled in
        mode ``"same"``) and ``"i"``, ``"j"`` (which output pixel's kernel taps
        to highlight).
    summary : ipywidgets.HTML
        The output size with its formula, the padding and any unused rows; in
        mode ``"same"`` also where the convention's windows lie against
        TensorFlow's (:func:`convention_note`).
    image : ipywidgets.Image
        The current picture as PNG.
    figure : matplotlib.figure.Figure
        The figure drawn (``figure.convlib`` holds the computed coverage).
    output_size : (Ho, Wo) or None
        None when the kernel does not fit the padded input.
    last_update_ms : float
        Wall time of the last redraw, PNG included.
    """

    def __init__(self, **values):
        import ipywidgets as w

        v = self._start(values, DEFAULTS)
        self.controls = {
            name: w.IntSlider(value=v[name], min=lo, max=hi, description=name, continuous_update=False,
                              layout=w.Layout(width="260px"))
            for name, (lo, hi) in _RANGES.items()
        }
        self.controls["mode"] = w.ToggleButtons(options=["explicit", "same", "valid"], value=v["mode"],
                                                description="padding mode", style={"button_width": "70px", "description_width": "initial"})
        self.controls["convention"] = w.ToggleButtons(options=list(CONVENTION_LABELS.items()), value=v["convention"],
                                                      description="'same' split as",
                                                      style={"button_width": "200px", "description_width": "initial"})
        self.controls["i"] = w.IntSlider(value=0, min=0, max=0, description="output i", layout=w.Layout(width="260px"))
        self.controls["j"] = w.IntSlider(value=0, min=0, max=0, description="output j", layout=w.Layout(width="260px"))
        self.summary = w.HTML()
        self.figure = None
        self.output_size = None
        left = [self.controls[k] for k in ("H", "W", "KH", "KW")]
        right = [self.controls[k] for k in ("stride", "padding", "dilation", "i", "j")]
        self._finish([self.controls["mode"], self.controls["convention"], w.HBox([w.VBox(left), w.VBox(right)]), self.summary, self.image],
                     FALLBACK_TEXT)

    # -- the computation -------------------------------------------------
    @property
    def coverage(self):
        """The :class:`~convlib.geometry.Coverage` drawn last (None when the kernel does not fit)."""
        return None if self.output_size is None else self.figure.convlib["coverage"]

    @property
    def padding(self):
        """The padding argument the controls describe: ``"same"``, ``"valid"`` or an int."""
        mode = self.controls["mode"].value
        return self.controls["padding"].value if mode == "explicit" else mode

    @property
    def pads(self):
        """What is drawn: :attr:`padding`, but in mode ``"same"`` the explicit ``((top, bottom), (left, right))``
        of the chosen convention (:func:`convlib.conventions.same_pads`)."""
        from ..conventions import same_pads

        c = {k: ctl.value for k, ctl in self.controls.items()}
        if c["mode"] != "same":
            return self.padding
        return tuple(same_pads(n, k, c["stride"], c["dilation"], c["convention"])
                     for n, k in ((c["H"], c["KH"]), (c["W"], c["KW"])))

    def _redraw(self):
        from ..conventions import same_pads
        from ..geometry import output_size
        from .geometry import draw_geometry

        c = {k: ctl.value for k, ctl in self.controls.items()}
        self.controls["padding"].disabled = c["mode"] != "explicit"
        self.controls["convention"].disabled = c["mode"] != "same"
        hw, khw = (c["H"], c["W"]), (c["KH"], c["KW"])
        try:
            pads = self.pads
            sizes = [output_size(n, k, c["stride"], p, c["dilation"])
                     for n, k, p in zip(hw, khw, pads if isinstance(pads, tuple) else (pads, pads))]
        except ValueError as err:
            self.output_size = None
            self.summary.value = f"<b style='color:#cb181d'>No output:</b> {err}"
            return
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
        self.figure = draw_geometry(hw, khw, c["stride"], pads, c["dilation"],
                                    position=(self.controls["i"].value, self.controls["j"].value), fig=self.figure,
                                    titles=False, margin=margin, ghost=ghost)
        self.summary.value = _summary_html(hw, khw, c["stride"], c["dilation"], self.figure.convlib["coverage"],
                                           same=c["mode"] == "same", ghost=ghost is not None)
        if c["mode"] == "same":
            note = convention_note(hw, khw, c["stride"], c["dilation"], c["convention"])
            self.summary.value += "<br><span class='convention-note'>" + note.replace("\n", "<br>") + "</span>"
        self.image.value = png_bytes(self.figure, dpi=None)


#: The legend chips of the picture, in the colours :mod:`convlib.figures.geometry` draws.
LEGEND_HTML = ("<span style='background:#9ecae1'>&nbsp;input&nbsp;</span> "
               "<span style='background:#d9d9d9'>&nbsp;padding&nbsp;</span> "
               "<span style='background:#f0f0f0;border:1px solid #d9d9d9'>&nbsp;padding never read&nbsp;</span> "
               "<span style='background:#fb6a4a'>&nbsp;input never read&nbsp;</span> "
               "<span style='color:#ff7f00'>&#9633; kernel taps of output (i, j)</span> "
               "&bull; first tap of every window")
GHOST_LEGEND_HTML = " <span style='color:#54278f'>&#9675; where TensorFlow's windows start</span>"


def _summary_html(hw, khw, stride, dilation, cov, same=False, ghost=False) -> str:
    from ..geometry import effective_kernel_size

    g = cov.geometry
    lines = []
    for axis, n, k, (before, after), out in zip("HW", hw, khw, g.pads, g.out):
        k_eff = effective_kernel_size(k, dilation)
        lines.append(
            f"{'Ho' if axis == 'H' else 'Wo'} = floor(({n} + {before} + {after} &minus; {k_eff}) / {stride}) + 1 = <b>{out}</b>"
            + (f" &nbsp; (dilated kernel: {k} taps span {k_eff})" if dilation > 1 else "")
        )
    html = LEGEND_HTML + (GHOST_LEGEND_HTML if ghost else "") + "<br>"
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
    from ..conventions import same_pads
    from ..geometry import output_size

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
