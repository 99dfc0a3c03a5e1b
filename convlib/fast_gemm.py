"""The fast form of :func:`convlib.im2col.conv2d_im2col`: the same product in bounded chunks.

``im2col(x) @ w.reshape(-1, C_out)`` builds the whole patch matrix, which
repeats each input value up to ``KH*KW / (sh*sw)`` times: for a batch it can
be far larger than ``x``.  :func:`conv2d_gemm` gives the same numbers but
fills a bounded buffer with a chunk of patch rows at a time and multiplies
each chunk straight into its slice of the output.  It is what
``conv2d(..., method="gemm")``, the default, runs.
"""

from __future__ import annotations

import numpy as np

from .im2col import patch_view

__all__ = ["conv2d_gemm", "DEFAULT_BUFFER_BYTES"]

#: Upper bound of the patch buffer used by :func:`conv2d_gemm` (bytes): 16 MiB, the bound of
#: TensorFlow's im2col CPU kernel (conv_ops_using_gemm.cc).  Much smaller buffers mean many small
#: matrix products, each of which makes BLAS wake and synchronise its threads.
DEFAULT_BUFFER_BYTES = 16 * 2**20


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
    x, w, b, g
        As for :func:`convlib.reference.conv2d_naive`.
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
