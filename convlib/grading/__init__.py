"""The grader and the exercise generator (instructors' tools; learners never import this).

``exercises`` makes the student copies in ``exercises/`` from ``solutions/``.
``grade`` grades a class: ``sources`` reads notebooks and finds their
sources, ``planning`` decides what to run, ``runner`` runs each notebook in a
fresh ``kernel`` inside a ``sandbox`` under ``limits`` (the kernel's convlib is the cut-down copy ``view`` makes; a test's inputs are
collected by ``recording`` and the kernel's ``recorder`` calls the learner's
functions on them), ``judging`` reaches the verdicts in the grader's process,
``honesty`` flags answers that call what they should write, ``results`` holds
the outcome; ``cli`` is the command line, ``report`` and ``feedback`` the pages.
"""
