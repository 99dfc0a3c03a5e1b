"""``conv2d``: one entry point, three equivalent methods."""

from __future__ import annotations

import numpy as np

from .gemm import conv2d_gemm
from .geometry import conv_geometry
from .reference import conv2d_naive, conv2d_per_channel
from .validation import check_conv_args

__all__ = ["conv2d", "METHODS"]

METHODS = {
    "naive": conv2d_naive,
    "per_channel": conv2d_per_channel,
    "gemm": conv2d_gemm,
}


def conv2d(x, w, b=None, *, stride=1, padding="valid", dilation=1, method="gemm") -> np.ndarray:
    """2-D convolution of multi-channel images, as Keras' ``Conv2D`` computes it.

    Each of the C_out filters is a 3-D block ``w[:, :, :, co]`` of shape
    ``(KH, KW, C_in)``: it slides over H and W, multiplies every input channel
    by that channel's own KH x KW weights, and **sums** over the channels (and
    adds ``b[co]``).  Like every deep-learning framework, this is
    cross-correlation: the kernel is not flipped.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C_in) or (H, W, C_in)
        Images, channels last (NHWC).  Integer images (e.g. uint8) are
        converted to floating point first, so nothing overflows.
    w : array_like, shape (KH, KW, C_in, C_out)
        The kernel bank, in Keras' layout.
    b : array_like, shape (C_out,), optional
        One bias per filter.
    stride : int or (sh, sw), default 1
    padding : {"valid", "same"} or int or (ph, pw) or ((top, bottom), (left, right))
        ``"same"`` follows TensorFlow: the odd extra row/column of padding
        goes to the bottom/right.  Case-insensitive.
    dilation : int or (dh, dw), default 1
        Spacing between kernel taps.
    method : {"gemm", "per_channel", "naive"}, default "gemm"
        ``"naive"``: explicit loops over output pixels; ``"per_channel"``:
        single-channel cross-correlations summed over channels; ``"gemm"``:
        im2col + one matrix multiply.  All give the same numbers.

    Returns
    -------
    y : ndarray, shape (N, Ho, Wo, C_out), or (Ho, Wo, C_out) for one image
        ``Ho = floor((H + top + bottom - (KH - 1) * dh - 1) / sh) + 1``, and
        likewise for ``Wo``.  float32 inputs give float32; float64 or integer
        inputs give float64.

    Raises
    ------
    ValueError
        A kernel whose depth is not C_in, a 2-D kernel for multi-channel
        input, wrong ranks, a bias of the wrong length, stride or dilation
        < 1, negative padding, an unknown padding or method, or a kernel
        larger than the padded input.
    TypeError
        Non-integer stride, dilation or padding; non-numeric arrays.

    Examples
    --------
    The channel fingerprint: channels filled with 1, 100 and 10000, a 2x2
    kernel of ones -- every output adds four pixels of each channel.

    >>> import numpy as np
    >>> x = np.ones((3, 3, 3)) * [1, 100, 10000]
    >>> conv2d(x, np.ones((2, 2, 3, 1)))[..., 0]
    array([[40404., 40404.],
           [40404., 40404.]])
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    x, w, b, single = check_conv_args(x, w, b)
    g = conv_geometry(x.shape[1:3], w.shape[:2], stride, padding, dilation)
    y = METHODS[method](x, w, b, g)
    return y[0] if single else y
