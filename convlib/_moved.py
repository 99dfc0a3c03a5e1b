"""Old module paths, kept working after the package was split into layers.

Until version 0.2, convlib was one flat folder.  Learners' saved notebooks
import the old paths (``from convlib.checks_advanced import check_bias_grad``,
``from convlib import plot_gemm``), and ``python -m convlib.grade`` is in
people's notes, so each old path is an alias of the module that now holds its
code: the same module object, not a copy, so that a test which patches
``convlib.plot_gemm`` patches ``convlib.figures.gemm``.

The aliases live in this one table rather than in a small file at each old
path: a file there would make git see the old file as edited instead of moved,
and edits made elsewhere to the old file would no longer follow it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

#: old module path -> the module that holds its code now
MOVED = {
    "convlib.plotting": "convlib.figures.channels",
    "convlib.plot_geometry": "convlib.figures.geometry",
    "convlib.plot_filters": "convlib.figures.filters",
    "convlib.plot_gemm": "convlib.figures.gemm",
    "convlib.plot_training": "convlib.figures.training",
    "convlib.widgets": "convlib.figures.widgets",
    "convlib.checks_advanced": "convlib.checks",
    "convlib.check_tools": "convlib.checks.engine",
    "convlib.check_record": "convlib.checks.record",
    "convlib.grade": "convlib.grading.grade",
    "convlib.grade_kernel": "convlib.grading.kernel",
    "convlib.exercises": "convlib.grading.exercises",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old path as the module that holds its code now."""

    def find_spec(self, name, path=None, target=None):
        if name in MOVED:
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        # The import system returns what sys.modules holds under the name once this returns.
        sys.modules[module.__name__] = importlib.import_module(MOVED[module.__name__])

    def get_code(self, name):
        """``python -m convlib.grade`` runs ``convlib.grading.grade`` as the main module."""
        return compile(f"import runpy\nrunpy.run_module({MOVED[name]!r}, run_name='__main__', alter_sys=True)\n",
                       f"<{name}: moved to {MOVED[name]}>", "exec")


def install() -> None:
    """Put the alias finder first on ``sys.meta_path`` (once): it answers only for the old paths."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
