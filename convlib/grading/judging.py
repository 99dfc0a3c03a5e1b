"""Judging a test cell in the grader's own process, from the answers the kernel recorded.

The source's test code runs here with stand-ins for the learner's functions
that return the recorded answers (:mod:`convlib.checks.record`); so no
redefinition, monkeypatching or introspection inside the kernel can make a
wrong answer pass, and the messages are the checks' own.
"""

from __future__ import annotations

import contextlib
import io
import threading
import warnings

from .. import checks  # noqa: F401  every check is loaded before any submission runs
from ..checks.record import decode, fingerprint
from .planning import learner_names
from .results import Verdict

__all__ = ["KernelOutcome", "judge", "hidden_lines"]


class KernelOutcome(BaseException):
    """Raised by a replay stand-in when the kernel has no answer for it (BaseException: checks do not wrap it)."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message



def _stand_in(name, records, cursor, problem, allowed=None):
    def stand_in(*args):
        i = cursor[0]
        if i >= len(records):
            raise KernelOutcome(*problem)
        cursor[0] = i + 1
        rec = records[i]
        if not isinstance(rec, dict):
            raise KernelOutcome("failed", "the kernel sent an unreadable answer")
        if "undefined" in rec:
            raise KernelOutcome("error", f"NameError: name {name!r} is not defined")
        if "not_callable" in rec:
            raise KernelOutcome("failed", f"{name} is not a function (it is {rec['not_callable']})")
        if rec.get("args") != fingerprint(args):
            raise KernelOutcome("failed", "the check's inputs in the kernel differ from the grader's: "
                                          "the check did not run as written")
        forbidden = [c for c in rec.get("called", []) if allowed is not None and c not in allowed]
        if forbidden:
            raise KernelOutcome("failed", f"{name} called {', '.join(map(str, forbidden))}, which this task may "
                                          f"not use: write it yourself (see the task's 'What you may use')")
        if "raised" in rec:
            ename, message = (list(rec["raised"]) + ["", ""])[:2]
            if ename == "NotImplementedError":
                raise NotImplementedError(message)
            raise type(str(ename) or "Exception", (Exception,), {})(message)
        try:
            value = decode(rec["result"])
        except Exception:
            raise KernelOutcome("failed", "the kernel sent an unreadable answer") from None
        pos = rec.get("mutated")
        if isinstance(pos, int) and 0 <= pos < len(args):
            try:
                args[pos].flat[0] += 1  # make the check see the in-place change the kernel saw
            except Exception:
                pass
        return value

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


PROCESS_WIDE = threading.Lock()  # redirect_stdout and catch_warnings are process-wide


def judge(test_code: str, records: list, run, timeout: float, allowed=None) -> Verdict:
    """Status and message of one test cell, from its kernel run and the recorded answers.

    A :class:`Verdict`: it also says which misconception a failed answer
    matched and whether the failing line is one of the cell's hidden tests.
    ``allowed`` lists the ``convlib.<name>`` functions the task may call (None: any); an
    answer that called another one fails.
    """
    with PROCESS_WIDE:
        status, message, *more = _judge(test_code, records, run, timeout, allowed)
        return Verdict(status, message, *more)


def hidden_lines(test_code: str) -> set:
    """Line numbers (1-based) of a test cell between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``."""
    lines, inside = set(), False
    for number, line in enumerate(test_code.splitlines(), 1):
        text = line.strip()
        if text.startswith("### BEGIN HIDDEN TESTS"):
            inside = True
        elif text.startswith("### END HIDDEN TESTS"):
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _failing_line(exc) -> int | None:
    """The line of the test cell that was running when ``exc`` was raised."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<test cell>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _judge(test_code, records, run, timeout, allowed=None):
    if run.status == "timeout":
        problem = ("timeout", f"stopped after {timeout:g} s: does a loop never end?")
    elif run.status == "dead":
        problem = ("kernel died", run.evalue if run.ename in ("exit", "limit") else
                   "the kernel died while this test ran (os._exit, a crash or running out of memory)")
    elif run.status == "error":
        problem = ("not implemented" if run.ename == "NotImplementedError" else "error", run.message)
    else:
        problem = ("error", "the checks reported no result from the kernel")
    cursor = [0]
    namespace = {"__name__": "__convlib_grade_replay__"}
    for name in learner_names(test_code):
        namespace[name] = _stand_in(name, records, cursor, problem, allowed)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(test_code, "<test cell>", "exec"), namespace)
    except KernelOutcome as outcome:
        return outcome.status, outcome.message, None, _failing_line(outcome) in hidden_lines(test_code)
    except AssertionError as exc:
        return ("failed", str(exc) or "AssertionError", getattr(exc, "misconception", None),
                _failing_line(exc) in hidden_lines(test_code))
    except NotImplementedError as exc:
        return "not implemented", f"NotImplementedError: {exc}".rstrip(": ")
    except Exception as exc:
        return "error", f"{type(exc).__name__}: {exc}", None, _failing_line(exc) in hidden_lines(test_code)
    if run.status != "ok":
        return problem
    if run.stderr.strip():
        return "failed", ("the test wrote to standard error, which nbgrader scores as a failure: "
                          + run.stderr.strip()[:500])
    return "passed", ""

