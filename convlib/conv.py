"""``conv2d``: one entry point, three equivalent methods."""

from __future__ import annotations

import numpy as np

from .fast_gemm import conv2d_gemm
from .geometry import conv_geometry
from .reference import conv2d_naive, conv2d_per_channel
from .validation import check_conv_args, group_slices

__all__ = ["conv2d", "METHODS"]

METHODS = {
    "naive": conv2d_naive,
    "per_channel": conv2d_per_channel,
    # im2col(x) @ w.reshape(-1, C_out) (the teaching form: gemm.conv2d_im2col), in bounded chunks
    "gemm": conv2d_gemm,
}


def conv2d(x, w, b=None, *, stride=1, padding="valid", dilation=1, groups=1, method="gemm") -> np.ndarray:
    """2-D convolution of multi-channel images, as Keras' ``Conv2D`` computes it.

    Each of the C_out filters is a 3-D block ``w[:, :, :, co]`` of shape
    ``(KH, KW, C_in)``: it slides over H and W, multiplies every input channel
    by that channel's own KH x KW weights, and **sums** over the channels (and
    adds ``b[co]``).  Like TensorFlow, Keras and PyTorch, this is
    cross-correlation: the kernel is not flipped.  (Not every framework did
    so: Theano's ``conv2d`` flipped the kernel by default, ``filter_flip=True``,
    a true convolution.)

    Parameters
    ----------
    x : array_like, shape (N, H, W, C_in) or (H, W, C_in)
        Images, channels last (NHWC).  Integer and boolean arrays are
        converted to floating point first, so nothing overflows.
    w : array_like, shape (KH, KW, C_in / groups, C_out)
        The kernel bank, in Keras' layout (depth C_in when ``groups=1``).
    b : array_like, shape (C_out,), optional
        One bias per filter.
    stride : int or (sh, sw), default 1
    padding : {"valid", "same"} or int or (ph, pw) or ((top, bottom), (left, right))
        ``"same"`` follows TensorFlow: the odd extra row/column of padding
        goes to the bottom/right.  Case-insensitive.
    dilation : int or (dh, dw), default 1
        Spacing between kernel taps.
    groups : int, default 1
        Split the C_in input channels and the C_out filters into ``groups``
        equal, consecutive groups; filter group ``k`` sees only input group
        ``k`` (so its depth is C_in / groups), as Keras' ``Conv2D(groups=...)``.
        ``groups=C_in`` is a depthwise convolution: Keras'
        ``DepthwiseConv2D`` kernel ``(KH, KW, C_in, M)`` is
        ``w = kernel.reshape(KH, KW, 1, C_in * M)`` here.
    method : {"gemm", "per_channel", "naive"}, default "gemm"
        ``"naive"``: explicit loops over output pixels; ``"per_channel"``:
        single-channel cross-correlations summed over channels; ``"gemm"``:
        im2col + one matrix multiply.  All give the same numbers; with
        groups, each method runs once per group on that group's slices.

    Returns
    -------
    y : ndarray, shape (N, Ho, Wo, C_out), or (Ho, Wo, C_out) for one image
        Its dtype is ``np.result_type(x, w, b, np.float32)``: float32 stays
        float32, float64 anywhere gives float64, and integers promote as
        NumPy promotes them with float32 -- uint8, int8, int16, uint16 and
        bool give float32 (uint8 images with a float32 kernel: float32),
        int32 and int64 give float64 (int64 with float32: float64).
        ``Ho = floor((H + top + bottom - (KH - 1) * dh - 1) / sh) + 1``, and
        likewise for ``Wo``.

    Raises
    ------
    ValueError
        A kernel whose depth is not C_in (C_in / groups), C_in or C_out not
        divisible by groups, a 2-D kernel for multi-channel
        input, wrong ranks, a bias of the wrong length, stride or dilation
        < 1, negative padding, an unknown padding or method, or a kernel
        larger than the padded input.
    TypeError
        Non-integer stride, dilation, padding or groups; non-numeric arrays.

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
    x, w, b, single = check_conv_args(x, w, b, groups)
    g = conv_geometry(x.shape[1:3], w.shape[:2], stride, padding, dilation)
    if groups == 1:
        y = METHODS[method](x, w, b, g)
    else:
        y = _grouped(METHODS[method], x, w, b, g, groups)
    return y[0] if single else y


def _grouped(conv, x, w, b, g, groups) -> np.ndarray:
    """Run ``conv`` once per group: input channels and filters of group k only.

    Output channels keep Keras' order: group 0's C_out/groups filters first.
    """
    y = np.empty((x.shape[0], *g.out, w.shape[3]), x.dtype)
    for ins, outs in group_slices(groups, x.shape[3], w.shape[3]):
        y[..., outs] = conv(x[..., ins], w[..., outs], None if b is None else b[outs], g)
    return y
