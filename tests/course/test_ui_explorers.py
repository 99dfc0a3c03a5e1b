"""The explorers in a real browser: one test per explorer, each in its notebook.

Each test opens the notebook in JupyterLab (the fixtures and helpers of
tests/course/test_ui.py: a temporary copy of the course with cleared outputs,
headless Debian Chromium), runs all cells from the menu, then drives the
explorer as a learner would -- sliders with the focused handle and the arrow
keys, radio buttons with the space bar, play with Enter -- and checks that the number
the page shows is the one convlib computes for the same state, and that the
picture changes.  Every state is screenshotted to ``screenshots/``
(``explorer-NN-name-K-state.png``).

Marked ``ui`` (``python -m pytest -m ui``), with test_ui.py's skip-locally,
fail-in-CI rule.
"""

from __future__ import annotations

import re

import pytest

from tests.course.test_ui import (  # noqa: F401  (fixtures)
    SCREENSHOTS, WIDGET_TIMEOUT_S, assert_no_errors, browser, choose, lab, open_notebook, page, page_geometry, png_hash,
    press_slider, radio, run_all_cells, slider, slider_value, sync_playwright, wait_for, widget_cell,
    new_picture,
)

pytestmark = pytest.mark.ui


class Recorder:
    """Screenshots of one explorer's states, and the PNG hash of its picture in each."""

    def __init__(self, out, name: str):
        self.out, self.name, self.n = out, name, 0
        self.image = out.locator("img.widget-image").first

    def shot(self, state: str) -> str:
        path = SCREENSHOTS / f"explorer-{self.name}-{self.n}-{state}.png"
        self.n += 1
        png_hash(self.out, path)
        return png_hash(self.image, path.with_name(path.stem + "-picture.png"))


def picture(out):
    return out.locator("img.widget-image").first


def move(page, out, name: str, key: str = "ArrowRight", times: int = 1) -> int:
    """Move a slider ``times`` steps, one key press and its redrawn picture at a time."""
    s = slider(out, name)
    step = 1 if key == "ArrowRight" else -1
    for _ in range(times):
        before = slider_value(s)
        with new_picture(page, picture(out), f"the picture to follow {name}"):
            press_slider(s, key)
            wait_for(page, lambda: slider_value(s) == before + step, WIDGET_TIMEOUT_S, f"{name} to move")
    return slider_value(s)


def tab_stops(page, start, until: str, limit: int = 40) -> list[str]:
    """Focus ``start``, press Tab until the focused element matches the CSS selector ``until``: each stop's tag,
    class and (when it has one) ``contenteditable``, in order."""
    start.focus()
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop, done = page.evaluate("""sel => { const e = document.activeElement;
            const editable = e.isContentEditable ? ' contenteditable' : '';
            return [`${e.tagName} ${e.className}${editable}`, e.matches(sel)]; }""", until)
        stops.append(stop)
        if done:
            return stops
    raise AssertionError(f"{until} not reached in {limit} Tabs: {stops}")


def text_of(out, selector: str) -> str:
    return out.locator(selector).first.inner_text().strip()


def run_notebook(page, lab, nb: str, workspace: str) -> None:
    open_notebook(page, lab, nb, workspace)
    prompts = run_all_cells(page, nb)
    assert_no_errors(page, nb)
    assert all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), prompts


