"""The grader's only code inside a learner's kernel: call the learner's functions on given inputs, send back what they return.

This module runs in the sandboxed kernel (it is copied into the kernel's view
of convlib, :mod:`convlib.grading.view`), next to the learner's code.  It
holds no check, no expected value and no reference implementation: the grader
sends a test cell's *inputs* (collected in its own process, see
:mod:`convlib.grading.recording`), this module calls the learner's function on
a fresh copy of each and publishes the answers as one display message under
:data:`~convlib.checks.record.MIME`; the grader judges them in its own process.

A submission can break or replace this module; it then loses its own records,
and with them its points.  What it cannot do is learn an expected value from
it, since none is here.  ``install()`` runs before any submission code, so the
functions below are bound to the real numpy, ``copy`` and ``warnings``; and
since a learner's experiment (``np.zeros = None`` in a later cell) should not
cost the answers above it, :func:`record` puts numpy's and the builtins' names
back as they were before it calls anything.
"""

from __future__ import annotations

import builtins
import copy
import json
import warnings

import numpy as np

from ..checks.record import MIME, decode, encode, fingerprint

__all__ = ["install", "record", "answers", "note_call"]

_ndarray = np.ndarray
_deepcopy = copy.deepcopy
_catch_warnings, _simplefilter = warnings.catch_warnings, warnings.simplefilter
_loads = json.loads
_state: dict = {"calls": None}
_MISSING = object()


def install() -> None:
    """Bind what :func:`record` needs. Called once, before any submission code."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    _state.update(shell=get_ipython(), publish=publish_display_data, setattr=setattr,
                  saved=[(module, dict(vars(module))) for module in (np, builtins)])


def _restore() -> None:
    """Put back every name of numpy and builtins that the submission rebound or deleted."""
    put = _state["setattr"]
    for module, saved in _state.get("saved", ()):
        current = vars(module)
        for key, value in saved.items():
            if current.get(key, _MISSING) is not value:
                try:
                    put(module, key, value)
                except (AttributeError, TypeError):
                    pass


def note_call(name: str) -> None:
    """Note that the learner's code called ``convlib.<name>`` (the view's functions call this)."""
    calls = _state["calls"]
    if calls is not None:
        calls.add(name)


def _same_input(before, after) -> bool:
    if not isinstance(before, _ndarray):
        return True
    return isinstance(after, _ndarray) and after.shape == before.shape and bool((after == before).all())


def _call(fn, args) -> dict:
    """One case: what ``fn(*args)`` returned or raised, and which convlib functions it called."""
    entry = {"args": fingerprint(args)}
    given = _deepcopy(args)
    _state["calls"] = set()
    try:
        with _catch_warnings():
            _simplefilter("ignore")
            result = fn(*given)
    except Exception as exc:
        entry["raised"] = [type(exc).__name__, str(exc)[:2000]]
        return entry
    finally:
        entry["called"], _state["calls"] = sorted(_state["calls"]), None
    for position, (before, after) in enumerate(zip(args, given)):
        if not _same_input(before, after):
            entry["mutated"] = position
            break
    entry["result"] = encode(result)
    return entry


def answers(payload: str, namespace: dict) -> list:
    """Call the learner's functions in ``namespace`` on the inputs in ``payload``; the records, in order.

    ``payload`` is JSON: ``[{"name": str, "cases": [[encoded arg, ...], ...]}, ...]``, one entry per
    check call of a test cell (see :func:`convlib.grading.recording.collect`).  A function that
    raises, or changes its input in place, ends its entry's cases, as a failing check would.
    """
    records = []
    for call in _loads(payload):
        if call["name"] not in namespace:
            records.append({"undefined": True})
            continue
        fn = namespace[call["name"]]
        if not callable(fn):
            records.append({"not_callable": type(fn).__name__})
            continue
        for encoded in call["cases"]:
            entry = _call(fn, tuple(decode(a) for a in encoded))
            records.append(entry)
            if "raised" in entry or "mutated" in entry:
                break
    return records


def record(payload: str) -> None:
    """Call the learner's functions (in the kernel's namespace) on ``payload``'s inputs; publish the answers."""
    _restore()
    _state["publish"]({MIME: {"records": answers(payload, _state["shell"].user_ns)}})
