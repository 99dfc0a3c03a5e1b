"""im2col + one matrix multiply (GEMM): how real libraries convolve.

Every output pixel's receptive field, a ``(KH, KW, C_in)`` block, is unrolled
into one row of a *patch matrix* of shape ``(N*Ho*Wo, KH*KW*C_in)``.  The
kernel bank ``w`` of shape ``(KH, KW, C_in, C_out)`` reshapes to
``(KH*KW*C_in, C_out)``, one column per filter.  Their product is the whole
convolution::

    y = (im2col(x) @ w.reshape(-1, C_out)).reshape(N, Ho, Wo, C_out)

Columns of the patch matrix are ordered ``(kh, kw, ci)``, the same C order as
``w.reshape``.  The full patch matrix repeats each input value up to
``KH*KW / (sh*sw)`` times, so :func:`conv2d_gemm` never builds it whole: it
fills a bounded buffer with a chunk of rows at a time and multiplies each
chunk straight into its slice of the output.
"""

from __future__ import annotations

import numpy as np

from .geometry import as_pair, conv_geometry
from .reference import zero_pad
from .validation import as_float_array

__all__ = ["im2col", "col2im", "conv2d_gemm", "patch_view", "DEFAULT_BUFFER_BYTES"]

#: Upper bound of the patch buffer used by :func:`conv2d_gemm` (bytes): 16 MiB.
#: The figure is borrowed from the cap of TensorFlow's im2col CPU kernel
#: (conv_ops_using_gemm.cc), which is compiled only into builds made with
#: ``USE_GEMM_FOR_CONV``; standard TensorFlow builds do not run that kernel
#: (on a CPU they run Eigen's spatial convolution or oneDNN; on a GPU cuDNN).
#: So 16 MiB is convlib's own choice, not what ``tf.nn.conv2d`` uses.
#: Much smaller buffers mean many small matrix products, each of which makes
#: BLAS wake and synchronise its threads; that costs the most on a busy machine.
DEFAULT_BUFFER_BYTES = 16 * 2**20


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
    x = as_float_array(x, "x")
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"x must be (N, H, W, C_in) or (H, W, C_in), got shape {x.shape}")
    khw = as_pair(kernel_size, "kernel_size")
    g = conv_geometry(x.shape[1:3], khw, stride, padding, dilation)
    x = x.astype(np.result_type(x.dtype, np.float32), copy=False)
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
    dtype = np.result_type(cols.dtype, np.float32)
    xp = np.zeros((n, h + top + bottom, w_ + left + right, c), dtype)
    blocks = cols.reshape(n, ho, wo, kh, kw, c)
    for a in range(kh):
        for b in range(kw):
            xp[:, a * dh : a * dh + sh * (ho - 1) + 1 : sh, b * dw : b * dw + sw * (wo - 1) + 1 : sw, :] += blocks[:, :, :, a, b, :]
    x = xp[:, top : top + h, left : left + w_, :]
    return x[0] if single else x


