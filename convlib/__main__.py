"""``convlib SUBCOMMAND``: the course's commands in one place (also ``python -m convlib SUBCOMMAND``).

    convlib exercises [--check]          regenerate exercises/ from solutions/
    convlib grade PATH... [--json FILE]  grade submitted notebooks
    convlib bench [--quick]              time convlib against TensorFlow

``python -m convlib.bench`` runs the benchmark too.
"""

from __future__ import annotations

import importlib
import sys

#: subcommand -> the module whose ``main(argv)`` runs it
COMMANDS = {
    "exercises": "convlib.grading.exercises",
    "grade": "convlib.grading.cli",
    "bench": "convlib.bench.suite",
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
