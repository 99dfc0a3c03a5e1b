"""Predictions before the lesson, results after: the class report's view of what the room believed.

Exercise notebooks 01, 03 and 05 open with an ungraded cell in which each
learner writes a guess for the questions that test the course's core
misconceptions (the kernel's shape, the parameter count, the 40404 image, sum
or average over the channels, the output size with ``'same'``)::

    predict_kernel_shape = (5, 5, 16)      # the learner's guess, a Python literal

The cell carries ``grade_id`` ``"predictions"``.  The grader never executes a
learner's guesses: :func:`read_predictions` reads them from the submitted
cell's *text*, one ``predict_<id> = <literal>`` line at a time, with
:func:`ast.literal_eval`, keeping only the ids the exercise asks for.  The
grading report stores them per notebook (``"predictions": {id: value}``), and
:func:`prediction_rows` sets them beside the same learners' test results:
for each question, how many predicted, how many were right, which wrong
answers were common and which misconception each one is, and then, for the
tasks of the exercise that test the same idea, how many passed, how many still
showed one of those misconceptions, and how many who guessed wrong passed.

Every correct answer and every wrong answer is computed by convlib (the
kernel layout, :func:`convlib.conv2d_counts`, :func:`convlib.conv2d`,
:func:`convlib.output_size`), never typed in.
"""

from __future__ import annotations

import ast
import html
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..checks.misconceptions import describe
from ..conv import conv2d
from ..counting import conv2d_counts
from ..geometry import output_size

__all__ = ["Question", "QUESTIONS", "questions_for", "read_predictions", "normalize", "from_report",
           "prediction_rows", "render_section", "CELL_ID", "PREFIX"]

CELL_ID = "predictions"  # grade_id of the predictions cell
PREFIX = "predict_"      # each guess is bound to predict_<question id>
_MAX_CELL = 4000         # characters of a predictions cell the grader reads at most
_MAX_VALUE = 200         # characters of one guess


@dataclass(frozen=True)
class Question:
    """One prediction: what is asked, its answer, the wrong answers that name a misconception, the tasks that test it.

    ``answer`` and ``wrong`` are functions so that the values are computed by convlib when first needed.
    """

    id: str
    exercise: str
    prompt: str
    answer: object = field(repr=False)
    wrong: object = field(repr=False)
    tasks: tuple = ()
    aliases: tuple = ()  # (spelling, canonical) pairs for answers given as words

    def expected(self):
        """The answer, normalised."""
        return normalize(self.answer(), self)

    def misconceptions(self) -> dict:
        """Wrong answer (normalised) -> misconception id."""
        return {normalize(value, self): mid for value, mid in self.wrong().items()}


# The layer the kernel-shape and parameter questions ask about: Conv2D(filters=16, kernel_size=5) on RGB images.
K, C_IN, C_OUT = 5, 3, 16
_FINGERPRINT = np.ones((1, 3, 3, 3)) * np.array([1.0, 100.0, 10000.0])  # 3x3, channels 1, 100, 10000
_ONES = np.ones((2, 2, 3, 1))


def _fingerprint(x, w):
    return int(round(float(conv2d(x, w)[0, 0, 0, 0])))


QUESTIONS = (
    Question("kernel_shape", "01-kernel-shape-and-parameters",
             "Conv2D(filters=16, kernel_size=5) on RGB images: the shape of layer.kernel",
             lambda: (K, K, C_IN, C_OUT),
             lambda: {(K, K, C_OUT): "kernel-2d", (K, K): "kernel-single-2d", (K, K, C_IN): "one-filter-only",
                      (C_OUT, C_IN, K, K): "pytorch-layout", (K, K, C_OUT, C_IN): "cin-cout-swapped"},
             ("test_kernel_shape",)),
    Question("param_count", "01-kernel-shape-and-parameters",
             "the same layer's number of parameters (count_params())",
             lambda: conv2d_counts(C_IN, C_OUT, K).params,
             lambda: {conv2d_counts(1, C_OUT, K).params: "kernel-2d",
                      conv2d_counts(C_IN, C_OUT, K, bias=False).params: "bias-missing",
                      conv2d_counts(C_IN, C_OUT, K, bias=False).params + 1: "bias-per-layer",
                      conv2d_counts(C_IN, 1, K).params: "one-filter-only"},
             ("test_conv_param_count",)),
    Question("fingerprint", "01-kernel-shape-and-parameters",
             "a 3x3 image whose channels are 1, 100 and 10000 everywhere, Conv2D(1, 2) with a kernel of ones and no "
             "bias: the value of every output pixel",
             lambda: _fingerprint(_FINGERPRINT, _ONES),
             lambda: {_fingerprint(_FINGERPRINT, _ONES / 3): "channel-mean",
                      _fingerprint(_FINGERPRINT[..., :1], _ONES[:, :, :1]): "first-channel-only",
                      _fingerprint(_FINGERPRINT, _ONES[:1, :1]): "window-one-pixel"},
             ("test_fingerprint",)),
    Question("sum_or_average", "03-channel-sum",
             "one filter combines the per-channel maps by ... ('sum' or 'average')",
             lambda: "sum", lambda: {"average": "channel-mean"}, ("test_conv_one_filter",),
             aliases=(("mean", "average"), ("add", "sum"), ("summed", "sum"), ("averaged", "average"))),
    Question("same_output_size", "05-output-size-and-same",
             "Conv2D(kernel_size=3, strides=2, padding='same') on a 7 x 7 input: the output's height",
             lambda: output_size(7, 3, 2, "same"),
             lambda: {output_size(7, 3, 2, "valid"): "padding-ignored", output_size(7, 3, 1, "same"): "stride-ignored"},
             ("test_output_size", "test_same_padding")),
)
_BY_ID = {q.id: q for q in QUESTIONS}


