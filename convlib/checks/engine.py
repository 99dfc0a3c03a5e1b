"""The machinery behind :mod:`convlib.checks`: call, compare, explain.

A check calls a learner's function on a list of :class:`Case` objects and
compares each answer with convlib's reference.  On the first wrong answer it
raises :class:`CheckFailed` (an ``AssertionError``) whose first line names the
likely misconception and whose next lines show the case, the expected and the
actual values.  In Jupyter the learner sees only that message: IPython shows
what ``CheckFailed._render_traceback_`` returns instead of a traceback through
this machinery.

A misconception is never guessed: each candidate is the result that the
misconception *would* produce, computed, and the hint is given only when the
learner's answer equals it.

Robustness:

* Every expected value is computed before the learner's function first runs.
* The grader never runs a check in a learner's kernel.  In its own process it
  first *collects* each check's inputs (:func:`collecting`: ``run_cases``
  notes the cases and calls nothing), has the kernel call the learner's
  function on them (:mod:`convlib.grading.recorder`), then runs the check again
  with stand-ins that return the recorded answers (:mod:`convlib.checks.record`).
* The learner's function gets copies of the inputs; warnings it raises are
  swallowed (the check judges values, and nbgrader scores any text on standard
  error as a failure); a check that passes prints one line to standard output
  and returns ``None`` (nbgrader would read a returned number as partial credit).
"""

from __future__ import annotations

import contextlib
import copy
import math
import operator
import threading
import traceback
import warnings

import numpy as np

from .misconceptions import misconception_of as _misconception_of
from .record import encode as _encode
from .record import fingerprint as _fingerprint

__all__ = ["collecting", "CheckFailed", "Case", "Candidate", "run_cases", "as_result_array", "as_int", "as_int_tuple", "fmt"]

RTOL = 1e-6
ATOL = 1e-9
_MAX_SHOWN = 10_000  # numbers printed in full at most (fmt's ``full``)

_collect = threading.local()  # .calls: a list while collecting() runs in this thread


@contextlib.contextmanager
def collecting():
    """Within this block (in this thread), checks call nothing: each ``run_cases`` appends its inputs to the yielded list.

    Each entry is ``(fn, [case.args, ...])``: the function the check was given and the arguments of
    every case, in order.  The grader uses it to send the inputs, and only the inputs, to a
    learner's kernel.
    """
    calls = []
    previous, _collect.calls = getattr(_collect, "calls", None), calls
    try:
        yield calls
    finally:
        _collect.calls = previous


class CheckFailed(AssertionError):
    """A check's verdict on a wrong answer: the message is everything the learner needs.

    It is an ``AssertionError``, so pytest, nbgrader and :mod:`convlib.grading`
    treat it as a failed test.  IPython displays what
    :meth:`_render_traceback_` returns instead of a traceback, so a learner sees
    the message -- not the frames of the check machinery above it.  When the
    learner's own function raised, the lines of *their* code that raised follow.

    ``misconception`` is the id (:mod:`convlib.checks.misconceptions`) of the
    wrong model the answer matched, or ``None``.
    """

    def __init__(self, message="", misconception=None):
        super().__init__(message)
        self.misconception = misconception

    def _render_traceback_(self):
        lines = ["\u2717 " + line if i == 0 else line for i, line in enumerate(str(self).split("\n"))]
        cause = self.__cause__
        if cause is not None and cause.__traceback__ is not None:
            tb = cause.__traceback__.tb_next  # skip the check's own frame, where the error was caught
            lines += ["", "Where your function raised it:"]
            lines += "".join(traceback.format_exception(type(cause), cause, tb)).rstrip("\n").split("\n")
        return lines


class Case:
    """One call of the learner's function.

    Parameters
    ----------
    args : tuple
        Positional arguments for the learner's function.
    label : str
        How the message names this case, e.g. ``"x.shape=(5, 7), k.shape=(2, 3)"``.
    reference : callable
        ``reference()`` returns the expected answer (an array, an int or a
        tuple of ints).  It is called only when the answer is judged, never
        while a grading kernel merely records answers.
    info : dict, optional
        Anything the candidate builders need (the inputs, the geometry...).
    """

    def __init__(self, args, label, reference, **info):
        self.args = tuple(args)
        self.label = label
        self._reference = reference
        self.info = info

    @property
    def expected(self):
        if not hasattr(self, "_expected"):
            self._expected = self._reference()
        return self._expected


