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

__all__ = ["kernel_from_torch", "kernel_to_torch", "to_nchw", "to_nhwc"]


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
