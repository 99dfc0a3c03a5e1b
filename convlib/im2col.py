"""im2col: the patch matrix, its adjoint col2im, and the layer as one matrix product.

Some libraries compute convolutions this way (Caffe, PyTorch's fallback CPU
path); TensorFlow's CPU kernels (Eigen, oneDNN) and cuDNN mostly never build
the patch matrix, but compute the same product.

Every output pixel's receptive field, a ``(KH, KW, C_in)`` block, is unrolled
into one row of a *patch matrix* of shape ``(N*Ho*Wo, KH*KW*C_in)``.  The
kernel bank ``w`` of shape ``(KH, KW, C_in, C_out)`` reshapes to
``(KH*KW*C_in, C_out)``, one column per filter.  Their product (a GEMM,
general matrix multiply) is the whole convolution::

    y = (im2col(x) @ w.reshape(-1, C_out)).reshape(N, Ho, Wo, C_out)

Columns of the patch matrix are ordered ``(kh, kw, ci)``, the same C order as
``w.reshape``.  :func:`conv2d_im2col` is that line as it stands: the teaching
form.  The full patch matrix repeats each input value up to ``KH*KW / (sh*sw)``
times, so ``conv2d``'s default method is its fast form,
:func:`convlib.fast_gemm.conv2d_gemm`, which never builds it whole (a bounded
buffer, a chunk of rows at a time) and gives the same numbers.
:func:`col2im` adds patch rows back into an image: the gradient and the
transposed convolution use it.
"""

from __future__ import annotations

import numpy as np

from .geometry import as_pair, conv_geometry, tap_slice
from .reference import zero_pad
from .validation import as_batch, as_float_array, float_dtype

__all__ = ["im2col", "col2im", "conv2d_im2col", "patch_view"]


def patch_view(xp: np.ndarray, khw, stride, dilation, out) -> np.ndarray:
    """A zero-copy view of every receptive field of a padded batch.

    Parameters
    ----------
    xp : ndarray, shape (N, Hp, Wp, C_in)
        The already padded input.
    khw : (KH, KW)
    stride, dilation : (int, int)
    out : (Ho, Wo)

    Returns
    -------
    ndarray, shape (N, Ho, Wo, KH, KW, C_in)
        ``view[n, i, j]`` is the block that output pixel ``(i, j)`` sees.
        A view into ``xp``: do not write to it.
    """
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = khw, stride, dilation, out
    n, _, _, c = xp.shape
    s_n, s_h, s_w, s_c = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp,
        shape=(n, ho, wo, kh, kw, c),
        strides=(s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c),
        writeable=False,
    )


def im2col(x, kernel_size, *, stride=1, padding="valid", dilation=1) -> np.ndarray:
    """Unroll every receptive field into one row of the patch matrix.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C_in) or (H, W, C_in)
    kernel_size : int or (KH, KW)
    stride, padding, dilation
        As for :func:`convlib.conv2d`.

    Returns
    -------
    cols : ndarray, shape (N*Ho*Wo, KH*KW*C_in)
        Row ``(n*Ho + i)*Wo + j`` holds the patch of output pixel ``(n, i, j)``;
        columns are ordered ``(kh, kw, ci)`` like ``w.reshape(-1, C_out)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(2 * 4 * 5 * 3, dtype=float).reshape(2, 4, 5, 3)
    >>> im2col(x, (2, 3)).shape      # N*Ho*Wo = 2*3*3, KH*KW*C_in = 2*3*3
    (18, 18)
    """
    x, _ = as_batch(x, "x")
    khw = as_pair(kernel_size, "kernel_size")
    g = conv_geometry(x.shape[1:3], khw, stride, padding, dilation)
    x = x.astype(float_dtype(x), copy=False)
    view = patch_view(zero_pad(x, g.pads), khw, g.stride, g.dilation, g.out)
    return view.reshape(-1, khw[0] * khw[1] * x.shape[3])


def col2im(cols, x_shape, kernel_size, *, stride=1, padding="valid", dilation=1) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every patch row back where it came from.

    Where patches overlap, their values are **summed** -- this is what the
    gradient of a convolution with respect to its input needs.

    Parameters
    ----------
    cols : array_like, shape (N*Ho*Wo, KH*KW*C_in)
    x_shape : tuple
        Shape of the input, ``(N, H, W, C_in)`` or ``(H, W, C_in)``.
    kernel_size, stride, padding, dilation
        As given to :func:`im2col`.

    Returns
    -------
    ndarray, shape x_shape
        Satisfies ``sum(im2col(x) * cols) == sum(x * col2im(cols, x.shape, ...))``.
    """
    cols = as_float_array(cols, "cols")
    single = len(x_shape) == 3
    n, h, w_, c = (1, *x_shape) if single else tuple(x_shape)
    khw = as_pair(kernel_size, "kernel_size")
    g = conv_geometry((h, w_), khw, stride, padding, dilation)
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = khw, g.stride, g.dilation, g.out
    expected = (n * ho * wo, kh * kw * c)
    if cols.shape != expected:
        raise ValueError(f"cols must have shape (N*Ho*Wo, KH*KW*C_in) = {expected}, got {cols.shape}")
    (top, bottom), (left, right) = g.pads
    xp = np.zeros((n, h + top + bottom, w_ + left + right, c), float_dtype(cols))
    blocks = cols.reshape(n, ho, wo, kh, kw, c)
    for a in range(kh):
        for b in range(kw):
            xp[:, tap_slice(a, dh, sh, ho), tap_slice(b, dw, sw, wo), :] += blocks[:, :, :, a, b, :]
    x = xp[:, top : top + h, left : left + w_, :]
    return x[0] if single else x


def conv2d_im2col(x, w, b, g) -> np.ndarray:
    """Convolution as one matrix product: ``im2col(x) @ w.reshape(-1, C_out)``, the teaching form.

    Parameters
    ----------
    x, w, b, g
        As for :func:`convlib.reference.conv2d_naive`.

    Returns
    -------
    y : ndarray, shape (N, Ho, Wo, C_out)
        Equal to :func:`convlib.fast_gemm.conv2d_gemm`, which computes it in bounded chunks.
    """
    c_out = w.shape[3]
    cols = im2col(x, w.shape[:2], stride=g.stride, padding=g.pads, dilation=g.dilation)
    y = (cols @ w.reshape(-1, c_out)).reshape(x.shape[0], *g.out, c_out)
    return y if b is None else y + b