class Candidate:
    """A misconception: the answer it produces, and what to tell the learner.

    Parameters
    ----------
    hint : str
        The explanation, shown when the learner's answer equals ``value``;
        tagged with its misconception's id by
        :func:`convlib.checks.misconceptions.hint`.
    build : callable
        ``build(case)`` returns the misconception's answer for that case, or
        ``None`` where it does not apply.
    id : str, optional
        The misconception's id, when ``hint`` is a plain string.
    """

    def __init__(self, hint, build, id=None):
        self.hint = hint
        self.build = build
        self.id = id if id is not None else _misconception_of(hint)


def fmt(value, indent: int = 4, full: bool = False) -> str:
    """A short, readable rendering of an answer for a message.

    Continuation lines of an array are indented by ``indent`` spaces (so they
    line up under the first); ``full`` prints every number instead of eliding.
    """
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, suppress_small=True, max_line_width=100,
                             threshold=_MAX_SHOWN if full else 48, edgeitems=2)
        return text.replace("\n", "\n" + " " * indent)
    return repr(value)


def _same(expected, actual) -> bool:
    """``actual`` equals ``expected``: same shape and close values (rtol 1e-6), or equal."""
    if isinstance(expected, np.ndarray):
        if not isinstance(actual, np.ndarray) or not operator.eq(expected.shape, actual.shape):
            return False
        if bool(np.isnan(actual).any()):
            return False
        with np.errstate(all="ignore"):
            return bool((np.absolute(actual - expected) <= ATOL + RTOL * np.absolute(expected)).all())
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, float):
        return abs(actual - expected) <= ATOL + RTOL * abs(expected)
    return bool(expected == actual)


def as_result_array(value, name):
    """The learner's answer as a float64 array (a plain copy), or an explaining :class:`CheckFailed`."""
    if value is None:
        raise CheckFailed(f"{name} returned None: did you forget to `return` the result?")
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CheckFailed(
            f"{name} returned {type(value).__name__}, which is not an array of numbers ({exc})"
        ) from None
    return arr


def as_int(value, name):
    """The learner's answer as a Python int (``3.0`` counts as ``3``), or an explaining :class:`CheckFailed`."""
    if value is None:
        raise CheckFailed(f"{name} returned None: did you forget to `return` the result?")
    if isinstance(value, bool):
        raise CheckFailed(f"{name} returned a bool ({value}); it should return a whole number")
    try:
        return int(operator.index(value))
    except TypeError:
        pass
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} returned {value!r}, which is not a number") from None
    if not math.isfinite(number) or number != int(number):
        raise CheckFailed(
            f"{name} returned {value!r}, which is not a whole number: a count of rows or parameters is an "
            f"integer (use floor division // rather than /)"
        )
    return int(number)


def as_int_tuple(value, name):
    """The learner's answer as a tuple of ints, or an explaining :class:`CheckFailed`."""
    if value is None:
        raise CheckFailed(f"{name} returned None: did you forget to `return` the result?")
    try:
        items = list(value)
    except TypeError:
        raise CheckFailed(f"{name} returned {value!r}; it should return a tuple of integers") from None
    return tuple(as_int(v, name) for v in items)


def _call(fn, case, name):
    """Call ``fn`` on copies of the case's arguments; fail if it changed them in place."""
    __tracebackhide__ = True  # IPython shows the learner's frames, not this machinery
    args = copy.deepcopy(case.args)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(*args)
    except NotImplementedError:
        raise  # the unfinished exercise: let it show as it is
    except Exception as exc:
        raise CheckFailed(f"{name} raised {type(exc).__name__} for {case.label}: {exc}") from exc
    for position, (before, after) in enumerate(zip(case.args, args)):
        if isinstance(before, np.ndarray) and not (
            isinstance(after, np.ndarray) and after.shape == before.shape and bool((after == before).all())
        ):
            raise CheckFailed(
                f"{name} changed its input argument number {position + 1} in place (case {case.label}). "
                f"Work on a copy (e.g. np.pad returns a new array) so the caller's data stays intact."
            )
    return result


def _part(arr, index, view):
    """The part of ``arr`` a message shows, and its label, around ``index`` (see :func:`run_cases`' ``view``)."""
    if view == "rows" and arr.ndim == 2:
        row = min(index[0], arr.shape[0] - 1) if arr.shape[0] else 0
        return f"[{row}, :]", arr[row] if arr.shape[0] else arr
    if isinstance(view, tuple) and len(view) == arr.ndim and arr.ndim > 2 and view.count(":") == 2:
        at, label = [], []
        for name, i, n in zip(view, index, arr.shape):
            if name == ":":
                at.append(slice(None))
                label.append(":")
            else:
                at.append(min(i, n - 1))
                label.append(f"{name}={min(i, n - 1)}")
        return "[" + ", ".join(label) + "]", arr[tuple(at)]
    if arr.ndim <= 2 or arr.size <= 24:
        return "", arr
    lead = tuple(min(i, n - 1) for i, n in zip(index[:-2], arr.shape[:-2]))
    return "[" + ", ".join(map(str, lead)) + ", :, :]", arr[lead]


