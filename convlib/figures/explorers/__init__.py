"""Explorers: the course's interactive figures, one module per explorer, in one shape.

Each explorer module has a pure function that computes what is shown (a small
state object, tested headlessly against :func:`convlib.conv2d` and
:func:`convlib.im2col`), one renderer of its picture (a raster of
:mod:`convlib.figures.raster`; for the groups explorer a matplotlib figure),
one function that writes its numbers as HTML, and a thin ipywidgets wrapper
built on :class:`.frame.Explorer`: the controls in a column, the picture and
its numbers beside them.  A notebook's static cell shows the same picture from
the same renderer (:func:`convlib.figures.raster.picture` of the raster, or
the figure itself).

- :mod:`.channel_sum` (notebooks 01, 03): one output pixel as per-channel
  window x kernel-slice products, partial sums, their sum and the bias;
- :mod:`.sliding_window` (02): one channel, the window stepping over the input,
  cross-correlation beside true convolution;
- :mod:`.stride_padding` (05): stride, padding, dilation and 'same' conventions
  on the padded input (:func:`convlib.figures.geometry.geometry_raster`);
- :mod:`.im2col_link` (06): an output pixel, its patch-matrix row and a kernel
  column, linked; a patch-matrix column and the input pixels it copies;
- :mod:`.groups` (08): which input channels each output channel sees, for
  ``groups=1`` up to depthwise, with parameters and multiply-adds.

What they share: :mod:`.frame` (the widget frame, :func:`.frame.panel`) and
:mod:`.tables` (numbers to text); :mod:`convlib.figures.raster` (cells to pictures).
"""

from .frame import FALLBACK_TEXT, Explorer, panel
from ..raster import picture

__all__ = ["Explorer", "panel", "FALLBACK_TEXT", "picture"]
