"""What to run for a submission: the source's skeleton with the learner's answers, and what a test reads."""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

from .notebooks import nbgrader_meta
from .sources import source_text

__all__ = ["Step", "plan", "learner_names", "may_call"]


@dataclass(eq=False)  # compared by identity: two extra cells may hold the same code
class Step:
    kind: str  # "state" (setup, answers, demos, learner's own cells) or "test"
    code: str
    grade_id: str | None = None
    points: float = 0.0
    answer: bool = False  # the learner's answer cell for grade_id
    may_call: list | None = None  # a test's allowed ``convlib.<name>`` functions (None: no restriction)


def may_call(test_cell) -> list | None:
    """The convlib functions a test cell's task may call (``None``: no restriction)."""
    meta = test_cell.get("metadata")
    own = meta.get("convlib") if isinstance(meta, dict) else None
    if isinstance(own, dict) and isinstance(own.get("may_call"), list):
        return [str(n) for n in own["may_call"]]
    return None


def plan(source_cells: list, submission_cells: list) -> list:
    """The cells to run, in order: the source's skeleton with the learner's answers and extra cells.

    Test and read-only cells always come from the source.  An answer cell
    comes from the submission (matched by ``grade_id``); if the learner deleted
    it nothing replaces it.  Cells the learner added run after the matched cell
    they follow in the submission.
    """
    source_ids = {nbgrader_meta(c).get("grade_id") for c in source_cells if nbgrader_meta(c).get("grade_id")}
    answers, extras, anchor = {}, {None: []}, None
    for cell in submission_cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if isinstance(gid, str) and gid in source_ids and gid not in answers:
            answers[gid] = cell
            anchor = gid
            extras.setdefault(gid, [])
        elif cell.get("cell_type") == "code":
            extras.setdefault(anchor, []).append(cell)
    steps = [Step("state", source_text(c)) for c in extras[None]]
    for cell in source_cells:
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if cell.get("cell_type") != "code" or not gid:
            continue
        if meta.get("grade") and not meta.get("solution"):
            steps.append(Step("test", source_text(cell), gid, float(meta.get("points", 0)), may_call=may_call(cell)))
        elif meta.get("solution"):
            answer = answers.get(gid)
            if answer is not None and answer.get("cell_type") == "code":
                steps.append(Step("state", source_text(answer), gid, answer=True))
        else:
            steps.append(Step("state", source_text(cell), gid))
        steps += [Step("state", source_text(c)) for c in extras.get(gid, [])]
    return steps


def learner_names(test_code: str) -> set:
    """Names a test cell reads but does not define: the learner's functions it checks."""
    tree = ast.parse(test_code)
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return loaded - bound - set(dir(builtins))
