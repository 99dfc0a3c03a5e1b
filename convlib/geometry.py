"""Geometry of a 2-D convolution: output sizes and padding.

Everything here works on shapes only (plain integers), one spatial axis at a
time or both at once.  The rules follow TensorFlow:

* ``"valid"``: no padding; the kernel only visits positions where it fits.
* ``"same"``: pad so that ``output = ceil(n / stride)``; the total padding is
  ``max((output - 1) * stride + k_eff - n, 0)``, split with the smaller half
  *before* (top/left) and the odd extra row/column *after* (bottom/right).
* explicit: an int ``p`` (p on every side), ``(ph, pw)``, or
  ``((top, bottom), (left, right))``.

The effective (dilated) kernel size is ``k_eff = (k - 1) * dilation + 1``, and
for explicit padding ``output = floor((n + before + after - k_eff) / stride) + 1``
(Dumoulin & Visin, "A guide to convolution arithmetic for deep learning").
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

__all__ = [
    "as_pair",
    "effective_kernel_size",
    "same_padding",
    "axis_padding",
    "output_size",
    "normalize_padding",
    "Geometry",
    "conv_geometry",
    "Coverage",
    "coverage",
]

_PADDING_STRINGS = ("valid", "same")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def as_pair(value, name: str, *, minimum: int = 1) -> tuple[int, int]:
    """Turn ``value`` (an int or a pair of ints) into ``(along H, along W)``.

    Parameters
    ----------
    value : int or tuple of 2 ints
        For example ``stride=2`` or ``stride=(2, 1)``.
    name : str
        The argument's name, used in error messages.
    minimum : int, default 1
        The smallest value allowed.

    Returns
    -------
    tuple of 2 ints

    Raises
    ------
    TypeError
        If ``value`` is not an integer or a pair of integers.
    ValueError
        If a value is smaller than ``minimum``.
    """
    if _is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(
            f"{name} must be an integer or a pair of integers (along H, along W), got {value!r}"
        )
    for axis, v in zip("HW", pair):
        if v < minimum:
            raise ValueError(f"{name} must be >= {minimum} along every axis, got {name}={value!r} ({v} along {axis})")
    return pair


def effective_kernel_size(k: int, dilation: int = 1) -> int:
    """Size of a kernel of ``k`` taps spread ``dilation`` apart: ``(k - 1) * dilation + 1``."""
    return (k - 1) * dilation + 1


def same_padding(n: int, k: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's ``'same'`` padding for one axis.

    Parameters
    ----------
    n : int
        Input size along the axis (H or W).
    k : int
        Kernel size along the axis (KH or KW).
    stride, dilation : int, default 1

    Returns
    -------
    (before, after) : tuple of 2 ints
        Zeros added at the top/left and at the bottom/right.  When the total is
        odd, ``after`` is one larger than ``before``.

    Examples
    --------
    >>> same_padding(5, 2)
    (0, 1)
    >>> same_padding(6, 3, stride=2)
    (0, 1)
    """
    out = -(-n // stride)  # ceil(n / stride)
    total = max((out - 1) * stride + effective_kernel_size(k, dilation) - n, 0)
    return total // 2, total - total // 2


def axis_padding(padding, n: int, k: int, stride: int, dilation: int, name: str = "padding") -> tuple[int, int]:
    """Resolve one axis of padding: ``"valid"``, ``"same"``, an int or ``(before, after)``.

    Returns
    -------
    (before, after) : tuple of 2 ints
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return 0, 0
        if mode == "same":
            return same_padding(n, k, stride, dilation)
        raise ValueError(f"{name} must be 'valid', 'same' or explicit numbers, got {padding!r}")
    if _is_int(padding):
        pads = (int(padding), int(padding))
    elif isinstance(padding, (tuple, list)) and len(padding) == 2 and all(_is_int(p) for p in padding):
        pads = (int(padding[0]), int(padding[1]))
    else:
        raise TypeError(f"{name} for one axis must be 'valid', 'same', an int or (before, after), got {padding!r}")
    if min(pads) < 0:
        raise ValueError(f"{name} must not be negative, got {padding!r}")
    return pads


def output_size(n: int, k: int, stride: int = 1, padding="valid", dilation: int = 1) -> int:
    """Output size along one axis.

    Parameters
    ----------
    n : int
        Input size (H or W).
    k : int
        Kernel size (KH or KW).
    stride : int, default 1
    padding : {"valid", "same"} or int or (before, after), default "valid"
        Padding along this axis.
    dilation : int, default 1

    Returns
    -------
    int
        ``floor((n + before + after - k_eff) / stride) + 1`` with
        ``k_eff = (k - 1) * dilation + 1``; for ``"same"`` this equals
        ``ceil(n / stride)``.

    Raises
    ------
    ValueError
        If the (dilated) kernel is larger than the padded input.

    Examples
    --------
    >>> output_size(5, 3)
    3
    >>> output_size(5, 3, stride=2, padding=1)
    3
    >>> output_size(7, 3, stride=2, padding="same")
    4
    """
    for arg, value in (("n", n), ("k", k), ("stride", stride), ("dilation", dilation)):
        if not _is_int(value):
            raise TypeError(f"{arg} must be an integer, got {value!r}")
        if value < 1:
            raise ValueError(f"{arg} must be >= 1, got {value}")
    before, after = axis_padding(padding, n, k, stride, dilation)
    k_eff = effective_kernel_size(k, dilation)
    padded = n + before + after
    if k_eff > padded:
        raise ValueError(
            f"the kernel ({k} taps, dilation {dilation}: {k_eff} wide) is larger than the "
            f"padded input ({n} + {before} + {after} = {padded})"
        )
    return (padded - k_eff) // stride + 1


def normalize_padding(padding):
    """Check a padding argument and split it per axis.

    Parameters
    ----------
    padding : {"valid", "same"} or int or (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    tuple of 2
        The padding for H and for W, each ``"valid"``, ``"same"`` or
        ``(before, after)``.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in _PADDING_STRINGS:
            raise ValueError(
                f"padding must be 'valid', 'same', an int, (ph, pw) or ((top, bottom), (left, right)); got {padding!r}"
            )
        return mode, mode
    if _is_int(padding):
        if padding < 0:
            raise ValueError(f"padding must not be negative, got padding={padding!r}")
        return (int(padding),) * 2, (int(padding),) * 2
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        axes = []
        for axis, p in zip("HW", padding):
            if _is_int(p):
                pads = (int(p), int(p))
            elif isinstance(p, (tuple, list)) and len(p) == 2 and all(_is_int(v) for v in p):
                pads = (int(p[0]), int(p[1]))
            else:
                break
            if min(pads) < 0:
                raise ValueError(f"padding must not be negative, got padding={padding!r} (along {axis})")
            axes.append(pads)
        else:
            return tuple(axes)
    raise TypeError(
        f"padding must be 'valid', 'same', an int, (ph, pw) or ((top, bottom), (left, right)); got {padding!r}"
    )


class Geometry(NamedTuple):
    """Everything about a convolution's shape, both axes resolved.

    Attributes
    ----------
    stride, dilation : (int, int)
        Along H and along W.
    pads : ((top, bottom), (left, right))
        Zeros added around the input.
    out : (Ho, Wo)
        Output height and width.
    """

    stride: tuple
    dilation: tuple
    pads: tuple
    out: tuple


def conv_geometry(hw, khw, stride=1, padding="valid", dilation=1) -> Geometry:
    """Resolve stride, padding and dilation for an ``(H, W)`` input and ``(KH, KW)`` kernel.

    Parameters
    ----------
    hw : (H, W)
    khw : (KH, KW)
    stride, dilation : int or (int, int)
    padding : see :func:`normalize_padding`

    Returns
    -------
    Geometry

    Raises
    ------
    ValueError
        If the dilated kernel is larger than the padded input along an axis.
    """
    stride = as_pair(stride, "stride")
    dilation = as_pair(dilation, "dilation")
    per_axis = normalize_padding(padding)
    pads, out = [], []
    for axis, n, k, s, d, p in zip(("H", "W"), hw, khw, stride, dilation, per_axis):
        before, after = axis_padding(p, n, k, s, d)
        k_eff = effective_kernel_size(k, d)
        if k_eff > n + before + after:
            size = "KH" if axis == "H" else "KW"
            raise ValueError(
                f"the kernel does not fit: along {axis} it spans {size}={k} taps with dilation {d}, "
                f"i.e. {k_eff} pixels, but the padded input is only {n} + {before} + {after} = "
                f"{n + before + after} pixels. Use a smaller kernel, more padding or padding='same'."
            )
        pads.append((before, after))
        out.append((n + before + after - k_eff) // s + 1)
    return Geometry(stride, dilation, tuple(pads), tuple(out))


class Coverage(NamedTuple):
    """Which rows and columns of the padded input any kernel tap touches.

    Attributes
    ----------
    geometry : Geometry
    rows_used : ndarray of bool, shape (H + top + bottom,)
        ``rows_used[r]`` is True when some output pixel's kernel reads padded row ``r``.
    cols_used : ndarray of bool, shape (W + left + right,)
    unused_rows, unused_cols : tuple of int
        Indices of *input* rows/columns (0-based, unpadded) that no output depends on.
    """

    geometry: Geometry
    rows_used: object
    cols_used: object
    unused_rows: tuple
    unused_cols: tuple


def coverage(hw, khw, stride=1, padding="valid", dilation=1) -> Coverage:
    """Find the input rows and columns that a convolution never reads.

    A stride larger than the kernel skips rows between windows; a stride that
    does not divide ``n + padding - k_eff`` leaves rows at the bottom/right;
    a dilated kernel can leave holes that the stride never fills.  Which rows
    those are depends on the padding as well: stride 2 with dilation 2 reads
    only the even rows without padding, only the odd ones with padding 1
    (the padding shifts every window by one).  Stride 1 does not save a
    dilated kernel either: with dilation 2, a 3-tap kernel on 5 rows has one
    window, which reads rows 0, 2 and 4 and leaves 1 and 3 unread.  Those
    pixels have no influence on the output at all.

    Parameters
    ----------
    hw : (H, W)
    khw : (KH, KW)
    stride, padding, dilation
        As for :func:`convlib.conv2d`.

    Returns
    -------
    Coverage

    Examples
    --------
    >>> coverage((6, 6), (2, 2), stride=3).unused_rows
    (2, 5)
    >>> coverage((9, 9), (3, 3), stride=2, dilation=2).unused_rows
    (1, 3, 5, 7)
    >>> coverage((9, 9), (3, 3), stride=2, padding=1, dilation=2).unused_rows
    (0, 2, 4, 6, 8)
    >>> coverage((5, 5), (3, 3), dilation=2).unused_rows
    (1, 3)
    """
    import numpy as np

    g = conv_geometry(hw, khw, stride, padding, dilation)
    used, unused = [], []
    for n, k, s, d, (before, after), out in zip(hw, khw, g.stride, g.dilation, g.pads, g.out):
        mask = np.zeros(n + before + after, bool)
        starts = np.arange(out) * s
        mask[(starts[:, None] + np.arange(k) * d).ravel()] = True
        used.append(mask)
        unused.append(tuple(int(i) for i in np.flatnonzero(~mask[before : before + n])))
    return Coverage(g, used[0], used[1], unused[0], unused[1])
