"""Test-run settings shared by the unit tests and by nbval's notebook kernels.

TensorFlow prints a oneDNN banner and C++ log lines on import unless these are
set *before* it loads; nbval's kernels inherit this process's environment, so
setting them here keeps stored notebook outputs free of that noise.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
