"""The grader's side of recording: which inputs a test cell gives the learner's functions, and the code that sends them.

A test cell of an exercise source is a few calls such as
``check_correlate2d(correlate2d, seed=1)``.  The grader never runs it in the
learner's kernel.  Instead:

1. :func:`collect` runs the cell here, in the grader's process, with the
   checks *collecting* (:func:`convlib.checks.engine.collecting`): each check
   builds its cases and notes their inputs, and nothing is called;
2. :func:`record_code` is the one line the kernel runs: it hands those
   inputs to :func:`convlib.grading.recorder.record`, which calls the
   learner's function on each and publishes the answers;
3. the grader judges the cell here with stand-ins that return the recorded
   answers (:func:`convlib.grading.judging.judge`).

So the test cell's code (hidden tests included), the expected values and the
reference implementations never enter the kernel.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings

from ..checks.engine import collecting
from ..checks.record import encode
from .judging import PROCESS_WIDE
from .planning import learner_names

__all__ = ["collect", "record_code", "records_of", "PRELUDE"]

#: The first code every grading kernel runs, before any submission code.
PRELUDE = '__import__("convlib.grading.recorder", fromlist=["install"]).install()'


class _Named:
    """Stands for a learner's function while inputs are collected; it is never called."""

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{self.__name__} was called while the grader collected inputs")


def collect(test_code: str) -> list:
    """The inputs a test cell gives each learner function, in order, as JSON-able data.

    Returns ``[{"name": str, "cases": [[encoded arg, ...], ...]}, ...]``: one entry per check call,
    ``name`` being the learner's function the check was given and each case its encoded arguments
    (:func:`convlib.checks.record.encode`).
    """
    namespace = {"__name__": "__convlib_collect__"}
    for name in learner_names(test_code):
        namespace[name] = _Named(name)
    # redirect_stdout and catch_warnings change the whole process: one thread at a time, as the judging does.
    with PROCESS_WIDE, collecting() as calls, contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(test_code, "<test cell>", "exec"), namespace)
    out = []
    for fn, cases in calls:
        name = getattr(fn, "__name__", None) if isinstance(fn, _Named) else None
        if name is None:
            raise ValueError("a check in this test cell was given something other than a learner's function")
        out.append({"name": name, "cases": [[encode(a) for a in args] for args in cases]})
    return out


def record_code(calls: list) -> str:
    """The code the kernel runs for a test cell: call the learner's functions on ``calls`` (see :func:`collect`)."""
    return ('__import__("convlib.grading.recorder", fromlist=["record"]).record('
            + repr(json.dumps(calls, separators=(",", ":"))) + ")")


def records_of(data: list) -> tuple[list, str]:
    """The records in what the kernel published while it ran :func:`record_code`, and a problem, if any.

    Exactly one payload is expected: more than one means that code of the submission's (a hook, a
    thread) published under the grader's MIME type, and then no record is believed.
    """
    payloads = [d for d in data if isinstance(d, dict)]
    if len(payloads) > 1:
        return [], f"the kernel sent {len(payloads)} sets of answers for one test: only the grader may send them"
    if not payloads or not isinstance(payloads[0].get("records"), list):
        return [], ""
    return payloads[0]["records"], ""

