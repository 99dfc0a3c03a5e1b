"""convlib: how 2-D convolution really works on multi-channel input.

A small numpy library that drives the course notebooks.  Data is NHWC
``(N, H, W, C_in)``; kernels use the Keras layout ``(KH, KW, C_in, C_out)``.
Importing convlib needs numpy only (TensorFlow is used by the notebooks and
the tests, never here).
"""

from . import _moved
from .backward import conv2d_backward, input_grad_by_flipped_kernel
from .conv import METHODS, conv2d
from .conventions import same_pads
from .counting import Counts, conv2d_counts, depthwise_counts, layer_counts, separable_counts
from .frameworks import load_tensorflow
from .gemm import col2im, im2col
from .geometry import conv_geometry, output_size, same_padding
from .layouts import kernel_from_torch, kernel_to_torch, to_nchw, to_nhwc
from .pooling import global_pool2d, pool2d, pool2d_backward
from .receptive_fields import ReceptiveField, receptive_field, receptive_field_info
from .reference import correlate2d
from .rounding import round_with_margin
from .transpose import conv2d_transpose, transpose_output_sizes

_moved.install()

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
