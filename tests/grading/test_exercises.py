"""The exercise notebooks: nbgrader-format sources in solutions/, generated copies in exercises/."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convlib import checks
from convlib.grading.exercises import (SolutionFormatError, generate, make_exercise, nbgrader_meta, validate_source)

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

# Exercise notebook -> the course notebook it accompanies (names fixed by the course plan).
COURSE = {
    "01-kernel-shape-and-parameters.ipynb": "01-is-the-kernel-2d.ipynb",
    "02-cross-correlation.ipynb": "02-one-channel-cross-correlation.ipynb",
    "03-channel-sum.ipynb": "03-depth-the-channel-sum.ipynb",
    "04-many-filters.ipynb": "04-many-filters.ipynb",
    "05-output-size-and-same.ipynb": "05-stride-padding-dilation.ipynb",
    "06-im2col-gemm.ipynb": "06-im2col-and-gemm.ipynb",
    "07-backprop.ipynb": "07-backprop-through-channels.ipynb",
    "08-grouped.ipynb": "08-grouped-depthwise-separable.ipynb",
    "09-transposed-convolution.ipynb": "09-transposed-convolution.ipynb",
    "10-pooling.ipynb": "10-pooling.ipynb",
    "11-receptive-fields.ipynb": "11-receptive-fields.ipynb",
    "12-conventions-across-frameworks.ipynb": "12-conventions-across-frameworks.ipynb",
}
NAMES = sorted(COURSE)
# Every exercise notebook (other issues may add more): the format tests apply to all of them.
ALL = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))


def read(path):
    return nbformat.read(path, as_version=4)


def kind(cell):
    m = nbgrader_meta(cell)
    if m.get("grade") and not m.get("solution"):
        return "test"
    if m.get("solution"):
        return "solution"
    return "locked" if m.get("locked") else None


def test_the_exercises_exist_and_every_solution_has_its_exercise():
    assert set(NAMES) <= set(ALL)
    assert len(ALL) == 12
    assert sorted(p.name for p in EXERCISES.glob("*.ipynb")) == ALL


def test_exercises_are_up_to_date():
    """Fails when someone edits solutions/ without running `convlib exercises`."""
    proc = subprocess.run([sys.executable, "-m", "convlib", "exercises", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_detects_stale_missing_and_extra_files(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(SOLUTIONS, sol)
    shutil.copytree(EXERCISES, ex)
    out = []

    class Sink:
        def write(self, text):
            out.append(text)

    assert generate(sol, ex, check=True, out=Sink()) == 0
    nb = read(sol / NAMES[1])
    nb.cells[0].source += "\n\nA new sentence."
    nbformat.write(nb, sol / NAMES[1])
    (ex / NAMES[2]).unlink()
    shutil.copy(ex / NAMES[0], ex / "99-stray.ipynb")
    assert generate(sol, ex, check=True, out=Sink()) == 1
    text = "".join(out)
    assert NAMES[1] in text and NAMES[2] in text and "99-stray" in text
    assert generate(sol, ex, out=Sink()) == 0  # regenerate (the stray file is left alone)...
    (ex / "99-stray.ipynb").unlink()
    assert generate(sol, ex, check=True, out=Sink()) == 0  # ...and it is up to date again


@pytest.mark.parametrize("name", ALL)
def test_solution_is_a_valid_nbgrader_source(name):
    nb = read(SOLUTIONS / name)
    assert validate_source(nb, name) == []
    tests = [c for c in nb.cells if kind(c) == "test"]
    answers = [c for c in nb.cells if kind(c) == "solution"]
    assert 3 <= len(tests) <= 5
    assert len(answers) == len(tests)
    for cell in tests:
        m = nbgrader_meta(cell)
        assert m["schema_version"] == 3 and m["locked"] and m["points"] > 0
        assert m["grade_id"] == "test_" + nbgrader_meta(answers[tests.index(cell)])["grade_id"]
    # Every code cell is an nbgrader cell, so the grader can tell the learner's cells from its own.
    assert all(nbgrader_meta(c) for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", NAMES)
def test_every_test_cell_calls_a_convlib_check_on_the_answer(name):
    nb = read(SOLUTIONS / name)
    answers = iter(c for c in nb.cells if kind(c) == "solution")
    for cell in (c for c in nb.cells if kind(c) == "test"):
        answer = next(answers)
        defined = {n.name for n in ast.parse(answer.source).body if isinstance(n, ast.FunctionDef)}
        tree = ast.parse(cell.source)
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        assert calls, cell.source
        for call in calls:
            assert call.func.id in checks.__all__
            assert isinstance(call.args[0], ast.Name) and call.args[0].id in defined


@pytest.mark.parametrize("name", NAMES)
def test_links_to_its_course_notebook_and_neighbours(name):
    nb = read(SOLUTIONS / name)
    first, last = nb.cells[0].source, nb.cells[-1].source
    assert first.startswith(f"# Exercises {name[:2]} · ")
    for text in (first, last):
        assert f"(../notebooks/{COURSE[name]})" in text
        i = NAMES.index(name)
        for j in (i - 1, i + 1):
            if 0 <= j < len(NAMES):
                assert f"({NAMES[j]})" in text
    assert nb.metadata["convlib"]["exercise"] == name[:-6]
    assert nb.metadata["convlib"]["course_notebook"] == f"notebooks/{COURSE[name]}"
    assert (ROOT / "notebooks" / COURSE[name]).exists()


def test_every_exercise_has_its_checks_module():
    assert sorted(checks.BY_EXERCISE) == [n[:-6] for n in ALL]


@pytest.mark.parametrize("name", ALL)
def test_solutions_are_committed_executed(name):
    """nbval compares these stored outputs; every check printed its one ✓ line."""
    nb = read(SOLUTIONS / name)
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        assert cell.execution_count is not None
        assert not [o for o in cell.outputs if o.output_type == "error"]
        if kind(cell) == "test":
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            stderr = [o for o in cell.outputs if o.get("name") == "stderr"]
            assert not stderr
            n_checks = sum(1 for line in cell.source.splitlines() if line.startswith("check_"))
            assert text.count("\u2713") == n_checks


@pytest.mark.parametrize("name", ALL)
def test_exercise_is_the_solution_with_answers_stubbed(name):
    sol, ex = read(SOLUTIONS / name), read(EXERCISES / name)
    assert [c.id for c in sol.cells] == [c.id for c in ex.cells]
    for s, e in zip(sol.cells, ex.cells):
        locks = {k: e.metadata[k] for k in ("deletable", "editable") if k in e.metadata}
        assert s.metadata == {k: v for k, v in e.metadata.items() if k not in locks}
        # Locked as nbgrader's LockCells does it: answers cannot be deleted, tests and read-only cells not touched.
        expected_locks = {"solution": {"deletable": False}, "test": {"deletable": False, "editable": False}}.get(
            kind(s), {"deletable": False, "editable": False} if s.metadata.get("nbgrader", {}).get("locked") else {})
        assert locks == expected_locks, (name, s.id)
        text = e.source
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        if e.cell_type == "code":
            assert e.outputs == [] and e.execution_count is None
            ast.parse(text)  # the stub still compiles
        if kind(s) == "solution":
            # The signature and docstring stay; the answer becomes a stub at the answer's indentation.
            head = s.source.split("### BEGIN SOLUTION")[0]
            indent = re.search(r"( *)### BEGIN SOLUTION", s.source).group(1)
            assert text == head.rstrip(" ") + f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()"
            assert text.startswith("def ")
        elif kind(s) == "test":
            assert text == s.source.split("\n### BEGIN HIDDEN TESTS")[0]
        else:
            assert text == s.source


def test_some_test_cells_have_hidden_tests():
    hidden = [c for n in ALL for c in read(SOLUTIONS / n).cells if "### BEGIN HIDDEN TESTS" in c.source]
    assert len(hidden) >= 6
    assert all(kind(c) == "test" for c in hidden)


# --------------------------------------------------------------------------- the transformation itself


def nb_of(*cells):
    nb = nbformat.v4.new_notebook()
    for kind_, source, meta in cells:
        cell = nbformat.v4.new_code_cell(source) if kind_ == "code" else nbformat.v4.new_markdown_cell(source)
        cell.metadata = {"nbgrader": meta} if meta else {}
        nb.cells.append(cell)
    return nb


SOL = {"grade": False, "grade_id": "a", "locked": False, "schema_version": 3, "solution": True}
TEST = {"grade": True, "grade_id": "t", "locked": True, "points": 1, "schema_version": 3, "solution": False}


def test_stub_keeps_code_around_the_region_and_its_indentation():
    src = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\nprint(f)"
    out = make_exercise(nb_of(("code", src, SOL))).cells[0].source
    assert out == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(f)"


def test_solution_cell_without_markers_and_markdown_answers():
    nb = make_exercise(nb_of(("code", "x = 1", SOL), ("markdown", "The answer is 4.", {**SOL, "grade": True,
                                                                                        "points": 1})))
    assert nb.cells[0].source == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert nb.cells[1].source == "YOUR ANSWER HERE"


def test_hidden_tests_are_removed():
    src = "check(f)\n### BEGIN HIDDEN TESTS\ncheck(f, seed=1)\n### END HIDDEN TESTS\nprint('done')"
    assert make_exercise(nb_of(("code", src, TEST))).cells[0].source == "check(f)\nprint('done')"


@pytest.mark.parametrize("cells", [
    [("code", "### BEGIN SOLUTION\nx = 1", SOL)],
    [("code", "x = 1\n### END SOLUTION", SOL)],
    [("code", "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", SOL)],
    [("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION", None)],
    [("code", "### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS", SOL)],
    [("code", "check(f)\n### BEGIN HIDDEN TESTS\nx = 1", TEST)],
], ids=["no end", "no begin", "nested", "outside a solution cell", "hidden tests in an answer", "hidden no end"])
def test_malformed_regions_are_rejected(cells):
    with pytest.raises(SolutionFormatError):
        make_exercise(nb_of(*cells))


def test_validation_names_missing_metadata_and_duplicates():
    problems = validate_source(nb_of(("code", "import numpy", None), ("code", "### BEGIN SOLUTION\n### END SOLUTION",
                                                                    SOL), ("code", "pass", {**TEST, "grade_id": "a",
                                                                                            "points": 0})))
    text = "\n".join(problems)
    assert "without nbgrader metadata" in text and "duplicate grade_id" in text and "points > 0" in text
