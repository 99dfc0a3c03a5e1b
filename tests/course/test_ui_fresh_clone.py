"""The course as a newcomer first sees it: a fresh clone, opened with the README's command.

tests/test_ui.py runs notebooks whose outputs it clears first.  Here nothing
is cleared and nothing is run: the notebooks are copied exactly as committed
(stored outputs and widget state included) into a new folder with a new,
empty Jupyter data directory, so JupyterLab has never seen them and does not
trust them -- as on a learner's machine right after ``git clone``.  JupyterLab
is started with the README's own open command (read from the README, plus the
flags a test needs: no browser, a free port, a token), and a real Chromium
checks that

- the command roots the file browser at the repository (``notebooks/`` and
  ``exercises/`` both reachable) and opens the setup check;
- before any cell runs, each stored widget shows convlib's friendly sentence
  (``convlib.figures.explorers.FALLBACK_TEXT``), never a raw ``VBox(children=...`` repr,
  in the setup check and in the stride/padding explorer.

Marked ``ui`` like tests/test_ui.py, with the same skip-locally, fail-in-CI rule.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from convlib.figures.explorers import FALLBACK_TEXT
from tests.course.test_ui import (  # noqa: F401  (fixtures)
    NOTEBOOK, ROOT, SCREENSHOTS, STARTUP_TIMEOUT_S, Lab, browser, running_lab, sync_playwright,
)

pytestmark = pytest.mark.ui


def readme_open_command() -> list[str]:
    """The ``jupyter lab ...`` line of the README's quick start, as arguments."""
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    lines = [ln.split("#", 1)[0].strip() for ln in quick.splitlines()]
    commands = [ln for ln in lines if ln.startswith("jupyter lab")]
    assert len(commands) == 1, f"the quick start should have one `jupyter lab` command, found {commands}"
    return shlex.split(commands[0])


@pytest.fixture(scope="module")
def fresh_lab(tmp_path_factory, sync_playwright):
    """JupyterLab started the README's way over an untouched copy of the course."""
    base = tmp_path_factory.mktemp("fresh")
    clone = base / "convlib"
    for folder in ("notebooks", "exercises", "solutions", "docs"):
        shutil.copytree(ROOT / folder, clone / folder)
    shutil.copy(ROOT / "README.md", clone / "README.md")
    with running_lab(base, clone, readme_open_command()) as running:
        yield running


def opened_path(runtime: Path) -> str:
    """The file JupyterLab opens in the browser (it writes that page to jpserver-file-to-run-PID-open.html)."""
    pages = sorted(runtime.glob("jpserver-file-to-run-*-open.html"))
    assert pages, f"JupyterLab wrote no browser-open file in {runtime}"
    text = pages[0].read_text()
    match = re.search(r"/lab/tree/([^\"'?]+)", text)
    assert match, f"the browser-open file names no file: {text[:500]}"
    return match.group(1)


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
    fresh_page.wait_for_timeout(1500)  # let JupyterLab settle any widget state it would restore
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


def test_readme_open_command_shows_the_whole_course_at_the_setup_check(fresh_lab, fresh_page):
    lab, runtime = fresh_lab
    assert opened_path(runtime) == "notebooks/00-setup-check.ipynb"
    contents = lab.api("contents")
    names = {item["name"] for item in contents["content"]}
    assert {"notebooks", "exercises", "README.md"} <= names, names  # the file browser's root is the repository
    fresh_page.goto(f"{lab.url}lab/workspaces/fresh-root/tree/notebooks/00-setup-check.ipynb?reset&token={lab.token}",
                    wait_until="domcontentloaded")
    fresh_page.locator(NOTEBOOK).locator(".jp-Cell").first.wait_for()
    fresh_page.locator(".jp-BreadCrumbs-home").first.click()  # the file browser's top folder
    listing = fresh_page.locator(".jp-DirListing-content .jp-DirListing-itemName")
    listing.filter(has_text="exercises").first.wait_for()
    items = {listing.nth(i).inner_text().strip() for i in range(listing.count())}
    SCREENSHOTS.mkdir(exist_ok=True)
    fresh_page.screenshot(path=SCREENSHOTS / "fresh-clone-file-browser.png")
    assert {"notebooks", "exercises"} <= items, items
