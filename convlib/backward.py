"""Backpropagation through a 2-D convolution: the three gradients.

Forward, every filter **sums** over the input channels::

    y[n, i, j, co] = b[co] + sum over kh, kw, ci of
                     x_pad[n, i*sh + kh*dh, j*sw + kw*dw, ci] * w[kh, kw, ci, co]

Backward, given ``dy = dL/dy`` of shape ``(N, Ho, Wo, C_out)``, that sum
becomes a **broadcast**: every input channel ``ci`` gets its own gradient
``dx[..., ci]`` and every kernel slice ``w[:, :, ci, co]`` its own ``dw``.

* ``dw`` is the correlation of ``x`` with ``dy``: with the patch matrix
  ``cols = im2col(x)`` of shape ``(N*Ho*Wo, KH*KW*C_in)``,
  ``dw = cols.T @ dy.reshape(-1, C_out)`` -- the forward GEMM transposed.
* ``dx`` sends every output pixel's gradient back through the filter to the
  patch it came from: ``col2im(dy.reshape(-1, C_out) @ w_mat.T)``.  The same
  numbers come from a *full convolution* of ``dy`` (spread out by the stride)
  with the spatially flipped kernel whose in/out channel axes are swapped,
  ``w[::-1, ::-1].transpose(0, 1, 3, 2)`` -- see :func:`input_grad_by_flipped_kernel`.
* ``db`` is ``dy`` summed over N, Ho and Wo.
"""

from __future__ import annotations

import numpy as np

from .conv import conv2d
from .geometry import conv_geometry, effective_kernel_size
from .im2col import col2im, im2col
from .validation import as_float_array, check_conv_args, check_dy, group_slices

__all__ = ["conv2d_backward", "input_grad_by_flipped_kernel"]


def _check_dy(dy, n, c_in, w, g, single) -> np.ndarray:
    """``dy`` as an ``(N, Ho, Wo, C_out)`` array, promoted with the dtype of ``w``."""
    why = (f"one gradient per output value, with C_out={w.shape[3]} channels like the filters of w, "
           f"not C_in={c_in}")
    return check_dy(dy, (n, *g.out, w.shape[3]), single, w.dtype, why)


def conv2d_backward(dy, x, w, *, stride=1, padding="valid", dilation=1, groups=1):
    """Gradients of ``y = conv2d(x, w, b)`` given the upstream gradient ``dy``.

    Parameters
    ----------
    dy : array_like, shape (N, Ho, Wo, C_out), or (Ho, Wo, C_out) for one image
        ``dL/dy``: the gradient of a loss with respect to the forward output.
    x : array_like, shape (N, H, W, C_in) or (H, W, C_in)
        The forward input.
    w : array_like, shape (KH, KW, C_in, C_out)
        The forward kernel bank.
    stride, padding, dilation, groups
        As given to :func:`convlib.conv2d`.  With ``groups`` > 1, ``w`` has
        shape ``(KH, KW, C_in / groups, C_out)`` and each group's gradients
        come from that group's channels and filters only.

    Returns
    -------
    dx : ndarray, shape of x
        ``dL/dx``.  Channel ``ci`` collects ``dy`` through the slices
        ``w[:, :, ci, :]`` only: each input channel gets its own gradient.
    dw : ndarray, shape (KH, KW, C_in, C_out)
        ``dL/dw``.  The slice ``dw[:, :, ci, co]`` is the correlation of
        input channel ``ci`` with output gradient ``co``.
    db : ndarray, shape (C_out,)
        ``dL/db``: ``dy`` summed over N, Ho and Wo.

    Raises
    ------
    ValueError, TypeError
        For ``x``, ``w``, stride, padding or dilation: as :func:`convlib.conv2d`.
        For ``dy``: a shape other than the forward output's.

    Examples
    --------
    With ``L = sum(y)``, ``dy`` is all ones and ``db`` counts the output pixels:

    >>> import numpy as np
    >>> x, w = np.ones((1, 4, 5, 3)), np.ones((2, 2, 3, 2))
    >>> dx, dw, db = conv2d_backward(np.ones((1, 3, 4, 2)), x, w)
    >>> db
    array([12., 12.])
    >>> dw[:, :, 0, 0]           # every tap saw 3 * 4 ones
    array([[12., 12.],
           [12., 12.]])
    """
    x, w, _, single = check_conv_args(x, w, None, groups)
    g = conv_geometry(x.shape[1:3], w.shape[:2], stride, padding, dilation)
    dy = _check_dy(dy, x.shape[0], x.shape[3], w, g, single)
    dtype = np.result_type(x.dtype, dy.dtype)
    x, w, dy = (a.astype(dtype, copy=False) for a in (x, w, dy))
    geo = dict(stride=stride, padding=padding, dilation=dilation)

    if groups == 1:
        dx, dw = _gradients(dy, x, w, geo)
    else:  # group k's channels and filters only, as in the forward pass
        dx, dw = np.empty_like(x), np.empty_like(w)
        for ins, outs in group_slices(groups, x.shape[3], w.shape[3]):
            dx[..., ins], dw[..., outs] = _gradients(dy[..., outs], x[..., ins], w[..., outs], geo)
    db = dy.sum(axis=(0, 1, 2))
    return (dx[0] if single else dx), dw, db


