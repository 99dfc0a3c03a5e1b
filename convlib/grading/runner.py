"""Running one submission: its steps in a sandboxed kernel, restarts after a dead kernel, and the verdicts."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import traceback
from pathlib import Path

from ..checks.record import MIME
from .judging import judge
from .planning import plan
from .predictions import read_predictions
from .recording import PRELUDE, collect, record_code, records_of
from .results import NotebookResult, TestResult, Verdict
from .notebooks import nbgrader_meta, show_path
from .sources import Source, match_source, read_cells

__all__ = ["grade_notebook", "kernel_view", "DEFAULT_TIMEOUT", "DEFAULT_NOTEBOOK_TIMEOUT", "MAX_RESTARTS"]

DEFAULT_TIMEOUT = 30.0
DEFAULT_NOTEBOOK_TIMEOUT = 60.0
MAX_RESTARTS = 6


class _Runner:
    """Runs the steps of one notebook, restarting the kernel when the submission kills it.

    Every execution gets at most ``timeout`` seconds, and all of them together
    (replays after a restart included; starting kernels excluded) at most
    ``notebook_timeout``: once that is spent, :attr:`out_of_time` is true and
    nothing more runs.
    """

    def __init__(self, session, timeout, notebook_timeout=None):
        self.session, self.timeout = session, timeout
        self.notebook_timeout = notebook_timeout
        self.spent = 0.0
        self.history = []  # state steps that ran (to replay after a restart)
        self.last = None  # the step executed last
        self.restarts = 0

    @property
    def out_of_time(self) -> bool:
        return bool(self.notebook_timeout) and self.spent >= self.notebook_timeout

    def execute(self, code):
        """Run ``code`` within the cell's and the notebook's time limits."""
        from .kernel import ExecResult

        limit = self.timeout
        if self.notebook_timeout:
            limit = min(limit, self.notebook_timeout - self.spent)
            if limit <= 0:
                return ExecResult(status="timeout")
        start = time.monotonic()
        try:
            return self.session.execute(code, limit)
        finally:
            self.spent += time.monotonic() - start

    def boot(self) -> None:
        self.session.start()
        r = self.session.execute(PRELUDE, 120)
        if r.status != "ok":
            raise RuntimeError(f"the grader's set-up failed in the kernel: {r.message or r.status}")

    @staticmethod
    def lost(r) -> bool:
        return r.status == "dead" or r.restarted

    def recover(self, culprit) -> bool:
        """New kernel, replay the state without ``culprit``. False when the kernel keeps dying."""
        if culprit in self.history:
            self.history.remove(culprit)
        while self.restarts < MAX_RESTARTS:
            self.restarts += 1
            try:
                self.boot()
            except Exception:
                continue
            prev = None
            for step in list(self.history):
                r = self.execute(step.code)
                if self.lost(r):
                    bad = step if r.started or prev is None else prev
                    self.history.remove(bad)
                    break
                prev = step
            else:
                self.last = self.history[-1] if self.history else None
                return True
        return False

    def run_state(self, step):
        """(kernel still usable, ExecResult) of one non-test cell."""
        r = self.execute(step.code)
        if self.lost(r):
            culprit = step if r.started or self.last is None else self.last
            if not self.recover(culprit):
                return False, r
            if culprit is not step:
                return self.run_state(step)
            return True, r
        if r.status != "timeout":
            self.history.append(step)
        self.last = step
        return True, r

    def run_test(self, step):
        """(status, message) of one test cell, or None when the kernel cannot be kept alive.

        The test cell itself never runs in the kernel: its inputs are collected here and the kernel
        only calls the learner's functions on them (:mod:`convlib.grading.recording`).
        """
        run = self.execute(record_code(collect(step.code)))
        records, forged = records_of(run.data)
        if forged:
            verdict = Verdict("failed", forged)
        else:
            verdict = judge(step.code, records, run, self.timeout, step.may_call)
        self.last = step
        if self.lost(run) and not self.recover(step):
            return verdict if verdict[0] != "passed" else ("kernel died", "the kernel died")
        return verdict


def _read(path: Path):
    try:
        return read_cells(path)
    except Exception as exc:
        return exc


@contextlib.contextmanager
def kernel_view():
    """A folder for the ``convlib`` views grading kernels import (:func:`view_for`), removed after grading."""
    with tempfile.TemporaryDirectory(prefix="convlib-view-") as tmp:
        try:
            yield Path(tmp)
        finally:
            for folder, _dirs, files in os.walk(tmp):  # the view's files are read-only
                for name in files:
                    with contextlib.suppress(OSError):
                        os.chmod(os.path.join(folder, name), 0o600)


_VIEW_LOCK = threading.Lock()


def view_for(root: Path, src: Source) -> Path:
    """The folder whose ``convlib`` offers what ``src``'s tasks may call (built once per source under ``root``)."""
    from .view import allowed_names, build_view

    folder = Path(root) / src.path.stem
    with _VIEW_LOCK:
        if not folder.exists():
            build_view(folder.with_name(folder.name + ".tmp"), allowed_names(src.cells)).rename(folder)
    return folder


