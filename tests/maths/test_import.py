import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

#: Every module of the maths layer (the top level of convlib, without the command line).
MATHS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "convlib").glob("*.py")
               if p.stem not in ("__init__", "__main__"))


def test_import_convlib_needs_only_numpy():
    # convlib/__init__ imports every maths module, so this covers each of them.
    code = "import convlib, sys; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", MATHS)
def test_doctests(name):
    module = importlib.import_module(f"convlib.{name}")
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0


def test_public_api():
    import convlib

    for name in convlib.__all__:
        assert getattr(convlib, name).__doc__, f"convlib.{name} has no docstring"
