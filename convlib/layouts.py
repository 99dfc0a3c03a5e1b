"""Layouts: the same numbers, axes in another order (Keras/TensorFlow vs PyTorch/ONNX).

convlib, Keras and TensorFlow keep data channels last and kernels spatial
axes first; PyTorch (and ONNX) put the channels first:

* data: NHWC ``(N, H, W, C)`` here, NCHW ``(N, C, H, W)`` in PyTorch;
  one image ``(H, W, C)`` here, ``(C, H, W)`` there.
* kernels: ``(KH, KW, C_in/groups, C_out)`` here, ``(C_out, C_in/groups, KH, KW)``
  ("OIHW") in PyTorch.

ONNX's ``Conv`` weight ``W`` of shape ``(M, C/group, kH, kW)`` (M feature
maps) is PyTorch's layout.  Both frameworks compute the same
cross-correlation; only the order of the axes differs, so converting is a
transpose, never a flip.  PyTorch's definition, for stride ``s`` and no
padding::

    y[n, o, i, j] = sum over c, a, b of w[o, c, a, b] * x[n, c, i*s + a, j*s + b]

Each function returns a transposed *view* (no copy); use
``np.ascontiguousarray`` for a C-contiguous copy.
"""

from __future__ import annotations

import numpy as np

from .validation import as_float_array

__all__ = ["kernel_from_torch", "kernel_to_torch", "to_nchw", "to_nhwc", "transpose_kernel_from_torch",
           "torch_pad_to_onnx", "onnx_pads_to_torch", "torch_pad_to_numpy"]


def _check_ndim(a, name, ndims, layout):
    a = as_float_array(a, name)
    if a.ndim not in ndims:
        raise ValueError(f"{name} must be {' or '.join(f'{d}-D' for d in ndims)} {layout}; "
                         f"got {name}.ndim={a.ndim} with shape {a.shape}")
    return a


def kernel_from_torch(w) -> np.ndarray:
    """PyTorch/ONNX kernel ``(C_out, C_in/groups, KH, KW)`` -> Keras ``(KH, KW, C_in/groups, C_out)``.

    ``w.transpose(2, 3, 1, 0)``: ``result[a, b, c, o] == w[o, c, a, b]``.
    The inverse of :func:`kernel_to_torch`.

    Parameters
    ----------
    w : array_like, shape (C_out, C_in/groups, KH, KW)

    Returns
    -------
    ndarray, shape (KH, KW, C_in/groups, C_out)

    Raises
    ------
    ValueError
        If ``w`` is not 4-D.

    Examples
    --------
    >>> import numpy as np
    >>> kernel_from_torch(np.zeros((8, 3, 5, 4))).shape   # 8 filters, 3 channels, 5x4
    (5, 4, 3, 8)
    """
    w = _check_ndim(w, "w", (4,), "in PyTorch's layout (C_out, C_in/groups, KH, KW)")
    return w.transpose(2, 3, 1, 0)


def kernel_to_torch(w) -> np.ndarray:
    """Keras kernel ``(KH, KW, C_in/groups, C_out)`` -> PyTorch/ONNX ``(C_out, C_in/groups, KH, KW)``.

    ``w.transpose(3, 2, 0, 1)``: ``result[o, c, a, b] == w[a, b, c, o]``.
    The inverse of :func:`kernel_from_torch`: ``w`` is in Keras' layout, and anything
    but a 4-D ``w`` raises a ValueError.

    >>> import numpy as np
    >>> kernel_to_torch(np.zeros((5, 4, 3, 8))).shape
    (8, 3, 5, 4)
    """
    w = _check_ndim(w, "w", (4,), "in Keras' layout (KH, KW, C_in/groups, C_out)")
    return w.transpose(3, 2, 0, 1)


def to_nchw(x) -> np.ndarray:
    """Channels last -> channels first: ``(N, H, W, C)`` -> ``(N, C, H, W)``, or ``(H, W, C)`` -> ``(C, H, W)``.

    The inverse of :func:`to_nhwc`.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C) or (H, W, C)

    Returns
    -------
    ndarray, shape (N, C, H, W) or (C, H, W)

    Raises
    ------
    ValueError
        If ``x`` is not 3-D or 4-D.

    Examples
    --------
    >>> import numpy as np
    >>> to_nchw(np.zeros((2, 32, 24, 3))).shape
    (2, 3, 32, 24)
    >>> to_nchw(np.zeros((32, 24, 3))).shape
    (3, 32, 24)
    """
    x = _check_ndim(x, "x", (3, 4), "channels last: (N, H, W, C) or one image (H, W, C)")
    return np.moveaxis(x, -1, -3)  # one image or a batch: C moves in front of H and W


def to_nhwc(x) -> np.ndarray:
    """Channels first -> channels last: ``(N, C, H, W)`` -> ``(N, H, W, C)``, or ``(C, H, W)`` -> ``(H, W, C)``.

    The inverse of :func:`to_nchw`: ``x`` is channels first, and anything but a 3-D
    or 4-D ``x`` raises a ValueError.

    >>> import numpy as np
    >>> to_nhwc(np.zeros((2, 3, 32, 24))).shape
    (2, 32, 24, 3)
    """
    x = _check_ndim(x, "x", (3, 4), "channels first: (N, C, H, W) or one image (C, H, W)")
    return np.moveaxis(x, -3, -1)


