"""Sliders over the pure plotting functions (thin wrappers, testable without a browser).

    from convlib.widgets import GeometryExplorer
    GeometryExplorer()          # in a notebook cell: sliders, a summary and the picture

Every change of a control recomputes the geometry with :mod:`convlib.geometry`,
redraws :func:`convlib.plot_geometry.draw_geometry` into the same figure and
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
DEFAULTS = dict(H=7, W=6, KH=3, KW=3, stride=2, padding=1, dilation=1, mode="explicit", convention="upper")

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
        self.figure = draw_geometry(hw, khw, c["stride"], pads, c["dilation"],
                                    position=(self.controls["i"].value, self.controls["j"].value), fig=self.figure,
                                    titles=False)
        self.summary.value = _summary_html(hw, khw, c["stride"], c["dilation"], self.figure.convlib["coverage"])
        if c["mode"] == "same":
            self.summary.value += (f"<br><span class='convention-note'>{convention_note(hw, khw, c['stride'], c['dilation'], c['convention'])}"
                                   "</span>")
        self.image.value = png_bytes(self.figure, dpi=None)


def _summary_html(hw, khw, stride, dilation, cov) -> str:
    from ..geometry import effective_kernel_size

    g = cov.geometry
    lines = []
    for axis, n, k, (before, after), out in zip("HW", hw, khw, g.pads, g.out):
        k_eff = effective_kernel_size(k, dilation)
        lines.append(
            f"{'Ho' if axis == 'H' else 'Wo'} = floor(({n} + {before} + {after} &minus; {k_eff}) / {stride}) + 1 = <b>{out}</b>"
            + (f" &nbsp; (dilated kernel: {k} taps span {k_eff})" if dilation > 1 else "")
        )
    html = ("<span style='background:#9ecae1'>&nbsp;input&nbsp;</span> "
            "<span style='background:#d9d9d9'>&nbsp;padding&nbsp;</span> "
            "<span style='background:#fb6a4a'>&nbsp;input never read&nbsp;</span> "
            "<span style='color:#ff7f00'>&#9633; kernel taps of output (i, j)</span> "
            "&bull; first tap of every window<br>")
    html += "<br>".join(lines)
    html += f"<br>output: <b>{g.out[0]} x {g.out[1]}</b> per channel"
    for what, idx in (("rows", cov.unused_rows), ("columns", cov.unused_cols)):
        if idx:
            html += (f"<br><b style='color:#cb181d'>input {what} {list(idx)} are never read</b>: "
                     "no output depends on them (stride or dilation skips them, or the last window stops short)")
    return html


_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}


def _count(n: int, noun: str) -> str:
    """``one row``, ``two rows``."""
    return f"{_NUMBER_WORDS.get(n, n)} {noun}{'' if n == 1 else 's'}"


def convention_note(hw, khw, stride: int, dilation: int, convention: str) -> str:
    """Where the windows of a 'same' convention lie against TensorFlow's, axis by axis, in words.

    Computed from :func:`convlib.conventions.same_pads` and :func:`convlib.output_size`: a larger
    ``before`` padding starts every window that much higher (further left), so every output moves by
    that many pixels; a different total can change the output size.

    Parameters
    ----------
    hw : (H, W);  khw : (KH, KW);  stride, dilation : int
    convention : {"upper", "lower", "symmetric"}

    Returns
    -------
    str
        One sentence per axis, for example ``"rows: padding (top, bottom) = (1, 1) against TensorFlow's
        (0, 1): windows start one row higher than TensorFlow's: every output moves by one pixel"``.

    Examples
    --------
    >>> note = convention_note((6, 5), (3, 2), 1, 1, "lower")
    >>> for sentence in note.split("; "):
    ...     print(sentence)
    'same' split as ONNX SAME_LOWER. rows: padding (top, bottom) = (1, 1), as TensorFlow's (1, 1): same as TensorFlow here: the total padding is even
    columns: padding (left, right) = (1, 0), against TensorFlow's (0, 1): windows start one column further left than TensorFlow's: every output moves by one pixel
    """
    from ..conventions import same_pads
    from ..geometry import output_size

    label = {v: k for k, v in CONVENTION_LABELS.items()}[convention]
    sentences = []
    for axis, n, k in zip("HW", hw, khw):
        tf = same_pads(n, k, stride, dilation, "upper")
        ours = same_pads(n, k, stride, dilation, convention)
        o_tf, o = (output_size(n, k, stride, p, dilation) for p in (tf, ours))
        what, sides, earlier, later = (("row", "(top, bottom)", "higher", "lower") if axis == "H"
                                       else ("column", "(left, right)", "further left", "further right"))
        said = []
        if o != o_tf:
            said.append(f"output is {_NUMBER_WORDS.get(abs(o - o_tf), abs(o - o_tf))} "
                        f"{'larger' if o > o_tf else 'smaller'} than 'same' ({_count(o, what)} instead of {o_tf})")
        shift = ours[0] - tf[0]
        if shift:
            said.append(f"windows start {_count(abs(shift), what)} {earlier if shift > 0 else later} than "
                        f"TensorFlow's: every output moves by {_count(abs(shift), 'pixel')}")
        if not said:
            total = sum(tf)
            side = "at the bottom" if axis == "H" else "on the right"
            said.append(f"TensorFlow's own split (an odd total puts the extra {what} {side})" if convention == "upper" else
                        f"same as TensorFlow here: the total padding is {'even' if total % 2 == 0 else 'odd'}")
        relation = "as" if ours == tf else "against"
        sentences.append(f"{what}s: padding {sides} = {ours}, {relation} TensorFlow's {tf}: " + ", and ".join(said))
    return f"'same' split as {label}. " + "; ".join(sentences)
