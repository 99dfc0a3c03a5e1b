"""convlib: how 2-D convolution really works on multi-channel input.

A small numpy library that drives the course notebooks.  Data is NHWC
``(N, H, W, C_in)``; kernels use the Keras layout ``(KH, KW, C_in, C_out)``.
Importing convlib needs numpy only (TensorFlow is used by the notebooks and
the tests, never here).

The maths, in the order a learner reads it:

1. :mod:`~convlib.geometry` -- output sizes, padding, which rows a window reads;
   :mod:`~convlib.validation` -- the errors that teach.
2. :mod:`~convlib.reference` -- the definition (loops over output pixels) and
   the per-channel sum of single-channel cross-correlations.
3. :mod:`~convlib.im2col` -- the patch matrix, its adjoint col2im, and the layer
   as one matrix product.
4. :mod:`~convlib.fast_gemm` -- that product in bounded chunks: the fast method.
5. :mod:`~convlib.conv` -- ``conv2d``, one entry point for the three methods;
   then :mod:`~convlib.backward`, :mod:`~convlib.transpose`,
   :mod:`~convlib.counting`, :mod:`~convlib.pooling`,
   :mod:`~convlib.receptive_fields`, :mod:`~convlib.layouts`,
   :mod:`~convlib.conventions`, :mod:`~convlib.rounding` and
   :mod:`~convlib.frameworks`.

Pictures, checks, grading and benchmarking live in the subpackages
``figures``, ``checks``, ``grading`` and ``bench``.
"""

from .backward import conv2d_backward, input_grad_by_flipped_kernel
from .conv import METHODS, conv2d
from .conventions import same_pads
from .counting import Counts, conv2d_counts, depthwise_counts, layer_counts, separable_counts
from .frameworks import load_tensorflow
from .geometry import conv_geometry, output_size, same_padding
from .im2col import col2im, im2col
from .layouts import kernel_from_torch, kernel_to_torch, to_nchw, to_nhwc
from .pooling import global_pool2d, pool2d, pool2d_backward
from .receptive_fields import ReceptiveField, receptive_field, receptive_field_info
from .reference import correlate2d
from .rounding import round_with_margin
from .transpose import conv2d_transpose, transpose_output_sizes

__version__ = "0.1.0"

__all__ = [
    "conv2d",
    "METHODS",
    "correlate2d",
    "im2col",
    "col2im",
    "output_size",
    "same_padding",
    "conv_geometry",
    "load_tensorflow",
    "conv2d_backward",
    "input_grad_by_flipped_kernel",
    "conv2d_transpose",
    "transpose_output_sizes",
    "Counts",
    "conv2d_counts",
    "depthwise_counts",
    "separable_counts",
    "layer_counts",
    "round_with_margin",
    "pool2d",
    "pool2d_backward",
    "global_pool2d",
    "kernel_from_torch",
    "kernel_to_torch",
    "to_nchw",
    "to_nhwc",
    "receptive_field",
    "receptive_field_info",
    "ReceptiveField",
    "same_pads",
]
