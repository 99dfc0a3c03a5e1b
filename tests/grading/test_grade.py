"""convlib.grading.grade: full marks for solutions, zero for exercises, and no points for cheating or crashing.

Kernels are expensive (about 2 s each), so two module-scoped fixtures grade
everything once: the command line on solutions/ + exercises/, and the API on
a folder of adversarial submissions.  The remaining tests need no kernel.
"""

import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from convlib.grading.recorder import answers
from convlib.grading.recording import collect
from convlib.checks.record import MAX_NUMBERS, decode, encode, fingerprint
from convlib.grading.cli import format_report, write_json_atomic
from convlib.grading.grade import grade_paths
from tests.grading import GRADE_FLAGS, SANDBOXED
from convlib.grading.judging import judge
from convlib.grading.planning import learner_names, plan
from convlib.grading.sources import find_notebooks, load_sources, match_source, read_cells
from convlib.grading.kernel import ExecResult

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"


def digest(paths):
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


def source_points():
    """grade_id -> points for every test cell of every source, read with nbformat (not via the grader)."""
    out = {}
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        out[path.name] = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
                          for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    return out


# --------------------------------------------------------------------------- the course's own notebooks (CLI)


@pytest.fixture(scope="module")
def course_run(tmp_path_factory):
    files = sorted(SOLUTIONS.glob("*.ipynb")) + sorted(EXERCISES.glob("*.ipynb"))
    before = digest(files)
    out = tmp_path_factory.mktemp("grade") / "report.json"
    proc = subprocess.run([sys.executable, "-m", "convlib", "grade", *GRADE_FLAGS, "solutions", "exercises", "--json", str(out),
                           "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = json.loads(out.read_text()) if out.exists() else None
    return {"proc": proc, "report": report, "before": before, "after": digest(files),
            "json_dir": out.parent}


def by_folder(report, folder):
    return {Path(nb["path"]).name: nb for nb in report["notebooks"] if Path(nb["path"]).parent.name == folder}


@pytest.mark.slow  # shares a grading run of many notebooks
def test_command_succeeds_and_prints_tables(course_run):
    proc = course_run["proc"]
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    n = 2 * len(source_points())
    total = f"TOTAL {course_run['report']['score']} / {course_run['report']['max_score']} over {n} notebooks"
    assert lines[-1] == total + ("" if SANDBOXED else "  (NOT ISOLATED)")
    assert sum(1 for line in lines if line.startswith("  score ")) == n
    assert "test_correlate2d_valid" in proc.stdout and "not implemented" in proc.stdout


@pytest.mark.slow  # shares a grading run of many notebooks
def test_every_solution_scores_full_marks(course_run):
    points = source_points()
    solutions = by_folder(course_run["report"], "solutions")
    assert sorted(solutions) == sorted(points)
    for name, nb in solutions.items():
        assert nb["status"] == "graded"
        assert {t["grade_id"]: t["max_points"] for t in nb["tests"]} == points[name]
        assert [t["status"] for t in nb["tests"]] == ["passed"] * len(nb["tests"]), nb
        assert nb["score"] == nb["max_score"] == sum(points[name].values())


@pytest.mark.slow  # shares a grading run of many notebooks
def test_every_exercise_scores_zero_without_crashing(course_run):
    exercises = by_folder(course_run["report"], "exercises")
    assert sorted(exercises) == sorted(source_points())
    for nb in exercises.values():
        assert nb["status"] == "graded" and nb["score"] == 0 and nb["max_score"] > 0
        assert {t["status"] for t in nb["tests"]} == {"not implemented"}
        assert all(t["message"].startswith("NotImplementedError") for t in nb["tests"])


@pytest.mark.slow  # shares a grading run of many notebooks
def test_json_report_has_the_documented_shape(course_run):
    report = course_run["report"]
    assert set(report) == {"notebooks", "score", "max_score", "misconceptions", "flags", "isolation", "limits",
                           "complete"}
    assert report["isolation"] == ("sandbox" if SANDBOXED else "not isolated") and report["complete"] is True
    assert report["limits"] in ("cgroup", "rlimit", "cgroup/rlimit")
    assert report["misconceptions"] == [] and report["flags"] == []  # solutions and stubs: no wrong model
    assert report["max_score"] == 2 * sum(sum(p.values()) for p in source_points().values())
    for nb in report["notebooks"]:
        assert {"path", "score", "max_score", "tests"} <= set(nb)
        for t in nb["tests"]:
            assert set(t) == {"grade_id", "points", "max_points", "status", "message", "misconception", "hidden"}
            assert t["misconception"] is None
    assert [p.name for p in course_run["json_dir"].iterdir()] == ["report.json"]  # no temporary file left


@pytest.mark.slow  # shares a grading run of many notebooks
def test_grading_never_modifies_the_notebooks(course_run):
    assert course_run["before"] == course_run["after"]


# --------------------------------------------------------------------------- adversarial submissions (API)


def gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def load(name):
    return json.loads((SOLUTIONS / name).read_text())


def set_source(nb, grade_id, source):
    next(c for c in nb["cells"] if gid(c) == grade_id)["source"] = source


def source_of(nb, grade_id):
    return "".join(next(c for c in nb["cells"] if gid(c) == grade_id)["source"])


def insert_after(nb, grade_id, source, meta=None):
    i = next(i for i, c in enumerate(nb["cells"]) if gid(c) == grade_id)
    nb["cells"].insert(i + 1, {"cell_type": "code", "metadata": meta or {}, "source": source, "outputs": [],
                               "execution_count": None})


def drop(nb, predicate):
    nb["cells"] = [c for c in nb["cells"] if not predicate(c)]


NB5 = "05-output-size-and-same.ipynb"

CHEAT_OUTPUT_SIZE = '''
def output_size(n, k, stride=1, padding=0, dilation=1):
    return n - k + 1  # wrong
import builtins, numpy as np, convlib.checks
def check_output_size(fn, **kwargs):  # redefine the check in the namespace...
    pass
convlib.checks.check_output_size = lambda *a, **k: None  # ...and in the module
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
builtins.AssertionError = type("AssertionError", (Exception,), {})
'''
CHEAT_SAME_PADDING = '''
def same_padding(n, k, stride=1):
    # patch the checks' comparison while they run, through every frame on the stack
    import inspect, convlib.checks.engine as tools
    tools._same = lambda *a: True
    for info in inspect.stack():
        if "_same" in info.frame.f_globals:
            info.frame.f_globals["_same"] = lambda *a: True
    return (0, 0)  # wrong
'''
CHEAT_DILATE = '''
import sys, types
def dilate_kernel(k, d):
    return k  # wrong
fake = types.ModuleType("convlib.checks")
for name in dir(sys.modules["convlib.checks"]):
    setattr(fake, name, lambda *a, **k: None)
sys.modules["convlib.checks"] = fake
get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)  # hide every error
'''
HOOKS = '''
import ast
def output_size(n, k, stride=1, padding=0, dilation=1):
    return 0  # wrong
class Silence(ast.NodeTransformer):  # rewrite every later cell (test cells too) into nothing
    def visit_Module(self, node):
        node.body = [ast.Pass()]
        return node
get_ipython().ast_transformers.append(Silence())
'''


def adversarial_notebooks():
    subs = {}
    nb = load(NB5)
    set_source(nb, "output_size", CHEAT_OUTPUT_SIZE)
    set_source(nb, "same_padding", CHEAT_SAME_PADDING)
    set_source(nb, "dilate_kernel", CHEAT_DILATE)
    subs["cheats/" + NB5] = nb  # unused_rows stays correct

    nb = load(NB5)
    set_source(nb, "output_size", HOOKS)
    subs["hooks/" + NB5] = nb

    nb = load(NB5)  # test cells deleted or edited, an answer deleted, a fake graded cell added
    drop(nb, lambda c: (gid(c) or "").startswith("test_") and gid(c) != "test_dilate_kernel")
    set_source(nb, "test_dilate_kernel", "pass")
    drop(nb, lambda c: gid(c) == "same_padding")
    set_source(nb, "unused_rows", "def unused_rows(n, k, stride=1, padding=(0, 0)):\n    return 0\n")
    insert_after(nb, "unused_rows", "print('bonus')", {"nbgrader": {
        "grade": True, "grade_id": "bonus", "locked": True, "points": 100, "schema_version": 3, "solution": False}})
    subs["deleted/05-output-size-and-same-alice.ipynb"] = nb  # matched by its metadata, not its name

    nb = load(NB5)
    set_source(nb, "output_size", source_of(nb, "output_size") + "\nimport sys\nsys.exit('bye')\n")
    set_source(nb, "same_padding", "def same_padding(n, k, stride=1)\n    return 0, 0\n")  # syntax error
    set_source(nb, "unused_rows", "def unused_rows(n, k, stride=1, padding=(0, 0)):\n    while True:\n        pass\n")
    set_source(nb, "dilate_kernel", source_of(nb, "dilate_kernel") + "\nnp.zeros = None  # an experiment gone wrong\n")
    subs["crashes/" + NB5] = nb

    nb = load(NB5)
    insert_after(nb, "output_size", "exit()")  # IPython's exit: the kernel shuts down after the cell
    set_source(nb, "same_padding", "def same_padding(n, k, stride=1):\n    import os\n    os._exit(1)\n")
    insert_after(nb, "unused_rows", "import time\nwhile True:\n    try:\n        time.sleep(10)\n"
                                    "    except KeyboardInterrupt:\n        pass\n")  # ignores the interrupt
    subs["kills/" + NB5] = nb

    nb = load("02-cross-correlation.ipynb")
    insert_after(nb, "correlate2d_valid", "print('x' * 3_000_000)\nfor i in range(20000):\n    print(i)\n")
    subs["flood/02-cross-correlation.ipynb"] = nb

    nb = load("04-many-filters.ipynb")
    nb["cells"] = []
    subs["empty/04-many-filters.ipynb"] = nb

    nb = load("04-many-filters.ipynb")
    nb["metadata"].pop("convlib")
    subs["stray/99-unknown.ipynb"] = nb
    return subs


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    for rel, nb in adversarial_notebooks().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(json.dumps(nb))
    (root / "broken").mkdir()
    (root / "broken" / NB5).write_text("{not json")
    files = sorted(root.rglob("*.ipynb"))
    before = digest(files)
    # 20 s per cell: the endless loops always meet it, and an honest cell (well under 1 s) never does, however
    # loaded the machine
    report = grade_paths([root], timeout=20, jobs=2, sandbox=SANDBOXED)
    results = {str(Path(nb["path"]).parent.name): nb for nb in report["notebooks"]}
    return {"results": results, "before": before, "after": digest(files), "report": report}


def statuses(nb):
    return {t["grade_id"]: t["status"] for t in nb["tests"]}


@pytest.mark.slow  # shares a grading run of many notebooks
def test_redefining_or_patching_checks_numpy_and_convlib_earns_nothing(adversarial):
    nb = adversarial["results"]["cheats"]
    # patching the checks' comparison through convlib.checks.engine is also flagged: it reaches past check_*
    assert statuses(nb) == {"test_output_size": "failed", "test_same_padding": "flagged",
                            "test_unused_rows": "passed", "test_dilate_kernel": "failed"}
    assert nb["score"] == 2 and nb["max_score"] == 10
    output_size = next(t for t in nb["tests"] if t["grade_id"] == "test_output_size")
    assert "expected" in output_size["message"]  # the real check's message, with the values


@pytest.mark.slow  # shares a grading run of many notebooks
def test_hiding_the_test_code_from_the_kernel_earns_nothing(adversarial):
    nb = adversarial["results"]["hooks"]
    assert nb["score"] == 0
    assert "passed" not in statuses(nb).values()


@pytest.mark.slow  # shares a grading run of many notebooks
def test_deleted_and_edited_test_cells_are_graded_from_the_source(adversarial):
    nb = adversarial["results"]["deleted"]
    assert nb["source"].endswith(NB5) and nb["max_score"] == 10
    assert statuses(nb) == {"test_output_size": "passed", "test_same_padding": "error",
                            "test_unused_rows": "failed", "test_dilate_kernel": "passed"}
    assert nb["score"] == 5  # the fake 100-point cell counts for nothing
    same = next(t for t in nb["tests"] if t["grade_id"] == "test_same_padding")
    assert "NameError" in same["message"]


@pytest.mark.slow  # shares a grading run of many notebooks
def test_syntax_errors_exceptions_and_endless_loops_cost_only_their_task(adversarial):
    nb = adversarial["results"]["crashes"]
    assert statuses(nb) == {"test_output_size": "passed", "test_same_padding": "error",
                            "test_unused_rows": "timeout", "test_dilate_kernel": "passed"}
    same = next(t for t in nb["tests"] if t["grade_id"] == "test_same_padding")
    assert "SyntaxError" in same["message"]
    assert nb["score"] == 5


@pytest.mark.slow  # shares a grading run of many notebooks
def test_exit_os_exit_and_uninterruptible_loops_do_not_stop_grading(adversarial):
    nb = adversarial["results"]["kills"]
    assert statuses(nb) == {"test_output_size": "passed", "test_same_padding": "kernel died",
                            "test_unused_rows": "passed", "test_dilate_kernel": "passed"}
    assert nb["score"] == 7


@pytest.mark.slow  # shares a grading run of many notebooks
def test_output_floods_are_survived(adversarial):
    nb = adversarial["results"]["flood"]
    assert nb["score"] == nb["max_score"] == 8


@pytest.mark.slow  # shares a grading run of many notebooks
def test_unreadable_empty_and_unknown_notebooks(adversarial):
    results = adversarial["results"]
    broken = results["broken"]
    assert broken["status"] == "unreadable" and broken["score"] == 0 and broken["max_score"] == 10
    assert {t["status"] for t in broken["tests"]} == {"not run"}
    empty = results["empty"]
    assert empty["status"] == "graded" and empty["score"] == 0 and empty["max_score"] == 9
    assert {t["status"] for t in empty["tests"]} == {"error"}
    assert results["stray"]["status"] == "no source" and results["stray"]["max_score"] == 0


@pytest.mark.slow  # shares a grading run of many notebooks
def test_adversarial_submissions_are_not_modified(adversarial):
    assert adversarial["before"] == adversarial["after"]


@pytest.mark.slow  # shares a grading run of many notebooks
def test_report_table_lists_every_notebook(adversarial):
    text = format_report(adversarial["report"])
    for name in adversarial["results"]:
        assert f"/{name}/" in text
    assert "unreadable" in text and "no source" in text and text.splitlines()[-1].startswith("TOTAL ")
    assert "keep the exercise's file name" in text and "--solutions" in text  # the hint for a stray notebook


@pytest.mark.slow  # shares a grading run of many notebooks
def test_a_folder_of_learners_gets_a_subtotal_per_learner(adversarial):
    report = adversarial["report"]
    assert {"notebooks", "score", "max_score"} <= set(report)
    learners = {entry["learner"]: entry for entry in report["learners"]}
    assert set(learners) == set(adversarial["results"])  # one folder per submission in this fixture
    for name, nb in adversarial["results"].items():
        assert learners[name]["score"] == nb["score"] and learners[name]["max_score"] == nb["max_score"]
        assert learners[name]["notebooks"] == 1
    assert sum(e["score"] for e in report["learners"]) == report["score"]
    text = format_report(report)
    for entry in report["learners"]:
        assert f"learner {entry['path']}: {entry['score']} / {entry['max_score']} over 1 notebook" in text


def test_table_drops_the_function_signature_before_the_hint():
    message = ("correlate2d_valid(x, k): your result equals cross-correlation with the kernel flipped\n  case: ...")
    report = {"notebooks": [{"path": "a/02.ipynb", "source": "solutions/02.ipynb", "status": "graded", "score": 0,
                             "max_score": 3, "tests": [{"grade_id": "test_correlate2d_valid", "points": 0,
                                                        "max_points": 3, "status": "failed", "message": message}]}],
              "score": 0, "max_score": 3}
    row = next(line for line in format_report(report).splitlines() if "test_correlate2d_valid" in line)
    assert row.endswith("failed           your result equals cross-correlation with the kernel flipped")
    assert "learner" not in format_report(report)  # no learner folders, no subtotals


def test_an_empty_folder_warns_and_exits_1(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "convlib", "grade", *GRADE_FLAGS, str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1 and "no notebooks" in proc.stderr and proc.stdout == ""


# --------------------------------------------------------------------------- judging from recorded answers


def record(test_code, namespace):
    """The records a grading kernel sends for a test cell (as JSON): its inputs collected, the functions called on them."""
    return json.loads(json.dumps(answers(json.dumps(collect(test_code)), dict(namespace))))


def normal_verdict(test_code, namespace):
    try:
        exec(test_code, dict(namespace))
    except AssertionError as exc:
        return "failed", str(exc)
    return "passed", ""


OK = ExecResult(status="ok")


def corr(x, k):
    kh, kw = k.shape
    return np.array([[np.sum(x[i:i + kh, j:j + kw] * k) for j in range(x.shape[1] - kw + 1)]
                     for i in range(x.shape[0] - kh + 1)])


CODE = "from convlib.checks import check_correlate2d\n\ncheck_correlate2d(f)\n"


@pytest.mark.parametrize("fn", [
    corr,
    lambda x, k: corr(x, k[::-1, ::-1]),
    lambda x, k: corr(x, k).T,
    lambda x, k: corr(x, k).tolist(),
    lambda x, k: None,
    lambda x, k: "a string",
    lambda x, k: np.float32(corr(x, k)),
], ids=["correct", "flipped", "transposed", "list", "None", "str", "float32"])
def test_replayed_verdict_equals_the_in_process_verdict(fn, capsys):
    expected = normal_verdict(CODE, {"f": fn})
    got = judge(CODE, record(CODE, {"f": fn}), OK, 5)
    assert got == expected
    capsys.readouterr()


def test_records_hold_no_expected_values():
    """In recording mode the check computes no reference answer (nothing to steal from its frames)."""
    called = []
    import convlib.checks.cross_correlation as checks_module

    original = checks_module._corr
    checks_module._corr = lambda *a, **k: called.append(1) or original(*a, **k)
    try:
        record(CODE, {"f": corr})
    finally:
        checks_module._corr = original
    assert called == []


def test_replay_reproduces_exceptions_and_in_place_changes():
    def stub(x, k):
        raise NotImplementedError()

    def raises(x, k):
        raise ValueError("bad shape")

    def mutates(x, k):
        x[0, 0] = 99
        return corr(x, k)

    assert judge(CODE, record(CODE, {"f": stub}), OK, 5)[0] == "not implemented"
    status, message = judge(CODE, record(CODE, {"f": raises}), OK, 5)
    assert status == "failed" and "raised ValueError" in message and "bad shape" in message
    status, message = judge(CODE, record(CODE, {"f": mutates}), OK, 5)
    assert status == "failed" and "changed its input" in message
    status, message = judge(CODE, record(CODE, {"f": 3}), OK, 5)
    assert status == "failed" and "not a function" in message


def test_forged_or_missing_records_earn_nothing():
    good = record(CODE, {"f": corr})
    assert judge(CODE, good, OK, 5) == ("passed", "")
    forged = copy.deepcopy(good)
    forged[0]["args"] = "0" * 64
    assert judge(CODE, forged, OK, 5)[0] == "failed"
    garbage = [{"args": good[0]["args"], "result": {"t": "nd", "dtype": "<f8", "shape": [99], "b64": "!!"}}]
    assert judge(CODE, garbage, OK, 5)[0] == "failed"
    assert judge(CODE, good[:2], OK, 5)[0] == "error"  # the kernel stopped early
    assert judge(CODE, ["not a dict"], OK, 5)[0] == "failed"
    name_error = ExecResult(status="error", ename="NameError", evalue="name 'f' is not defined")
    assert judge(CODE, [], name_error, 5) == ("error", "NameError: name 'f' is not defined")
    assert judge(CODE, [], ExecResult(status="timeout"), 7) == ("timeout", "stopped after 7 s: does a loop never end?")
    assert judge(CODE, [], ExecResult(status="dead"), 5)[0] == "kernel died"


def test_stderr_in_a_test_cell_fails_as_in_nbgrader():
    noisy = ExecResult(status="ok", stderr="debug output\n")
    status, message = judge(CODE, record(CODE, {"f": corr}), noisy, 5)
    assert status == "failed" and "standard error" in message and "debug output" in message


@pytest.mark.parametrize("value", [
    None, True, 7, 2**80, 1.5, float("nan"), float("inf"), "text", [1, 2.5, [3]], (4, (5.0,)),
    np.arange(6.0).reshape(2, 3), np.array([np.nan, 1.0], np.float32), np.int64(3), np.float32(2.5),
    np.array(5), np.zeros((0, 3)),
], ids=repr)
def test_encode_decode_round_trip(value):
    back = decode(json.loads(json.dumps(encode(value))))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value


def test_encode_plain_copies_of_subclasses_and_opaque_objects():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True

    back = decode(encode(np.arange(3.0).view(Sneaky)))
    assert type(back) is np.ndarray
    opaque = decode(encode(object()))
    with pytest.raises((TypeError, ValueError)):
        np.array(opaque, dtype=float)
    assert encode(np.zeros(MAX_NUMBERS + 1))["t"] == "big"


def test_fingerprint_sees_values_shapes_and_types():
    a = np.arange(6.0).reshape(2, 3)
    assert fingerprint((a,)) == fingerprint((a.copy(),))
    assert fingerprint((a,)) != fingerprint((a.reshape(3, 2),))
    assert fingerprint((a,)) != fingerprint((a + 1,))
    assert fingerprint((1, 2)) != fingerprint((1.0, 2))


# --------------------------------------------------------------------------- planning, matching, files


def cell(kind, source, grade_id=None, **flags):
    meta = {}
    if grade_id:
        meta = {"nbgrader": {"grade_id": grade_id, "schema_version": 3, "grade": False, "solution": False,
                             "locked": False, **flags}}
    return {"cell_type": kind, "source": source, "metadata": meta}


SOURCE = [
    cell("markdown", "# title"),
    cell("code", "import numpy as np", "setup", locked=True),
    cell("code", "def f(): pass", "f", solution=True),
    cell("code", "check(f)", "test_f", grade=True, locked=True, points=2),
    cell("code", "def g(): pass", "g", solution=True),
    cell("code", "check(g)", "test_g", grade=True, locked=True, points=3),
]


def steps_of(submission):
    return [(s.kind, s.code, s.grade_id) for s in plan(SOURCE, submission)]


def test_plan_runs_the_source_skeleton_with_the_learners_answers():
    sub = copy.deepcopy(SOURCE)
    sub[1]["source"] = "import os  # edited read-only cell"
    sub[2]["source"] = "def f(): return 1"
    sub[3]["source"] = "pass  # edited test"
    assert steps_of(sub) == [("state", "import numpy as np", "setup"), ("state", "def f(): return 1", "f"),
                             ("test", "check(f)", "test_f"), ("state", "def g(): pass", "g"),
                             ("test", "check(g)", "test_g")]


def test_plan_restores_deleted_tests_keeps_extra_cells_and_ignores_fake_graded_cells():
    sub = [cell("code", "x = 0"), SOURCE[2], cell("code", "helper = 1"),
           cell("code", "bonus", "bonus", grade=True, points=100), cell("markdown", "notes"),
           {"cell_type": "code", "source": ["def g():", " return 2"], "metadata": SOURCE[4]["metadata"]},
           cell("code", "def g(): return 3", "g", solution=True)]  # a duplicate grade_id: an extra cell
    assert steps_of(sub) == [("state", "x = 0", None), ("state", "import numpy as np", "setup"),
                             ("state", "def f(): pass", "f"), ("state", "helper = 1", None),
                             ("state", "bonus", None), ("test", "check(f)", "test_f"),
                             ("state", "def g(): return 2", "g"), ("state", "def g(): return 3", None),
                             ("test", "check(g)", "test_g")]


def test_plan_skips_deleted_or_converted_answers():
    sub = [SOURCE[0], SOURCE[1], {**SOURCE[4], "cell_type": "markdown"}]
    assert steps_of(sub) == [("state", "import numpy as np", "setup"), ("test", "check(f)", "test_f"),
                             ("test", "check(g)", "test_g")]


def test_learner_names():
    code = "from convlib.checks import check_a\nimport numpy as np\nx = np.ones(3)\ncheck_a(f, x, seed=1)\nprint(g)"
    assert learner_names(code) == {"f", "g"}


def test_find_and_match_notebooks(tmp_path):
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir(parents=True)
    for rel in ["a/02-cross-correlation.ipynb", "a/.ipynb_checkpoints/x.ipynb", "b.ipynb"]:
        (tmp_path / rel).write_text("{}")
    found, missing = find_notebooks([tmp_path, tmp_path / "b.ipynb", tmp_path / "nope"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/02-cross-correlation.ipynb", "b.ipynb"]
    assert missing == [tmp_path / "nope"]
    sources = load_sources(SOLUTIONS)
    assert match_source(Path("x/02-cross-correlation.ipynb"), {}, sources).path.name == "02-cross-correlation.ipynb"
    assert match_source(Path("alice.ipynb"), {"convlib": {"exercise": "03-channel-sum"}}, sources).exercise == \
        "03-channel-sum"
    assert match_source(Path("06-im2col-gemm (1).ipynb"), {}, sources).exercise == "06-im2col-gemm"
    assert match_source(Path("notes.ipynb"), {"convlib": []}, sources) is None


def test_read_cells_rejects_what_is_not_a_notebook(tmp_path):
    for text in ["{not json", "[]", '{"cells": 3}']:
        (tmp_path / "x.ipynb").write_text(text)
        with pytest.raises(ValueError):
            read_cells(tmp_path / "x.ipynb")


def test_json_is_written_atomically(tmp_path):
    target = tmp_path / "report.json"
    write_json_atomic(target, {"score": 1})
    assert json.loads(target.read_text()) == {"score": 1}
    with pytest.raises(TypeError):
        write_json_atomic(target, {"score": object()})  # fails half-way: the old file stays whole
    assert json.loads(target.read_text()) == {"score": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


@pytest.mark.parametrize("args", [["does-not-exist.ipynb"], ["solutions", "--timeout", "0"],
                                  ["solutions", "--json", "/no/such/folder/r.json"]])
def test_command_line_errors_exit_2(args):
    proc = subprocess.run([sys.executable, "-m", "convlib", "grade", *GRADE_FLAGS, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "error" in proc.stderr
