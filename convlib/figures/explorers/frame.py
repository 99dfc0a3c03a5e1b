"""The frame every explorer shares: a panel of controls beside its picture, its numbers below, timed redraws.

One shape for every explorer: a pure state function computes what is shown, one renderer draws the picture
(:mod:`.raster`), one function writes the numbers (:mod:`.tables`); the frame lays them out so that the picture
stays in view while its controls are used, and redraws on every change.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import contextmanager
from dataclasses import dataclass

import ipywidgets as w
import numpy as np
import traitlets
from IPython.display import display

from ..raster import rgb_png

__all__ = ["Explorer", "PaddedLayer", "Panel", "panel", "FALLBACK_TEXT", "fallback", "PlayControl",
           "play_control", "PLAY_INTERVAL_MS", "int_slider", "choice"]

#: Time between two steps of a play control: slow enough to read one step's numbers.
PLAY_INTERVAL_MS = 1200


def fallback(intro: str) -> str:
    """An explorer panel's plain-text stand-in: ``intro``, then what to do when it stays after a run."""
    return (f"[{intro} If you have run it and still read this line, JupyterLab is missing the widget "
            "extension: see notebooks/00-setup-check.ipynb, section 3.]")


#: What a notebook shows in place of a widget until its cell runs in a live kernel (a fresh clone, an untrusted
#: notebook, a code host), and what it still shows after a run when JupyterLab lacks the widget extension: the
#: text is true in both states.
FALLBACK_TEXT = fallback("Interactive controls appear here when you run this cell in JupyterLab.")


class Panel(w.VBox):
    """``ipywidgets.VBox`` whose plain-text form is a friendly sentence (:func:`panel`)."""

    fallback_text = FALLBACK_TEXT

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = self.fallback_text
        return data


