"""Real nbgrader on one source notebook: generate_assignment, then autograde.

The solution notebook gets full marks, the released (student) notebook gets
zero, with the hidden tests put back by nbgrader, and a submission with one
wrong answer loses exactly that task: a failed check (``CheckFailed``, shown
in Jupyter as its message alone) is still an error output to nbgrader.  The
released notebook is also compared with our own generated exercise: same
cells, same code, same locks (``deletable``/``editable``).

nbgrader is an extra (requirements-nbgrader.txt); without it this test is
skipped here, but CI installs it, so it runs there.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "02-cross-correlation.ipynb"  # has hidden tests

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nbgrader_api():
    return pytest.importorskip(
        "nbgrader.api", reason="nbgrader is not installed: `python -m pip install -r requirements-nbgrader.txt` "
                               "(CI installs it and runs this test)")


def nbgrader(course: Path, *args):
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}", "--force"]
    proc = subprocess.run(cmd, cwd=course, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_nbgrader_generate_and_autograde(tmp_path, nbgrader_api):
    import nbformat

    course = tmp_path / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / NOTEBOOK, course / "source" / "ps1" / NOTEBOOK)
    nbgrader(course, "generate_assignment", "ps1")

    released = nbformat.read(course / "release" / "ps1" / NOTEBOOK, as_version=4)
    ours = nbformat.read(ROOT / "exercises" / NOTEBOOK, as_version=4)
    assert [(c.cell_type, c.source) for c in released.cells] == [(c.cell_type, c.source) for c in ours.cells]

    def locks(nb):
        return [{k: c.metadata.get(k) for k in ("deletable", "editable")} for c in nb.cells]

    assert locks(released) == locks(ours)

    wrong = nbformat.read(ROOT / "solutions" / NOTEBOOK, as_version=4)
    (answer,) = [c for c in wrong.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "convolve2d"]
    answer.source = answer.source.replace("k[::-1, ::-1]", "k")  # cross-correlation: the check names it
    assert "correlate2d(x, k)" in answer.source

    for student, path in [("solved", ROOT / "solutions" / NOTEBOOK),
                          ("blank", course / "release" / "ps1" / NOTEBOOK)]:
        (course / "submitted" / student / "ps1").mkdir(parents=True)
        shutil.copy(path, course / "submitted" / student / "ps1" / NOTEBOOK)
    (course / "submitted" / "wrong" / "ps1").mkdir(parents=True)
    nbformat.write(wrong, course / "submitted" / "wrong" / "ps1" / NOTEBOOK)
    nbgrader(course, "autograde", "ps1")

    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        solved = gb.find_submission("ps1", "solved")
        blank = gb.find_submission("ps1", "blank")
        assert solved.max_score == 8
        assert solved.score == solved.max_score
        assert blank.score == 0 and blank.max_score == 8
        grades = {g.name: g.score for g in gb.find_submission_notebook(NOTEBOOK[:-6], "ps1", "solved").grades}
        assert grades == {"test_correlate2d_valid": 3, "test_correlate2d": 3, "test_convolve2d": 2}
        grades = {g.name: g.score for g in gb.find_submission_notebook(NOTEBOOK[:-6], "ps1", "wrong").grades}
        assert grades == {"test_correlate2d_valid": 3, "test_correlate2d": 3, "test_convolve2d": 0}
