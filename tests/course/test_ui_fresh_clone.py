"""The course as a newcomer first sees it: a fresh clone, opened with the README's command.

tests/course/test_ui.py runs notebooks whose outputs it clears first.  Here nothing
is cleared and nothing is run: the notebooks are copied exactly as committed
(stored outputs and widget state included) into a new folder with a new,
empty Jupyter data directory, so JupyterLab has never seen them and does not
trust them -- as on a learner's machine right after ``git clone``.  JupyterLab
is started with the README's own open command (read from the README, plus the
flags a test needs: no browser, 127.0.0.1, a free port, a token; run as root,
the README's command for root, whose ``--allow-root`` the test does not add
itself), and a real Chromium checks that

- the first page, the address the command opens, shows ``notebooks/`` and
  ``exercises/`` in the file browser (the repository is its root), and the
  setup check opens from there with two double-clicks;
- before any cell runs, each stored widget shows convlib's friendly sentence
  (``convlib.figures.explorers.FALLBACK_TEXT``), never a raw ``VBox(children=...`` repr,
  in the setup check and in the stride/padding explorer;
- a **Predict** prompt is on screen and its answer is not: the stored output of
  the cell that answers it is folded, and appears when the learner clicks the
  fold bar -- or runs the cell (checked on a one-cell notebook, so that no
  TensorFlow import slows the test).

Marked ``ui`` like tests/course/test_ui.py, with the same skip-locally, fail-in-CI rule.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import time
from pathlib import Path

import pytest

from convlib.figures.explorers import FALLBACK_TEXT
from tests.course.test_ui import (  # noqa: F401  (fixtures)
    NOTEBOOK, ROOT, SCREENSHOTS, STARTUP_TIMEOUT_S, Lab, browser, kernel_status, running_lab, sync_playwright, wait_for,
)

pytestmark = pytest.mark.ui


def readme_open_command(as_root: bool | None = None) -> list[str]:
    """The README quick start's ``jupyter lab ...`` command, as arguments: the one in its code block, or,
    as root, the one in the text that adds ``--allow-root`` (JupyterLab refuses root without it)."""
    if as_root is None:
        as_root = os.geteuid() == 0
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, flags=re.S)[1]
    commands = [ln.split("#", 1)[0].strip() for ln in block.splitlines() if ln.startswith("jupyter lab")]
    assert len(commands) == 1, f"the quick start's code should have one `jupyter lab` command, found {commands}"
    if as_root:
        commands = [c for c in re.findall(r"`(jupyter lab [^`]*)`", quick) if "--allow-root" in c.split()]
        assert len(commands) == 1, f"the quick start should say once how to open the course as root, found {commands}"
    return shlex.split(commands[0])


@pytest.fixture(scope="module")
def fresh_lab(tmp_path_factory, sync_playwright):
    """JupyterLab started the README's way over an untouched copy of the course."""
    base = tmp_path_factory.mktemp("fresh")
    clone = base / "convlib"
    for folder in ("notebooks", "exercises", "solutions", "docs"):
        shutil.copytree(ROOT / folder, clone / folder)
    shutil.copy(ROOT / "README.md", clone / "README.md")
    # The README's command, but on 127.0.0.1 only: a test server never listens beyond this machine (the
    # command for root says --ip=0.0.0.0, for a container; running_lab sets the address, once).
    command = [arg for arg in readme_open_command() if not arg.startswith("--ip=")]
    with running_lab(base, clone, command, allow_root=False) as running:
        yield running


def first_page(runtime: Path) -> str:
    """The page JupyterLab opens in the learner's browser: the browser-open file it writes (for a file to
    open, jpserver-file-to-run-PID-open.html, else jpserver-PID-open.html), which sends the browser on, token included."""
    pages = sorted(runtime.glob("jpserver-file-to-run-*-open.html")) or sorted(runtime.glob("jpserver-*-open.html"))
    assert len(pages) == 1, f"JupyterLab's browser-open files in {runtime}: {pages}"
    return pages[0].as_uri()


@pytest.fixture
def fresh_page(browser, fresh_lab):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(STARTUP_TIMEOUT_S * 1000)
    try:
        yield page
    finally:
        context.close()
        fresh_lab[0].shut_down_kernels()


def _open(page, lab: Lab, relpath: str, workspace: str):
    page.goto(lab.open_url(relpath, workspace), wait_until="domcontentloaded")
    page.locator(NOTEBOOK).locator(".jp-Cell").first.wait_for()


def _stored_widget_texts(page) -> list[str]:
    """The text of every output that holds a stored widget (its plain-text stand-in or the widget)."""
    outputs = page.locator(NOTEBOOK).locator(".jp-OutputArea-output")
    return [outputs.nth(i).inner_text() for i in range(outputs.count())]


@pytest.mark.parametrize("relpath, workspace", [("notebooks/00-setup-check.ipynb", "fresh-00"),
                                                ("notebooks/05-stride-padding-dilation.ipynb", "fresh-05")])
