"""Pooling: a window slides over H and W like a kernel, but has no weights.

Max pooling keeps the largest value of each ``pool_size`` window, average
pooling their mean.  The window moves by ``stride`` (by default
``pool_size``: windows side by side, as in Keras) and ``'same'`` padding
follows TensorFlow, exactly as for a convolution (:func:`convlib.geometry.same_padding`:
the odd extra row/column at the bottom/right).

**Channels are never mixed.**  A convolution's filter spans all C_in input
channels and *sums* over them, so its output has C_out channels of its own.
A pooling window works on each channel by itself: channel ``c`` of the
output depends only on channel ``c`` of the input, and the output has the
same C channels as the input::

    y[n, i, j, c] = max (or mean) over a, b of x_pad[n, i*sh + a, j*sw + b, c]

Padded positions are not pixels: they never win a max (they count as
``-inf``), and an average divides by the number of *real* pixels in the
window, as TensorFlow and Keras do.  PyTorch's ``AvgPool2d`` counts the
padded zeros by default (``count_include_pad=True``); ``count_pad=True``
gives that behaviour here, so the two can be compared.
"""

from __future__ import annotations

import numpy as np

from .geometry import as_pair, conv_geometry, tap_slice
from .validation import as_batch, check_dy, check_not_empty, float_dtype

__all__ = ["pool2d", "pool2d_backward", "global_pool2d", "pool_output_size", "MODES"]

MODES = ("max", "avg")


def _check_x(x):
    """``x`` as a float ``(N, H, W, C)`` array, and whether it was one image ``(H, W, C)``."""
    x, single = as_batch(x, "x", "H, W, C")
    check_not_empty(x=x)
    return x.astype(float_dtype(x), copy=False), single


def _check_mode(mode, count_pad=False):
    if not isinstance(mode, str) or mode.lower() not in MODES:
        hint = " (average pooling is spelled 'avg')" if isinstance(mode, str) and mode.lower().startswith("av") else ""
        raise ValueError(f"mode must be 'max' or 'avg'{hint}, got mode={mode!r}")
    mode = mode.lower()
    if count_pad and mode != "avg":
        raise ValueError("count_pad=True only applies to mode='avg': padded positions never win a max")
    return mode


def _pool_geometry(hw, pool_size, stride, padding):
    """``(pool, Geometry)``: a window of ``pool_size`` (no dilation); ``stride=None`` means ``stride = pool_size``."""
    pool = as_pair(pool_size, "pool_size")
    stride = pool if stride is None else stride
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"padding for pooling must be 'valid' or 'same' (case-insensitive), got padding={padding!r}")
    for axis, n, k in zip("HW", hw, pool):
        if k > n and padding.lower() == "valid":  # 'same' pads up to a whole window
            raise ValueError(
                f"the pool window does not fit: pool_size={pool_size!r} is {k} pixels along {axis}, but the "
                f"input is only {n} pixels along {axis} and padding='valid' adds none. Use a smaller "
                f"pool_size or padding='same'."
            )
    return pool, conv_geometry(hw, pool, stride, padding)


def _windows(x_pad, pool, g):
    """Yield ``(a, b, view)``: tap ``(a, b)`` of every window, a view of shape (N, Ho, Wo, C), row-major."""
    (sh, sw), (ho, wo) = g.stride, g.out
    for a in range(pool[0]):
        for b in range(pool[1]):
            yield a, b, x_pad[:, tap_slice(a, 1, sh, ho), tap_slice(b, 1, sw, wo), :]


def _divisor(hw, pool, g, count_pad, dtype):
    """What each window's sum is divided by, shape (Ho, Wo, 1): its real (unpadded) pixels, or PH * PW."""
    if count_pad:
        return np.full((*g.out, 1), pool[0] * pool[1], dtype)
    per_axis = []
    for n, k, s, (before, _), o in zip(hw, pool, g.stride, g.pads, g.out):
        start = np.arange(o) * s - before
        per_axis.append(np.minimum(start + k, n) - np.maximum(start, 0))
    return (per_axis[0][:, None] * per_axis[1][None, :])[..., None].astype(dtype)