def test_channel_sum_explorer(lab, page):
    """01: pick a pixel with the keyboard, switch the data and the model, play: the page's numbers are convlib's."""
    from convlib.figures.explorers.channel_sum import channel_sum_state, preset_data

    nb = "notebooks/01-is-the-kernel-2d.ipynb"
    run_notebook(page, lab, nb, "ui-ex-01")
    out = widget_cell(page, "output i")
    out.scroll_into_view_if_needed()
    rec = Recorder(out, "01-channel-sum")
    total = lambda: text_of(out, ".cs-total")  # noqa: E731
    assert "y[0, 0, 0] = 4 + 400 + 40000 + bias 0 = 40404" in total()
    pictures = [rec.shot("fingerprint-0-0")]

    j = move(page, out, "output j")
    wait_for(page, lambda: f"y[0, {j}, 0]" in total(), WIDGET_TIMEOUT_S, "the sum to follow output j")
    pictures.append(rec.shot("fingerprint-0-1"))

    choose(out, "data", "random integers")
    i = move(page, out, "output i")
    x, w, b = preset_data("random integers", 3, 1, 2, 2)
    s = channel_sum_state(x, w, b, position=(i, j))
    wait_for(page, lambda: f"y[{i}, {j}, 0] = {s.equation()}" in total(), WIDGET_TIMEOUT_S,
             f"the page to show {s.equation()}")
    assert text_of(out, ".cs-conv2d") == str(int(s.y[i, j, 0]))
    partials = [t.strip() for t in out.locator(".cs-partial").all_inner_texts()]
    assert partials == [str(int(p)) for p in s.partial_sums], partials
    pictures.append(rec.shot(f"random-{i}-{j}"))

    choose(out, "model", "A: one flat kernel")
    wait_for(page, lambda: out.locator(".cs-wrong-value").count() == 1, WIDGET_TIMEOUT_S, "model A's number")
    assert text_of(out, ".cs-wrong-value") == str(int(s.wrong["A: one flat kernel"]))
    assert "the model is wrong here" in text_of(out, ".cs-wrong")
    rec.shot("model-A")

    # the keyboard alone: Tab goes from the first control through every option and slider to the play button, and
    # no stop on the way is an editable readout
    stops = tab_stops(page, radio(out, "data").locator("input").first, "button.cl-play")
    assert stops[-1].startswith("BUTTON") and not any("contenteditable" in t for t in stops), stops
    assert len(stops) == 1 + 3 + 9 + 1, stops   # data, padding, nine sliders, play
    # play: steps on its own, at a readable pace; the same button pauses, and the place is kept
    play = out.locator("button.cl-play")
    assert play.inner_text().strip() == "play" and "output pixels" in play.get_attribute("title")
    with new_picture(page, picture(out), "the picture of play's next pixel"):
        play.press("Enter")
        wait_for(page, lambda: f"y[{i}, {j}, 0]" not in total(), WIDGET_TIMEOUT_S, "play to step to the next pixel")
        assert play.inner_text().strip() == "pause"
        play.press("Enter")
    wait_for(page, lambda: play.inner_text().strip() == "play", WIDGET_TIMEOUT_S, "the button to say play again")
    m = re.search(r"y\[(\d), (\d), 0\] = .* = (-?\d+)", total())
    pi, pj, value = int(m[1]), int(m[2]), int(m[3])
    assert value == int(channel_sum_state(x, w, b, position=(pi, pj)).value)
    pictures.append(rec.shot(f"played-{pi}-{pj}"))
    page.wait_for_timeout(2500)   # two play intervals: a paused play does not step on, nor go back to (0, 0)
    assert f"y[{pi}, {pj}, 0]" in total(), total()
    assert slider_value(slider(out, "output i")) == pi and slider_value(slider(out, "output j")) == pj
    assert len(set(pictures)) == len(pictures), "a control did not change the picture"
    assert_no_errors(page, nb)


def test_im2col_linker(lab, page):
    """06: a pixel's row and dot product, then a column's copies, all moved with the keyboard."""
    from convlib.figures.explorers.channel_sum import preset_data
    from convlib.figures.explorers.im2col_link import im2col_link_state

    nb = "notebooks/06-im2col-and-gemm.ipynb"
    run_notebook(page, lab, nb, "ui-ex-06")
    out = widget_cell(page, "patch column")
    out.scroll_into_view_if_needed()
    rec = Recorder(out, "06-im2col")
    x, w, b = preset_data("random integers", 2, 2, 2, 2)
    pictures = [rec.shot("pixel-0-0")]

    i = move(page, out, "output i")
    j = move(page, out, "output j", times=2)
    co = move(page, out, "filter co")
    s = im2col_link_state(x, w, b, position=(i, j), co=co)
    wait_for(page, lambda: f"= y[{i}, {j}, {co}]" in text_of(out, ".im-total"), WIDGET_TIMEOUT_S, "the dot product")
    assert f"= {int(s.value)} = y[{i}, {j}, {co}]" in text_of(out, ".im-total")
    assert text_of(out, ".im-conv2d") == str(int(s.y[i, j, co]))
    row = out.locator("tr.im-row td").all_inner_texts()
    assert [int(v) for v in row] == [int(v) for v in s.patch_row], row
    pictures.append(rec.shot(f"pixel-{i}-{j}-co{co}"))

    choose(out, "pick", "patch column → input pixels")
    k = move(page, out, "patch column", times=3)
    s = im2col_link_state(x, w, b, column=k)
    wait_for(page, lambda: out.locator(".im-column").count() == 1 and f"column {k} " in text_of(out, ".im-column"),
             WIDGET_TIMEOUT_S, "the column view")
    assert str(s.column_label).replace(" ", "") in text_of(out, ".im-column")
    assert text_of(out, ".im-copies-max") == str(int(s.copies.max()))
    pictures.append(rec.shot(f"column-{k}"))
    assert len(set(pictures)) == len(pictures), "a control did not change the picture"
    assert_no_errors(page, nb)


