"""The benchmark behind ``python -m convlib.bench``: convlib's methods against TensorFlow and a bare matmul."""

from .suite import *  # noqa: F401,F403
from .suite import __all__  # noqa: F401
