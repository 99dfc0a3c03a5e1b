"""TensorFloat-32: what a GPU's default float32 convolution does to the operands.

NVIDIA GPUs of the Ampere generation and newer can run float32 matrix
products and convolutions in TF32: each operand keeps float32's 8-bit
exponent but only **10** of its 23 mantissa bits (the products are summed in
float32).  TensorFlow uses TF32 by default on such GPUs
(:func:`convlib.load_tensorflow` turns it off); PyTorch's default, in its
documentation, is ``torch.backends.cudnn.allow_tf32 = True`` for
convolutions and ``torch.backends.cuda.matmul.allow_tf32 = False`` for
matrix products.  A port checked on such a GPU against a float32 reference
therefore differs by about ``2**-11 ~ 5e-4`` relative per operand -- around
1e-3 in a result -- however correct the port is.

:func:`round_to_tf32` rounds float32 values to TF32's precision, so that the
effect can be computed on any machine: ``conv2d(round_to_tf32(x),
round_to_tf32(w))`` is what a TF32 convolution computes, up to summation order.
"""

from __future__ import annotations

import numpy as np

from .validation import as_float_array

__all__ = ["round_to_tf32"]


def round_to_tf32(a) -> np.ndarray:
    """Round to TF32's 10-bit mantissa (to nearest, ties to even), as float32.

    Parameters
    ----------
    a : array_like, any shape
        Converted to float32 first.

    Returns
    -------
    ndarray, float32, the shape of ``a``
        Each value with its 13 lowest mantissa bits rounded away; values that
        need 11 significant bits or fewer are unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> round_to_tf32(np.float32([1.0, 1 + 2 ** -10, 1 + 2 ** -12, 3.14159265])).tolist()
    [1.0, 1.0009765625, 1.0, 3.140625]
    """
    x = np.array(as_float_array(a, "a"), dtype=np.float32)  # a copy, never a view of the caller's data
    bits = x.view(np.uint32)
    finite = np.isfinite(x)
    lsb = (bits >> np.uint32(13)) & np.uint32(1)
    rounded = (bits + np.uint32(0x0FFF) + lsb) & np.uint32(0xFFFFE000)
    bits[finite] = rounded[finite]
    return x
