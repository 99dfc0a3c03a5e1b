"""Generate the learners' exercise notebooks from the solutions.

    convlib exercises            # write exercises/ from solutions/
    convlib exercises --check    # exit 1 if exercises/ is out of date

``solutions/`` is the source, in nbgrader's format.  Each exercise notebook is
its solution with, exactly as nbgrader's ``generate_assignment`` does it:

* every region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` replaced
  by ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` at the marker's
  indentation (so a function keeps its signature and docstring), and a
  solution cell without markers replaced whole;
* every region between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``
  removed;
* every output and execution count cleared;
* cells locked as nbgrader's ``LockCells`` locks them: solution cells cannot be
  deleted, test cells and read-only cells can be neither deleted nor edited
  (Jupyter's ``deletable`` and ``editable`` cell metadata).

The cells keep their ids and nbgrader metadata, so a learner's submission can
be matched cell by cell to its source (see :mod:`convlib.grading`).
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

from .notebooks import nbgrader_meta, repo_root

__all__ = [
    "ROOT",
    "SolutionFormatError",
    "nbgrader_meta",
    "lock_metadata",
    "make_exercise",
    "exercise_text",
    "validate_source",
    "generate",
    "main",
]

ROOT = repo_root()

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
TEXT_STUB = ["YOUR ANSWER HERE"]


class SolutionFormatError(ValueError):
    """A solution notebook breaks the nbgrader format (unbalanced markers, missing metadata...)."""


def _replace_regions(source: str, begin: str, end: str, stub, where: str) -> tuple[str, bool]:
    """Replace each ``begin``..``end`` region of ``source`` by ``stub`` lines (or drop it if ``stub`` is None)."""
    out, inside, found = [], False, False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise SolutionFormatError(f"{where}: nested {begin!r}")
            inside = found = True
            indent = re.match(r"\s*", line).group(0)
            out += [indent + s for s in (stub or [])]
        elif end in line:
            if not inside:
                raise SolutionFormatError(f"{where}: {end!r} without {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionFormatError(f"{where}: {begin!r} without {end!r}")
    return "\n".join(out), found


def lock_metadata(meta: dict) -> dict:
    """Jupyter's ``deletable``/``editable`` flags for a cell with nbgrader metadata ``meta``, as nbgrader sets them."""
    if meta.get("solution"):
        return {"deletable": False}  # the learner writes here
    if meta.get("grade") or meta.get("locked"):
        return {"deletable": False, "editable": False}
    return {}


def make_exercise(nb):
    """Return the exercise version of a solution notebook (a new nbformat node).

    Raises
    ------
    SolutionFormatError
        Unbalanced or misplaced markers.
    """
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        original = cell.source
        where = f"cell {index} ({meta.get('grade_id', 'no grade_id')})"
        if meta.get("solution"):
            stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            source, found = _replace_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION, stub, where)
            cell.source = source if found else "\n".join(stub)
        elif BEGIN_SOLUTION in cell.source or END_SOLUTION in cell.source:
            raise SolutionFormatError(f"{where}: a solution region outside a solution cell")
        if meta.get("grade") and not meta.get("solution"):
            cell.source, _ = _replace_regions(cell.source, BEGIN_HIDDEN, END_HIDDEN, None, where)
        elif BEGIN_HIDDEN in original or END_HIDDEN in original:
            raise SolutionFormatError(f"{where}: hidden tests outside a graded test cell")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.update(lock_metadata(meta))
    nb.metadata.pop("widgets", None)
    return nb


def exercise_text(nb) -> str:
    """The exercise notebook as the exact text written to disk."""
    import nbformat

    text = nbformat.writes(make_exercise(nb))
    return text if text.endswith("\n") else text + "\n"


def validate_source(nb, name: str = "notebook") -> list[str]:
    """Problems that would stop the notebook being a usable nbgrader source (empty list: none).

    Every code cell must carry nbgrader metadata (schema_version 3, a unique
    grade_id, the grade/solution/locked flags), so a grader can tell the
    learner's cells from its own; every test cell has positive points and is
    locked; every solution cell has a solution region.
    """
    problems, ids = [], set()
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        where = f"{name} cell {index}"
        if cell.cell_type != "code" and not meta:
            continue
        if not meta:
            problems.append(f"{where}: code cell without nbgrader metadata")
            continue
        if meta.get("schema_version") != 3:
            problems.append(f"{where}: schema_version must be 3")
        for key in ("grade", "solution", "locked"):
            if not isinstance(meta.get(key), bool):
                problems.append(f"{where}: nbgrader.{key} must be true or false")
        gid = meta.get("grade_id")
        if not isinstance(gid, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", gid or ""):
            problems.append(f"{where}: grade_id must be a non-empty name of letters, digits, - and _")
        elif gid in ids:
            problems.append(f"{where}: duplicate grade_id {gid!r}")
        ids.add(gid)
        if meta.get("grade"):
            points = meta.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
                problems.append(f"{where}: a graded cell needs points > 0")
            if not meta.get("solution") and not meta.get("locked"):
                problems.append(f"{where}: a test cell must be locked")
        if meta.get("solution") and BEGIN_SOLUTION not in cell.source:
            problems.append(f"{where}: a solution cell without a {BEGIN_SOLUTION!r} region")
    try:
        make_exercise(nb)
    except SolutionFormatError as exc:
        problems.append(f"{name}: {exc}")
    return problems


def generate(solutions: Path, exercises: Path, *, check: bool = False, out=sys.stdout) -> int:
    """Write (or, with ``check``, compare) ``exercises/`` from ``solutions/``.

    Returns
    -------
    int
        0 when everything is (or now is) up to date, 1 otherwise.
    """
    import nbformat

    sources = sorted(solutions.glob("*.ipynb"))
    stale, problems = [], []
    wanted = set()
    for src in sources:
        nb = nbformat.read(src, as_version=4)
        problems += validate_source(nb, src.name)
        target = exercises / src.name
        wanted.add(src.name)
        text = exercise_text(nb)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            stale.append(target)
            if not check:
                exercises.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"wrote {target}", file=out)
    extra = [p for p in sorted(exercises.glob("*.ipynb")) if p.name not in wanted]
    for p in problems:
        print(f"format problem: {p}", file=out)
    if check:
        for p in stale:
            print(f"out of date: {p} (run `convlib exercises`)", file=out)
        for p in extra:
            print(f"no source in {solutions}: {p}", file=out)
        return 1 if stale or extra or problems else 0
    for p in extra:
        print(f"note: {p} has no source in {solutions}; left alone", file=out)
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Generate exercises/ from solutions/ (nbgrader format).")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if exercises/ is out of date")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    parser.add_argument("--exercises", type=Path, default=ROOT / "exercises")
    args = parser.parse_args(argv)
    return generate(args.solutions, args.exercises, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
