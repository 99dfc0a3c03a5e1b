"""Importing TensorFlow and Keras without their start-up noise.

``import convlib`` never imports TensorFlow.  Notebooks and tests that compare
with it call :func:`load_tensorflow`, which

* sets ``TF_CPP_MIN_LOG_LEVEL=3`` (errors only from TensorFlow's C++ core) and
  ``TF_ENABLE_ONEDNN_OPTS=0`` (no oneDNN banner; repeatable float sums) unless
  they are already set, and
* silences the process's standard error while TensorFlow loads: the standard
  ``tensorflow`` wheel prints "Could not find cuda drivers" on every CPU-only
  machine before its logging is configured, which no variable turns off, and
* turns TensorFloat-32 off.  On NVIDIA GPUs of the Ampere generation and
  newer, TensorFlow runs float32 matrix multiplies and convolutions in TF32
  by default, which keeps only 10 bits of each operand's mantissa: results
  then differ from float32 arithmetic by about 1e-3 relative (13464.7
  instead of 13468 for notebook 01's average), far beyond the 1e-5 the
  course's float32 checks allow.  On a CPU the setting changes nothing.
"""

from __future__ import annotations

import os
import sys

__all__ = ["load_tensorflow"]


def load_tensorflow():
    """Import TensorFlow and Keras quietly, with TensorFloat-32 off.

    Returns
    -------
    (tf, keras) : tuple of modules
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    if "tensorflow" not in sys.modules:
        sys.stderr.flush()
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
    import keras
    import tensorflow as tf

    tf.config.experimental.enable_tensor_float_32_execution(False)
    return tf, keras
