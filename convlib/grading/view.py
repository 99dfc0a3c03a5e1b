"""The ``convlib`` a grading kernel sees: a read-only copy, made once per grading run.

:func:`build_view` copies the package into a folder of its own, without what
the kernel has no use for (the grader, the benchmarks, the pictures); the
sandbox binds that folder read-only and puts it first on the kernel's path.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

__all__ = ["build_view"]

PACKAGE = Path(__file__).resolve().parents[1]
#: What the kernel needs of convlib/grading/: the package marker and the guard it runs around test cells.
GRADING_KEPT = ("__init__.py", "guard.py")


def _ignore(folder, names):
    folder = Path(folder)
    skip = {n for n in names if n in ("__pycache__",) or n.endswith((".pyc", ".pyo"))}
    if folder == PACKAGE:
        skip |= {"bench", "figures"}
    elif folder == PACKAGE / "grading":
        skip |= {n for n in names if n not in GRADING_KEPT}
    return skip


def build_view(dest: Path) -> Path:
    """Copy ``convlib`` (see the module docstring) into ``dest/convlib``; return ``dest`` (the folder to put on the path).

    Every file of the copy is made read-only (and the sandbox binds the folder read-only).
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / "convlib"
    shutil.copytree(PACKAGE, target, ignore=_ignore, symlinks=False)
    for folder, dirs, files in os.walk(target):
        for name in files:
            os.chmod(os.path.join(folder, name), stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return dest