def _padded(x, g, mode):
    """``x`` with the window's padding: ``-inf`` for max (never wins), 0 for avg (adds nothing)."""
    return np.pad(x, ((0, 0), *g.pads, (0, 0)), constant_values=-np.inf if mode == "max" else 0.0)


def pool2d(x, pool_size, *, stride=None, padding="valid", mode="max", count_pad=False) -> np.ndarray:
    """Max or average pooling of NHWC images, as Keras' ``MaxPooling2D``/``AveragePooling2D``.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C) or (H, W, C)
        Images, channels last.  Integers are converted to floating point.
    pool_size : int or (PH, PW)
        Window height and width.
    stride : int or (sh, sw), optional
        Step between windows; by default ``pool_size`` (Keras' default).
    padding : {"valid", "same"}, default "valid"
        Case-insensitive.  ``"same"`` gives ``Ho = ceil(H / sh)`` with
        TensorFlow's padding (the odd extra row at the bottom, column at the
        right); padded positions are not pixels.
    mode : {"max", "avg"}, default "max"
    count_pad : bool, default False
        Only for ``mode="avg"`` with ``"same"`` padding: divide every window
        by its full size ``PH * PW``, counting the padded zeros, as PyTorch's
        ``AvgPool2d`` does by default (``count_include_pad=True``).  False
        divides by the number of real pixels in the window, as TensorFlow.

    Returns
    -------
    y : ndarray, shape (N, Ho, Wo, C), or (Ho, Wo, C) for one image
        The same C channels as ``x``: channel ``c`` of ``y`` comes from
        channel ``c`` of ``x`` only.  ``Ho = floor((H + top + bottom - PH) / sh) + 1``.

    Raises
    ------
    ValueError
        Wrong rank, a pool window larger than the input with ``"valid"``,
        a padding other than 'valid'/'same', a mode other than 'max'/'avg',
        ``count_pad=True`` with ``mode="max"``, pool_size or stride < 1.
    TypeError
        Non-integer pool_size or stride; non-numeric ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(4, 4, 1)
    >>> pool2d(x, 2)[..., 0]
    array([[ 5.,  7.],
           [13., 15.]])
    >>> pool2d(x, 2, mode="avg")[..., 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])

    With 'same' padding the last window along each axis holds one real row
    or column; TensorFlow averages the real pixels only, PyTorch's default
    also counts the padded zeros:

    >>> ones = np.ones((3, 3, 1))
    >>> pool2d(ones, 2, padding="same", mode="avg")[..., 0]
    array([[1., 1.],
           [1., 1.]])
    >>> pool2d(ones, 2, padding="same", mode="avg", count_pad=True)[..., 0]
    array([[1.  , 0.5 ],
           [0.5 , 0.25]])
    """
    x, single = _check_x(x)
    mode = _check_mode(mode, count_pad)
    pool, g = _pool_geometry(x.shape[1:3], pool_size, stride, padding)
    taps = (view for _, _, view in _windows(_padded(x, g, mode), pool, g))
    if mode == "max":
        y = np.maximum.reduce(list(taps))
    else:
        y = sum(taps) / _divisor(x.shape[1:3], pool, g, count_pad, x.dtype)
    return y[0] if single else y


