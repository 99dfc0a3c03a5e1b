"""The readable definitions: explicit loops and the per-channel decomposition.

Two rungs of the ladder of equivalent implementations:

* :func:`conv2d_naive` -- the definition, one output pixel at a time::

      y[n, i, j, co] = b[co] + sum over kh, kw, ci of
                       x_pad[n, i*sh + kh*dh, j*sw + kw*dw, ci] * w[kh, kw, ci, co]

* :func:`conv2d_per_channel` -- the decomposition the course teaches: a plain
  single-channel 2-D cross-correlation of every input channel with its own
  kernel slice ``w[:, :, ci, co]``, then the **sum over channels**.

Both are slow on purpose; :mod:`convlib.im2col` and :mod:`convlib.fast_gemm` are the next rungs.
"""

from __future__ import annotations

import numpy as np

from .geometry import conv_geometry, tap_slice
from .validation import as_float_array, float_dtype

__all__ = ["zero_pad", "correlate2d", "conv2d_naive", "conv2d_per_channel"]


def zero_pad(x: np.ndarray, pads) -> np.ndarray:
    """Add zeros around the H and W axes of an NHWC batch.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
    pads : ((top, bottom), (left, right))

    Returns
    -------
    ndarray, shape (N, H + top + bottom, W + left + right, C)
        ``x`` itself when every pad is zero.
    """
    if not any(any(p) for p in pads):
        return x
    return np.pad(x, ((0, 0), tuple(pads[0]), tuple(pads[1]), (0, 0)))


def correlate2d(x, k, *, stride=1, padding="valid", dilation=1) -> np.ndarray:
    """Single-channel 2-D cross-correlation (what frameworks call convolution).

    The kernel is *not* flipped: ``y[i, j] = sum over a, b of
    x_pad[i*sh + a*dh, j*sw + b*dw] * k[a, b]``.

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (KH, KW)
    stride, padding, dilation
        As for :func:`convlib.conv2d`.

    Returns
    -------
    y : ndarray, shape (Ho, Wo)
        Floating point.
    """
    x = as_float_array(x, "x")
    k = as_float_array(k, "k")
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError(
            f"correlate2d works on one channel: x must be (H, W) and k (KH, KW), got x.shape={x.shape}, "
            f"k.shape={k.shape}. For multi-channel input use convlib.conv2d."
        )
    dtype = float_dtype(x, k)
    g = conv_geometry(x.shape, k.shape, stride, padding, dilation)
    xp = zero_pad(x.astype(dtype, copy=False)[None, :, :, None], g.pads)[0, :, :, 0]
    (sh, sw), (dh, dw), (ho, wo) = g.stride, g.dilation, g.out
    y = np.zeros((ho, wo), dtype)
    # Slide the kernel one tap at a time: every tap multiplies a shifted,
    # strided view of the input by one weight (vectorised over output pixels).
    for a in range(k.shape[0]):
        for c in range(k.shape[1]):
            y += k[a, c] * xp[tap_slice(a, dh, sh, ho), tap_slice(c, dw, sw, wo)]
    return y


def conv2d_naive(x, w, b, g) -> np.ndarray:
    """The definition, one output pixel at a time.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C_in)
    w : ndarray, shape (KH, KW, C_in, C_out)
    b : ndarray, shape (C_out,) or None
    g : Geometry
        From :func:`convlib.geometry.conv_geometry`.

    Returns
    -------
    y : ndarray, shape (N, Ho, Wo, C_out)
    """
    kh, kw, _, c_out = w.shape
    (sh, sw), (dh, dw), (ho, wo) = g.stride, g.dilation, g.out
    xp = zero_pad(x, g.pads)
    y = np.zeros((x.shape[0], ho, wo, c_out), x.dtype)
    for n in range(x.shape[0]):
        for i in range(ho):
            for j in range(wo):
                # The receptive field: a (KH, KW, C_in) block, as deep as the input.
                patch = xp[n, tap_slice(i, sh, dh, kh), tap_slice(j, sw, dw, kw), :]
                # One number per filter: multiply the block by each 3-D filter and sum everything.
                y[n, i, j, :] = np.tensordot(patch, w, axes=3)
    if b is not None:
        y += b
    return y


def conv2d_per_channel(x, w, b, g) -> np.ndarray:
    """Convolve every input channel with its own kernel slice, then sum over channels.

    Parameters
    ----------
    x, w, b, g
        As for :func:`conv2d_naive`.

    Returns
    -------
    y : ndarray, shape (N, Ho, Wo, C_out)
        ``y[n, :, :, co] = sum over ci of correlate2d(x[n, :, :, ci], w[:, :, ci, co]) + b[co]``
    """
    n_img, _, _, c_in = x.shape
    c_out = w.shape[3]
    xp = zero_pad(x, g.pads)
    y = np.zeros((n_img, *g.out, c_out), x.dtype)
    for n in range(n_img):
        for co in range(c_out):
            for ci in range(c_in):
                y[n, :, :, co] += correlate2d(xp[n, :, :, ci], w[:, :, ci, co], stride=g.stride, dilation=g.dilation)
    if b is not None:
        y += b
    return y
