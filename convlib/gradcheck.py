"""Numerical gradient check: central differences, and the relative error that judges them.

An analytic gradient (``convlib.conv2d_backward``, or a framework's autodiff)
can be checked without any framework.  Nudge one entry of the array by
``+h`` and by ``-h``, evaluate the scalar loss both times, and divide::

    dL/da[i]  ~  (L(a + h e_i) - L(a - h e_i)) / (2 h)

The error of this *central* difference shrinks like ``h**2`` (a one-sided
difference only like ``h``); ``h`` cannot be tiny either, or the two losses
agree in every digit float64 has.  ``h = 1e-5`` in float64 is the usual
choice.  One pair of loss evaluations per entry: use small arrays.

Compare with the *relative* error, ``|a - n| / max(|a| + |n|, floor)`` per
entry, not the absolute difference: a gradient of size 1e3 and one of size
1e-3 deserve the same scrutiny.  For float64 and a smooth loss, a correct
gradient gives a maximum relative error well below 1e-6; a wrong one (a
forgotten flip, a missing channel sum) gives errors near 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["numerical_gradient", "relative_error"]


def numerical_gradient(f, a, h: float = 1e-5) -> np.ndarray:
    """The gradient of a scalar function by central differences.

    Parameters
    ----------
    f : callable
        ``f(a) -> float``: the loss as a function of the array ``a``
        (for a convolution layer, ``a`` is ``x``, ``w`` or ``b`` and the
        others are held fixed inside ``f``).
    a : array_like, any shape
        The point at which to differentiate; converted to float64 and never
        modified (``f`` sees a copy with one entry nudged).
    h : float, default 1e-5
        The step.

    Returns
    -------
    ndarray, float64, the shape of ``a``
        ``g[i] = (f(a + h e_i) - f(a - h e_i)) / (2 h)`` for every index ``i``.

    Raises
    ------
    ValueError
        If ``h`` is not a positive finite number, or ``f`` does not return a scalar.

    Examples
    --------
    >>> import numpy as np
    >>> g = numerical_gradient(lambda a: float((a ** 2).sum()), np.array([[1.0, -2.0], [0.5, 3.0]]))
    >>> np.allclose(g, 2 * np.array([[1.0, -2.0], [0.5, 3.0]]), rtol=1e-8, atol=1e-8)
    True
    """
    if not (isinstance(h, (int, float)) and np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive finite step, got h={h!r}")
    point = np.array(a, dtype=np.float64)
    grad = np.empty_like(point)
    for i in np.ndindex(point.shape):
        old = point[i]
        point[i] = old + h
        up = _scalar(f(point.copy()))
        point[i] = old - h
        down = _scalar(f(point.copy()))
        point[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def _scalar(value) -> float:
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"f must return a scalar loss; it returned an array of shape {value.shape}")
    return float(value.reshape(()))


def relative_error(analytic, numeric, floor: float = 1e-8) -> float:
    """The largest entrywise relative error ``|a - n| / max(|a| + |n|, floor)``.

    Parameters
    ----------
    analytic, numeric : array_like, the same shape
        The gradient to check and its numerical estimate.
    floor : float, default 1e-8
        Guards the division where both entries are (nearly) zero.

    Returns
    -------
    float
        0.0 for identical arrays; at most 1.0 unless both entries of a pair are below ``floor``.

    Raises
    ------
    ValueError
        If the shapes differ (a gradient always has its variable's shape).

    Examples
    --------
    >>> relative_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> relative_error([1.0, -2.0], [1.0, 2.0])      # a sign error: relative error 1
    1.0
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic and numeric must have the same shape (a gradient has its variable's shape); "
                         f"got {a.shape} and {n.shape}")
    if a.size == 0:
        return 0.0
    return float((np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)).max())
