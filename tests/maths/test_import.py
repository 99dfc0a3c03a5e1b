import subprocess
import sys


def test_import_convlib_needs_only_numpy():
    code = "import convlib, sys; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_api():
    import convlib

    for name in convlib.__all__:
        assert getattr(convlib, name).__doc__, f"convlib.{name} has no docstring"