def _describe(expected, actual, view=None) -> list[str]:
    """Message lines comparing the answers: the largest difference, then both sides in the same form."""
    if not isinstance(expected, np.ndarray):
        return [f"  expected: {expected!r}", f"  yours:    {actual!r}"]
    lines = []
    index = (0,) * expected.ndim
    if isinstance(actual, np.ndarray) and actual.shape != expected.shape:
        lines.append(f"  expected shape {expected.shape}, got shape {actual.shape}")
    elif isinstance(actual, np.ndarray) and actual.size:
        with np.errstate(all="ignore"):
            diff = np.absolute(actual - expected)
        index = tuple(int(i) for i in np.unravel_index(int(diff.argmax()), diff.shape))
        lines.append(f"  largest difference {float(diff.max()):.4g} at index {index}")
        if view == "rows" and expected.ndim == 2:
            lines.append(f"  row {index[0]} (the row with the largest difference), in full:")
    shown = [("expected", expected)] + ([("yours", actual)] if isinstance(actual, np.ndarray) else [])
    heads = []
    for label, arr in shown:
        where = index[: arr.ndim] + (0,) * max(0, arr.ndim - len(index))
        part, sub = _part(arr, where, view if arr.ndim == expected.ndim else None)
        heads.append((f"{label}{part}:", sub))
    width = max(len(head) for head, _ in heads) + 1
    for head, sub in heads:
        lines.append(f"  {head.ljust(width)}{fmt(sub, indent=2 + width, full=view == 'rows')}")
    return lines


def run_cases(fn, cases, *, name, convert, candidates=(), shape_hints=None, reference="convlib's reference",
              view=None):
    """Call ``fn`` on every case; raise an explaining :class:`CheckFailed` at the first wrong answer.

    Parameters
    ----------
    fn : callable
        The learner's function.
    cases : list of Case
        Their ``expected`` values are all computed before ``fn`` first runs.
    name : str
        How messages name ``fn``, e.g. ``"correlate2d_valid(x, k)"``.
    convert : callable
        ``convert(result, name)`` turns the raw answer into a comparable value
        (:func:`as_result_array`, :func:`as_int`, :func:`as_int_tuple`).
    candidates : sequence of Candidate
        Misconceptions, most likely first.
    shape_hints : callable, optional
        ``shape_hints(case, actual)`` returns a sentence about a wrong shape
        (a fact about the answer's shape, e.g. "your output has C_in channels"),
        used when no candidate matches.
    reference : str
        What the expected values come from, for the message.
    view : tuple of str or "rows", optional
        What a message shows of an array answer.  A tuple names the answer's
        axes: ``":"`` for the two axes of the map shown, an index name for the
        others, e.g. ``("n", ":", ":", "co")`` shows the output map
        ``[n, :, :, co]`` where the largest difference is.  ``"rows"`` shows
        the row of a 2-D answer with the largest difference, in full.  By
        default an array of more than two axes is shown along its last two.

    Returns
    -------
    None
        Prints one line to standard output when every case passes.
    """
    __tracebackhide__ = True  # IPython shows the learner's frames, not this machinery
    calls = getattr(_collect, "calls", None)
    if calls is not None:
        calls.append((fn, [case.args for case in cases]))
        return None
    if not callable(fn):
        raise CheckFailed(f"expected a function for {name}, got {type(fn).__name__} {fn!r}")
    for case in cases:
        case.expected  # all computed before the learner's function first runs
    for case in cases:
        actual = convert(_call(fn, case, name), name)
        if _same(case.expected, actual):
            continue
        hint, matched = None, None
        for cand in candidates:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    value = cand.build(case)
            except Exception:  # a misconception that does not apply to this case
                continue
            if value is None:
                continue
            try:
                value = convert(value, name)
            except AssertionError:
                continue
            if not _same(case.expected, value) and _same(value, actual):
                hint, matched = cand.hint, cand.id
                break
        if hint is None and shape_hints is not None:
            hint = shape_hints(case, actual)
            matched = _misconception_of(hint)
        lines = [f"{name}: {hint}" if hint else f"{name} gives a wrong answer (compare the values below)"]
        lines += [f"  case: {case.label}"]
        lines += _describe(case.expected, actual, view)
        lines.append(f"  (expected values come from {reference})")
        raise CheckFailed("\n".join(lines), misconception=matched)
    print(f"\u2713 {name.split('(')[0]}: all {len(cases)} cases match {reference}.")