def notebook_cell_namespace(nb: str, cell_id: str) -> dict:
    """Run one self-contained cell of a notebook here (numpy as np) and return its variables."""
    import contextlib
    import io

    import nbformat
    import numpy as np

    from tests.course.test_ui import ROOT

    cell = next(c for c in nbformat.read(ROOT / nb, as_version=4).cells if c.get("id") == cell_id)
    ns = {"np": np}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(cell.source, ns)
    return ns


def test_sliding_window_explorer(lab, page):
    """02: step the window with the keyboard, then flip the kernel: the page's sum is convlib's."""
    from convlib.figures.explorers.sliding_window import sliding_window_state

    nb = "notebooks/02-one-channel-cross-correlation.ipynb"
    data = notebook_cell_namespace(nb, "cab3cf79")  # the cell that defines the image x and the kernel k
    x, k = data["x"], data["k"]
    run_notebook(page, lab, nb, "ui-ex-02")
    out = widget_cell(page, "output j")
    out.scroll_into_view_if_needed()
    rec = Recorder(out, "02-sliding-window")
    total = lambda: text_of(out, ".sw-total")  # noqa: E731
    pictures = [rec.shot("0-0")]
    j = move(page, out, "output j")
    i = move(page, out, "output i")
    s = sliding_window_state(x, k, position=(i, j))
    assert s.correlation != s.convolution, "the scripted position should be one where the flip changes the sum"
    wait_for(page, lambda: total().startswith(f"y[{i}, {j}]"), WIDGET_TIMEOUT_S, "the sum to follow the window")
    assert total().endswith(f"= {int(s.value)}"), total()
    both = text_of(out, ".sw-both")
    assert f"cross-correlation gives {int(s.correlation)}; true convolution (flipped kernel) gives " \
           f"{int(s.convolution)}" in both, both
    pictures.append(rec.shot(f"{i}-{j}"))
    choose(out, "kernel", "true convolution (flipped)")
    f = sliding_window_state(x, k, position=(i, j), flip=True)
    wait_for(page, lambda: "k[::-1, ::-1]" in out.inner_text(), WIDGET_TIMEOUT_S, "the flipped kernel")
    assert total().endswith(f"= {int(f.value)}"), total()
    pictures.append(rec.shot(f"{i}-{j}-flipped"))
    assert len(set(pictures)) == len(pictures), "a control did not change the picture"
    assert_no_errors(page, nb)


def test_groups_explorer(lab, page):
    """08: move groups with the keyboard to depthwise, tick the 1x1 stage: the counts are convlib.counting's."""
    import convlib

    nb = "notebooks/08-grouped-depthwise-separable.ipynb"
    run_notebook(page, lab, nb, "ui-ex-08")
    out = widget_cell(page, "C_in")
    out.scroll_into_view_if_needed()
    rec = Recorder(out, "08-groups")
    params = lambda: int(text_of(out, ".gr-params"))  # noqa: E731
    assert params() == convlib.conv2d_counts(8, 8, 3).params
    pictures = [rec.shot("groups-1")]
    for g in (2, 4, 8):
        want = convlib.conv2d_counts(8, 8, 3, (8, 8), groups=g)
        with new_picture(page, picture(out), f"the picture of groups={g}"):
            choose(out, "groups", str(g))
            wait_for(page, lambda: params() == want.params, WIDGET_TIMEOUT_S, f"the parameters of groups={g}")
        assert int(text_of(out, ".gr-macs")) == want.macs
        pictures.append(rec.shot(f"groups-{g}"))
    box = out.locator(".widget-checkbox input")
    box.focus()
    want = convlib.separable_counts(8, 8, 3, (8, 8))
    with new_picture(page, picture(out), "the separable layer's picture"):
        box.press("Space")
        wait_for(page, lambda: params() == want.params, WIDGET_TIMEOUT_S, "the separable layer's parameters")
    assert "depthwise-separable" in out.inner_text()
    pictures.append(rec.shot("separable"))
    assert len(set(pictures)) == len(pictures), "a control did not change the picture"
    assert_no_errors(page, nb)


