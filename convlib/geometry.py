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
    "is_integer",
    "check_integer",
    "as_pair",
    "check_kernel_fits",
    "effective_kernel_size",
    "tap_slice",
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


def is_integer(value) -> bool:
    """True for any integer, Python ``int`` or NumPy's (``np.int64`` ...); ``bool`` does not count."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_integer(value, name: str, *, minimum: int = 1, why: str = "") -> int:
    """``value`` as an ``int``: the one integer check of convlib.

    Raises
    ------
    TypeError
        ``"{name} must be an integer, got ..."`` if ``value`` is not one (see :func:`is_integer`).
    ValueError
        ``"{name} must be >= {minimum}{why}, got {name}=..."`` if it is smaller than ``minimum``.
    """
    if not is_integer(value):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}{why}, got {name}={value!r}")
    return int(value)


def _int_pair(value):
    """``(a, b)`` from an int or a pair of ints; None for anything else."""
    if is_integer(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(is_integer(v) for v in value):
        return int(value[0]), int(value[1])
    return None


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
    pair = _int_pair(value)
    if pair is None:
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


def tap_slice(a: int, dilation: int, stride: int, out: int) -> slice:
    """The padded rows (or columns) that kernel tap ``a`` reads in the ``out`` windows of one axis.

    Window ``i``'s tap ``a`` reads row ``i * stride + a * dilation``, so tap ``a``
    reads ``a*dilation, a*dilation + stride, ..., a*dilation + (out - 1)*stride``.
    Swapping the roles, ``tap_slice(i, stride, dilation, k)`` is the ``k`` rows
    window ``i`` reads.

    >>> tap_slice(1, 2, 3, 4)            # rows 2, 5, 8, 11
    slice(2, 12, 3)
    """
    return slice(a * dilation, a * dilation + stride * (out - 1) + 1, stride)


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
    pads = _int_pair(padding)
    if pads is None:
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
    n, k, stride, dilation = (check_integer(v, arg) for arg, v in
                              (("n", n), ("k", k), ("stride", stride), ("dilation", dilation)))
    return _resolve_axis(n, k, stride, dilation, padding)[1]


def _resolve_axis(n, k, stride, dilation, padding, axis=""):
    """``((before, after), output size)`` of one axis: the one output-size rule of convolution and pooling."""
    before, after = axis_padding(padding, n, k, stride, dilation)
    k_eff = check_kernel_fits(n, k, dilation, (before, after), axis)
    return (before, after), (n + before + after - k_eff) // stride + 1


def check_kernel_fits(n: int, k: int, dilation: int, pads=(0, 0), axis: str = "") -> int:
    """The dilated kernel's size ``k_eff``, after checking that it fits the padded input along one axis.

    Parameters
    ----------
    n, k, dilation : int
        Input size, kernel taps and dilation along the axis.
    pads : (before, after), default (0, 0)
    axis : {"", "H", "W"}
        Named in the message (``KH`` or ``KW``) when given.

    Raises
    ------
    ValueError
        ``"the kernel does not fit: ..."`` when ``k_eff > n + before + after``.
    """
    before, after = pads
    k_eff = effective_kernel_size(k, dilation)
    if k_eff > n + before + after:
        where = f"along {axis} it spans K{axis}={k}" if axis else f"it spans k={k}"
        raise ValueError(
            f"the kernel does not fit: {where} taps with dilation {dilation}, "
            f"i.e. {k_eff} pixels, but the padded input is only {n} + {before} + {after} = "
            f"{n + before + after} pixels. Use a smaller kernel, more padding or padding='same'."
        )
    return k_eff


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
    if is_integer(padding):
        if padding < 0:
            raise ValueError(f"padding must not be negative, got padding={padding!r}")
        return (int(padding),) * 2, (int(padding),) * 2
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        axes = []
        for axis, p in zip("HW", padding):
            pads = _int_pair(p)
            if pads is None:
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
    pads, out = zip(*map(_resolve_axis, hw, khw, stride, dilation, normalize_padding(padding), "HW"))
    return Geometry(stride, dilation, pads, out)


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
