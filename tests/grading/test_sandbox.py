"""The grader's defences that need no kernel: the refusal without a sandbox, safe names, feedback file names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from convlib.grading import cli, sandbox
from convlib.grading.cli import printable
from convlib.grading.feedback import _safe_name, write_feedback
from convlib.grading.submissions import collect, safe_name
from convlib.grading.view import build_view
from tests.grading import NO_SANDBOX, SANDBOXED


def test_without_bubblewrap_the_grader_refuses_and_names_the_package(monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "_checked", {"problem": "bubblewrap (bwrap) is not installed"})
    assert cli.main(["solutions/05-output-size-and-same.ipynb"]) == 2
    err = capsys.readouterr().err
    assert "apt-get install bubblewrap" in err and "dnf install bubblewrap" in err and "--no-sandbox" in err


def test_the_sandbox_command_line_hides_the_repository_and_isolates():
    argv = sandbox.bwrap_argv(["python"], ro_dirs=["/x/view"], rw_dirs=["/dev/shm/k"], env={"HOME": sandbox.HOME})
    joined = " ".join(argv)
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--uid 65534"):
        assert flag in joined
    assert "--share-net" not in argv
    assert ("--ro-bind", "/x/view") == tuple(argv[argv.index("/x/view") - 1: argv.index("/x/view") + 1])
    for place in ("/tmp", "/dev/shm", sandbox.HOME):  # home, /tmp, /dev/shm: private and capped
        at = argv.index(place)
        assert argv[at - 1] == "--tmpfs" and "--size" in argv[at - 5: at - 1], (place, argv[at - 5: at + 1])
    hidden = {argv[i + 1] for i, a in enumerate(argv) if a == "--tmpfs"} - {"/tmp", "/dev/shm", sandbox.HOME}
    assert all(Path(d).name in sandbox.HIDDEN for d in hidden)  # the frameworks' folders, covered
    # Nothing of the repository is bound, but for a virtual environment inside it (the README's `.venv`)
    repo = os.path.realpath(cli.ROOT)
    bound = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    assert not any(repo == b or repo.startswith(b.rstrip("/") + "/") for b in bound), bound  # not it, not above it
    inside = [b for b in bound if b.startswith(repo + "/")]
    assert all(b in sandbox._python_roots() for b in inside), inside


def test_an_environment_that_holds_the_repository_does_not_bring_it_into_the_sandbox(monkeypatch):
    """Python installed in a folder above the course (a conda prefix holding the clone): the prefix is bound, and
    an empty folder covers the repository."""
    repo = os.path.realpath(cli.ROOT)
    monkeypatch.setattr(sandbox, "_python_roots", lambda: [os.path.dirname(repo)])
    argv = sandbox.bwrap_argv(["python"])
    pairs = list(zip(argv, argv[1:]))
    bind, cover = pairs.index(("--ro-bind", os.path.dirname(repo))), pairs.index(("--tmpfs", repo))
    assert bind < cover   # the cover is mounted after the prefix: on top of it
    monkeypatch.setattr(sandbox, "_python_roots", lambda: [os.path.join(repo, ".venv")])
    assert repo not in sandbox.bwrap_argv(["python"])


@pytest.mark.skipif(not SANDBOXED, reason=NO_SANDBOX)
def test_a_framework_is_not_there_to_do_the_exercise(tmp_path):
    """TensorFlow is installed for the course, yet inside the sandbox it is an empty folder: no tf.nn."""
    import subprocess
    import sys

    pytest.importorskip("tensorflow")
    code = "import tensorflow as tf\nprint(hasattr(tf, 'nn'))\nimport numpy\nprint('numpy', numpy.zeros(2).sum())"
    proc = subprocess.run(sandbox.bwrap_argv([sys.executable, "-c", code], home_mb=8, tmp_mb=8),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["False", "numpy", "0.0"]


def test_the_kernels_convlib_holds_no_grader_but_the_recorder(tmp_path):
    view = build_view(tmp_path / "v", ["correlate2d"])
    grading = sorted(p.name for p in (view / "convlib" / "grading").iterdir())
    assert grading == ["__init__.py", "recorder.py"]
    assert not (view / "convlib" / "bench").exists() and not (view / "convlib" / "figures").exists()


@pytest.mark.parametrize("raw, shown", [
    ("alice", "alice"), ("\x1b[31mred", "\\x1b[31mred"), ("a\nTOTAL 9", "a\\x0aTOTAL 9"),
    (b"bad\xff".decode("utf-8", "surrogateescape"), "bad\\xff"), ("Zoë", "Zoë"),
])
def test_names_are_shown_safely(raw, shown):
    assert safe_name(raw) == shown
    assert "\x1b" not in printable(raw) and "\n" not in printable(raw)


def test_feedback_file_names_never_collide(tmp_path):
    names = ["bob", "_bob", "bob_", "a b", "a_b", "bob-" + "0" * 16, ".bob"]
    assert len({_safe_name(n) for n in names}) == len(names)
    report = {"notebooks": [{"learner": n, "path": f"{n}/x.ipynb", "source": "x.ipynb", "score": 1,
                             "max_score": 1, "status": "graded", "tests": []} for n in names]}
    pages = write_feedback(report, tmp_path / "fb")
    assert len(pages) == len(names)
    assert "Feedback for bob<" in (tmp_path / "fb" / "bob.html").read_text()


def test_symbolic_links_are_reported_not_followed(tmp_path):
    (tmp_path / "alice").mkdir()
    nb = tmp_path / "alice" / "05.ipynb"
    nb.write_text(json.dumps({"cells": [], "metadata": {}}))
    (tmp_path / "mallory").mkdir()
    (tmp_path / "mallory" / "05.ipynb").symlink_to(nb)
    (tmp_path / "eve").symlink_to(tmp_path / "alice")
    with collect([tmp_path]) as found:
        assert [s.learner for s in found.submissions] == ["alice"]
        assert sorted(p.name for p, why in found.problems if "symbolic link" in why) == ["05.ipynb", "eve"]


@pytest.mark.skipif(not SANDBOXED, reason=NO_SANDBOX)
def test_inside_the_sandbox_the_covered_repository_is_empty(monkeypatch):
    import subprocess
    import sys

    repo = os.path.realpath(cli.ROOT)
    real = sandbox._python_roots()
    monkeypatch.setattr(sandbox, "_python_roots", lambda: [*real, os.path.dirname(repo)])
    # what is left of the repository: nothing, or only the folders of a .venv inside it (the interpreter runs)
    code = f"import os; print(sorted(os.listdir({repo!r})), os.path.isdir({os.path.dirname(repo)!r}))"
    proc = subprocess.run(sandbox.bwrap_argv([sys.executable, "-c", code], home_mb=8, tmp_mb=8),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    inside = sorted({os.path.relpath(d, repo).split(os.sep)[0] for d in sandbox._python_dirs()
                     if d.startswith(repo + os.sep)})
    assert proc.stdout.strip() == f"{inside} True"
