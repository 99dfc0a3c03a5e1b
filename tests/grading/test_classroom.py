"""A generated class of 24 learners with planted mistakes: misconception counts, flags, limits, report, feedback.

The class (tests/grading/classroom.py) plants every misconception the checks
of 03-channel-sum and 05-output-size-and-same know, a library call, crashes,
an endless loop, two memory bombs, a fork bomb, tampered check cells and
hard-coded visible answers.  It is graded once, through the command line
(``--jobs 2 --json --report --feedback``), and every test below reads that run.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from convlib.grading.cli import main
from tests.grading import GRADE_FLAGS
from convlib.grading.limits import descendants
from convlib.grading.submissions import collect
from tests.course.test_ui import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, sync_playwright  # noqa: F401
from tests.grading.classroom import MISTAKES, N_PLANTED, make_class

pytestmark = pytest.mark.slow

LEARNERS = 24
SPECIAL = {name: f"learner{N_PLANTED + k:02d}" for k, name in enumerate(
    ["library", "crash", "loop", "bomb20", "bomb1g", "fork", "tamper", "hardcoded", "untouched"])}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    manifest = make_class(root / "submissions", LEARNERS)
    out = root / "out"
    out.mkdir()
    # The memory limit (1024 MB, in a cgroup where there is one) stops the 1 GB-at-a-time bomb long before the
    # per-cell time limit could: the bomb does not race the clock, however slow the machine.
    code = main([str(root / "submissions"), *GRADE_FLAGS, "--jobs", "2", "--timeout", "30", "--memory", "1024",
                 "--json", str(out / "grades.json"),
                 "--report", str(out / "report.html"), "--feedback", str(out / "feedback")])
    report = json.loads((out / "grades.json").read_text())
    nbs = {(nb["learner"], Path(nb["path"]).stem[:2]): nb for nb in report["notebooks"]}
    return {"root": root, "out": out, "code": code, "report": report, "manifest": manifest, "nbs": nbs,
            "children": descendants(os.getpid())}


def results_of(graded, learner, exercise):
    return {t["grade_id"]: t for t in graded["nbs"][(learner, exercise)]["tests"]}


def test_the_class_is_graded_completely(graded):
    report = graded["report"]
    assert graded["code"] == 0
    assert len(report["notebooks"]) == 2 * LEARNERS
    assert all(nb["status"] == "graded" for nb in report["notebooks"])
    assert len(report["learners"]) == LEARNERS


def test_every_planted_misconception_is_counted_exactly(graded):
    n_planted = sum(len(v) for ex in MISTAKES.values() for v in ex.values())
    assert n_planted >= 30
    got = {(m["grade_id"], m["misconception"]): m["learners"] for m in graded["report"]["misconceptions"]}
    assert got == {k: v for k, v in graded["manifest"]["expected"].items()}
    for m in graded["report"]["misconceptions"]:
        assert m["count"] == len(m["learners"]) and m["description"]
    counts = [m["count"] for m in graded["report"]["misconceptions"]]
    assert counts == sorted(counts, reverse=True)
    # the example of the issue: who averaged the channels, who added the bias per channel
    assert got[("test_conv_one_filter", "channel-mean")] == ["learner01", SPECIAL["tamper"]]
    assert got[("test_conv_one_filter", "bias-per-channel")] == ["learner03"]


def test_each_failed_test_names_its_misconception(graded):
    t = results_of(graded, "learner01", "03")["test_conv_one_filter"]
    assert t["status"] == "failed" and t["misconception"] == "channel-mean" and t["points"] == 0
    assert "mean" in t["message"].splitlines()[0]
    assert results_of(graded, "learner23", "03")["test_conv_one_filter"]["misconception"] is None


def test_library_calls_score_zero_and_are_flagged(graded):
    who = SPECIAL["library"]
    t03, t05 = results_of(graded, who, "03"), results_of(graded, who, "05")
    assert t03["test_conv_one_filter"]["status"] == "flagged" and t03["test_conv_one_filter"]["points"] == 0
    assert "convlib.conv2d" in t03["test_conv_one_filter"]["message"]
    assert t03["test_partial_maps"]["status"] == "passed"  # convlib.correlate2d is allowed there
    assert t05["test_output_size"]["status"] == "flagged" and "convlib.output_size" in t05["test_output_size"]["message"]
    flags = graded["report"]["flags"]
    assert sorted((f["learner"], f["grade_id"], f["call"]) for f in flags) == [
        (who, "test_conv_one_filter", "convlib.conv2d"), (who, "test_output_size", "convlib.output_size")]
    assert graded["nbs"][(who, "03")]["flags"][0]["line"] == 4


def test_crashes_and_an_endless_loop_cost_only_their_task(graded):
    crash = results_of(graded, SPECIAL["crash"], "03")
    assert crash["test_partial_maps"]["status"] == "error" and "ZeroDivisionError" in crash["test_partial_maps"]["message"]
    assert crash["test_conv_one_filter"]["status"] == "passed"
    syntax = results_of(graded, SPECIAL["crash"], "05")
    assert syntax["test_same_padding"]["status"] != "passed" and "SyntaxError" in syntax["test_same_padding"]["message"]
    assert syntax["test_output_size"]["status"] == "passed"
    loop = results_of(graded, SPECIAL["loop"], "03")
    assert loop["test_conv_one_filter"]["status"] != "passed"
    assert loop["test_conv3d_through_channels"]["status"] == "passed"


def test_memory_bombs_are_stopped_and_scored(graded):
    one = results_of(graded, SPECIAL["bomb20"], "03")
    assert one["test_conv_one_filter"]["points"] == 0 and "MemoryError" in one["test_conv_one_filter"]["message"]
    assert one["test_conv3d_through_channels"]["status"] == "passed"
    step = results_of(graded, SPECIAL["bomb1g"], "05")
    assert step["test_unused_rows"]["points"] == 0
    assert re.search(r"MemoryError|more than \d+ MB of memory", step["test_unused_rows"]["message"])
    assert step["test_dilate_kernel"]["status"] == "passed"


def test_a_fork_bomb_is_stopped_and_leaves_no_process(graded):
    fork = results_of(graded, SPECIAL["fork"], "05")
    assert fork["test_dilate_kernel"]["points"] == 0
    assert "processes" in fork["test_dilate_kernel"]["message"]
    assert fork["test_output_size"]["status"] == "passed"
    assert graded["children"] == []  # every kernel and every fork is gone when grading ends


def test_tampered_check_cells_change_nothing(graded):
    t = results_of(graded, SPECIAL["tamper"], "03")
    assert t["test_conv_one_filter"]["status"] == "failed" and t["test_conv_one_filter"]["misconception"] == "channel-mean"
    assert t["test_partial_maps"]["status"] == "passed"


def test_the_rest_of_the_class_scores_full_marks(graded):
    untouched = graded["nbs"][(SPECIAL["untouched"], "03")]
    assert untouched["score"] == 0 and {t["status"] for t in untouched["tests"]} == {"not implemented"}
    for i in range(N_PLANTED + 9, LEARNERS):
        for ex in ("03", "05"):
            nb = graded["nbs"][(f"learner{i:02d}", ex)]
            assert nb["score"] == nb["max_score"] > 0


def test_feedback_teaches_without_showing_hidden_cases(graded):
    folder = graded["out"] / "feedback"
    assert sorted(p.stem for p in folder.iterdir()) == sorted(f"learner{i:02d}" for i in range(LEARNERS))
    hard = results_of(graded, SPECIAL["hardcoded"], "05")["test_output_size"]
    assert hard["status"] == "failed" and hard["hidden"] is True
    for nb in graded["report"]["notebooks"]:
        page = html.unescape((folder / f"{nb['learner']}.html").read_text())
        for t in nb["tests"]:
            for line in (t["message"] or "").splitlines()[1:]:
                if line.strip() and not line.startswith("Where"):
                    assert line.strip() not in page, (nb["learner"], t["grade_id"], line)
        assert "case:" not in page and "expected:" not in page and "expected[" not in page
    page = html.unescape((folder / f"{SPECIAL['hardcoded']}.html").read_text())
    assert "on a hidden case" in page
    assert "channel *mean*" in html.unescape((folder / "learner01.html").read_text())


def test_the_class_report_is_self_contained_and_sorted(graded):
    page = (graded["out"] / "report.html").read_text()
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert page.count("data:image/png;base64,") == 3
    table = page[page.index("id=misconceptions"):page.index("id=tasks")]
    for m in graded["report"]["misconceptions"]:
        assert f"<code>{m['misconception']}</code>" in table
    counts = [int(c) for c in re.findall(r"<tr><td class=num>(\d+)</td><td><code>", table)]
    assert counts == sorted(counts, reverse=True) and len(counts) == len(graded["report"]["misconceptions"])
    rates = [int(r) for r in re.findall(r"<td class=num>(\d+)%</td>", page)]
    assert rates == sorted(rates)
    for i in range(LEARNERS):
        assert f"<td>learner{i:02d}</td>" in page


@pytest.mark.ui
def test_the_report_renders_in_a_browser(graded, sync_playwright):  # noqa: F811
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "class-report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto((graded["out"] / "report.html").resolve().as_uri())
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
            assert len(images) == 3 and all(done and width > 100 for done, width in images)
            assert page.locator("#misconceptions tr").count() == len(graded["report"]["misconceptions"]) + 1
            assert page.locator("#learner-table tr").count() == LEARNERS + 1
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    assert all(u.startswith(("file:", "data:")) for u in requests)
    assert shot.stat().st_size > 20_000


# --------------------------------------------------------------------------- layouts (no kernels)


def _layouts(tmp_path):
    make_class(tmp_path / "src", 3, ("05-output-size-and-same",))
    course = tmp_path / "course"
    for learner in (tmp_path / "src").iterdir():
        dest = course / "submitted" / learner.name / "ps1"
        dest.mkdir(parents=True)
        for nb in learner.iterdir():
            shutil.copy(nb, dest / nb.name)
    zips = {}
    for name, base, top in (("folders", tmp_path / "src", "submissions"), ("nbgrader", course / "submitted",
                                                                            "submitted")):
        z = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(z, "w") as zf:
            for f in sorted(base.rglob("*.ipynb")):
                zf.write(f, f"{top}/{f.relative_to(base)}")
            zf.writestr("../evil.ipynb", "{}")  # never unpacked outside the temporary folder
            zf.writestr("/abs.ipynb", "{}")
        zips[name] = z
    return course, zips


def test_layouts_find_each_learner(tmp_path):
    course, zips = _layouts(tmp_path)
    want = ["learner00", "learner01", "learner02"]
    for paths in ([tmp_path / "src"], [course], [course / "submitted"], [zips["folders"]], [zips["nbgrader"]]):
        with collect(paths) as found:
            assert sorted(s.learner for s in found.submissions) == want, paths
            assert all(s.path.exists() and s.path.name == "05-output-size-and-same.ipynb" for s in found.submissions)
            if paths[0].suffix == ".zip":
                assert all(s.shown.startswith(str(paths[0].name)) or paths[0].name in s.shown
                           for s in found.submissions)
            tmp = [s.path for s in found.submissions]
        if paths[0].suffix == ".zip":
            assert not any(p.exists() for p in tmp)  # unpacked copies removed
    assert not (tmp_path / "evil.ipynb").exists()


def test_a_zip_of_the_nbgrader_layout_grades_end_to_end(tmp_path):
    course, zips = _layouts(tmp_path)
    out = tmp_path / "grades.json"
    assert main([str(zips["nbgrader"]), *GRADE_FLAGS, "--jobs", "2", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert sorted(lr["learner"] for lr in report["learners"]) == ["learner00", "learner01", "learner02"]
    assert {(m["grade_id"], m["misconception"]) for m in report["misconceptions"]} >= {
        ("test_output_size", "plus-one-missing"), ("test_same_padding", "same-extra-before")}
