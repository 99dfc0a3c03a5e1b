"""Pictures of convolution: pure functions that return a matplotlib figure, and the widgets that wire them to sliders.

One module per topic: ``channels`` (kernels, channel sums, maps), ``geometry``
(stride, padding, dilation), ``filters`` (filter banks and stacks), ``gemm``
(the patch matrix and its cost), ``training`` (learned kernels, grouped and
transposed convolution) and ``widgets``.  Matplotlib is imported inside the
functions, so importing this package does not import it.
"""
