"""Benchmark: grade a generated class of 30 learners x every exercise notebook (the figure in docs/grading.md).

    PYTHONPATH=. python scripts/bench_grading.py [--learners 30] [--jobs 2] [--out DIR] [--startup N] [-- GRADER-OPTIONS]

Writes the class (tests/grading/classroom.py: planted mistakes, a library call,
crashes, an endless loop, memory and fork bombs, ...) into a temporary folder,
runs ``convlib grade CLASS --jobs N --json --report --feedback`` in a
subprocess and prints the wall time, the notebooks graded and the misconception table.
``--startup N`` first measures what the sandbox costs: the median of N kernel
start-ups (start, the grader's set-up cell, close) in the sandbox and N without.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.grading.classroom import EXERCISES, make_class  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--learners", type=int, default=30)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", type=Path, help="keep the grades, report and feedback here")
    p.add_argument("--startup", type=int, default=0, metavar="N", help="also time N kernel start-ups each way")
    p.add_argument("grader_options", nargs="*", help="passed on to the grader (after --)")
    args = p.parse_args(argv)
    if args.startup:
        startup(args.startup)
    with tempfile.TemporaryDirectory(prefix="convlib-bench-") as tmp:
        out = args.out or Path(tmp) / "out"
        out.mkdir(parents=True, exist_ok=True)
        names = sorted(q.stem for q in EXERCISES.glob("*.ipynb"))
        make_class(Path(tmp) / "submissions", args.learners, names)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        cmd = [sys.executable, "-m", "convlib", "grade", str(Path(tmp) / "submissions"), "--jobs", str(args.jobs),
               "--json", str(out / "grades.json"), "--report", str(out / "report.html"),
               "--feedback", str(out / "feedback"), *args.grader_options]
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        report = json.loads((out / "grades.json").read_text())
    n = len(report["notebooks"])
    print(f"{args.learners} learners x {len(names)} notebooks = {n} notebooks graded with --jobs {args.jobs} "
          f"in {seconds:.0f} s ({seconds / 60:.1f} min; exit status {proc.returncode}) on {os.cpu_count()} cores")
    print(f"score {report['score']} / {report['max_score']}; {len(report['flags'])} flags; isolation "
          f"{report.get('isolation')}, limits {report.get('limits')}")
    print("| learners | misconception | task | exercise |\n|---|---|---|---|")
    for m in report["misconceptions"]:
        print(f"| {m['count']} | `{m['misconception']}` | {m['grade_id']} | {Path(m['source']).stem} |")
    return proc.returncode


def startup(n: int) -> None:
    """Print the median time of ``n`` kernel start-ups (start, set-up cell, close) with and without the sandbox."""
    import statistics

    from convlib.checks.record import MIME
    from convlib.grading.kernel import KernelSession
    from convlib.grading.runner import PRELUDE, kernel_view

    with kernel_view() as view:
        times = {True: [], False: []}
        for _ in range(n):
            for sandbox in (True, False):
                start = time.perf_counter()
                with KernelSession(MIME, extra_path=str(view), sandbox=sandbox) as session:
                    session.start()
                    r = session.execute(PRELUDE, 120)
                    assert r.status == "ok", r.message
                times[sandbox].append(time.perf_counter() - start)
    for sandbox, label in ((True, "sandbox (bwrap, cgroup, ipc)"), (False, "plain (--no-sandbox)")):
        print(f"kernel start-up, {label}: median {statistics.median(times[sandbox]):.2f} s over {n} "
              f"(min {min(times[sandbox]):.2f}, max {max(times[sandbox]):.2f})")


if __name__ == "__main__":
    sys.exit(main())
