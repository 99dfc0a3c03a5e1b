"""Explorers: the course's interactive figures, one module per explorer.

Each module has a pure function that computes what is drawn (a small state
object, tested headlessly against :func:`convlib.conv2d` and
:func:`convlib.im2col`), a pure drawing function that returns a matplotlib
figure (the scripted cells of the notebooks show it), and a thin ipywidgets
wrapper whose top-level widget is a :func:`convlib.figures.widgets.panel`:

- :mod:`.channel_sum` (notebooks 01, 03): one output pixel as per-channel
  window x kernel-slice products, partial sums, their sum and the bias;
- :mod:`.sliding_window` (02): one channel, the window stepping over the input,
  cross-correlation beside true convolution;
- :mod:`.im2col_link` (06): an output pixel, its patch-matrix row and a kernel
  column, linked; a patch-matrix column and the input pixels it copies;
- :mod:`.groups` (08): which input channels each output channel sees, for
  ``groups=1`` up to depthwise, with parameters and multiply-adds.

Importing this package imports neither matplotlib nor ipywidgets.
"""
