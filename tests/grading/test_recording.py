"""Judged outside: the kernel gets inputs and a convlib cut down to what the tasks may call, never an expected value."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import convlib
from convlib.checks import BY_EXERCISE
from convlib.checks.engine import Case
from convlib.grading.judging import judge
from convlib.grading.kernel import ExecResult
from convlib.grading.recorder import answers
from convlib.grading.recording import collect, record_code, records_of
from convlib.grading.view import allowed_names, build_view

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "solutions").glob("*.ipynb"))


def cells(path):
    return json.loads(path.read_text())["cells"]


def is_test(cell):
    meta = cell["metadata"].get("nbgrader", {})
    return cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution")


def solved_namespace(path):
    """The namespace of a solution notebook run here, test cells left out."""
    namespace = {"__name__": "__main__"}
    for cell in cells(path):
        if cell["cell_type"] == "code" and not is_test(cell):
            exec(compile("".join(cell["source"]), str(path), "exec"), namespace)
    return namespace


def verdict(test_code, namespace):
    """What the grader decides for a test cell, through the kernel's path: collect, call in ``namespace``, judge."""
    payload = json.dumps(collect(test_code))
    records = json.loads(json.dumps(answers(payload, namespace)))
    return judge(test_code, records, ExecResult(status="ok"), 30.0)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_honest_answers_pass_through_collect_record_judge(path):
    namespace = solved_namespace(path)
    for cell in filter(is_test, cells(path)):
        status, message = verdict("".join(cell["source"]), namespace)
        assert status == "passed", (cell["metadata"]["nbgrader"]["grade_id"], message)


def test_the_kernel_side_holds_no_case_and_no_expected_value():
    """Reading the caller's frames (the old trick: f_locals["case"].expected) finds inputs only."""
    test_code = "from convlib.checks import check_correlate2d\n\ncheck_correlate2d(correlate2d_valid)\n"

    def correlate2d_valid(x, k):
        frame, seen = sys._getframe(1), []
        while frame is not None:
            seen += list(frame.f_locals.values())
            frame = frame.f_back
        found = [v for v in seen if isinstance(v, Case) or hasattr(v, "expected")]
        return found[0].expected if found else x[: x.shape[0] - k.shape[0] + 1, : x.shape[1] - k.shape[1] + 1]

    status, message = verdict(test_code, {"correlate2d_valid": correlate2d_valid})
    assert status == "failed", message


def test_collect_sends_inputs_only():
    """The code the kernel runs holds the test cell's inputs, not its code, its hidden lines or an answer."""
    test_code = ("from convlib.checks import check_output_size\n\ncheck_output_size(output_size)\n"
                 "### BEGIN HIDDEN TESTS\ncheck_output_size(output_size, seed=2)\n### END HIDDEN TESTS\n")
    calls = collect(test_code)
    assert [c["name"] for c in calls] == ["output_size", "output_size"]
    code = record_code(calls)
    assert "check_output_size" not in code and "seed" not in code and "HIDDEN" not in code
    assert ast.parse(code)  # one expression the kernel can run


def test_records_published_by_anyone_but_the_recorder_are_not_believed():
    good = {"records": [{"args": "x", "result": {"t": "int", "v": "3"}}]}
    assert records_of([good]) == (good["records"], "")
    records, problem = records_of([good, good])
    assert records == [] and "only the grader" in problem


def test_calls_to_convlib_are_noted_per_case(tmp_path):
    """The view's functions note each call, so a task that calls one it may not use is found out."""
    view = build_view(tmp_path / "view", ["correlate2d"])
    script = (
        "import json, numpy as np, convlib\n"
        "from convlib.grading.recorder import answers\n"
        "from convlib.checks.record import encode\n"
        "ns = {'f': lambda x: getattr(convlib, 'corr' + 'elate2d')(x, np.ones((1, 1))), 'g': lambda x: x + 0}\n"
        "x = np.arange(6.0).reshape(2, 3)\n"
        "payload = json.dumps([{'name': n, 'cases': [[encode(x)]]} for n in 'fg'])\n"
        "print(json.dumps([r['called'] for r in answers(payload, ns)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": str(view), "PATH": ""},
                         capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert json.loads(out) == [["convlib.correlate2d"], []]


def _defined(view):
    """Every top-level name each module of the view's convlib defines, by module name."""
    names = {}
    for path in (view / "convlib").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names[path.relative_to(view).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")] = {
            n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return names


@pytest.mark.parametrize("exercise", sorted(BY_EXERCISE), ids=str)
def test_the_view_offers_only_what_the_tasks_may_call(tmp_path, exercise):
    source = next(p for p in SOURCES if p.stem == exercise)
    allowed = allowed_names(cells(source))
    view = build_view(tmp_path, allowed)
    defined = _defined(view)
    checks = {m for m in defined if m.startswith("convlib.checks")}
    assert checks == {"convlib.checks", "convlib.checks.engine", "convlib.checks.record"}
    assert "expected" not in (view / "convlib" / "checks" / "__init__.py").read_text()
    # The maths the notebook's checks use as references: none is in the view unless a task may call it.
    module = BY_EXERCISE[exercise]
    references = {v for v in vars(module).values()
                  if callable(v) and getattr(v, "__module__", "").startswith("convlib.")
                  and not v.__module__.startswith("convlib.checks")}
    offered = {getattr(convlib, n) for n in allowed}
    in_view = {name for m, ns in defined.items() if not m.startswith(("convlib.checks", "convlib.grading"))
               for name in ns}
    for ref in references - offered:
        needed_by_offered = ref.__name__ in in_view and any(
            ref.__module__ == getattr(convlib, n).__module__ for n in allowed)
        assert ref.__name__ not in in_view or needed_by_offered, f"{exercise}: {ref.__name__} is in the view"
    # The offered functions work there as in convlib, with nothing else importable.
    script = "import convlib\nprint(sorted(n for n, v in vars(convlib).items() if not n.startswith('_') and callable(v)))\n"
    out = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": str(view), "PATH": ""},
                         capture_output=True, text=True, cwd=tmp_path, check=True).stdout.splitlines()
    assert ast.literal_eval(out[0]) == sorted(allowed)

