"""The command line: ``python -m convlib.grade`` (or ``convlib grade``), its printed table and its JSON file."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from .notebooks import repo_root
from .runner import DEFAULT_NOTEBOOK_TIMEOUT, DEFAULT_TIMEOUT
from .sources import find_notebooks

__all__ = ["main", "format_report", "write_json_atomic", "printable"]

ROOT = repo_root()
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text) -> str:
    """``text`` safe for a terminal: control characters (ANSI escapes included) shown as ``\\x1b`` etc."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


NO_SOURCE_HINT = ("no notebook in the solutions folder has this file name (or its convlib.exercise metadata): "
                  "keep the exercise's file name, e.g. 05-output-size-and-same.ipynb, or point --solutions at "
                  "the folder that holds its source")
_SIGNATURE = re.compile(r"^[A-Za-z_]\w*\([^()]*\):\s+")  # "im2col(x, KH, KW): " at the start of a check's message


def format_report(report: dict) -> str:
    """The per-notebook tables, the subtotal per learner folder and the total, as printed by the command.

    Whatever a submission wrote (messages, names) is shown through :func:`printable`: no escape sequence
    reaches the terminal and no message adds a line.
    """
    lines = [printable(line) for line in _lines(report)]
    return "\n".join(lines)


def _lines(report: dict) -> list:
    lines = []
    if report.get("isolation") == "not isolated":
        lines += ["NOT ISOLATED: graded with --no-sandbox; a submission could have changed any file or result.", ""]
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
                msg = printable(msg)
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
    lines.append(f"TOTAL {_fmt(report['score'])} / {_fmt(report['max_score'])} over {n} notebook{'s' * (n != 1)}"
                 + ("  (NOT ISOLATED)" if report.get("isolation") == "not isolated" else ""))
    return [part for line in lines for part in str(line).split("\n")]


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def write_json_atomic(path, data) -> None:
    """Write ``data`` as JSON to ``path`` via a temporary file and ``os.replace``: never half a file.

    Pure ASCII (``ensure_ascii``): any name, even one that was not valid UTF-8, is written as escapes.
    """
    path = Path(path)
    text = json.dumps(data, indent=2, ensure_ascii=True) + "\n"
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
    from .grade import grade_paths
    from .limits import DEFAULT_LIMITS, Limits
    from .sandbox import INSTALL_HINT, bwrap_problem

    parser = argparse.ArgumentParser(
        prog="python -m convlib.grade",
        description="Grade exercise notebooks against their sources in solutions/. Each notebook runs in a "
                    "fresh kernel inside a bubblewrap sandbox (own namespaces, no network, no view of other "
                    "submissions or of the grader's files), under memory, process, disk and time limits.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a notebook or a folder of notebooks")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the results as JSON (atomically; rewritten as each notebook is graded, "
                             '"complete": true at the end)')
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"time limit per cell (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--notebook-timeout", type=float, default=DEFAULT_NOTEBOOK_TIMEOUT, metavar="SECONDS",
                        help="time limit for all the cells of one notebook together, restarts included "
                             f"(default {DEFAULT_NOTEBOOK_TIMEOUT:g}; an honest exercise takes 1-3 s)")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions", metavar="DIR",
                        help="where the sources are (default: the course's solutions/)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="notebooks graded at once, each in its own kernel (default 1)")
    parser.add_argument("--report", metavar="FILE.html",
                        help="also write the class report: one self-contained HTML page (misconceptions, pass "
                             "rates, scores, each learner)")
    parser.add_argument("--feedback", metavar="DIR",
                        help="also write one HTML feedback page per learner into DIR (no hidden case shown)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the bubblewrap sandbox: NOT ISOLATED (a submission can read and change "
                             "your files and other results); only for notebooks you trust")
    parser.add_argument("--memory", type=int, default=DEFAULT_LIMITS.rss_mb, metavar="MB",
                        help=f"memory of a submission's processes together (default {DEFAULT_LIMITS.rss_mb})")
    parser.add_argument("--address-space", type=int, default=DEFAULT_LIMITS.address_space_mb, metavar="MB",
                        help="address space per process, RLIMIT_AS (default "
                             f"{DEFAULT_LIMITS.address_space_mb}; TensorFlow needs about 2000)")
    parser.add_argument("--cpu", type=int, default=DEFAULT_LIMITS.cpu_s, metavar="SECONDS",
                        help=f"CPU time per kernel (default {DEFAULT_LIMITS.cpu_s})")
    parser.add_argument("--processes", type=int, default=DEFAULT_LIMITS.processes, metavar="N",
                        help=f"processes a submission may start (default {DEFAULT_LIMITS.processes})")
    parser.add_argument("--disk", type=int, default=DEFAULT_LIMITS.disk_mb, metavar="MB",
                        help=f"size of the sandbox's home, /tmp and /dev/shm, each (default {DEFAULT_LIMITS.disk_mb})")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    if args.notebook_timeout <= 0:
        parser.error("--notebook-timeout must be positive")
    if not args.solutions.is_dir():
        parser.error(f"no solutions folder at {args.solutions}")
    notebooks, missing = find_notebooks(args.paths)
    if not notebooks and missing:
        parser.error("no such file or folder: " + ", ".join(printable(m) for m in missing))
    if not notebooks:
        print("warning: no notebooks (*.ipynb) found in " + ", ".join(map(printable, args.paths)) + "; nothing graded",
              file=sys.stderr)
        return 1
    if args.json and not Path(args.json).resolve().parent.is_dir():
        parser.error(f"the folder for --json does not exist: {Path(args.json).parent}")
    for opt, folder in (("--report", args.report and Path(args.report).resolve().parent),):
        if folder and not folder.is_dir():
            parser.error(f"the folder for {opt} does not exist: {folder}")
    if not args.no_sandbox:
        problem = bwrap_problem()
        if problem:
            print(f"error: the grader runs every submission in a sandbox, and {problem}.\n{INSTALL_HINT}",
                  file=sys.stderr)
            return 2
    else:
        print("warning: --no-sandbox: submissions run NOT ISOLATED", file=sys.stderr)

    def progress(result, seconds):
        print(printable(f"graded {result.path} in {seconds:.1f} s"), file=sys.stderr, flush=True)

    def on_report(report):
        if args.json:
            write_json_atomic(args.json, report)

    limits = Limits(address_space_mb=args.address_space, rss_mb=args.memory, cpu_s=args.cpu,
                    processes=args.processes, file_mb=DEFAULT_LIMITS.file_mb, disk_mb=args.disk)
    start = time.perf_counter()
    try:
        report = grade_paths(args.paths, args.solutions, args.timeout, progress, args.jobs, limits,
                             notebook_timeout=args.notebook_timeout, sandbox=not args.no_sandbox,
                             on_report=on_report)
    except ValueError as exc:  # a broken source notebook
        print(f"error: {printable(exc)}", file=sys.stderr)
        return 2
    print(format_report(report))
    seconds = time.perf_counter() - start
    if args.report:
        from .report import write_report

        n = len(report["notebooks"])
        write_report(report, args.report, timing=f"Graded in {seconds:.0f} s with --jobs {args.jobs} ({n} notebooks).")
        print(f"class report: {printable(args.report)}", file=sys.stderr)
    if args.feedback:
        from .feedback import write_feedback

        pages = write_feedback(report, args.feedback)
        print(f"feedback: {len(pages)} page{'s' * (len(pages) != 1)} in {printable(args.feedback)}", file=sys.stderr)
    ok = all(nb["status"] == "graded" for nb in report["notebooks"])
    return 0 if ok else 1
