"""The package's shape: the wheel holds every layer, the maths imports no pictures or Jupyter, its size stays in view."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import sz  # noqa: E402

#: lines of code (no docstrings, comments or blank lines) of convlib/*.py: `python scripts/sz.py` prints it.
#: Raise it on purpose, in the commit that adds maths, not by accident.
CORE_BUDGET = 1100  # 892 with pooling, layouts and receptive fields (issue 12), 725 before them
NOT_IN_THE_MATHS = {"matplotlib", "ipywidgets", "IPython", "nbformat", "nbclient", "jupyter_client", "ctypes"}
SUBPACKAGES = sorted(p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "convlib").rglob("__init__.py"))


def test_the_maths_imports_no_pictures_jupyter_or_ctypes():
    for path in sorted((ROOT / "convlib").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            bad = {n.split(".")[0] for n in names} & NOT_IN_THE_MATHS
            assert not bad, f"{path.name} imports {bad}: the top level of convlib is the maths only"
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                top = node.module.split(".")[0]
                assert not (ROOT / "convlib" / top / "__init__.py").exists() or path.name in sz.FACE, \
                    f"{path.name} imports the {top} layer: the maths imports only the maths"


def test_core_size_stays_in_view():
    loc = sz.layers()["maths"][1]
    assert loc <= CORE_BUDGET, f"the maths is {loc} lines of code, over its budget of {CORE_BUDGET}"


@pytest.mark.slow
def test_the_wheel_holds_every_subpackage(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("convlib-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [p for p in SUBPACKAGES if f"{p}/__init__.py" not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert len(SUBPACKAGES) >= 5, SUBPACKAGES
