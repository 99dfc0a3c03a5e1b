"""The course as learners meet it: JupyterLab in a real (headless) Chromium.

Headless tests (nbval, tests/figures/test_widgets.py) run the kernel side only. They
cannot see a widget that never renders because the JupyterLab extension is
missing, a comm that never connects, or a figure that does not redraw in the
page. These tests start a real JupyterLab on 127.0.0.1 (free port, token on,
no browser) over a temporary copy of the course, drive it with Playwright in
Debian's Chromium (/usr/bin/chromium: test tools cannot download their own
browser here) and click and type the way a learner would:

- the stride/padding notebook: Run All Cells from the menu, then move the
  ``stride`` and ``padding`` sliders with the keyboard and check that the
  output-size text and the picture change in the page;
- the setup-check notebook: its "kernel size" slider drives a label;
- a solved exercise notebook: Run All Cells, and its check cells pass.

A screenshot of every widget state goes to ``screenshots/`` (git-ignored) so a
person can look at what the browser showed.

Marked ``ui``: ``python -m pytest -m ui`` runs only these. Without Chromium or
the ``playwright`` package they skip with a message that names what is missing;
when the environment variable ``CI`` is set they fail instead, so CI cannot pass
by skipping them. Install: ``apt-get install -y chromium`` and
``python -m pip install -r requirements-ui.txt``.

No wait here decides a result by the clock: each one waits for the page to show
a state (a readout, a text, a new picture that has loaded), and its time limit
is only there to end a test whose page never gets there, so the limits are
generous enough for a loaded 2-core machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = Path(os.environ.get("CONVLIB_CHROMIUM", "/usr/bin/chromium"))
# The flags this machine's Chromium needs: running as root (--no-sandbox), no GPU,
# and no calls home (the network is closed; without these Chromium retries
# refused connections at every start). Playwright adds --headless itself and gives
# every launch a fresh, empty profile (its own --user-data-dir).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SETUP_NOTEBOOK = "notebooks/00-setup-check.ipynb"
GEOMETRY_NOTEBOOK = "notebooks/05-stride-padding-dilation.ipynb"

# Limits for a page that never gets to the state a test waits for; on a loaded
# 2-core machine the longest real waits are a few times shorter than these.
STARTUP_TIMEOUT_S = 300  # JupyterLab start, or a notebook's kernel start
RUN_ALL_TIMEOUT_S = 600  # Run All Cells, TensorFlow import included
WIDGET_TIMEOUT_S = 120  # one key press or click until the page shows the redraw


# -- skip locally, fail in CI -------------------------------------------------


def in_ci() -> bool:
    """True when the environment variable CI is set (to anything but 0/false/no)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason: str):
    """Skip with ``reason`` on a developer machine; fail when CI is set."""
    if in_ci():
        pytest.fail(f"{reason} -- CI is set, so the browser tests must run, not skip", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sync_playwright():
    """Playwright's entry point, once both parts of the browser tests are there; else skip naming every missing one."""
    absent = []
    if not CHROMIUM.exists():
        absent.append(f"no Chromium at {CHROMIUM} (`apt-get install -y chromium`, or CONVLIB_CHROMIUM=PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        absent.append("no playwright package (`python -m pip install -r requirements-ui.txt`)")
    if absent:
        missing("browser test: " + " and ".join(absent))
    return sync_playwright


# -- the temporary course and its JupyterLab ----------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_notebook(src: Path, dst: Path, clear_outputs: bool = True) -> None:
    """Copy a notebook; cleared, so a finished run is told apart from stored outputs."""
    import nbformat

    nb = nbformat.read(src, as_version=4)
    if clear_outputs:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nb.metadata.pop("widgets", None)
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst)


def lab_user_settings(config_dir: Path) -> None:
    """JupyterLab settings for a quiet, deterministic page.

    - every cell attached to the DOM (``windowingMode: none``), so cells below
      the fold have prompts and outputs the test can read;
    - no news or update check (the network is closed; the toast would cover cells).
    """
    base = config_dir / "lab" / "user-settings" / "@jupyterlab"
    settings = {
        "notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    }
    for rel, value in settings.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


def descendants(pid: int) -> list[int]:
    """All live descendant process ids of ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_tree(proc: subprocess.Popen) -> None:
    """End the server's process group and every kernel it started (kernels get
    their own session from jupyter_client, so the group alone is not enough)."""
    pids = descendants(proc.pid)
    groups = {proc.pid}  # started with start_new_session: pgid == pid
    for pid in pids:
        with contextlib.suppress(OSError):
            groups.add(os.getpgid(pid))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in groups:
            with contextlib.suppress(OSError):
                os.killpg(pgid, sig)
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        try:
            proc.wait(timeout=10)
            if not any(Path(f"/proc/{p}").exists() for p in pids):
                break
        except subprocess.TimeoutExpired:
            pass
    proc.wait(timeout=10)


@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT/
    token: str
    root: Path  # the temporary course the server serves
    log: Path

    def open_url(self, path: str, workspace: str) -> str:
        # A workspace of its own per test: JupyterLab does not reopen tabs of another test.
        return f"{self.url}lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:]

    def api(self, path: str):
        req = urllib.request.Request(f"{self.url}api/{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=STARTUP_TIMEOUT_S) as r:  # a loaded server answers late, not never
            return json.load(r)

    def kernel_ready(self, notebook: str) -> bool:
        """The notebook's kernel is idle and the page's websocket is connected to it."""
        for session in self.api("sessions"):
            if session.get("path") == notebook and session.get("kernel"):
                k = session["kernel"]
                return k.get("execution_state") == "idle" and k.get("connections", 0) >= 1
        return False

    def shut_down_kernels(self) -> None:
        """End every notebook session (and its kernel), so tests do not pile up kernels."""
        for session in self.api("sessions"):
            req = urllib.request.Request(
                f"{self.url}api/sessions/{session['id']}", method="DELETE",
                headers={"Authorization": f"token {self.token}"},
            )  # fmt: skip
            with contextlib.suppress(urllib.error.URLError, OSError):
                urllib.request.urlopen(req, timeout=30).close()


def wait_until_up(proc: subprocess.Popen, url: str, token: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            req = urllib.request.Request(f"{url}api/status", headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer within {STARTUP_TIMEOUT_S} s:\n{log.read_text(errors='replace')[-4000:]}")


@contextlib.contextmanager
def running_lab(base: Path, root: Path, launch: list[str], allow_root: bool = True):
    """Run ``python -m <launch>`` in ``root`` with the flags a test needs; yield ``(Lab, runtime folder)``.

    The server gets its own Jupyter config, runtime and data folders under
    ``base`` (so nothing is trusted, and no setting of this machine leaks in),
    listens on 127.0.0.1 on a free port with a random token, opens no browser
    and never checks for updates; it is always shut down, kernels included.
    Run as root, it adds ``--allow-root`` unless ``allow_root`` is false (then
    ``launch`` must say it, as the README's command for root does).
    """
    jupyter = base / "jupyter"
    lab_user_settings(jupyter / "config")
    env = dict(os.environ)
    # tests/../conftest.py sets MPLBACKEND=Agg for the headless runs; a learner's
    # kernel has no such setting and draws inline, so the server must not inherit it.
    env.pop("MPLBACKEND", None)
    env.update(
        JUPYTER_CONFIG_DIR=str(jupyter / "config"),
        JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
        JUPYTER_DATA_DIR=str(jupyter / "data"),  # no notebook signatures: nothing is trusted
        IPYTHONDIR=str(jupyter / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    token = secrets.token_hex(24)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [
        sys.executable, "-m", *launch,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if allow_root and os.geteuid() == 0:  # CI and this machine run as root; JupyterLab refuses that without the flag
        cmd.append("--allow-root")
    log = base / "jupyterlab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_until_up(proc, url, token, log)
        yield Lab(url, token, root, log), jupyter / "runtime"
    finally:
        kill_tree(proc)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, sync_playwright):
    """JupyterLab on 127.0.0.1 (free port, token required, no browser) over a
    temporary copy of the course; always shut down, also when a test fails."""
    base = tmp_path_factory.mktemp("ui")
    course = base / "course"
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        copy_notebook(nb, course / "notebooks" / nb.name)
    for folder in ("solutions", "exercises"):  # copied as they are (solved copies)
        for nb in sorted((ROOT / folder).glob("*.ipynb")):
            copy_notebook(nb, course / folder / nb.name)
    with running_lab(base, course, ["jupyter", "lab", f"--ServerApp.root_dir={course}"]) as (lab, _):
        yield lab


@pytest.fixture(scope="module")
def browser(sync_playwright):
    """Headless Debian Chromium; closed after the module, also on failure."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, lab, request):
    """A fresh page (own context); on failure a full-page screenshot and the
    browser console are kept in screenshots/. Its kernels end with it."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WIDGET_TIMEOUT_S * 1000)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.console = console
    failed_before = request.session.testsfailed
    try:
        yield page
    finally:
        if request.session.testsfailed > failed_before:  # this test's call phase failed
            with contextlib.suppress(Exception):
                SCREENSHOTS.mkdir(exist_ok=True)
                page.screenshot(path=SCREENSHOTS / f"FAILED-{request.node.name}.png", full_page=True)
            print("browser console:\n" + "\n".join(console[-50:]))
            print("JupyterLab log:\n" + lab.log_tail())
        context.close()
        lab.shut_down_kernels()


# -- driving JupyterLab -------------------------------------------------------

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
# JupyterLab renders a traceback (an "error" output) with the stderr mime type, red
# like any other stderr text: a learner sees both as a red box, so the tests treat
# every stderr output as a failure and tell tracebacks apart by their text.
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

_PROMPTS_JS = """(sel) => {
  const nb = document.querySelector(sel);
  if (!nb) return null;
  return [...nb.querySelectorAll('.jp-Cell.jp-CodeCell')].map(
    c => c.querySelector('.jp-InputPrompt')?.textContent.trim() ?? '');
}"""


def kernel_status(page) -> str | None:
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator").first.get_attribute(
        "data-status"
    )


def open_notebook(page, lab: Lab, relpath: str, workspace: str) -> None:
    """Open a notebook in a fresh workspace and wait for its kernel to be idle."""
    page.goto(lab.open_url(relpath, workspace), wait_until="domcontentloaded")
    page.locator(NOTEBOOK).locator(".jp-Cell").first.wait_for(timeout=STARTUP_TIMEOUT_S * 1000)
    wait_for(
        page,
        lambda: kernel_status(page) == "idle" and lab.kernel_ready(relpath),
        STARTUP_TIMEOUT_S,
        f"the kernel of {relpath} to be idle and connected",
    )


def wait_for(page, condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"timed out after {timeout_s} s waiting for: {what}")


def run_all_cells(page, relpath: str) -> list[str]:
    """Run > Run All Cells from the menu bar; wait until every code cell has run
    (or one raised and the rest were cancelled) and the kernel is idle.
    Returns the input prompts, e.g. ``['[1]:', '[2]:', ...]``."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
    page.locator(".lm-Menu .lm-Menu-item").filter(has=label).click()

    def finished():
        prompts = page.evaluate(_PROMPTS_JS, NOTEBOOK) or []
        if not prompts or any("*" in p for p in prompts):
            return False
        ran_all = all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        raised = bool(error_texts(page.locator(NOTEBOOK)))
        return (ran_all or raised) and kernel_status(page) == "idle"

    wait_for(page, finished, RUN_ALL_TIMEOUT_S, f"Run All Cells of {relpath} to finish")
    return page.evaluate(_PROMPTS_JS, NOTEBOOK)


def stderr_texts(scope) -> list[str]:
    """The red boxes: stderr text and tracebacks."""
    return [t[:3000] for t in scope.locator(STDERR_OUTPUT).all_inner_texts()]


def error_texts(scope) -> list[str]:
    """The tracebacks among the red boxes."""
    return [t for t in stderr_texts(scope) if "Traceback (most recent call last)" in t]


def assert_no_errors(page, relpath: str) -> None:
    nb = page.locator(NOTEBOOK)
    errors = error_texts(nb)
    assert not errors, f"{relpath}: a cell raised in the browser:\n" + "\n---\n".join(errors)
    stderr = stderr_texts(nb)
    assert not stderr, f"{relpath}: red stderr boxes in the page:\n" + "\n---\n".join(stderr)
    text = "\n".join(nb.locator(".jp-OutputArea").all_inner_texts())  # outputs only, not prose or code
    for bad, why in (
        ("Error displaying widget", "a widget did not render (comm or model missing)"),
        ("IntSlider(value=", "widgets print as text: the JupyterLab widget extension is missing"),
        ("Loading widget...", "a widget never finished loading"),
    ):
        assert bad not in text, f"{relpath}: {why}: found {bad!r} in an output"


def slider(scope, description: str):
    """The IntSlider whose description is exactly ``description``."""
    page = scope.page if hasattr(scope, "page") else scope  # a Locator or the Page itself
    label = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
    return scope.locator(".widget-slider").filter(has=label)


def slider_value(s) -> int:
    """The value the slider's handle reports (what a screen reader reads out)."""
    return int(float(s.locator(".noUi-handle").get_attribute("aria-valuenow")))


def press_slider(s, key: str = "ArrowRight", times: int = 1) -> None:
    """Move a slider as a keyboard user would: focus its handle, press a key."""
    handle = s.locator(".noUi-handle")
    handle.focus()
    for _ in range(times):
        handle.press(key)


def image_state(image) -> tuple[str | None, bool]:
    """An ``img`` element's ``src`` and whether that picture has loaded. ipywidgets'
    Image view gives every new value a new blob URL, so a new ``src`` is a new picture."""
    return image.evaluate("img => [img.getAttribute('src'), img.complete && img.naturalWidth > 0]")


def wait_for_new_image(page, image, src_before: str | None, what: str) -> None:
    """Wait until ``image`` shows a picture other than ``src_before``, loaded (not a fixed pause)."""

    def shown():
        src, loaded = image_state(image)
        return src != src_before and loaded

    wait_for(page, shown, WIDGET_TIMEOUT_S, what)


@contextlib.contextmanager
def new_picture(page, image, what: str):
    """Around one action that redraws ``image`` (a key press, a click): on leaving, wait until the
    page shows the action's new picture, loaded. A redraw sets its text first and its picture last,
    so a text in the page does not mean its picture is there yet; this waits for the picture itself."""
    src_before = image_state(image)[0]
    yield
    wait_for_new_image(page, image, src_before, what)


def radio(scope, description: str):
    """The radio buttons whose description is exactly ``description``."""
    page = scope.page if hasattr(scope, "page") else scope
    label = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
    return scope.locator(".widget-radio").filter(has=label)


def radio_value(r) -> str:
    """The label of the chosen radio button."""
    return r.locator("label:has(input:checked)").inner_text().strip()


def choose(scope, description: str, text: str) -> None:
    """Choose ``text`` among the radio buttons ``description`` as a keyboard user does: focus its button (each is a
    tab stop), press the space bar."""
    r = radio(scope, description)
    button = r.locator(".widget-radio-box label", has_text=re.compile(rf"^\s*{re.escape(text)}\s*$")).locator("input")
    button.focus()
    button.press("Space")
    wait_for(r.page, lambda: radio_value(r) == text, WIDGET_TIMEOUT_S, f"{description!r} to be {text!r}")


def png_hash(locator, path: Path) -> str:
    """Screenshot ``locator`` to ``path``; return the PNG's sha256."""
    path.parent.mkdir(exist_ok=True)
    return hashlib.sha256(locator.screenshot(path=path, animations="disabled")).hexdigest()


def widget_cell(page, has_slider: str):
    """The output area of the code cell whose widget has the slider ``has_slider``."""
    cell = page.locator(NOTEBOOK).locator(".jp-Cell.jp-CodeCell").filter(has=slider(page, has_slider))
    cell.first.wait_for(timeout=WIDGET_TIMEOUT_S * 1000)
    assert cell.count() == 1, f"{cell.count()} cells have a slider {has_slider!r}"
    return cell.locator(".jp-OutputArea").first


# -- the tests ----------------------------------------------------------------


def test_setup_check_slider_drives_label(lab, page):
    """00: the widget renders and the 'kernel size' slider drives its label in the page."""
    open_notebook(page, lab, SETUP_NOTEBOOK, "ui-00")
    prompts = run_all_cells(page, SETUP_NOTEBOOK)
    assert_no_errors(page, SETUP_NOTEBOOK)
    assert all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), prompts

    out = widget_cell(page, "kernel size")
    out.scroll_into_view_if_needed()
    s = slider(out, "kernel size")
    label = out.locator(".widget-vbox > .widget-label")
    shots = SCREENSHOTS / "00-setup-check"

    start_value, start_text = slider_value(s), label.inner_text()
    assert start_text.startswith(f"a {start_value}x{start_value} kernel"), start_text
    start_png = png_hash(out, shots.with_name(f"00-setup-check-0-kernel-size-{start_value}.png"))

    press_slider(s, "ArrowRight")
    wait_for(page, lambda: slider_value(s) == start_value + 1, WIDGET_TIMEOUT_S, "the slider to move")
    wait_for(page, lambda: label.inner_text() != start_text, WIDGET_TIMEOUT_S, "the label to follow the slider")
    k = start_value + 1
    n_out = 7 - k + 1  # 'valid' on a 7x7 image (the label computes it with convlib in the kernel)
    text = label.inner_text()
    assert re.search(rf"\b{k}x{k} kernel\b.*\b{n_out}x{n_out} output", text), f"slider at {k}, the page says {text!r}"
    moved_png = png_hash(out, shots.with_name(f"00-setup-check-1-kernel-size-{k}.png"))
    assert moved_png != start_png, "the widget looks the same after moving the slider"


def page_geometry(out) -> dict:
    """The control values as the page shows them (slider readouts and the toggle)."""
    values = {name: slider_value(slider(out, name)) for name in ("H", "W", "KH", "KW", "stride", "padding", "dilation")}
    values["mode"] = radio_value(radio(out, "padding mode"))
    return values


def expected_output_size(g: dict) -> tuple[int, int]:
    """Ho, Wo for explicit padding on every side, from the formula (not from convlib)."""
    assert g["mode"] == "explicit", g
    return tuple(
        (n + 2 * g["padding"] - ((k - 1) * g["dilation"] + 1)) // g["stride"] + 1
        for n, k in ((g["H"], g["KH"]), (g["W"], g["KW"]))
    )


def test_geometry_explorer_sliders_redraw(lab, page):
    """05: Run All, then stride and padding moved with the keyboard change the
    output-size text and the picture in the page."""
    nb = GEOMETRY_NOTEBOOK
    open_notebook(page, lab, nb, "ui-05")
    prompts = run_all_cells(page, nb)
    assert_no_errors(page, nb)
    assert all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), prompts

    out = widget_cell(page, "stride")
    out.scroll_into_view_if_needed()
    summary = out.locator(".cl-numbers").first
    image = out.locator("img.widget-image").first
    image.wait_for()
    states: list[tuple[str, str, str]] = []  # (name, summary text, figure PNG hash)

    def record(name: str) -> None:
        shot = SCREENSHOTS / f"05-stride-padding-dilation-{len(states)}-{name}.png"
        png_hash(out, shot)  # the whole widget, for a person to look at
        fig = png_hash(image, shot.with_name(shot.stem + "-figure.png"))
        states.append((name, summary.inner_text(), fig))

    g = page_geometry(out)
    record(f"after-run-all-{g['mode']}")

    # Cells below the explorer drive it from code (mode 'same'), and 'same' disables
    # the padding slider: a learner clicks 'explicit' first, so does the test.
    if g["mode"] != "explicit":
        src_before = image_state(image)[0]
        choose(out, "padding mode", "explicit")
        pad = slider(out, "padding").locator(".noUi-target")
        wait_for(page, lambda: pad.get_attribute("disabled") is None, WIDGET_TIMEOUT_S, "the padding slider enabled")
        wait_for_new_image(page, image, src_before, "the picture of mode 'explicit'")  # the redraw's last update
        record("explicit")

    latencies = {}
    for name in ("stride", "padding"):
        s = slider(out, name)
        before = page_geometry(out)
        at_max = s.locator(".noUi-handle").get_attribute("aria-valuenow") == s.locator(
            ".noUi-handle"
        ).get_attribute("aria-valuemax")
        key, step = ("ArrowLeft", -1) if at_max else ("ArrowRight", 1)
        text_before, fig_before = states[-1][1], states[-1][2]
        src_before = image_state(image)[0]
        t0 = time.perf_counter()
        press_slider(s, key)
        wait_for(page, lambda: slider_value(s) == before[name] + step, WIDGET_TIMEOUT_S, f"{name} to move")
        wait_for(page, lambda: summary.inner_text() != text_before, WIDGET_TIMEOUT_S, f"the text to follow {name}")
        latencies[name] = time.perf_counter() - t0  # printed below, never asserted
        # The redraw sets the text, then the picture: wait for the new picture itself.
        wait_for_new_image(page, image, src_before, f"the picture to follow {name}")
        g = page_geometry(out)
        assert g[name] == before[name] + step and all(g[k] == before[k] for k in g if k != name), (before, g)
        ho, wo = expected_output_size(g)
        record(f"{name}-{g[name]}")
        text = states[-1][1]
        assert f"output: {ho} x {wo}" in text, f"{g}: expected an output of {ho} x {wo}, the page says:\n{text}"
        assert states[-1][2] != fig_before, f"moving {name} to {g[name]} did not change the figure in the page"
    print(f"browser round trip, key press to new text: {latencies}")
    assert_no_errors(page, nb)


