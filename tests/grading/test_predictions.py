"""The predictions section of the class report, on a generated class; reading guesses from submissions."""

import ast
from pathlib import Path

import nbformat
import numpy as np
import pytest

from convlib.checks.misconceptions import MISCONCEPTIONS
from convlib.grading import predictions as P
from convlib.grading.report import render_html

ROOT = Path(__file__).resolve().parents[2]


def _tests(exercise):
    nb = nbformat.read(ROOT / "solutions" / f"{exercise}.ipynb", 4)
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")}


@pytest.mark.parametrize("q", P.QUESTIONS, ids=lambda q: q.id)
def test_each_question_is_consistent_with_the_course(q):
    answer, wrong = q.expected(), q.misconceptions()
    assert answer is not None and answer not in wrong and len(wrong) == len(q.wrong())
    assert set(wrong.values()) <= set(MISCONCEPTIONS)
    assert q.tasks and set(q.tasks) <= _tests(q.exercise)


@pytest.mark.parametrize("exercise", sorted({q.exercise for q in P.QUESTIONS}))
def test_the_exercise_asks_exactly_its_questions_and_leaves_them_blank(exercise):
    for folder in ("solutions", "exercises"):
        nb = nbformat.read(ROOT / folder / f"{exercise}.ipynb", 4)
        cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == P.CELL_ID]
        assert len(cells) == 1
        meta = cells[0].metadata["nbgrader"]
        assert not meta["grade"] and not meta["solution"] and not meta["locked"]
        names = {t.id for n in ast.parse(cells[0].source).body if isinstance(n, ast.Assign) for t in n.targets}
        assert names == {P.PREFIX + q.id for q in P.questions_for(exercise)}
        assert P.read_predictions([dict(cells[0])], exercise) == {}          # every guess is None until written


def _cell(source, grade_id=P.CELL_ID):
    return {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": grade_id}}, "source": source}


def test_guesses_are_read_from_the_text_and_never_run():
    src = ["predict_kernel_shape = [5, 5, 3, 16]\n", "predict_param_count = 1200  # no bias\n",
           "predict_fingerprint = __import__('os').system('touch /tmp/pwned')\n", "x = 1\n"]
    assert P.read_predictions([_cell(src)], "01-kernel-shape-and-parameters") == {
        "kernel_shape": [5, 5, 3, 16], "param_count": 1200}
    hostile = [
        "predict_same_output_size = " + "[" * 500 + "]" * 500,             # too deep / too long: ignored
        "predict_same_output_size = 10 ** 10 ** 10",                        # not a literal
        "predict_same_output_size: int = 4",                                # not a plain assignment
        "import os; os.system('true')",
        "def f(:",                                                          # not Python
    ]
    for text in hostile:
        assert P.read_predictions([_cell(text)], "05-output-size-and-same") == {}, text
    assert P.read_predictions([_cell("predict_same_output_size = 4", "other")], "05-output-size-and-same") == {}
    assert P.read_predictions([_cell("predict_same_output_size = 4")], "03-channel-sum") == {}  # not asked there
    assert P.read_predictions([_cell("predict_same_output_size = 4"), _cell("predict_same_output_size = 5")],
                              "05-output-size-and-same") == {"same_output_size": 4}


# --------------------------------------------------------------------------- a generated class


def make_class(seed=0, n=40):
    """A grading report of n learners on exercises 01, 03 and 05: every learner predicts every question, right or
    with one of its known wrong answers, and then passes or fails each task, some showing the same misconception.
    Returns the report and, per question, the counts the section must show, tallied while the class is drawn."""
    rng = np.random.default_rng(seed)
    notebooks, expected = {}, {q.id: dict(predicted=0, right=0, graded=0, passed=0, held_after=0, learned=0, stuck=0,
                                          slipped=0, wrong={}) for q in P.QUESTIONS}
    for i in range(n):
        who = f"learner{i:02d}"
        for q in P.QUESTIONS:
            nb = notebooks.setdefault((who, q.exercise), {
                "path": f"{who}/{q.exercise}.ipynb", "learner": who, "source": f"solutions/{q.exercise}.ipynb",
                "score": 0, "max_score": 0, "status": "graded", "tests": [], "flags": [], "predictions": {}})
            e = expected[q.id]
            wrong = list(q.wrong().items())
            kind = rng.choice(["right", "wrong", "none"], p=[0.4, 0.5, 0.1])
            named = None
            if kind == "right":
                nb["predictions"][q.id] = list(q.answer()) if isinstance(q.answer(), tuple) else q.answer()
            elif kind == "wrong":
                guess, named = wrong[int(rng.integers(len(wrong)))]
                nb["predictions"][q.id] = guess
                key = P.normalize(guess, q)
                e["wrong"][key] = e["wrong"].get(key, 0) + 1
            e["predicted"] += kind != "none"
            e["right"] += kind == "right"
            outcome = rng.choice(["pass", "same", "other"], p=[0.5, 0.3, 0.2])
            shown = named if (outcome == "same" and named) else (wrong[0][1] if outcome == "same" else None)
            for gid in q.tasks:
                passed = outcome == "pass"
                nb["tests"].append({"grade_id": gid, "status": "passed" if passed else "failed",
                                    "misconception": None if passed else shown, "points": 0, "max_points": 1})
            e["graded"] += 1
            e["passed"] += outcome == "pass"
            e["held_after"] += outcome == "same"
            e["learned"] += kind == "wrong" and outcome == "pass"
            e["stuck"] += kind == "wrong" and outcome == "same" and named is not None
            e["slipped"] += kind == "right" and outcome != "pass"
    return {"notebooks": list(notebooks.values()), "score": 0, "max_score": 0, "misconceptions": [], "flags": []}, expected


def test_the_rows_count_the_generated_class_exactly():
    report, expected = make_class()
    rows = {r["id"]: r for r in P.prediction_rows(*P.from_report(report))}
    assert set(rows) == {q.id for q in P.QUESTIONS}
    for qid, e in expected.items():
        r = rows[qid]
        for key in ("predicted", "right", "graded", "passed", "held_after", "learned", "stuck", "slipped"):
            assert r[key] == e[key], (qid, key, r[key], e[key])
        assert {g: n for g, _, n in r["wrong"]} == e["wrong"]
        named = P._BY_ID[qid].misconceptions()
        assert all(m == named[g] for g, m, _ in r["wrong"])
        assert [n for _, _, n in r["wrong"]] == sorted((n for _, _, n in r["wrong"]), reverse=True)
    assert sum(r["stuck"] for r in rows.values()) > 0 and sum(r["learned"] for r in rows.values()) > 0


def test_a_learner_without_results_counts_before_only():
    rows = P.prediction_rows({"ann": {"same_output_size": 3}}, {})
    row = next(r for r in rows if r["id"] == "same_output_size")
    assert (row["predicted"], row["right"], row["graded"], row["learned"]) == (1, 0, 0, 0)
    assert row["wrong"] == [(3, "padding-ignored", 1)]


def test_the_class_report_shows_the_section():
    report, expected = make_class(seed=1, n=12)
    page = render_html(report)
    assert "What the room predicted before the lesson, and what its exercises showed after" in page
    assert "id=prediction-table" in page and "channel-mean" in page
    fp = expected["fingerprint"]
    assert f"<td class=num>{fp['right']} / {fp['predicted']}</td>" in page
    empty = render_html({"notebooks": [], "score": 0, "max_score": 0})
    assert "No learner wrote a prediction" in empty
