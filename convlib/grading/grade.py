"""Grade submitted exercise notebooks against their sources in ``solutions/``.

    convlib grade PATH... [--json FILE] [--timeout SECONDS] [--notebook-timeout SECONDS] [--jobs N]
                                    [--solutions DIR] [--no-sandbox]

A PATH is a notebook or a folder (searched recursively for ``*.ipynb``).  For
each submission the grader

1. reads it (never writes it) and matches it to its source in ``solutions/`` by
   file name (then by the ``convlib.exercise`` metadata the exercises carry);
2. builds the cells to run from the **source**: its read-only cells in the
   source's order, the learner's answer cells matched by ``grade_id``, and any
   cells the learner added after them.  A deleted or edited test cell
   therefore changes nothing;
3. runs them in a fresh kernel (:mod:`convlib.grading.kernel`) inside a
   sandbox (:mod:`convlib.grading.sandbox`: its own namespaces, no network, no
   view of the repository or of other submissions) under memory, process and
   disk limits (:mod:`convlib.grading.limits`), each cell with a time limit
   and all of them together with one per notebook
   (:mod:`convlib.grading.runner`).  The kernel's convlib offers only what
   the notebook's tasks may call (:mod:`convlib.grading.view`), and a test
   cell never runs there: its inputs are collected in this process and the
   kernel only calls the learner's functions on them
   (:mod:`convlib.grading.recording`, :mod:`convlib.grading.recorder`);
4. judges each test cell in this process (:mod:`convlib.grading.judging`): it
   runs the source's test code with stand-ins that return the recorded
   answers.  No expected value, reference or hidden test is ever in the
   kernel, and the messages are the checks' own.

A test cell scores its points or nothing; its status is one of ``passed``,
``failed``, ``not implemented``, ``error``, ``timeout``, ``kernel died`` or
``not run``.  A submission that exits, kills its kernel or loops forever loses
the tests that depend on the offending cell; the grader restarts the kernel,
re-runs the other cells and goes on.  The grader prints a table per notebook
and a total, and with ``--json`` writes (atomically, rewritten after each
notebook so that what is graded is never lost; ``"complete": true`` once all
are)::

    {"notebooks": [{"path", "score", "max_score", "status", "source", "learner", "limits", "flags",
                    "tests": [{"grade_id", "points", "max_points", "status", "message", ...}]}],
     "score", "max_score", "isolation", "limits", "complete", "misconceptions", "flags"}

``"isolation"`` is ``"sandbox"`` or ``"not isolated"`` (``--no-sandbox``);
``"limits"`` says how the limits were enforced (``"cgroup"``, ``"rlimit"``).

When a PATH is a folder of learners' folders (``submissions/alice/...``), the
printout also gives a subtotal per learner folder, and the JSON an extra key
``"learners": [{"learner", "path", "score", "max_score", "notebooks"}]``
(``notebooks``: how many were graded for that learner).

Exit status: 0 when every notebook was graded, 1 when some could not be (no
source, unreadable, kernel failure) or none was found, 2 for bad arguments or
a missing sandbox.

The parts: :mod:`~convlib.grading.results` (what a grade is),
:mod:`~convlib.grading.sources` (reading notebooks, matching sources),
:mod:`~convlib.grading.planning` (what to run), :mod:`~convlib.grading.runner`
(running a notebook), :mod:`~convlib.grading.judging` (verdicts),
:mod:`~convlib.grading.cli` (the command line); this module grades a class.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .notebooks import repo_root, show_path
from .results import NotebookResult, TestResult, num
from .runner import DEFAULT_NOTEBOOK_TIMEOUT, DEFAULT_TIMEOUT, grade_notebook, kernel_view
from .sources import load_sources

__all__ = ["grade_paths", "misconception_table"]

ROOT = repo_root()


def grade_paths(paths, solutions=ROOT / "solutions", timeout: float = DEFAULT_TIMEOUT, progress=None,
                jobs: int = 1, limits=None, *, notebook_timeout: float | None = DEFAULT_NOTEBOOK_TIMEOUT,
                sandbox: bool = True, on_report=None) -> dict:
    """Grade every notebook under ``paths``; the report as the JSON-able dict described in the module docstring.

    A path is a notebook, a folder, an nbgrader course or ``submitted/``
    folder, or a ``.zip`` of these (:mod:`convlib.grading.submissions`).
    ``jobs`` notebooks are graded at once, each in its own sandboxed kernel
    (``sandbox=False``: not isolated), under ``limits``
    (:class:`convlib.grading.limits.Limits`), ``timeout`` seconds per cell
    and ``notebook_timeout`` per notebook.  Each submission is read only when
    its turn comes (it cannot be reached by another one's code: the sandbox
    shows a kernel no other submission).  ``progress(result, seconds)`` is
    called as each notebook is graded, and ``on_report(report)`` with the
    report so far (``"complete": false``) after each, then once with the
    final one.
    """
    from .submissions import collect, safe_name

    sources = load_sources(Path(solutions))
    with collect(paths) as found, kernel_view() as view:
        subs = found.submissions
        results = [NotebookResult(safe_name(p), None, "unreadable") for p in found.missing]
        results += [NotebookResult(safe_name(show_path(p)), None, "unreadable",
                                   tests=[TestResult("link" if "symbolic link" in why else "zip", 0.0, 0.0,
                                                     "not run", why)])
                    for p, why in found.problems]
        first = len(results)
        results += [None] * len(subs)
        lock = threading.Lock()

        def one(index):
            sub = subs[index]
            start = time.perf_counter()
            try:
                result = grade_notebook(sub.path, sources, timeout, shown=sub.shown, limits=limits,
                                        learner=sub.learner, notebook_timeout=notebook_timeout, view=view,
                                        sandbox=sandbox)
            except Exception as exc:  # grade_notebook turns problems into statuses; this is the last resort
                result = NotebookResult(sub.shown, None, "grader error", learner=sub.learner)
                print(f"grader error on {sub.shown}: {type(exc).__name__}", file=sys.stderr)
            with lock:
                results[first + index] = result
                if progress is not None:
                    progress(result, time.perf_counter() - start)
                if on_report is not None:
                    on_report(_report(results, subs, first, sandbox, complete=False))
            return result

        with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
            list(pool.map(one, range(len(subs))))
    report = _report(results, subs, first, sandbox, complete=True)
    if on_report is not None:
        on_report(report)
    return report


def _report(results, subs, first, sandbox, complete) -> dict:
    done = [r for r in results if r is not None]
    report = {"notebooks": [r.as_dict() for r in done]}
    report["score"] = num(sum(r.score for r in done))
    report["max_score"] = num(sum(r.max_score for r in done))
    learners = {}
    for sub, result in zip(subs, results[first:]):
        if sub.learner is not None and result is not None:
            learners.setdefault((sub.learner_path, sub.learner), []).append(result)
    if learners:
        report["learners"] = [
            {"learner": name, "path": lpath, "score": num(sum(r.score for r in rs)),
             "max_score": num(sum(r.max_score for r in rs)), "notebooks": len(rs)}
            for (lpath, name), rs in learners.items()]
    report["misconceptions"] = misconception_table(report["notebooks"])
    report["flags"] = [{**f, "path": nb["path"], "learner": nb.get("learner")}
                       for nb in report["notebooks"] for f in nb.get("flags", [])]
    report["isolation"] = "sandbox" if sandbox else "not isolated"
    kinds = sorted({r.limits for r in done if r.limits})
    report["limits"] = "/".join(kinds) if kinds else None
    report["complete"] = bool(complete)
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