def test_geometry_explorer_convention_switch(lab, page):
    """05: in mode 'same', the "'same' split as" buttons, chosen with the keyboard, change the window starts drawn
    (the input stays put) and the line per axis that says where the windows lie against TensorFlow's; the real
    pads replace the greyed padding slider's value in the text."""
    from convlib.conventions import same_pads
    from convlib.figures.explorers.stride_padding import CONVENTION_LABELS, convention_note

    nb = "notebooks/05-stride-padding-dilation.ipynb"
    run_notebook(page, lab, nb, "ui-ex-05")
    out = widget_cell(page, "stride")
    out.scroll_into_view_if_needed()
    rec = Recorder(out, "05-convention")
    upper = radio(out, "'same' split as").locator("input").first
    assert upper.is_disabled(), "the convention buttons should wait for mode 'same'"
    assert "is used only in mode 'same'" in text_of(out, ".cl-note"), "a greyed-out control says why"
    choose(out, "padding mode", "same")
    wait_for(page, lambda: not upper.is_disabled(), WIDGET_TIMEOUT_S, "the convention buttons enabled")
    g = page_geometry(out)
    hw, khw = (g["H"], g["W"]), (g["KH"], g["KW"])
    note = lambda: text_of(out, ".convention-note") if out.locator(".convention-note").count() else ""  # noqa: E731
    pictures = {}
    for label, convention in [("TensorFlow (SAME_UPPER)", "upper"), ("ONNX SAME_LOWER", "lower"),
                              ("PyTorch k_eff // 2", "symmetric"), ("TensorFlow (SAME_UPPER)", "upper")]:
        assert CONVENTION_LABELS[label] == convention
        if convention != "upper" or pictures:
            choose(out, "'same' split as", label)
        expected = convention_note(hw, khw, g["stride"], g["dilation"], convention)
        wait_for(page, lambda: note() == expected, WIDGET_TIMEOUT_S, f"the page to say {expected!r}")
        (t, b), (l, r) = pads = tuple(same_pads(n, k, g["stride"], g["dilation"], convention) for n, k in zip(hw, khw))
        assert text_of(out, ".same-pads") == f"'same' pads top {t}, bottom {b}, left {l}, right {r}"
        picture = rec.shot(convention)
        if convention in pictures:  # back to TensorFlow's split: the same picture again
            assert picture == pictures[convention]
        pictures.setdefault(convention, picture)
        tf = tuple(same_pads(n, k, g["stride"], g["dilation"], "upper") for n, k in zip(hw, khw))
        if pads != tf:
            assert picture != pictures["upper"], f"{convention} pads {pads}: the picture did not change"
            assert "than TensorFlow's" in note()
            assert "where TensorFlow's windows start" in text_of(out, ".cl-numbers")
        if pads[0][0] != tf[0][0]:
            assert note().splitlines()[0].startswith("rows: windows start"), note()
    # the explorer's starting sizes are chosen so that the rows move (the odd total is on H)
    assert same_pads(hw[0], khw[0], g["stride"], g["dilation"], "lower") != \
        same_pads(hw[0], khw[0], g["stride"], g["dilation"], "upper")
    assert len(set(pictures.values())) == len(pictures) or hw == (1, 1)
    assert_no_errors(page, nb)


# -- one screen: every explorer's height at 1440 x 900, its overflow at 1024 x 768 ---------------------------------

#: The notebooks with an explorer, and a slider every one of their explorers has (to find the cell).
EXPLORER_NOTEBOOKS = {
    "01": "notebooks/01-is-the-kernel-2d.ipynb",
    "02": "notebooks/02-one-channel-cross-correlation.ipynb",
    "03": "notebooks/03-depth-the-channel-sum.ipynb",
    "05": "notebooks/05-stride-padding-dilation.ipynb",
    "06": "notebooks/06-im2col-and-gemm.ipynb",
    "08": "notebooks/08-grouped-depthwise-separable.ipynb",
}
#: JupyterLab shows about 750 px of notebook at 1440 x 900: an explorer fits in 700, so all of it is in view.
MAX_HEIGHT_PX = 700

#: What a browser draws of one explorer: its box, the controls column's, the picture's.
_BOXES_JS = """(root) => {
  const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left,
                                                                right: r.right, height: r.height}; };
  const img = root.querySelector('img.widget-image');
  return {explorer: box(root), controls: box(root.querySelector('.widget-hbox > .widget-vbox')),
          picture: img ? box(img) : null};
}"""

