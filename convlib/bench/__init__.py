"""The benchmark behind ``python -m convlib.bench``: convlib's methods against TensorFlow and a bare matmul.

:mod:`.suite` runs it (the suite, :func:`run`, the command line); :mod:`.timing` times and measures one
layer, :mod:`.explorers` the widgets, :mod:`.machine` describes the machine, :mod:`.report` prints the table.
"""

from . import explorers, machine, report, suite as _suite, timing
from .explorers import *  # noqa: F401,F403
from .machine import *  # noqa: F401,F403
from .report import *  # noqa: F401,F403
from .suite import *  # noqa: F401,F403
from .timing import *  # noqa: F401,F403

__all__ = [*timing.__all__, *explorers.__all__, *machine.__all__, *report.__all__, *_suite.__all__]
