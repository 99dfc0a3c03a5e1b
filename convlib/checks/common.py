"""What the self-checks share: the hints that name a misconception, case builders, reference answers.

The check modules (one per exercise notebook) import from here and from
:mod:`convlib.checks.engine`, which runs the cases and explains.

Self-checks for the exercise notebooks: compare, then explain the misconception.

Every ``check_*`` function takes the learner's function, calls it on fixed
edge cases (non-square inputs and kernels, 1x1 and full-size kernels, strides
and padding that do not divide evenly) and on random ones, and compares each
answer with convlib's reference.  A wrong answer raises
:class:`~convlib.checks.engine.CheckFailed` (an ``AssertionError``) whose first
line says what is wrong in terms of the likely misconception -- found by
*computing* what that misconception would return and comparing -- followed by
the case and the expected and actual values; in Jupyter only that message is
shown, not the check's traceback.  A passing check
prints one line to standard output, nothing to standard error, raises no
warning, and returns ``None``.

>>> from convlib.checks import check_output_size
>>> def output_size(n, k, stride=1, padding=0, dilation=1):
...     return (n + 2 * padding - (k - 1) * dilation - 1) // stride + 1
>>> check_output_size(output_size)  # doctest: +ELLIPSIS
✓ output_size: all ... cases match ...

``seed`` draws different random cases (hidden tests use another seed).
Array arguments and answers follow the course's naming table: ``x`` is
``(H, W)``, ``(H, W, C_in)`` or ``(N, H, W, C_in)``; ``w`` is
``(KH, KW, C_in, C_out)``; ``b`` is ``(C_out,)``.

Every check module builds its cases the same way: :class:`~convlib.checks.engine.Case`
and :class:`~convlib.checks.engine.Candidate` objects, passed to
:func:`~convlib.checks.engine.run_cases`; a case's parameters are read by name
(``case.info["c_out"]``), never by position (:func:`_named_case`, :func:`_xk_cases`).

Grades do not rest on these modules running untouched next to a learner's code: the
grader never runs them in a learner's kernel.  It collects the cases' inputs in its own
process, has the sandboxed kernel call the learner's function on them, and judges the
recorded answers in its own process again (:mod:`convlib.grading.recording`).  In a
learner's own notebook a self-check shares the kernel with their code; it gives feedback,
not grades.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..reference import correlate2d as _correlate2d
from .engine import Case
from .misconceptions import hint


FLIP_HINT = (
    hint("kernel-flipped", "your result equals cross-correlation with the kernel flipped in both axes (k[::-1, ::-1]). That is "
    "true convolution; deep-learning frameworks (and this course) slide the kernel as it is, unflipped: "
    "cross-correlation")
)
FORGOT_SUM_HINT = (
    hint("channels-not-summed", "your output has C_in channels: did you convolve each channel separately and forget to sum? "
    "Each filter multiplies every input channel by its own KH x KW slice and adds the per-channel maps "
    "into ONE output map")
)
SHARED_KERNEL_HINT = (
    hint("kernel-2d", "this matches one 2-D kernel shared by all channels (the slice for channel 0 applied to every channel). "
    "A Conv2D filter is 3-D, (KH, KW, C_in): channel c is multiplied by its own slice w[:, :, c]")
)
MEAN_HINT = (
    hint("channel-mean", "this is the channel *mean*: Conv2D *sums* the per-channel maps (no division by C_in)")
)
CI_FIRST_COLUMNS_HINT = (
    hint("im2col-ci-first", "your columns are ordered (ci, kh, kw), channel first; order them (kh, kw, ci) so that they line up "
    "with w.reshape(-1, C_out)")
)
CI_FIRST_ROWS_HINT = hint("kernel-matrix-ci-first", "your rows are ordered (ci, kh, kw); im2col's columns are (kh, kw, ci), so the rows must be too")


def _forgot_sum_shape(case, actual):
    """The answer's shape shows C_in channels where one map per filter is expected."""
    c_in, expected = case.info["x"].shape[-1], case.expected
    if actual.ndim == expected.ndim and actual.ndim and actual.shape[-1] == c_in != expected.shape[-1]:
        return FORGOT_SUM_HINT
    if actual.ndim == expected.ndim + 1 and c_in in actual.shape:
        return FORGOT_SUM_HINT
    return None


def _ints(rng, shape, low=-4, high=5):
    """Random small integers as floats: exact sums and readable messages."""
    return rng.integers(low, high, size=shape).astype(float)


def _corr(x, k, stride=1, pads=((0, 0), (0, 0))):
    return _correlate2d(x, k, stride=stride, padding=pads)


def _shape_label(**arrays):
    return ", ".join(f"{n}.shape={tuple(a.shape)}" for n, a in arrays.items())


# --------------------------------------------------------------------------- case builders


def _xk_cases(rng, geoms, reference):
    """One :class:`Case` ``fn(x, k)`` per ``(x shape, k shape)`` in ``geoms``: random small integers, expected ``reference(x, k)``."""
    cases = []
    for x_shape, k_shape in geoms:
        x, k = _ints(rng, x_shape), _ints(rng, k_shape)
        cases.append(Case((x, k), _shape_label(x=x, k=k), partial(reference, x, k), x=x, k=k))
    return cases


def _named_case(reference, label, **params):
    """One :class:`Case` ``fn(*params.values())`` for a function of plain values (sizes, flags).

    ``case.info`` holds each value under its parameter's name (``case.info["c_out"]``); ``label`` is
    formatted with them (``"C_out={c_out}"``); the expected answer is ``reference(*params.values())``.
    """
    values = tuple(params.values())
    return Case(values, label.format(**params), partial(reference, *values), **params)