# --------------------------------------------------------------------------- transposed convolutions


def transpose_kernel_from_torch(w) -> np.ndarray:
    """PyTorch/ONNX ``ConvTranspose`` weight ``(C_in, C_out/groups, KH, KW)`` -> convlib/Keras ``(KH, KW, C_out, C_in)``.

    Here ``C_in`` and ``C_out`` are the *transposed* layer's own channels
    (PyTorch's ``in_channels`` and ``out_channels``).  PyTorch stores its
    ``ConvTranspose2d`` weight as the weight of the forward ``Conv2d`` whose
    transpose it is -- that convolution maps ``out_channels`` to
    ``in_channels``, so its ``(O, I, KH, KW)`` layout reads ``(C_in, C_out, KH, KW)``
    -- and ONNX's ``ConvTranspose`` ``W`` is ``(C, M/group, kH, kW)`` likewise.
    :func:`convlib.conv2d_transpose` and Keras' ``Conv2DTranspose`` also take
    the forward kernel, ``(KH, KW, forward C_in, forward C_out)``.  So the port
    is the forward port, ``w.transpose(2, 3, 1, 0)``: no flip, and no swap of
    the channel axes beyond it.

    Parameters
    ----------
    w : array_like, shape (C_in, C_out/groups, KH, KW)

    Returns
    -------
    ndarray, shape (KH, KW, C_out/groups, C_in)
        The kernel for ``convlib.conv2d_transpose(y, kernel, groups=...)`` with
        ``y`` of ``C_in`` channels (and for Keras' ``Conv2DTranspose(C_out, ...)``).

    Examples
    --------
    >>> import numpy as np
    >>> transpose_kernel_from_torch(np.zeros((16, 3, 4, 4))).shape   # ConvTranspose2d(16, 3, 4): 16 -> 3 channels
    (4, 4, 3, 16)
    """
    w = _check_ndim(w, "w", (4,), "in PyTorch's ConvTranspose2d layout (C_in, C_out/groups, KH, KW)")
    return w.transpose(2, 3, 1, 0)


# --------------------------------------------------------------------------- pad arguments


def _check_pairs(pads, name):
    pads = [int(p) for p in pads]
    if len(pads) % 2:
        raise ValueError(f"{name} must hold (begin, end) pairs: an even number of values, got {len(pads)}")
    return pads


def torch_pad_to_onnx(pad, ndim: int) -> list:
    """``torch.nn.functional.pad``'s ``pad`` -> ONNX ``Pad``'s ``pads`` for a tensor of ``ndim`` axes.

    PyTorch lists (begin, end) pairs starting from the **last** axis and may
    stop early: ``(left, right, top, bottom)`` pads W then H of an NCHW
    tensor.  ONNX lists every axis in order, **all begins, then all ends**:
    ``[x1_begin, x2_begin, ..., x1_end, x2_end, ...]``.

    Parameters
    ----------
    pad : sequence of int, even length ``2 * m``, ``m <= ndim``
    ndim : int

    Returns
    -------
    list of int, length ``2 * ndim``

    Examples
    --------
    >>> torch_pad_to_onnx((1, 2, 3, 4), ndim=4)      # W: 1 left, 2 right; H: 3 top, 4 bottom (NCHW)
    [0, 0, 3, 1, 0, 0, 4, 2]
    """
    pad = _check_pairs(pad, "pad")
    if len(pad) > 2 * ndim:
        raise ValueError(f"pad has {len(pad) // 2} (begin, end) pairs for a tensor of only ndim={ndim} axes")
    begins, ends = [0] * ndim, [0] * ndim
    for i in range(len(pad) // 2):
        axis = ndim - 1 - i  # the first pair is the last axis
        begins[axis], ends[axis] = pad[2 * i], pad[2 * i + 1]
    return begins + ends


def onnx_pads_to_torch(pads) -> list:
    """ONNX ``pads`` (all begins, then all ends) -> ``torch.nn.functional.pad``'s ``pad`` (pairs, last axis first).

    The inverse of :func:`torch_pad_to_onnx`, every axis listed.

    >>> onnx_pads_to_torch([0, 0, 3, 1, 0, 0, 4, 2])
    [1, 2, 3, 4, 0, 0, 0, 0]
    """
    pads = _check_pairs(pads, "pads")
    ndim = len(pads) // 2
    out = []
    for axis in reversed(range(ndim)):
        out += [pads[axis], pads[ndim + axis]]
    return out


def torch_pad_to_numpy(pad, ndim: int) -> list:
    """``torch.nn.functional.pad``'s ``pad`` -> ``np.pad``'s ``pad_width``: one (before, after) pair per axis, in order.

    >>> torch_pad_to_numpy((1, 2, 3, 4), ndim=4)
    [(0, 0), (0, 0), (3, 4), (1, 2)]
    """
    onnx = torch_pad_to_onnx(pad, ndim)
    return list(zip(onnx[:ndim], onnx[ndim:]))
