"""convlib.load_tensorflow: quiet start-up and float32 that stays float32 (no TF32 on GPUs)."""

import subprocess
import sys

import pytest

# Each check runs in a fresh interpreter: the test session's own TensorFlow (tests/conftest.py) must not mask it.
_TF32_OFF = """
import convlib
tf, keras = convlib.load_tensorflow()
assert tf.config.experimental.tensor_float_32_execution_enabled() is False, "TF32 is still on"
print("ok")
"""

_QUIET = """
import convlib
convlib.load_tensorflow()
"""


@pytest.mark.slow  # two fresh interpreters import TensorFlow
def test_load_tensorflow_turns_tensor_float_32_off():
    # TensorFlow enables TF32 by default (the query is True on any machine before the call,
    # and TF uses it on Ampere-or-newer GPUs): the course's float32 checks need it off.
    before = subprocess.run(
        [sys.executable, "-c", "import tensorflow as tf; print(tf.config.experimental.tensor_float_32_execution_enabled())"],
        capture_output=True, text=True, check=True,
    )
    assert before.stdout.strip().splitlines()[-1] == "True", before.stdout
    after = subprocess.run([sys.executable, "-c", _TF32_OFF], capture_output=True, text=True)
    assert after.returncode == 0 and after.stdout.strip() == "ok", after.stderr[-2000:]


@pytest.mark.slow  # a fresh interpreter imports TensorFlow
def test_load_tensorflow_prints_nothing():
    result = subprocess.run([sys.executable, "-c", _QUIET], capture_output=True, text=True, check=True)
    assert result.stdout == "" and result.stderr == "", (result.stdout, result.stderr[-2000:])
