"""Pictures of convolution: pure functions that return a matplotlib figure, and the widgets that wire them to sliders.

One module per topic: ``channels`` (kernels, channel sums, maps), ``geometry``
(stride, padding, dilation), ``filters`` (filter banks and stacks), ``gemm``
(the patch matrix and its cost), ``training`` (learned kernels, grouped and
transposed convolution), ``receptive_fields``; ``base`` (the figure class, the
colours, the number format) and ``explorers`` (the interactive figures).
"""
