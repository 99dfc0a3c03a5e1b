"""Feedback for each learner: what passed, and the teaching message for what failed -- no hidden case.

``convlib grade submissions/ --feedback DIR`` writes ``DIR/<learner>.html``
(one self-contained page per learner; a notebook graded on its own gets a page
named after its file).  Per notebook and task it shows the points, and for a
task that did not pass only the *first line* of the check's message -- the
misconception it matched, or what kind of problem it was -- never the case,
the expected values or the learner's values that the following lines hold.
For a failure in a hidden test the case's description is removed from that
line as well, so a learner learns *what* is wrong, not the hidden inputs.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

__all__ = ["teaching_message", "learner_pages", "write_feedback"]

_RAISED = re.compile(r"^(?P<head>.*? raised \w+) for .*?: (?P<rest>.*)$")
_VALUES_BELOW = "(compare the values below)"


def teaching_message(test: dict) -> str:
    """What a learner may read about one test result (see the module docstring)."""
    status = test.get("status")
    if status == "passed":
        return "passed"
    lines = (test.get("message") or "").strip().splitlines()
    first = lines[0] if lines else status or ""
    if status == "flagged":
        return first
    hidden = bool(test.get("hidden"))
    if hidden:
        m = _RAISED.match(first)
        if m:
            first = f"{m['head']} on a hidden case: {m['rest']}"
        first = first.replace(_VALUES_BELOW, "on a hidden case (the checks in your notebook passed: try other "
                                             "shapes, strides and paddings)")
    else:
        first = first.replace(_VALUES_BELOW, "(run the check cell in your notebook to see the case and the values)")
    if status == "timeout":
        first = first or "stopped: does a loop never end?"
    return first


def _learner_of(nb) -> str:
    return nb.get("learner") or Path(nb["path"]).stem


def learner_pages(report: dict) -> dict:
    """``{learner: html}`` for every learner of a grading report."""
    by_learner = {}
    for nb in report["notebooks"]:
        by_learner.setdefault(_learner_of(nb), []).append(nb)
    return {who: _page(who, nbs) for who, nbs in by_learner.items()}


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _page(who, notebooks) -> str:
    e = html.escape
    score = sum(nb["score"] for nb in notebooks)
    total = sum(nb["max_score"] for nb in notebooks)
    parts = [f"<h1>Feedback for {e(who)}</h1>", f"<p class=total>{_fmt(score)} / {_fmt(total)} points over "
             f"{len(notebooks)} notebook{'s' * (len(notebooks) != 1)}</p>"]
    for nb in notebooks:
        name = Path(nb["source"] or nb["path"]).stem
        parts.append(f"<h2>{e(name)} &mdash; {_fmt(nb['score'])} / {_fmt(nb['max_score'])}</h2>")
        if nb["status"] != "graded":
            parts.append(f"<p class=problem>This notebook could not be graded ({e(nb['status'])}).</p>")
        parts.append("<table><tr><th>task</th><th>points</th><th></th><th>what to look at</th></tr>")
        for t in nb["tests"]:
            ok = t["status"] == "passed"
            mark = "&#10003;" if ok else "&#10007;"
            msg = "" if ok else teaching_message(t)
            parts.append(f"<tr class={'ok' if ok else 'bad'}><td>{e(t['grade_id'].removeprefix('test_'))}</td>"
                         f"<td>{_fmt(t['points'])} / {_fmt(t['max_points'])}</td><td>{mark}</td>"
                         f"<td>{e(msg)}</td></tr>")
        parts.append("</table>")
    style = ("body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}td,th{border:1px solid #ccc;"
             "padding:.3em .6em;text-align:left;vertical-align:top}tr.ok td:nth-child(3){color:#1a7f37}"
             "tr.bad td:nth-child(3){color:#c62828}.total{font-size:1.2em}")
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Feedback: {e(who)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")


def _safe_name(who: str) -> str:
    """A file name for ``who``'s page: the name itself when it is plain, else a plain form and a hash of it.

    Two different learners never get the same file (``bob`` and ``_bob``, ``a b`` and ``a_b``).
    """
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", who).strip("._")[:80]
    if plain == who and not re.search(r"-[0-9a-f]{16}$", who):
        return plain
    digest = hashlib.sha256(who.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{plain or 'learner'}-{digest}"


def write_feedback(report: dict, folder) -> list:
    """Write one HTML page per learner into ``folder`` (created); the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for who, page in learner_pages(report).items():
        path = folder / f"{_safe_name(who)}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written