def panel(children, text: str = FALLBACK_TEXT) -> Panel:
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
    Panel
    """
    box = Panel(list(children))
    box.fallback_text = text
    return box


class PlayControl(w.HBox):
    """A play button that steps :attr:`value` from its place to :attr:`max`, one step every
    :data:`PLAY_INTERVAL_MS`, and stops at the end.

    The button says what it does ("play", then "pause" while playing), so a screen reader names it; its tooltip
    says what it plays.  Pausing keeps the place; play at the end starts again from :attr:`min`.  The steps are
    timed in the kernel (its event loop, which a Jupyter kernel runs between cells); where no event loop runs (a
    script, a test) :meth:`play` only marks it playing and :meth:`step` steps by hand.

    Attributes
    ----------
    value, min, max : int (traitlets: observe ``value`` as an ipywidget's)
    playing : bool
    button : ipywidgets.Button
    """

    value = traitlets.Int(0)
    min = traitlets.Int(0)
    max = traitlets.Int(0)
    playing = traitlets.Bool(False)

    def __init__(self, n_steps: int, description: str, label: str):
        self.button = w.Button(description="play", icon="play", tooltip=description,
                               layout=w.Layout(width="100px")).add_class("cl-play")
        super().__init__([w.Label(label, layout=w.Layout(width="95px")), self.button])
        self.max = max(n_steps - 1, 0)
        self._timer = None
        self.button.on_click(lambda _: self.pause() if self.playing else self.play())

    def play(self):
        """Start stepping (from :attr:`min` when already at the end)."""
        if self.value >= self.max:
            self.value = self.min
        self.playing = True
        self._schedule()

    def pause(self):
        """Stop stepping; the value stays where it is."""
        self.playing = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def step(self):
        """One step forward while playing; at :attr:`max` it pauses."""
        self._timer = None
        if not self.playing:
            return
        if self.value < self.max:
            self.value += 1
        if self.value >= self.max:
            self.pause()
        else:
            self._schedule()

    def _schedule(self):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop here: step() by hand
            return
        self._timer = loop.call_later(PLAY_INTERVAL_MS / 1000, self.step)

    @traitlets.observe("playing")
    def _label(self, change):
        self.button.description, self.button.icon = ("pause", "pause") if change["new"] else ("play", "play")


def play_control(n_steps: int, description: str, label: str = "play") -> PlayControl:
    """A :class:`PlayControl` over ``0 .. n_steps - 1``; ``description`` (what it steps through) starts its
    tooltip, ``label`` is the word in the controls' description column."""
    return PlayControl(n_steps, f"{description}, one step every {PLAY_INTERVAL_MS / 1000:g} s", label)


def int_slider(value: int, lo: int, hi: int, description: str) -> w.IntSlider:
    """An integer slider as wide as the controls column, its description in a column of its own.

    Its value is shown by a plain label beside it (:meth:`Explorer._finish`), not by ipywidgets' readout, which is
    an editable field and so one more tab stop per slider; the slider's handle reports the value to a screen
    reader."""
    return w.IntSlider(value=value, min=lo, max=hi, description=description, continuous_update=False,
                       readout=False, style={"description_width": "95px"}, layout=w.Layout(width="284px"))


def with_value(slider: w.IntSlider) -> w.HBox:
    """``slider`` and a label that shows its value (greyed out with it)."""
    label = w.Label(str(slider.value), layout=w.Layout(width="26px")).add_class("cl-value")
    traitlets.dlink((slider, "value"), (label, "value"), transform=str)
    traitlets.dlink((slider, "disabled"), (label.style, "text_color"), transform=lambda off: "#999" if off else None)
    return w.HBox([slider, label], layout=w.Layout(align_items="center"))


def choice(options, value, description: str) -> w.RadioButtons:
    """A set of options to choose one of: radio buttons side by side, each option's label read out (a screen reader
    hears ``groups = 4`` as "4").  Each option is a tab stop and the space bar picks it (ipywidgets gives its radio
    buttons no common name, so the arrow keys do not move between them).  ``options`` as for ipywidgets (labels,
    or ``(label, value)`` pairs)."""
    return w.RadioButtons(options=options, value=value, description=description, orientation="horizontal",
                          style={"description_width": "95px"}, layout=w.Layout(width="310px")).add_class("cl-choice")


#: The explorers' style rule (an ipywidgets HTML widget's ``<style>`` applies to the page): radio buttons side by
#: side, wrapping, so that a choice takes one or two lines instead of one line per option; room at the end of a
#: slider's track for its handle at the largest value (without a readout beside it the handle would stick out).
STYLE = ("<style>.cl-explorer .cl-choice .widget-radio-box{flex-direction:row;flex-wrap:wrap;column-gap:10px}"
         ".cl-explorer .cl-choice .widget-radio-box label{width:auto;margin:1px 0}"
         ".cl-explorer .widget-hslider .slider-container{margin-right:12px}</style>")


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


#: Width of the controls column; the picture and the numbers take the rest of the output area.
CONTROLS_WIDTH = "330px"


class Explorer:
    """The frame of every explorer: checked starting values, a panel of controls, timed redraws.

    A subclass builds ``self.controls`` (a dict of ipywidgets) between :meth:`_start` and
    :meth:`_finish`, and draws in :meth:`_redraw`.  A control named ``"play"`` steps through the
    output pixels in raster order (the subclass says how wide the output is, :meth:`_output_width`).

    Attributes
    ----------
    image : ipywidgets.Image, the picture as PNG
    note : ipywidgets.HTML, one line under the controls: why a control is greyed out or was changed
    numbers : ipywidgets.HTML, the numbers of the picture
    state : what was drawn last (None before the first draw, or when there is no output)
    widget : the panel to display (:func:`panel`): controls on the left; on the right the picture, the numbers below it
    last_update_ms : float, wall time of the last redraw, PNG included
    """

    def _start(self, values, defaults) -> dict:
        """The starting control values: ``defaults`` updated with ``values`` (a TypeError for unknown names)."""
        unknown = set(values) - set(defaults)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}; known: {sorted(defaults)}")
        # no margins: as wide as the output area at the most, never a few pixels past it
        self.image = w.Image(format="png", layout=w.Layout(object_fit="contain", max_width="100%", margin="0"))
        self.numbers = w.HTML(layout=w.Layout(max_width="100%", overflow="auto", margin="0")).add_class("cl-numbers")
        # one line under the controls, its height kept when it is empty, so that nothing jumps when it appears
        self.note = w.HTML(layout=w.Layout(min_height="36px")).add_class("cl-note")
        self.state = None
        self.last_update_ms = float("nan")
        self._updating = False
        return {**defaults, **values}

    def _finish(self, controls, caption: str, text: str):
        """Observe every control; lay out ``controls`` (a list of widgets, one column) with the note under them,
        beside the caption and the picture, the numbers below; draw.  ``text`` is the panel's plain-text form."""
        for name, control in self.controls.items():
            control.observe(self._on_play if name == "play" else self._on_change, names="value")
        self.caption = w.HTML(STYLE + f"<div style='font-size:12px;line-height:1.3'>{caption}</div>").add_class(
            "cl-caption")
        controls = [with_value(c) if isinstance(c, w.IntSlider) else c for c in controls]
        left = w.VBox([*controls, self.note], layout=w.Layout(width=CONTROLS_WIDTH, flex="0 0 auto"))
        # the picture and its numbers beside the controls while at least 400 px are left for them, else below
        right = w.VBox([self.caption, self.image, self.numbers],
                       layout=w.Layout(flex="1 1 0", min_width="400px", overflow="auto"))
        top = w.HBox([left, right], layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        self.widget = panel([top], text=text)
        self.widget.add_class("cl-explorer")
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

    def _no_output(self, why: str):
        """No picture and no numbers, and why: the kernel does not fit, for example."""
        self.state = None
        self.image.value = b""
        self.image.width = 0
        self.numbers.value = f"<b style='color:#cb181d' class='cl-no-output'>No output:</b> {why}"

    @contextmanager
    def _quiet(self):
        """Within it, setting a control (its value, its limits) does not trigger a redraw."""
        self._updating = True
        try:
            yield
        finally:
            self._updating = False

    def _show(self, rgb):
        """Show an RGB raster at its native size (shrunk to the output area when that is narrower)."""
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
        display(self.widget)