def _gradients(dy, x, w, geo):
    """``(dx, dw)`` of a standard (one-group) convolution."""
    kh, kw, _, c_out = w.shape
    dy_mat = dy.reshape(-1, c_out)  # (N*Ho*Wo, C_out), rows in the patch matrix's order
    cols = im2col(x, (kh, kw), **geo)  # (N*Ho*Wo, KH*KW*C_in)
    dw = (cols.T @ dy_mat).reshape(w.shape)
    dcols = dy_mat @ w.reshape(-1, c_out).T  # each row: one output pixel's gradient, spread over its patch
    dx = col2im(dcols, x.shape, (kh, kw), **geo)
    return dx, dw


def input_grad_by_flipped_kernel(dy, w, x_shape, *, stride=1, padding="valid", dilation=1) -> np.ndarray:
    """``dL/dx`` as a forward :func:`convlib.conv2d`: a full convolution with the flipped kernel.

    The steps, along each axis:

    1. spread ``dy`` out by the stride: ``stride - 1`` zeros between its rows;
    2. pad it with ``k_eff - 1`` zeros before and ``k_eff - 1 + r`` after,
       where ``k_eff = (KH - 1) * dh + 1`` and ``r`` counts the input rows
       the forward pass never reached (the stride left them over);
    3. correlate with ``w[::-1, ::-1].transpose(0, 1, 3, 2)``, shape
       ``(KH, KW, C_out, C_in)``, at the forward dilation -- the kernel turned
       by 180 degrees, its output channels now the input;
    4. cut the forward padding off again.

    Parameters
    ----------
    dy : array_like, shape (N, Ho, Wo, C_out)
    w : array_like, shape (KH, KW, C_in, C_out)
    x_shape : (N, H, W, C_in)
        Shape of the forward input.
    stride, padding, dilation
        As given to :func:`convlib.conv2d`.

    Returns
    -------
    dx : ndarray, shape x_shape
        Equal to ``conv2d_backward(dy, x, w, ...)[0]``.
    """
    n, h, w_in, c_in = x_shape
    w = as_float_array(w, "w")
    kh, kw, _, c_out = w.shape
    g = conv_geometry((h, w_in), (kh, kw), stride, padding, dilation)
    dy = _check_dy(dy, n, c_in, w, g, False)
    (sh, sw), (dh, dw), (ho, wo) = g.stride, g.dilation, g.out
    (top, bottom), (left, right) = g.pads
    k_eff = (effective_kernel_size(kh, dh), effective_kernel_size(kw, dw))
    padded = (h + top + bottom, w_in + left + right)
    spread = np.zeros((n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, c_out), np.result_type(dy.dtype, w.dtype))
    spread[:, ::sh, ::sw] = dy
    pads = tuple((k - 1, p - s * (o - 1) - 1) for k, p, s, o in zip(k_eff, padded, (sh, sw), (ho, wo)))
    flipped = w[::-1, ::-1].transpose(0, 1, 3, 2)
    dx_padded = conv2d(spread, flipped, padding=pads, dilation=(dh, dw))
    return dx_padded[:, top : top + h, left : left + w_in, :]