def conv2d_gemm(x, w, b, g, *, buffer_bytes: int = DEFAULT_BUFFER_BYTES) -> np.ndarray:
    """Convolution as im2col + matrix multiply, in bounded chunks.

    The output is cut into chunks -- several whole images, or a band of
    output rows of one image -- whose patch rows fit in ``buffer_bytes``.
    For each chunk, the input rows it reads are (zero-padded where needed)
    gathered, its patches are copied from a strided view into one reused
    buffer of shape ``(rows, KH*KW*C_in)``, and ``matmul(..., out=...)``
    writes the product straight into the chunk's slice of ``y``.  A 1x1
    kernel with stride 1 and no padding needs no patches at all: ``x``
    itself, seen as ``(N*H*W, C_in)``, is the patch matrix.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C_in)
    w : ndarray, shape (KH, KW, C_in, C_out)
    b : ndarray, shape (C_out,) or None
    g : Geometry
    buffer_bytes : int
        Largest patch buffer to allocate.  At least one output row of
        patches is always used, whatever the bound.  Besides the buffer and
        ``y``, only a zero-padded copy of the input rows of one chunk is
        allocated (about ``buffer_bytes * sh * sw / (KH * KW)``, plus the
        kernel's overlap; none when no padding is needed).

    Returns
    -------
    y : ndarray, shape (N, Ho, Wo, C_out)
        In the dtype of ``x`` and ``w`` (float32 stays float32).
    """
    kh, kw, c_in, c_out = w.shape
    n, h, w_in = x.shape[:3]
    (ho, wo), (sh, sw), (dh, dw) = g.out, g.stride, g.dilation
    (top, bottom), (left, right) = g.pads
    dtype = np.result_type(x.dtype, w.dtype)
    x = x.astype(dtype, copy=False)
    k = kh * kw * c_in
    w_mat = np.ascontiguousarray(w, dtype=dtype).reshape(k, c_out)
    y = np.empty((n, ho, wo, c_out), dtype)
    y_mat = y.reshape(-1, c_out)

    if (kh, kw) == (1, 1) and (sh, sw) == (1, 1) and not any(g.pads[0] + g.pads[1]):
        cols = _pixels_as_rows(x)  # the patch matrix is x itself (no copy when x's layout allows)
        np.matmul(cols, w_mat, out=y_mat)
        if b is not None:
            y_mat += b
        return y

    # How many output rows of patches fit: whole images per chunk, or a band of rows.
    row_bytes = wo * k * dtype.itemsize
    rows = max(1, buffer_bytes // row_bytes)
    if rows >= ho:
        images, rows = min(n, rows // ho), ho
        images = -(-n // -(-n // images))  # equal chunks: ceil(n / number of chunks)
    else:
        images = 1
        rows = -(-ho // -(-ho // rows))
    buf = np.empty((images, rows, wo, kh, kw, c_in), dtype)

    # Padded input rows and columns that one chunk reads.
    band_h = (rows - 1) * sh + (kh - 1) * dh + 1
    band_w = (wo - 1) * sw + (kw - 1) * dw + 1
    cols_in = (left, min(band_w, left + w_in))  # columns of the band that hold x
    band = None
    if top or bottom or left or right:
        band = np.zeros((images, band_h, band_w, c_in), dtype)

    for n0 in range(0, n, images):
        m = min(images, n - n0)
        for r0 in range(0, ho, rows):
            r = min(rows, ho - r0)
            p0 = r0 * sh  # first padded input row read
            height = (r - 1) * sh + (kh - 1) * dh + 1
            if band is None:
                src = x[n0 : n0 + m, p0 : p0 + height, :band_w]
            else:
                src = band[:m, :height]
                a0 = min(max(top - p0, 0), height)  # band rows [a0, a1) hold x
                a1 = max(min(top + h - p0, height), a0)
                src[:, :a0] = 0
                src[:, a1:] = 0
                if a1 > a0 and cols_in[1] > cols_in[0]:
                    src[:, a0:a1, cols_in[0] : cols_in[1]] = x[
                        n0 : n0 + m, p0 + a0 - top : p0 + a1 - top, : cols_in[1] - left
                    ]
            chunk = buf[:m, :r]
            np.copyto(chunk, patch_view(src, (kh, kw), (sh, sw), (dh, dw), (r, wo)))
            out = y[n0 : n0 + m, r0 : r0 + r].reshape(-1, c_out)
            np.matmul(chunk.reshape(-1, k), w_mat, out=out)
            if b is not None:
                out += b
    return y


def _pixels_as_rows(x: np.ndarray) -> np.ndarray:
    """``x`` of shape (N, H, W, C) as the (N*H*W, C) matrix of its pixels.

    A view when NumPy can merge the three pixel axes without copying (a C-
    contiguous batch, or any layout whose strides allow it), else a copy:
    ``reshape`` decides from all the strides, which a hand-written stride
    test easily gets wrong (a view with H = 1 or zero strides, say).
    """
    return x.reshape(-1, x.shape[3])