#: Everything of one explorer that is clipped, overflows or overlaps, as sentences ([] when nothing is).
_OVERFLOW_JS = """(root) => {
  const bad = [];
  const name = e => (e.className && e.className.baseVal === undefined ? String(e.className) : e.tagName)
                    .split(' ').filter(c => c.startsWith('widget') || c.startsWith('cl-')).join('.') || e.tagName;
  const area = root.closest('.jp-OutputArea-output').getBoundingClientRect();
  const r = root.getBoundingClientRect();
  if (r.right > area.right + 1) bad.push(`explorer ${Math.round(r.right - area.right)} px past its output area`);
  if (root.scrollWidth > root.clientWidth + 1) bad.push(`explorer scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`);
  // the panels meant to scroll sideways: the numbers and their wide tables (every ipywidgets box says
  // overflow: auto, so a box that scrolls is an overflow like any other)
  const scrolls = e => e.matches('.cl-numbers, .cl-scroll');
  for (const e of root.querySelectorAll('*')) {
    // a slider's handle stands half over the end of its track by design; hidden elements
    if (e.matches('.slider-container') || e.closest('.noUi-target') || e.offsetParent === null) continue;
    let p = e.parentElement, inside = false;
    while (p && p !== root) { if (scrolls(p)) { inside = true; break; } p = p.parentElement; }
    if (inside) continue;                                        // what scrolls inside its own panel is fine
    const b = e.getBoundingClientRect();
    if (b.right > r.right + 1) bad.push(`${name(e)} sticks out ${Math.round(b.right - r.right)} px`);
    if (!scrolls(e) && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
      bad.push(`${name(e)} clips or overflows its text/content (${e.scrollWidth} > ${e.clientWidth}): ${e.textContent.trim().slice(0, 40)}`);
  }
  const parts = [...root.querySelectorAll('.widget-slider, .widget-radio, .cl-play, .cl-value, .widget-checkbox, '
                                          + 'img.widget-image, .cl-numbers, .cl-caption, .cl-note')];
  for (let a = 0; a < parts.length; a++) for (let b = a + 1; b < parts.length; b++) {
    if (parts[a].contains(parts[b]) || parts[b].contains(parts[a])) continue;
    const p = parts[a].getBoundingClientRect(), q = parts[b].getBoundingClientRect();
    const w = Math.min(p.right, q.right) - Math.max(p.left, q.left), h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (w > 2 && h > 2) bad.push(`${name(parts[a])} overlaps ${name(parts[b])} (${Math.round(w)} x ${Math.round(h)} px)`);
  }
  return bad;
}"""


def test_every_explorer_fits_one_screen(lab, page):
    """At 1440 x 900 every explorer (controls, picture, numbers) is at most 700 px tall and its picture stands
    beside its controls; at 1024 x 768 nothing of it is clipped, overlaps or overflows its output area (wide tables
    scroll inside their own panel).  Heights go to screenshots/explorer-heights.json, a screenshot of each explorer
    at both sizes to screenshots/layout-NN-WIDTHxHEIGHT.png."""
    import json

    heights, problems = {}, []
    for nn, nb in EXPLORER_NOTEBOOKS.items():
        page.set_viewport_size({"width": 1440, "height": 900})
        run_notebook(page, lab, nb, f"ui-fit-{nn}")
        explorers = page.locator(".cl-explorer")
        explorers.first.wait_for()
        for k in range(explorers.count()):
            root = explorers.nth(k)
            root.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            boxes = root.evaluate(_BOXES_JS)
            heights[f"{nn}-{k}"] = round(boxes["explorer"]["height"])
            png_hash(root, SCREENSHOTS / f"layout-{nn}-{k}-1440x900.png")
            if boxes["explorer"]["height"] > MAX_HEIGHT_PX:
                problems.append(f"{nb} explorer {k}: {boxes['explorer']['height']:.0f} px tall at 1440x900")
            pic, ctl = boxes["picture"], boxes["controls"]
            if pic is None or pic["left"] < ctl["right"] - 1:
                problems.append(f"{nb} explorer {k}: the picture is not beside the controls at 1440x900")
        page.set_viewport_size({"width": 1024, "height": 768})
        page.wait_for_timeout(800)
        for k in range(explorers.count()):
            root = explorers.nth(k)
            root.scroll_into_view_if_needed()
            png_hash(root, SCREENSHOTS / f"layout-{nn}-{k}-1024x768.png")
            problems += [f"{nb} explorer {k} at 1024x768: {p}" for p in root.evaluate(_OVERFLOW_JS)]
        page.set_viewport_size({"width": 1440, "height": 900})
    (SCREENSHOTS / "explorer-heights.json").write_text(json.dumps(heights, indent=1) + "\n")
    print("explorer heights at 1440x900 (px):", heights)
    assert heights and not problems, "\n".join(problems)