def questions_for(exercise: str) -> tuple:
    """The questions asked at the top of ``exercise`` (a notebook stem such as ``"05-output-size-and-same"``)."""
    return tuple(q for q in QUESTIONS if q.exercise == exercise)


def normalize(value, question: Question | None = None):
    """A guess in comparable form: sequences -> tuples of ints, integral numbers -> int, words -> lower case.

    Returns ``None`` for anything else (no guess, or one that cannot be compared).

    >>> normalize([5, 5, 3, 16]), normalize(224.0), normalize(" Mean ", _BY_ID["sum_or_average"]), normalize(None)
    ((5, 5, 3, 16), 224, 'average', None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if np.isfinite(value) and float(value).is_integer() else float(value)
    if isinstance(value, str):
        word = value.strip().lower()
        return dict(question.aliases).get(word, word) if question is not None else word
    if isinstance(value, (tuple, list)) and len(value) <= 8:
        items = [normalize(v) for v in value]
        return tuple(items) if all(isinstance(v, int) for v in items) else None
    return None


def read_predictions(cells, exercise: str) -> dict:
    """The guesses in a submission's predictions cell, as ``{question id: value}`` (no entry: no guess).

    Parameters
    ----------
    cells : list of dict
        The submitted notebook's cells (nbformat dicts: ``"metadata"``, ``"source"`` as str or list).
    exercise : str
        The exercise the submission was matched to; only its questions are read.

    Returns
    -------
    dict
        Values are plain Python literals (numbers, strings, tuples); the cell is never executed, and a line
        that is not ``predict_<id> = <literal>`` is ignored.

    Examples
    --------
    >>> cell = {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "predictions"}},
    ...         "source": "predict_same_output_size = 3   # my guess\\npredict_nothing = 1\\nimport os"}
    >>> read_predictions([cell], "05-output-size-and-same")
    {'same_output_size': 3}
    """
    wanted = {PREFIX + q.id: q.id for q in questions_for(exercise)}
    found = {}
    for cell in cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") != "code" or meta.get("grade_id") != CELL_ID:
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        try:
            tree = ast.parse(source[:_MAX_CELL])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                continue
            qid = wanted.get(node.targets[0].id)
            text = ast.get_source_segment(source, node.value) or ""
            if qid is None or len(text) > _MAX_VALUE:
                continue
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
                continue
            if value is not None:
                found[qid] = value
        break  # the first predictions cell only
    return found


def _exercise_of(nb) -> str:
    from pathlib import Path

    return Path(nb.get("source") or nb["path"]).stem


def from_report(report: dict) -> tuple:
    """``(predictions, results)`` from a grading report: per learner, their guesses and their test results.

    ``predictions[learner][question id] = value``; ``results[learner][(exercise, grade_id)] = {"status",
    "misconception"}``.  A learner is named as in the rest of the report (``"learner"``, else the path).
    """
    predictions, results = {}, {}
    for nb in report.get("notebooks", []):
        who = nb.get("learner") or nb["path"]
        if nb.get("predictions"):
            predictions.setdefault(who, {}).update(nb["predictions"])
        if nb.get("source"):
            for t in nb.get("tests", []):
                results.setdefault(who, {})[(_exercise_of(nb), t["grade_id"])] = {
                    "status": t.get("status"), "misconception": t.get("misconception")}
    return predictions, results


def prediction_rows(predictions: dict, results: dict, questions=QUESTIONS) -> list:
    """One row per question: what the room predicted before, and what its exercises showed after.

    Parameters
    ----------
    predictions : dict
        ``{learner: {question id: guess}}`` (raw guesses; :func:`normalize` is applied here).
    results : dict
        ``{learner: {(exercise, grade_id): {"status": ..., "misconception": ...}}}``.
    questions : sequence of Question

    Returns
    -------
    list of dict
        Keys: ``id``, ``exercise``, ``prompt``, ``answer``, ``predicted`` (learners with a guess),
        ``right`` (guessed the answer), ``wrong`` (list of ``(guess, misconception or None, count)``, most common
        first), ``tasks``, ``graded`` (learners with a result for every task), ``passed`` (passed them all),
        ``held_after`` (learners whose results show one of the question's misconceptions), ``learned`` (guessed
        wrong, passed after), ``stuck`` (guessed wrong, and a task shows the very misconception their guess named),
        ``slipped`` (guessed right, failed a task after).
    """
    rows = []
    for q in questions:
        answer, named = q.expected(), q.misconceptions()
        guesses = {who: normalize(p.get(q.id), q) for who, p in predictions.items()}
        guesses = {who: g for who, g in guesses.items() if g is not None}
        wrong = Counter(g for g in guesses.values() if g != answer)
        after = {}
        for who, res in results.items():
            tests = [res.get((q.exercise, gid)) for gid in q.tasks]
            if all(t is not None for t in tests):
                after[who] = tests
        held = {who for who, tests in after.items() if any(t.get("misconception") in named.values() for t in tests)}
        passed = {who for who, tests in after.items() if all(t.get("status") == "passed" for t in tests)}
        wrong_before = {who for who, g in guesses.items() if g != answer}
        stuck = {who for who in wrong_before & set(after)
                 if named.get(guesses[who]) and any(t.get("misconception") == named[guesses[who]] for t in after[who])}
        rows.append({
            "id": q.id, "exercise": q.exercise, "prompt": q.prompt, "answer": answer,
            "predicted": len(guesses), "right": len(guesses) - len(wrong_before),
            "wrong": [(g, named.get(g), n) for g, n in sorted(wrong.items(), key=lambda kv: (-kv[1], repr(kv[0])))],
            "tasks": q.tasks, "graded": len(after), "passed": len(passed), "held_after": len(held),
            "learned": len(wrong_before & passed), "stuck": len(stuck),
            "slipped": len((set(guesses) - wrong_before) & (set(after) - passed)),
        })
    return rows


def render_section(report: dict) -> str:
    """The report's HTML section: "What the room predicted before the lesson, and what its exercises showed after"."""
    e = html.escape
    rows = prediction_rows(*from_report(report))
    out = ["<h2 id=predictions>What the room predicted before the lesson, and what its exercises showed after</h2>"]
    if not any(r["predicted"] for r in rows):
        out.append("<p>No learner wrote a prediction (the <code>predict_...</code> lines at the top of exercises "
                   "01, 03 and 05).</p>")
        return "".join(out)
    out.append("<p>Before: the guesses written at the top of the exercise, before its tasks. After: the tasks that "
               "test the same idea. <em>Learned</em>: guessed wrong, passed. <em>Stuck</em>: guessed wrong, and a "
               "task shows the misconception the guess names. <em>Slipped</em>: guessed right, failed a task.</p>")
    out.append("<table id=prediction-table><tr><th>question</th><th>answer</th><th>right before</th>"
               "<th>wrong guesses (misconception)</th><th>tasks</th><th>passed after</th>"
               "<th>misconception after</th><th>learned</th><th>stuck</th><th>slipped</th></tr>")
    for r in rows:
        wrong = "<br>".join(f"{e(repr(g))} &times;{n}" + (f" (<code>{e(m)}</code>: {e(describe(m))})" if m else "")
                            for g, m, n in r["wrong"]) or "&ndash;"
        out.append(f"<tr><td>{e(r['exercise'][:2])}: {e(r['prompt'])}</td><td>{e(repr(r['answer']))}</td>"
                   f"<td class=num>{r['right']} / {r['predicted']}</td><td>{wrong}</td>"
                   f"<td>{e(', '.join(t.removeprefix('test_') for t in r['tasks']))}</td>"
                   f"<td class=num>{r['passed']} / {r['graded']}</td><td class=num>{r['held_after']}</td>"
                   f"<td class=num>{r['learned']}</td><td class=num>{r['stuck']}</td><td class=num>{r['slipped']}</td></tr>")
    out.append("</table>")
    return "".join(out)
