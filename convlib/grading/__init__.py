"""The grader and the exercise generator (instructors' tools; learners never import this).

``exercises`` makes the student copies in ``exercises/`` from ``solutions/``;
``grade`` grades a folder of submissions, running each in a fresh kernel
(``kernel``) where ``guard`` switches the checks to recording.
"""
