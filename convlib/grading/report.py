"""The class report: one self-contained HTML page for the instructor (``--report FILE.html``).

From a grading report (the JSON of :func:`convlib.grading.grade.grade_paths`)
it shows, most urgent first:

1. **what to reteach**: the misconception table -- per ``(task,
   misconception)`` how many learners' answers matched that wrong model, what
   the model is, and who -- sorted by count, with a bar chart;
2. the **pass rate per task**, lowest first, with each task's most common
   misconception, and a bar chart;
3. the **score distribution** (a histogram of the learners' totals, in percent);
4. the honesty **flags** (library calls);
5. **each learner's row**: total, per notebook, the misconceptions they hold,
   sorted by total (lowest first);
6. what the room **predicted** before the lesson beside what its exercises
   showed after (:mod:`convlib.grading.predictions`), shown right after the
   misconception table.

The page needs no network: the style is inline and the charts are matplotlib
PNGs embedded as ``data:`` URLs.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter, defaultdict
from pathlib import Path

from .predictions import render_section as predictions_section

__all__ = ["task_table", "learner_rows", "render_html", "write_report"]


def _learner_of(nb) -> str:
    return nb.get("learner") or nb["path"]


def _exercise(nb) -> str:
    return Path(nb.get("source") or nb["path"]).stem


def task_table(report: dict) -> list:
    """Per task: ``{"exercise", "grade_id", "passed", "graded", "rate", "top"}``, lowest pass rate first."""
    stats = defaultdict(lambda: {"passed": 0, "graded": 0, "mis": Counter()})
    for nb in report["notebooks"]:
        if not nb.get("source"):
            continue
        for t in nb["tests"]:
            s = stats[(_exercise(nb), t["grade_id"])]
            s["graded"] += 1
            s["passed"] += t["status"] == "passed"
            if t.get("misconception"):
                s["mis"][t["misconception"]] += 1
    rows = []
    for (ex, gid), s in stats.items():
        top = s["mis"].most_common(1)
        rows.append({"exercise": ex, "grade_id": gid, "passed": s["passed"], "graded": s["graded"],
                     "rate": s["passed"] / s["graded"] if s["graded"] else 0.0,
                     "top": f"{top[0][0]} ({top[0][1]})" if top else ""})
    rows.sort(key=lambda r: (r["rate"], r["exercise"], r["grade_id"]))
    return rows


def learner_rows(report: dict) -> list:
    """Per learner: total, per-notebook scores, misconceptions and flags; lowest total first."""
    rows = {}
    for nb in report["notebooks"]:
        who = _learner_of(nb)
        row = rows.setdefault(who, {"learner": who, "score": 0, "max_score": 0, "notebooks": {}, "misconceptions": [],
                                    "flags": 0})
        row["score"] += nb["score"]
        row["max_score"] += nb["max_score"]
        row["notebooks"][_exercise(nb)[:2]] = f"{_fmt(nb['score'])}/{_fmt(nb['max_score'])}" + (
            "" if nb["status"] == "graded" else f" ({nb['status']})")
        row["misconceptions"] += [t["misconception"] for t in nb["tests"] if t.get("misconception")]
        row["flags"] += len(nb.get("flags", []))
    out = list(rows.values())
    for r in out:
        r["percent"] = 100.0 * r["score"] / r["max_score"] if r["max_score"] else 0.0
    out.sort(key=lambda r: (r["percent"], r["learner"]))
    return out


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(report, tasks, learners) -> dict:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    charts = {}
    mis = report.get("misconceptions", [])[:15]
    if mis:
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(mis) + 1))
        labels = [f"{m['misconception']}  ({m['grade_id'].removeprefix('test_')})" for m in mis][::-1]
        ax.barh(labels, [m["count"] for m in mis][::-1], color="#c62828")
        ax.set_xlabel("learners")
        ax.set_title("Misconceptions, most common first")
        ax.xaxis.get_major_locator().set_params(integer=True)
        charts["misconceptions"] = _png(fig)
    if tasks:
        shown = tasks[:20]
        fig, ax = plt.subplots(figsize=(8, 0.3 * len(shown) + 1))
        ax.barh([f"{t['exercise'][:2]} {t['grade_id'].removeprefix('test_')}" for t in shown][::-1],
                [100 * t["rate"] for t in shown][::-1], color="#1565c0")
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of submissions that pass")
        ax.set_title("Pass rate per task, lowest first" + (" (lowest 20)" if len(tasks) > 20 else ""))
        charts["tasks"] = _png(fig)
    if learners:
        fig, ax = plt.subplots(figsize=(6, 2.6))
        ax.hist([r["percent"] for r in learners], bins=range(0, 101, 10), color="#2e7d32", edgecolor="white")
        ax.set_xlabel("score (% of the points)")
        ax.set_ylabel("learners")
        ax.set_title("Score distribution")
        ax.yaxis.get_major_locator().set_params(integer=True)
        charts["scores"] = _png(fig)
    return charts


def render_html(report: dict, title: str = "Class report", timing: str | None = None) -> str:
    """The report page as one HTML string."""
    e = html.escape
    tasks, learners = task_table(report), learner_rows(report)
    charts = _charts(report, tasks, learners)
    n_nb = len(report["notebooks"])
    mean = sum(r["percent"] for r in learners) / len(learners) if learners else 0.0
    out = [f"<h1>{e(title)}</h1>",
           f"<p class=summary>{len(learners)} learner{'s' * (len(learners) != 1)}, {n_nb} notebook"
           f"{'s' * (n_nb != 1)}, {_fmt(report['score'])} / {_fmt(report['max_score'])} points in all; mean score "
           f"{mean:.0f}%.{(' ' + e(timing)) if timing else ''}</p>"]
    if report.get("isolation") == "not isolated":
        out.append("<p class=problem><strong>NOT ISOLATED:</strong> graded with --no-sandbox; a submission could "
                   "have changed any file or result.</p>")
    elif report.get("isolation"):
        out.append(f"<p>Each notebook ran in its own sandbox (limits: {e(str(report.get('limits')))}).</p>")

    out.append("<h2 id=reteach>What to reteach first: misconceptions</h2>")
    mis = report.get("misconceptions", [])
    if mis:
        out.append("<p>Each row: the answers to one task that matched one wrong model, computed by the checks "
                   "(a hint is given only when the answer equals what that misconception produces).</p>")
        if "misconceptions" in charts:
            out.append(f"<img alt='misconceptions chart' src='{charts['misconceptions']}'>")
        out.append("<table id=misconceptions><tr><th>learners</th><th>misconception</th><th>what they believe</th>"
                   "<th>exercise</th><th>task</th><th>who</th></tr>")
        for m in mis:
            out.append(f"<tr><td class=num>{m['count']}</td><td><code>{e(m['misconception'])}</code></td>"
                       f"<td>{e(m.get('description', ''))}</td><td>{e(Path(m.get('source', '')).stem)}</td>"
                       f"<td>{e(m['grade_id'])}</td><td>{e(', '.join(m['learners']))}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No answer matched a known misconception.</p>")

    out.append(predictions_section(report))

    out.append("<h2 id=tasks>Pass rate per task</h2>")
    if "tasks" in charts:
        out.append(f"<img alt='pass rate chart' src='{charts['tasks']}'>")
    out.append("<table id=task-table><tr><th>exercise</th><th>task</th><th>passed</th><th>rate</th>"
               "<th>most common misconception</th></tr>")
    for t in tasks:
        out.append(f"<tr><td>{e(t['exercise'])}</td><td>{e(t['grade_id'])}</td><td class=num>{t['passed']} / "
                   f"{t['graded']}</td><td class=num>{100 * t['rate']:.0f}%</td><td>{e(t['top'])}</td></tr>")
    out.append("</table>")

    out.append("<h2 id=scores>Score distribution</h2>")
    if "scores" in charts:
        out.append(f"<img alt='score distribution chart' src='{charts['scores']}'>")

    flags = report.get("flags", [])
    out.append("<h2 id=flags>Honesty flags</h2>")
    if flags:
        out.append("<table id=flag-table><tr><th>learner</th><th>notebook</th><th>task</th><th>call</th></tr>")
        for f in flags:
            out.append(f"<tr><td>{e(str(f.get('learner') or ''))}</td><td>{e(f['path'])}</td><td>{e(f['grade_id'])}"
                       f"</td><td>{e(f['message'])}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No answer calls a convlib function its task asks the learner to write.</p>")

    exercises = sorted({k for r in learners for k in r["notebooks"]})
    out.append("<h2 id=learners>Learners, lowest score first</h2><table id=learner-table><tr><th>learner</th>"
               "<th>score</th><th>%</th>" + "".join(f"<th>{e(x)}</th>" for x in exercises)
               + "<th>misconceptions</th><th>flags</th></tr>")
    for r in learners:
        cells = "".join(f"<td class=num>{e(r['notebooks'].get(x, ''))}</td>" for x in exercises)
        held = ", ".join(f"{k} &times;{v}" if v > 1 else k for k, v in Counter(r["misconceptions"]).most_common())
        out.append(f"<tr><td>{e(r['learner'])}</td><td class=num>{_fmt(r['score'])} / {_fmt(r['max_score'])}</td>"
                   f"<td class=num>{r['percent']:.0f}</td>{cells}<td>{held}</td><td class=num>{r['flags'] or ''}"
                   f"</td></tr>")
    out.append("</table>")
    style = ("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:75em;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .5em;"
             "text-align:left;vertical-align:top;font-size:.92em}th{background:#f3f3f3}td.num{text-align:right}"
             "img{max-width:100%;display:block;margin:1em 0}.summary{font-size:1.1em}code{font-size:1em}")
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(out)}</body></html>\n")


def write_report(report: dict, path, **kwargs) -> Path:
    """Write :func:`render_html` to ``path``."""
    path = Path(path)
    path.write_text(render_html(report, **kwargs), encoding="utf-8")
    return path
