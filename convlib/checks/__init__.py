"""Learners' self-checks: one module per exercise notebook, and the engine behind them.

Every ``check_*`` takes the learner's function, calls it on fixed edge cases
and random ones, compares each answer with convlib's tested reference, and on
the first wrong answer raises :class:`CheckFailed` (an ``AssertionError``)
whose first line names the misconception the answer matches.  Exercise
notebooks import them from here: ``from convlib.checks import check_conv2d``.

``engine`` runs the cases and explains; ``common`` holds the hints and
reference answers the checks share; ``record`` is the answer codec with which
the grader judges recorded answers in its own process.
"""

from . import backprop, channel_sum, conventions, cross_correlation, grouped, im2col_gemm, \
    kernel_shape_and_parameters, many_filters, output_size_and_same, pooling, receptive_fields, transpose
from .backprop import *  # noqa: F401,F403
from .channel_sum import *  # noqa: F401,F403
from .conventions import *  # noqa: F401,F403
from .cross_correlation import *  # noqa: F401,F403
from .engine import CheckFailed
from .grouped import *  # noqa: F401,F403
from .im2col_gemm import *  # noqa: F401,F403
from .kernel_shape_and_parameters import *  # noqa: F401,F403
from .many_filters import *  # noqa: F401,F403
from .output_size_and_same import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .receptive_fields import *  # noqa: F401,F403
from .transpose import *  # noqa: F401,F403

#: exercise notebook -> the module of its checks, in course order
BY_EXERCISE = {
    "01-kernel-shape-and-parameters": kernel_shape_and_parameters,
    "02-cross-correlation": cross_correlation,
    "03-channel-sum": channel_sum,
    "04-many-filters": many_filters,
    "05-output-size-and-same": output_size_and_same,
    "06-im2col-gemm": im2col_gemm,
    "07-backprop": backprop,
    "08-grouped": grouped,
    "09-transposed-convolution": transpose,
    "10-pooling": pooling,
    "11-receptive-fields": receptive_fields,
    "12-conventions-across-frameworks": conventions,
}

__all__ = ["CheckFailed", *(name for module in BY_EXERCISE.values() for name in module.__all__)]