def grade_notebook(path, sources: dict, timeout: float = DEFAULT_TIMEOUT, content=None, *, shown=None,
                   limits=None, learner=None, notebook_timeout: float | None = DEFAULT_NOTEBOOK_TIMEOUT, view=None,
                   sandbox: bool = True) -> NotebookResult:
    """Grade one submission; never raises (problems become statuses).

    ``content`` is what :func:`read_cells` returned for it (or the exception it
    raised), when the caller read the file earlier.  ``shown`` is how the
    result names it (default: its path), ``limits`` the kernel's
    :class:`~convlib.grading.limits.Limits`, ``learner`` whose it is.
    ``timeout`` bounds each cell and ``notebook_timeout`` all of them
    together.  ``view`` is the folder of :func:`kernel_view` (made for this
    notebook when ``None``); ``sandbox=False`` runs the kernel without the
    sandbox (not isolated).
    """
    if view is None:
        with kernel_view() as view:
            return grade_notebook(path, sources, timeout, content, shown=shown, limits=limits, learner=learner,
                                  notebook_timeout=notebook_timeout, view=view, sandbox=sandbox)
    result = _grade_notebook(Path(path), sources, timeout, content, limits, notebook_timeout, view, sandbox)
    if shown is not None:
        result.path = shown
    result.learner = learner
    return result


def _grade_notebook(path, sources, timeout, content, limits, notebook_timeout, view, sandbox) -> NotebookResult:
    from .honesty import apply_honesty
    from .kernel import KernelSession

    content = _read(path) if content is None else content
    if isinstance(content, Exception):
        exc = content
        result = NotebookResult(show_path(path), None, "unreadable")
        src = sources.get(path.name)
        if src is not None:
            result.source = show_path(src.path)
            result.tests = _tests_of(src, "not run", f"could not read the notebook: {exc}")
        return result
    cells, meta = content
    src = match_source(path, meta, sources)
    if src is None:
        return NotebookResult(show_path(path), None, "no source")
    result = NotebookResult(show_path(path), show_path(src.path))
    result.predictions = read_predictions(cells, src.exercise)  # read from the text, never run
    result.tests = _tests_of(src, "not run", "")
    by_id = {t.grade_id: t for t in result.tests}
    try:
        steps = plan(src.cells, cells)
        with KernelSession(MIME, extra_path=str(view_for(view, src)), limits=limits, files=[path], sandbox=sandbox) as session:
            runner = _Runner(session, timeout, notebook_timeout)
            try:
                runner.boot()
            except Exception as exc:
                result.status = "kernel failed"
                for t in result.tests:
                    t.message = str(exc)
                return result
            result.limits = session.limits_kind
            answer_problem = ""  # what went wrong in the answer cell before the current test
            out_of_time = (f"stopped: the notebook's cells used up its {notebook_timeout:g} s "
                           f"(the limit per notebook)") if notebook_timeout else ""
            for step in steps:
                if runner.out_of_time:
                    for t in result.tests:
                        if t.status == "not run":
                            t.status, t.message = "timeout", out_of_time
                    break
                if step.kind == "state":
                    alive, r = runner.run_state(step)
                    if step.answer:
                        answer_problem = "" if r.status == "ok" else (
                            f"your answer cell {step.grade_id!r}: {r.message or r.status}")
                else:
                    verdict = runner.run_test(step)
                    alive = verdict is not None
                    if alive:
                        test = by_id[step.grade_id]
                        test.status, test.message = verdict
                        test.misconception = getattr(verdict, "misconception", None)
                        test.hidden = bool(getattr(verdict, "hidden", False))
                        if test.status == "timeout" and runner.out_of_time:
                            test.message = out_of_time
                        elif test.status not in ("passed", "failed") and answer_problem:
                            test.message += f" (see {answer_problem})"
                        test.points = test.max_points if test.status == "passed" else 0.0
                if not alive:
                    for t in result.tests:
                        if t.status == "not run":
                            t.message = f"not run: the kernel died {MAX_RESTARTS} times"
                    break
        apply_honesty(result, src.cells, cells)
    except Exception as exc:  # a bug in the grader must not stop the other notebooks
        result.status = "grader error"
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        for t in result.tests:
            if t.status == "not run":
                t.message = f"grader error: {detail}"
    return result


def _tests_of(src: Source, status: str, message: str) -> list:
    tests = []
    for cell in src.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            tests.append(TestResult(meta["grade_id"], 0.0, float(meta.get("points", 0)), status, message))
    return tests