def test_untrusted_notebook_shows_the_friendly_text_before_a_run(fresh_lab, fresh_page, relpath, workspace):
    lab, _ = fresh_lab
    _open(fresh_page, lab, relpath, workspace)
    # Once the kernel is idle and connected, JupyterLab has restored what widget state it would restore.
    wait_for(fresh_page, lambda: kernel_status(fresh_page) == "idle" and lab.kernel_ready(relpath), STARTUP_TIMEOUT_S,
             f"the kernel of {relpath} to be idle and connected")
    texts = _stored_widget_texts(fresh_page)
    shown = "\n".join(texts)
    SCREENSHOTS.mkdir(exist_ok=True)
    friendly = [t for t in texts if FALLBACK_TEXT[:40] in t]
    if friendly:
        fresh_page.get_by_text(FALLBACK_TEXT[:40]).first.scroll_into_view_if_needed()
    fresh_page.screenshot(path=SCREENSHOTS / f"fresh-clone-{Path(relpath).stem}.png")
    assert "VBox(children" not in shown and "IntSlider(value" not in shown, \
        "a stored widget shows its raw repr before the cell runs"
    assert friendly, f"no stored output of {relpath} shows the friendly text: {shown[:2000]}"
    assert all(t.strip() == FALLBACK_TEXT for t in friendly), friendly


def test_readme_open_command_shows_the_whole_course_first(fresh_lab, fresh_page):
    lab, runtime = fresh_lab
    assert {"notebooks", "exercises", "README.md"} <= {item["name"] for item in lab.api("contents")["content"]}
    # What the learner's browser shows first: the browser-open page, then JupyterLab, with no click in between.
    fresh_page.goto(first_page(runtime), wait_until="domcontentloaded")
    listing = fresh_page.locator(".jp-DirListing-content .jp-DirListing-itemName")
    listing.filter(has_text="exercises").first.wait_for()
    assert fresh_page.url.startswith(lab.url), fresh_page.url
    items = {listing.nth(i).inner_text().strip() for i in range(listing.count())}
    SCREENSHOTS.mkdir(exist_ok=True)
    fresh_page.screenshot(path=SCREENSHOTS / "fresh-clone-file-browser.png")
    assert {"notebooks", "exercises"} <= items, items
    # The README's next step: open the setup check from the file browser.
    listing.filter(has_text=re.compile(r"^\s*notebooks\s*$")).first.dblclick()
    setup = listing.filter(has_text="00-setup-check.ipynb").first
    setup.wait_for()
    setup.dblclick()
    first_cell = fresh_page.locator(NOTEBOOK).locator(".jp-Cell").first
    wait_for(fresh_page, lambda: "Setup check" in first_cell.inner_text(), STARTUP_TIMEOUT_S,
             "the setup check's title in the opened notebook")  # its markdown renders after the cell appears


PREDICT_NOTEBOOK = "notebooks/01-is-the-kernel-2d.ipynb"
PREDICT_PROMPT = "Model A says"           # the notebook's first Predict prompt
PREDICT_ANSWER = "w.shape = (2, 2, 3, 1)"  # what the cell after it prints


def _answer_cell(page, prompt_text: str):
    """The markdown cell that holds ``prompt_text`` and the first code cell after it."""
    prompt = page.locator(NOTEBOOK).locator(".jp-MarkdownCell").filter(has_text=prompt_text).first
    prompt.wait_for()
    answer = prompt.locator("xpath=following-sibling::div[contains(concat(' ', @class, ' '), ' jp-CodeCell ')][1]")
    return prompt, answer


def test_a_predict_prompt_shows_the_question_and_not_the_answer(fresh_lab, fresh_page):
    lab, _ = fresh_lab
    _open(fresh_page, lab, PREDICT_NOTEBOOK, "fresh-predict")
    prompt, answer = _answer_cell(fresh_page, PREDICT_PROMPT)
    answer.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    fresh_page.screenshot(path=SCREENSHOTS / "fresh-clone-predict-folded.png")
    assert prompt.is_visible() and "Predict" in prompt.inner_text()
    fold = answer.locator(".jp-OutputPlaceholder")
    fold.wait_for(state="visible", timeout=STARTUP_TIMEOUT_S * 1000)  # the answer's output is folded
    assert fold.inner_text().strip() == "Answer:", f"the fold bar shows {fold.inner_text()!r}"  # JupyterLab previews a line
    assert not fresh_page.get_by_text(PREDICT_ANSWER).first.is_visible(), "the answer is on screen before the learner acts"
    answer.locator(".jp-OutputPlaceholder").click()                 # the learner unfolds it
    fresh_page.get_by_text(PREDICT_ANSWER).first.wait_for(state="visible")
    fresh_page.screenshot(path=SCREENSHOTS / "fresh-clone-predict-unfolded.png")


def test_running_a_folded_answer_cell_shows_its_output(fresh_lab, fresh_page):
    import nbformat

    lab, _ = fresh_lab
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    folded = {"collapsed": True, "jupyter": {"outputs_hidden": True}}
    nb.cells = [nbformat.v4.new_markdown_cell("**Predict:** 2 + 2?"),
                nbformat.v4.new_code_cell("print('Answer:')\nprint('the answer is', 2 + 2)", metadata=folded,
                                          outputs=[nbformat.v4.new_output("stream", text="Answer:\nthe answer is 4\n")])]
    nbformat.write(nb, lab.root / "predict-run-check.ipynb")
    _open(fresh_page, lab, "predict-run-check.ipynb", "fresh-predict-run")
    _, answer = _answer_cell(fresh_page, "2 + 2?")
    answer.locator(".jp-OutputPlaceholder").wait_for(state="visible", timeout=STARTUP_TIMEOUT_S * 1000)
    assert not fresh_page.get_by_text("the answer is 4").first.is_visible()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not lab.kernel_ready("predict-run-check.ipynb") and time.monotonic() < deadline:
        time.sleep(0.5)
    answer.locator(".jp-InputArea-editor").click()
    fresh_page.keyboard.press("Shift+Enter")                         # the learner runs the cell
    fresh_page.get_by_text("the answer is 4").first.wait_for(state="visible")
    fresh_page.screenshot(path=SCREENSHOTS / "fresh-clone-predict-run.png")