# -- exercises ----------------------------------------------------------------


def solution_notebook() -> Path | None:
    """One solved exercise notebook: the stride/padding one if there is one, else the first."""
    solved = sorted((ROOT / "solutions").glob("*.ipynb"))
    preferred = [p for p in solved if "05" in p.name or "stride" in p.name or "padding" in p.name]
    return (preferred or solved or [None])[0]


def graded_cells(path: Path) -> list[int]:
    """Positions (among code cells) of the nbgrader test cells: the checks a learner runs."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    return [i for i, c in enumerate(code) if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.get("nbgrader", {}).get("solution")]


def assert_checks_pass(page, relpath: str, checks: list[int]) -> None:
    """Every check cell ran, raised nothing and wrote nothing to stderr (nbgrader
    scores stderr as a failure)."""
    assert checks, f"{relpath} has no graded test cells (nbgrader metadata grade: true)"
    cells = page.locator(NOTEBOOK).locator(".jp-Cell.jp-CodeCell")
    for i in checks:
        cell = cells.nth(i)
        prompt = cell.locator(".jp-InputPrompt").inner_text().strip()
        assert re.fullmatch(r"\[\d+\]:", prompt), f"{relpath}: check cell {i} did not run (prompt {prompt!r})"
        errors = error_texts(cell)
        assert not errors, f"{relpath}: check cell {i} failed in the browser:\n" + "\n".join(errors)
        stderr = stderr_texts(cell)
        assert not stderr, f"{relpath}: check cell {i} wrote to stderr:\n" + "\n".join(stderr)


def test_solved_exercise_checks_pass(lab, page):
    """A solved exercise notebook: Run All Cells, and every check cell passes in the page.
    Its generated student copy (exercises/) must fail visibly, so the test can tell."""
    solved = solution_notebook()
    if solved is None:
        pytest.skip("no exercise notebooks in solutions/ yet")
    relpath = f"solutions/{solved.name}"
    open_notebook(page, lab, relpath, "ui-solution")
    run_all_cells(page, relpath)
    cells = page.locator(NOTEBOOK).locator(".jp-Cell.jp-CodeCell")
    checks = graded_cells(solved)
    SCREENSHOTS.mkdir(exist_ok=True)
    cells.nth(checks[-1] if checks else 0).scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"solution-{solved.stem}.png")
    assert_no_errors(page, relpath)
    assert_checks_pass(page, relpath, checks)

    student = ROOT / "exercises" / solved.name
    if not student.exists():
        return
    relpath = f"exercises/{solved.name}"
    open_notebook(page, lab, relpath, "ui-exercise")
    run_all_cells(page, relpath)
    errors = error_texts(page.locator(NOTEBOOK))
    page.locator(NOTEBOOK).locator(STDERR_OUTPUT).first.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"exercise-{solved.stem}-unsolved.png")
    assert any("NotImplementedError" in e for e in errors), (
        f"{relpath}: the unsolved copy ran without a NotImplementedError; errors seen: {errors}"
    )
