"""Rounding that gives the same digits on every machine, or refuses.

Two machines add the same float32 products in different orders (another BLAS
kernel, another thread count, oneDNN on or off, a GPU) and get results that
differ in the last bits.  Printed in full, such a number differs from machine
to machine; rounded, it still differs whenever it lies close to a rounding
boundary (0.6498 rounds to 0.6, 0.6502 to 0.7).  :func:`round_with_margin`
rounds only a value that lies at least ``margin`` away from every boundary,
so that any perturbation smaller than ``margin`` prints the same digits.  A
value too close to a boundary raises, which tells the author of a notebook to
print fewer digits or choose another example, rather than letting a stored
output hold only on the machine that wrote it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["round_with_margin"]


def round_with_margin(value, digits: int, margin: float | None = None):
    """Round to ``digits`` decimals, checking that nearby values round alike.

    Parameters
    ----------
    value : float or array_like
        Any shape.
    digits : int
        Decimals to keep (0 for integers; negative rounds to tens, hundreds...).
    margin : float, optional
        The smallest allowed distance between ``value`` and a rounding
        boundary (the points halfway between two rounded values).  Default:
        a tenth of the last kept digit, ``0.1 * 10**-digits``.

    Returns
    -------
    float or ndarray
        Python ``float`` for a scalar, else an ndarray of the input's shape.
        ``-0.0`` is returned as ``0.0`` (a tiny negative value and a tiny
        positive one print alike).

    Raises
    ------
    ValueError
        If any element lies within ``margin`` of a rounding boundary, or
        ``margin`` is not smaller than half the rounding step.

    Examples
    --------
    >>> round_with_margin(0.2991, 3)
    0.299
    >>> round_with_margin(0.6498, 1)
    Traceback (most recent call last):
    ...
    ValueError: value 0.6498 is 0.0002 from the rounding boundary 0.65 (margin 0.01): ...
    """
    step = 10.0 ** -digits
    margin = 0.1 * step if margin is None else float(margin)
    if not 0 <= margin < step / 2:
        raise ValueError(f"margin must be in [0, step/2) = [0, {step / 2:g}), got {margin!r}")
    arr = np.asarray(value, dtype=float)
    scaled = arr / step
    # distance from the nearest boundary k + 0.5, in units of the value
    nearest_boundary = np.floor(scaled) + 0.5
    distance = np.abs(scaled - nearest_boundary) * step
    bad = ~(distance >= margin)  # NaN counts as bad
    if bad.any():
        idx = np.flatnonzero(bad.ravel())[0]
        v, d = arr.ravel()[idx], distance.ravel()[idx]
        boundary = nearest_boundary.ravel()[idx] * step
        raise ValueError(
            f"value {v:.6g} is {d:.2g} from the rounding boundary {boundary:g} (margin {margin:g}): "
            f"rounded to {digits} decimals it could print differently on another machine; "
            "print fewer digits or choose an example with more margin"
        )
    rounded = np.round(arr, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return float(rounded) if rounded.ndim == 0 else rounded