def pool2d_backward(dy, x, pool_size, *, stride=None, padding="valid", mode="max", count_pad=False) -> np.ndarray:
    """Gradient ``dL/dx`` of ``y = pool2d(x, ...)`` given ``dy = dL/dy``.

    * max: each window's gradient goes to the window's arg-max only (a
      pooling window is a switch).  On a tie, to the **first** of the equal
      values in row-major order within the window, as TensorFlow's
      ``tf.nn.max_pool2d`` gradient does.
    * avg: each window's gradient is spread equally over its real pixels,
      ``dy / count`` to each (``dy / (PH * PW)`` with ``count_pad=True``).

    Overlapping windows (stride < pool_size) add their contributions.

    Parameters
    ----------
    dy : array_like, shape (N, Ho, Wo, C), or (Ho, Wo, C) for one image
        The shape of the forward output.
    x : array_like, shape (N, H, W, C) or (H, W, C)
        The forward input.
    pool_size, stride, padding, mode, count_pad
        As given to :func:`pool2d`.

    Returns
    -------
    dx : ndarray, shape of x

    Raises
    ------
    ValueError, TypeError
        As :func:`pool2d`; and a ``dy`` whose shape is not the forward output's.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 3.0], [2.0, 3.0]])[..., None]   # a tie: 3 and 3
    >>> pool2d_backward(np.ones((1, 1, 1)), x, 2)[..., 0]
    array([[0., 1.],
           [0., 0.]])
    >>> pool2d_backward(np.ones((1, 1, 1)), x, 2, mode="avg")[..., 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    x, single = _check_x(x)
    mode = _check_mode(mode, count_pad)
    pool, g = _pool_geometry(x.shape[1:3], pool_size, stride, padding)
    dy = check_dy(dy, (x.shape[0], *g.out, x.shape[3]), single, x.dtype,
                  f"pooling keeps the C={x.shape[3]} channels of x", channels="C")
    x_pad = _padded(x, g, mode)
    dx_pad = np.zeros(x_pad.shape, dy.dtype)
    if mode == "max":
        winner = np.argmax(np.stack([v for _, _, v in _windows(x_pad, pool, g)], axis=-1), axis=-1)
        share = lambda a, b: dy * (winner == a * pool[1] + b)  # noqa: E731 (first maximum in row-major order)
    else:
        count = _divisor(x.shape[1:3], pool, g, count_pad, dy.dtype)
        share = lambda a, b: dy / count  # noqa: E731
    for a, b, view in _windows(dx_pad, pool, g):
        view += share(a, b)
    (top, _), (left, _) = g.pads
    dx = dx_pad[:, top : top + x.shape[1], left : left + x.shape[2]]
    return dx[0] if single else dx


def global_pool2d(x, mode="max") -> np.ndarray:
    """Max or mean over all of H and W, per channel: Keras' ``GlobalMaxPooling2D``/``GlobalAveragePooling2D``.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C) or (H, W, C)
    mode : {"max", "avg"}, default "max"

    Returns
    -------
    y : ndarray, shape (N, C), or (C,) for one image
        One number per channel: the channels are not mixed.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((1, 2, 3, 2)) * [1.0, 10.0]
    >>> global_pool2d(x, mode="avg")
    array([[ 1., 10.]])
    """
    x, single = _check_x(x)
    mode = _check_mode(mode)
    y = x.max(axis=(1, 2)) if mode == "max" else x.mean(axis=(1, 2))
    return y[0] if single else y


def pool_output_size(n: int, k: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output size along one axis of PyTorch's ``MaxPool2d``/``AvgPool2d`` with integer ``padding`` and ``ceil_mode``.

    ``floor((n + 2p - k_eff) / s) + 1`` windows fit whole, ``k_eff = (k - 1) * dilation + 1``.
    With ``ceil_mode=True`` PyTorch rounds up instead -- a last window may run
    past the input -- but drops a window that would *start* in the right-hand
    padding (PyTorch's documentation: windows may go off-bounds only if they
    start within the left padding or the input).  PyTorch also refuses
    ``padding > k_eff // 2`` ("pad should be at most half of effective kernel size").

    Parameters
    ----------
    n, k, stride : int
        Input size, window size and step along the axis.
    padding : int, default 0
        Padded positions on EACH side.
    dilation : int, default 1
    ceil_mode : bool, default False

    Returns
    -------
    int

    Raises
    ------
    ValueError
        ``padding > k_eff // 2`` (PyTorch's rule), or a window that does not fit.

    Examples
    --------
    >>> pool_output_size(6, 2, 2), pool_output_size(5, 2, 2), pool_output_size(5, 2, 2, ceil_mode=True)
    (3, 2, 3)
    >>> pool_output_size(5, 3, 2, padding=1, ceil_mode=True)   # a 4th window would start in the padding
    3
    """
    k_eff = (k - 1) * dilation + 1
    if padding > k_eff // 2:
        raise ValueError(f"padding={padding} is more than half the window: PyTorch requires padding <= k_eff // 2 = "
                         f"{k_eff // 2} (k={k}, dilation={dilation})")
    span = n + 2 * padding - k_eff
    if span < 0:
        raise ValueError(f"the window (k_eff={k_eff}) does not fit in n={n} plus padding {padding} on each side")
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= n + padding:  # the last window would start in the right-hand padding
        out -= 1
    return out
