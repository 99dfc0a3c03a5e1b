"""Grade submitted exercise notebooks against their sources in ``solutions/``.

    python -m convlib.grade PATH... [--json FILE] [--timeout SECONDS] [--jobs N] [--solutions DIR]

A PATH is a notebook or a folder (searched recursively for ``*.ipynb``).  For
each submission the grader

1. reads it (never writes it) and matches it to its source in ``solutions/`` by
   file name (then by the ``convlib.exercise`` metadata the exercises carry);
2. builds the cells to run from the **source**: its read-only cells in the
   source's order, the learner's answer cells matched by ``grade_id``, and any
   cells the learner added after them.  A deleted or edited test cell
   therefore changes nothing;
3. runs them in a fresh kernel (:mod:`convlib.grading.kernel`), each with a time
   limit, whose convlib offers only what the notebook's tasks may call
   (:mod:`convlib.grading.view`).  A test cell itself never runs there: its
   inputs are collected in this process and the kernel only calls the
   learner's functions on them (:mod:`convlib.grading.recording`);
4. judges each test cell in this process: it runs the source's test code with
   stand-ins that return the recorded answers.  No expected value, reference
   or hidden test is ever in the kernel, and the messages are the checks' own.

A test cell scores its points or nothing; its status is one of ``passed``,
``failed``, ``not implemented``, ``error``, ``timeout``, ``kernel died`` or
``not run``.  A submission that exits, kills its kernel or loops forever loses
the tests that depend on the offending cell; the grader restarts the kernel,
re-runs the other cells and goes on.  The grader prints a table per notebook
and a total, and with ``--json`` writes (atomically)::

    {"notebooks": [{"path", "score", "max_score", "status", "source",
                    "tests": [{"grade_id", "points", "max_points", "status", "message"}]}],
     "score", "max_score"}

When a PATH is a folder of learners' folders (``submissions/alice/...``), the
printout also gives a subtotal per learner folder, and the JSON an extra key
``"learners": [{"learner", "path", "score", "max_score", "notebooks"}]``
(``notebooks``: how many were graded for that learner).

Exit status: 0 when every notebook was graded, 1 when some could not be (no
source, unreadable, kernel failure) or none was found, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import io
import json
import os
import re
import sys
import tempfile
import threading
import time
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import checks  # noqa: F401  every check is loaded before any submission runs
from ..checks.record import MIME, decode, fingerprint
from .notebooks import nbgrader_meta, repo_root, show_path
from .recording import PRELUDE, learner_names, record_code, records_of
from .recording import collect as collect_inputs
from .view import allowed_names, build_view

__all__ = ["grade_paths", "grade_notebook", "load_sources", "find_notebooks", "learner_folder", "plan",
           "format_report", "write_json_atomic", "main", "DEFAULT_TIMEOUT"]

ROOT = repo_root()
DEFAULT_TIMEOUT = 30.0
MAX_RESTARTS = 6


# --------------------------------------------------------------------------- results


@dataclass
class TestResult:
    grade_id: str
    points: float
    max_points: float
    status: str = "not run"
    message: str = ""
    misconception: str | None = None  # the id of the wrong model a failed answer matched (checks.misconceptions)
    hidden: bool = False  # the verdict came from the cell's hidden tests


class Verdict(tuple):
    """``(status, message)`` of a test cell, with the matched ``misconception`` id and ``hidden`` (see TestResult)."""

    def __new__(cls, status, message, misconception=None, hidden=False):
        self = super().__new__(cls, (status, message))
        self.misconception, self.hidden = misconception, hidden
        return self


@dataclass
class NotebookResult:
    path: str
    source: str | None
    status: str = "graded"  # graded | no source | unreadable | kernel failed | grader error
    tests: list = field(default_factory=list)
    flags: list = field(default_factory=list)  # honesty flags (convlib.grading.honesty)
    learner: str | None = None

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests)

    def as_dict(self) -> dict:
        return {"path": self.path, "score": _num(self.score), "max_score": _num(self.max_score),
                "status": self.status, "source": self.source,
                "tests": [{**asdict(t), "points": _num(t.points), "max_points": _num(t.max_points)}
                          for t in self.tests],
                "flags": list(self.flags), "learner": self.learner}


def _num(x):
    return int(x) if float(x).is_integer() else float(x)


class KernelOutcome(BaseException):
    """Raised by a replay stand-in when the kernel has no answer for it (BaseException: checks do not wrap it)."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# --------------------------------------------------------------------------- reading notebooks


