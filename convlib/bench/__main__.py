"""``python -m convlib.bench``: run the benchmark and print the table."""

import sys

from .suite import main

sys.exit(main())
