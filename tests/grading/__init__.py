"""Tests of the grader.

Where bubblewrap cannot run (it is a system package: ``apt-get install bubblewrap``), the tests of grading
itself run with ``--no-sandbox`` (:data:`GRADE_FLAGS`), and the tests of the isolation skip, naming the package.
"""

from convlib.grading.sandbox import bwrap_problem

#: Whether the sandbox works on this machine.
SANDBOXED = bwrap_problem() is None
#: Extra command-line flags for ``convlib grade`` in the tests.
GRADE_FLAGS = [] if SANDBOXED else ["--no-sandbox"]
#: Why a test of the isolation skips here.
NO_SANDBOX = f"no sandbox here ({bwrap_problem()}): apt-get install bubblewrap"
