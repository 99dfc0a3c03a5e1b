"""Conv1D, Conv2D and Conv3D: one channel sum over one, two or three spatial axes.

Nothing about the channel sum depends on how many spatial axes there are.
With data channels last and Keras' kernel layout, spatial axes first:

* Conv1D: ``x`` ``(N, L, C_in)``, ``w`` ``(K, C_in, C_out)``;
* Conv2D: ``x`` ``(N, H, W, C_in)``, ``w`` ``(KH, KW, C_in, C_out)``;
* Conv3D: ``x`` ``(N, D, H, W, C_in)``, ``w`` ``(KD, KH, KW, C_in, C_out)``.

Every filter is a block over the spatial kernel axes *and* all ``C_in``
channels; each output value is the sum over the window and the channels,
plus the filter's bias::

    y[n, p..., co] = b[co] + sum over k..., ci of x[n, p + k..., ci] * w[k..., ci, co]
    params         = prod(kernel sizes) * C_in * C_out  (+ C_out with a bias)

This module gives that definition for any number of spatial axes (stride 1,
no padding: the geometry of the other axes is :mod:`convlib.geometry`'s,
axis by axis); :func:`convlib.conv2d` is the fast, general 2-D version.
"""

from __future__ import annotations

import math

import numpy as np

from .validation import as_float_array

__all__ = ["conv_nd", "conv_nd_params"]


def conv_nd(x, w, b=None) -> np.ndarray:
    """Valid, stride-1 cross-correlation over every spatial axis, channels summed.

    Parameters
    ----------
    x : array_like, shape (N, S_1, ..., S_d, C_in)
        ``d`` spatial axes (``d = 1`` for Conv1D, ``3`` for Conv3D).
    w : array_like, shape (K_1, ..., K_d, C_in, C_out)
        Keras' kernel layout for Conv1D/2D/3D.
    b : array_like, shape (C_out,), optional

    Returns
    -------
    y : ndarray, shape (N, S_1 - K_1 + 1, ..., S_d - K_d + 1, C_out)

    Raises
    ------
    ValueError
        If ``w`` does not have ``x.ndim`` axes, its ``C_in`` axis does not
        match ``x``'s channels, ``b`` is not ``(C_out,)``, or a kernel axis is
        longer than the input's.

    Examples
    --------
    The channel fingerprint along one axis: channels 1, 100 and 10000, a
    kernel of ones two taps long -- every output adds 2 taps x 3 channels.

    >>> import numpy as np
    >>> x = np.ones((1, 3, 3)) * [1, 100, 10000]          # (N, L, C_in)
    >>> conv_nd(x, np.ones((2, 3, 1)))[0, :, 0]          # (K, C_in, C_out)
    array([20202., 20202.])
    """
    x = as_float_array(x, "x")
    w = as_float_array(w, "w")
    if x.ndim < 3:
        raise ValueError(f"x must be (N, spatial axes..., C_in) with at least one spatial axis; got shape {x.shape}")
    d = x.ndim - 2
    if w.ndim != d + 2:
        raise ValueError(
            f"w must have {d + 2} axes (K_1..K_{d}, C_in, C_out) for x with {d} spatial axes; got w.shape={w.shape}"
            + (" -- a kernel with no C_in axis: every filter has a slice for each input channel" if w.ndim == d + 1 else "")
        )
    if w.shape[-2] != x.shape[-1]:
        raise ValueError(f"w.shape[-2] (C_in={w.shape[-2]}) must equal x's channels (C_in={x.shape[-1]}): "
                         f"each filter spans all input channels")
    kernel, spatial = w.shape[:d], x.shape[1:-1]
    if any(k > s for k, s in zip(kernel, spatial)):
        raise ValueError(f"kernel {kernel} is larger than the input's spatial size {spatial}")
    out = tuple(s - k + 1 for s, k in zip(spatial, kernel))
    y = np.zeros((x.shape[0], *out, w.shape[-1]), np.result_type(x.dtype, w.dtype, np.float32))
    for offset in np.ndindex(*kernel):
        window = x[(slice(None), *(slice(o, o + n) for o, n in zip(offset, out)))]
        y += window @ w[offset]                   # (..., C_in) @ (C_in, C_out): the channel sum
    if b is not None:
        b = as_float_array(b, "b")
        if b.shape != (w.shape[-1],):
            raise ValueError(f"b must be (C_out,) = ({w.shape[-1]},), one bias per filter; got b.shape={b.shape}")
        y += b
    return y


def conv_nd_params(kernel_size, c_in: int, c_out: int, bias: bool = True) -> int:
    """Parameters of a Conv1D/2D/3D layer: ``prod(kernel_size) * C_in * C_out + C_out``.

    Parameters
    ----------
    kernel_size : int or tuple of int
        ``K`` for Conv1D, ``(KH, KW)`` for Conv2D, ``(KD, KH, KW)`` for Conv3D.
    c_in, c_out : int
    bias : bool, default True

    Returns
    -------
    int

    Examples
    --------
    >>> conv_nd_params(2, 3, 1), conv_nd_params((2, 2), 3, 1), conv_nd_params((2, 2, 2), 3, 1)
    (7, 13, 25)
    """
    sizes = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
    for name, v in [("kernel_size", s) for s in sizes] + [("c_in", c_in), ("c_out", c_out)]:
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return math.prod(sizes) * c_in * c_out + (c_out if bias else 0)
