"""The grader and the exercise generator (instructors' tools; learners never import this).

``exercises`` makes the student copies in ``exercises/`` from ``solutions/``;
``grade`` grades a folder of submissions, running each in a fresh kernel
(``kernel``) that sees only the inputs of each test (``recording``, ``recorder``)
and a convlib cut down to what the tasks may call (``view``).
"""