def _source_text(cell) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def read_cells(path: Path) -> tuple[list, dict]:
    """The cells (plain dicts) and metadata of a notebook file, tolerating anything but bad JSON."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    cells = [c for c in data["cells"] if isinstance(c, dict)]
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return cells, meta


@dataclass
class Source:
    path: Path
    cells: list
    exercise: str


def load_sources(solutions: Path) -> dict:
    """Every ``*.ipynb`` in ``solutions`` by file name.

    Raises
    ------
    ValueError
        A source whose test cells lack a grade_id or points, or repeat a grade_id
        (``python -m convlib.exercises --check`` reports every format problem).
    """
    sources = {}
    for path in sorted(Path(solutions).glob("*.ipynb")):
        cells, meta = read_cells(path)
        seen = set()
        for cell in cells:
            nbg = nbgrader_meta(cell)
            gid = nbg.get("grade_id")
            if not nbg:
                continue
            if not isinstance(gid, str) or not gid or gid in seen:
                raise ValueError(f"{path.name}: a missing or repeated grade_id ({gid!r})")
            seen.add(gid)
            if nbg.get("grade") and not isinstance(nbg.get("points"), (int, float)):
                raise ValueError(f"{path.name}: test cell {gid!r} has no points")
        exercise = (meta.get("convlib") or {}).get("exercise", path.stem) if isinstance(meta.get("convlib"), dict) \
            else path.stem
        sources[path.name] = Source(path, cells, exercise)
    return sources


def match_source(path: Path, meta: dict, sources: dict):
    """The source of a submission: same file name, else its ``convlib.exercise`` metadata, else a name prefix."""
    if path.name in sources:
        return sources[path.name]
    exercise = (meta.get("convlib") or {}).get("exercise") if isinstance(meta.get("convlib"), dict) else None
    for src in sources.values():
        if exercise and src.exercise == exercise:
            return src
    candidates = [s for s in sources.values() if path.stem.startswith(s.path.stem)]
    return max(candidates, key=lambda s: len(s.path.stem)) if candidates else None


def find_notebooks(paths) -> tuple[list, list]:
    """Notebook files under ``paths`` (sorted, de-duplicated) and the paths that do not exist."""
    found, missing = [], []
    for p in map(Path, paths):
        if p.is_dir():
            found += [q for q in sorted(p.rglob("*.ipynb")) if ".ipynb_checkpoints" not in q.parts]
        elif p.is_file():
            found.append(p)
        else:
            missing.append(p)
    seen, unique = set(), []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, missing


def learner_folder(path: Path, roots) -> Path | None:
    """The learner's folder of a notebook found under one of the folders ``roots``: ``root/<learner>/...``.

    ``None`` for a notebook directly in a root folder, or given by itself.
    """
    path = Path(path).resolve()
    for root in map(Path, roots):
        if not root.is_dir():
            continue
        try:
            rel = path.relative_to(root.resolve())
        except ValueError:
            continue
        if len(rel.parts) > 1:
            return root / rel.parts[0]
    return None


# --------------------------------------------------------------------------- what to run


@dataclass(eq=False)  # compared by identity: two extra cells may hold the same code
class Step:
    kind: str  # "state" (setup, answers, demos, learner's own cells) or "test"
    code: str
    grade_id: str | None = None
    points: float = 0.0
    answer: bool = False  # the learner's answer cell for grade_id
    may_call: list | None = None  # a test's allowed convlib functions (None: no restriction)


def plan(source_cells: list, submission_cells: list) -> list:
    """The cells to run, in order: the source's skeleton with the learner's answers and extra cells.

    Test and read-only cells always come from the source.  An answer cell
    comes from the submission (matched by ``grade_id``); if the learner deleted
    it nothing replaces it.  Cells the learner added run after the matched cell
    they follow in the submission.
    """
    from .honesty import may_call

    source_ids = {nbgrader_meta(c).get("grade_id") for c in source_cells if nbgrader_meta(c).get("grade_id")}
    answers, extras, anchor = {}, {None: []}, None
    for cell in submission_cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if isinstance(gid, str) and gid in source_ids and gid not in answers:
            answers[gid] = cell
            anchor = gid
            extras.setdefault(gid, [])
        elif cell.get("cell_type") == "code":
            extras.setdefault(anchor, []).append(cell)
    steps = [Step("state", _source_text(c)) for c in extras[None]]
    for cell in source_cells:
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if cell.get("cell_type") != "code" or not gid:
            continue
        if meta.get("grade") and not meta.get("solution"):
            steps.append(Step("test", _source_text(cell), gid, float(meta.get("points", 0)),
                              may_call=may_call(cell)))
        elif meta.get("solution"):
            answer = answers.get(gid)
            if answer is not None and answer.get("cell_type") == "code":
                steps.append(Step("state", _source_text(answer), gid, answer=True))
        else:
            steps.append(Step("state", _source_text(cell), gid))
        steps += [Step("state", _source_text(c)) for c in extras.get(gid, [])]
    return steps


# --------------------------------------------------------------------------- judging a test cell


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


_JUDGE_LOCK = threading.Lock()  # redirect_stdout and catch_warnings are process-wide


def judge(test_code: str, records: list, run, timeout: float, allowed=None) -> Verdict:
    """Status and message of one test cell, from its kernel run and the recorded answers.

    A :class:`Verdict`: it also says which misconception a failed answer
    matched and whether the failing line is one of the cell's hidden tests.
    ``allowed`` lists the ``convlib.<name>`` functions the task may call (None: any).
    """
    with _JUDGE_LOCK:
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


# --------------------------------------------------------------------------- running a notebook


class _Runner:
    """Runs the steps of one notebook, restarting the kernel when the submission kills it."""

    def __init__(self, session, timeout):
        self.session, self.timeout = session, timeout
        self.history = []  # state steps that ran (to replay after a restart)
        self.last = None  # the step executed last
        self.restarts = 0

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
                r = self.session.execute(step.code, self.timeout)
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
        r = self.session.execute(step.code, self.timeout)
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
        run = self.session.execute(record_code(collect_inputs(step.code)), self.timeout)
        records, forged = records_of(run.data)
        if forged:
            return Verdict("failed", forged)
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


def grade_notebook(path, sources: dict, timeout: float = DEFAULT_TIMEOUT, content=None, *, shown=None,
                   limits=None, learner=None) -> NotebookResult:
    """Grade one submission; never raises (problems become statuses).

    ``content`` is what :func:`read_cells` returned for it (or the exception it
    raised), when the caller read the file earlier.  ``shown`` is how the
    result names it (default: its path), ``limits`` the kernel's
    :class:`~convlib.grading.limits.Limits`, ``learner`` whose it is.
    """
    result = _grade_notebook(Path(path), sources, timeout, content, limits)
    if shown is not None:
        result.path = shown
    result.learner = learner
    return result


def _grade_notebook(path, sources, timeout, content, limits) -> NotebookResult:
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
    result.tests = _tests_of(src, "not run", "")
    by_id = {t.grade_id: t for t in result.tests}
    try:
        steps = plan(src.cells, cells)
        with KernelSession(MIME, extra_path=str(_view(src)), limits=limits, files=[path]) as session:
            runner = _Runner(session, timeout)
            try:
                runner.boot()
            except Exception as exc:
                result.status = "kernel failed"
                for t in result.tests:
                    t.message = str(exc)
                return result
            answer_problem = ""  # what went wrong in the answer cell before the current test
            for step in steps:
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
                        if test.status not in ("passed", "failed") and answer_problem:
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


_VIEWS: dict = {}
_VIEWS_LOCK = threading.Lock()


def _view(src: Source) -> Path:
    """The convlib the kernels grading ``src`` see (:mod:`convlib.grading.view`), built once per source."""
    with _VIEWS_LOCK:
        if src.path not in _VIEWS:
            folder = Path(tempfile.mkdtemp(prefix="convlib-view-"))
            _VIEWS[src.path] = build_view(folder, allowed_names(src.cells))
        return _VIEWS[src.path]


def _tests_of(src: Source, status: str, message: str) -> list:
    tests = []
    for cell in src.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            tests.append(TestResult(meta["grade_id"], 0.0, float(meta.get("points", 0)), status, message))
    return tests


def grade_paths(paths, solutions=ROOT / "solutions", timeout: float = DEFAULT_TIMEOUT, progress=None,
                jobs: int = 1, limits=None) -> dict:
    """Grade every notebook under ``paths``; the report as the JSON-able dict described in the module docstring.

    A path is a notebook, a folder, an nbgrader course or ``submitted/``
    folder, or a ``.zip`` of these (:mod:`convlib.grading.submissions`).  All
    submissions are read before the first one runs (a submission's code
    cannot rewrite another one in time).  ``jobs`` notebooks are graded at
    once, each in its own kernel, under ``limits``
    (:class:`convlib.grading.limits.Limits`).
    """
    from .submissions import collect

    sources = load_sources(Path(solutions))
    with collect(paths) as found:
        subs = found.submissions
        contents = [_read(s.path) for s in subs]

        def one(item):
            sub, content = item
            start = time.perf_counter()
            try:
                result = grade_notebook(sub.path, sources, timeout, content, shown=sub.shown, limits=limits,
                                        learner=sub.learner)
            except Exception as exc:  # grade_notebook turns problems into statuses; this is the last resort
                result = NotebookResult(sub.shown, None, "grader error", learner=sub.learner)
                print(f"grader error on {sub.shown}: {exc!r}", file=sys.stderr)
            if progress is not None:
                progress(result, time.perf_counter() - start)
            return result

        results = [NotebookResult(str(p), None, "unreadable") for p in found.missing]
        results += [NotebookResult(str(p), None, "unreadable", tests=[TestResult("zip", 0.0, 0.0, "not run", why)])
                    for p, why in found.problems]
        with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
            graded = list(pool.map(one, zip(subs, contents)))
    results += graded
    report = {"notebooks": [r.as_dict() for r in results]}
    report["score"] = _num(sum(r.score for r in results))
    report["max_score"] = _num(sum(r.max_score for r in results))
    learners = {}
    for sub, result in zip(subs, graded):
        if sub.learner is not None:
            learners.setdefault((sub.learner_path, sub.learner), []).append(result)
    if learners:
        report["learners"] = [
            {"learner": name, "path": lpath, "score": _num(sum(r.score for r in rs)),
             "max_score": _num(sum(r.max_score for r in rs)), "notebooks": len(rs)}
            for (lpath, name), rs in learners.items()]
    report["misconceptions"] = misconception_table(report["notebooks"])
    report["flags"] = [{**f, "path": nb["path"], "learner": nb.get("learner")}
                       for nb in report["notebooks"] for f in nb.get("flags", [])]
    return report


def misconception_table(notebooks) -> list:
    """One entry per ``(grade_id, misconception)`` seen: how many learners hold it, and who.

    A learner is a notebook's ``learner`` (or, without one, its path).  Sorted
    by count, most common first.
    """
    from ..checks.misconceptions import describe

    table = {}
    for nb in notebooks:
        who = nb.get("learner") or nb["path"]
        for t in nb.get("tests", []):
            mid = t.get("misconception")
            if mid:
                entry = table.setdefault((nb.get("source") or "", t["grade_id"], mid), set())
                entry.add(who)
    rows = [{"grade_id": gid, "misconception": mid, "count": len(who), "learners": sorted(who),
             "source": os.path.basename(src), "description": describe(mid)}
            for (src, gid, mid), who in table.items()]
    rows.sort(key=lambda r: (-r["count"], r["source"], r["grade_id"], r["misconception"]))
    return rows


# --------------------------------------------------------------------------- output


NO_SOURCE_HINT = ("no notebook in the solutions folder has this file name (or its convlib.exercise metadata): "
                  "keep the exercise's file name, e.g. 05-output-size-and-same.ipynb, or point --solutions at "
                  "the folder that holds its source")
_SIGNATURE = re.compile(r"^[A-Za-z_]\w*\([^()]*\):\s+")  # "im2col(x, KH, KW): " at the start of a check's message


def format_report(report: dict) -> str:
    """The per-notebook tables, the subtotal per learner folder and the total, as printed by the command."""
    lines = []
    for nb in report["notebooks"]:
        lines.append(f"{nb['path']}  ({'source ' + nb['source'] if nb['source'] else nb['status']})")
        if nb["status"] == "no source":
            lines.append(f"  no source: {NO_SOURCE_HINT}")
        elif nb["status"] not in ("graded",):
            lines.append(f"  {nb['status']}")
        if nb["tests"]:
            width = max(len(t["grade_id"]) for t in nb["tests"])
            lines.append(f"  {'test'.ljust(width)}  points    status           message")
            for t in nb["tests"]:
                first = (t["message"] or "").strip().splitlines()
                msg = _SIGNATURE.sub("", first[0]) if first else ""  # the test's name already says which function
                msg = msg if len(msg) <= 100 else msg[:97] + "..."
                pts = f"{_fmt(t['points']):>3} / {_fmt(t['max_points']):<3}"
                lines.append(f"  {t['grade_id'].ljust(width)}  {pts}  {t['status']:<15}  {msg}".rstrip())
        lines.append(f"  score {_fmt(nb['score'])} / {_fmt(nb['max_score'])}")
        lines.append("")
    for learner in report.get("learners", []):
        n = learner["notebooks"]
        lines.append(f"learner {learner['path']}: {_fmt(learner['score'])} / {_fmt(learner['max_score'])} "
                     f"over {n} notebook{'s' * (n != 1)}")
    if report.get("learners"):
        lines.append("")
    n = len(report["notebooks"])
    lines.append(f"TOTAL {_fmt(report['score'])} / {_fmt(report['max_score'])} over {n} notebook{'s' * (n != 1)}")
    return "\n".join(lines)


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def write_json_atomic(path, data) -> None:
    """Write ``data`` as JSON to ``path`` via a temporary file and ``os.replace``: never half a file."""
    path = Path(path)
    text = json.dumps(data, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="convlib grade",
        description="Grade exercise notebooks against their sources in solutions/.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a notebook or a folder of notebooks")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (atomically)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"time limit per cell (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions", metavar="DIR",
                        help="where the sources are (default: the course's solutions/)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="notebooks graded at once, each in its own kernel (default 1)")
    parser.add_argument("--report", metavar="FILE.html",
                        help="also write the class report: one self-contained HTML page (misconceptions, pass "
                             "rates, scores, each learner)")
    parser.add_argument("--feedback", metavar="DIR",
                        help="also write one HTML feedback page per learner into DIR (no hidden case shown)")
    from .limits import DEFAULT_LIMITS, Limits

    parser.add_argument("--memory", type=int, default=DEFAULT_LIMITS.rss_mb, metavar="MB",
                        help=f"memory of a submission's processes together (default {DEFAULT_LIMITS.rss_mb})")
    parser.add_argument("--address-space", type=int, default=DEFAULT_LIMITS.address_space_mb, metavar="MB",
                        help="address space per process, RLIMIT_AS (default "
                             f"{DEFAULT_LIMITS.address_space_mb}; TensorFlow needs about 2000)")
    parser.add_argument("--cpu", type=int, default=DEFAULT_LIMITS.cpu_s, metavar="SECONDS",
                        help=f"CPU time per kernel (default {DEFAULT_LIMITS.cpu_s})")
    parser.add_argument("--processes", type=int, default=DEFAULT_LIMITS.processes, metavar="N",
                        help=f"processes a submission may start (default {DEFAULT_LIMITS.processes})")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    if not args.solutions.is_dir():
        parser.error(f"no solutions folder at {args.solutions}")
    notebooks, missing = find_notebooks(args.paths)
    if not notebooks and missing:
        parser.error("no such file or folder: " + ", ".join(map(str, missing)))
    if not notebooks:
        print("warning: no notebooks (*.ipynb) found in " + ", ".join(args.paths) + "; nothing graded",
              file=sys.stderr)
        return 1
    if args.json and not Path(args.json).resolve().parent.is_dir():
        parser.error(f"the folder for --json does not exist: {Path(args.json).parent}")

    def progress(result, seconds):
        print(f"graded {result.path} in {seconds:.1f} s", file=sys.stderr, flush=True)

    limits = Limits(address_space_mb=args.address_space, rss_mb=args.memory, cpu_s=args.cpu,
                    processes=args.processes, file_mb=DEFAULT_LIMITS.file_mb)
    for opt, folder in (("--report", args.report and Path(args.report).resolve().parent),):
        if folder and not folder.is_dir():
            parser.error(f"the folder for {opt} does not exist: {folder}")
    start = time.perf_counter()
    try:
        report = grade_paths(args.paths, args.solutions, args.timeout, progress, args.jobs, limits)
    except ValueError as exc:  # a broken source notebook
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    seconds = time.perf_counter() - start
    if args.json:
        write_json_atomic(args.json, report)
    if args.report:
        from .report import write_report

        n = len(report["notebooks"])
        write_report(report, args.report, timing=f"Graded in {seconds:.0f} s with --jobs {args.jobs} ({n} notebooks).")
        print(f"class report: {args.report}", file=sys.stderr)
    if args.feedback:
        from .feedback import write_feedback

        pages = write_feedback(report, args.feedback)
        print(f"feedback: {len(pages)} page{'s' * (len(pages) != 1)} in {args.feedback}", file=sys.stderr)
    ok = all(nb["status"] == "graded" for nb in report["notebooks"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
