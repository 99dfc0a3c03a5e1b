"""Stored outputs that nbval compares must not depend on the machine.

nbval re-runs every notebook and compares each cell's fresh output with the
stored one.  An output holds on a learner's machine only if it does not show
what differs between machines: the last bits of a float sum (another BLAS
kernel, thread count, oneDNN, a GPU), NumPy scalar reprs, versions, thread or
core counts, BLAS or kernel names, absolute paths.  This test reads every
stored output that nbval compares (the cells it does not skip or ignore, in
notebooks/ and solutions/, after the sanitising regexes nbval applies) and
fails, naming the notebook and nbval's cell number, on any of those patterns.

It also checks that no stored output anywhere (ignored cells included) shows a
widget's raw repr, which a learner reads as a broken install: convlib's
widgets store a friendly sentence instead (``convlib.figures.explorers.panel``); and that no
stored output is a figure's repr (``<Figure size 640x480 with 1 Axes>``) without the image it
stands for: a learner would read that text where the picture should be.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import find_comment_markers, find_metadata_tags

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))

# nbval compares every output key except these (see nbval.plugin.IPyNbFile.skip_compare)
_NOT_COMPARED = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                 "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}

_BOUND_WORDS = re.compile(r"(?i)\b(below|within|under|at most|less than|True|False)\b|[<≤]")

#: (name, regex) -- a match on a compared line is a machine-dependent output.
PATTERNS = [
    ("long float repr", re.compile(r"\d\.\d{6,}|\d\.\d+[eE][-+]?\d+")),
    ("NumPy scalar repr", re.compile(r"\bnp\.(float|int|uint|bool|complex|str|bytes|void|datetime)\w*\(")),
    ("thread or core count", re.compile(r"(?i)\b\d+\s+(threads?|cores?|cpus?)\b|\bthread\(s\)|\b(threads?|cores?)\s*[:=]\s*\d")),
    ("version number", re.compile(r"(?<![\w.])\d+\.\d+\.\d+(?![\w.])|(?i:\bversion\b\s*[:=]?\s*v?\d)")),
    ("absolute path", re.compile(r"(?:^|[\s'\"(=])/(?:home|root|usr|tmp|opt|var|Users|private|work|mnt|srv)/"
                                 r"|\b[A-Za-z]:\\|site-packages")),
    ("BLAS or kernel name", re.compile(
        r"(?i)\b(open-?blas|mkl|blis|vecLib|onednn|mkl-?dnn|dnnl|eigen|cudnn|cublas|xnnpack|"
        r"skylakex|haswell|sandybridge|cooperlake|nehalem|prescott|zen\d?|neoverse\w*|armv8\w*|avx\w*|sse\d\w*)\b"
        r"|Apple Accelerate")),
    ("GPU or device name", re.compile(r"(?i)\b(cuda|nvidia|tesla)\b|/device:|\bGPU:\d")),
]

#: A raw float difference ("largest difference: 0.0", "max error 1e-07") -- fine only as a bound or boolean.
RAW_DIFFERENCE = re.compile(
    r"(?i)\b(difference|diff|error|deviation|discrepancy|residual|mismatch)s?\b[^\n]*?(?<![\w.])[-+]?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.])"
)

#: A widget's raw repr, which a notebook shows wherever the widget cannot be drawn.
WIDGET_REPR = re.compile(r"\b(VBox|HBox|Box|GridBox|IntSlider|FloatSlider|ToggleButtons?|Dropdown|Play|Button|"
                         r"Label|HTML|Image|Output|Tab|Accordion|Checkbox|IntText|FloatText)\((children|value|description|options|layout)=")


def _sanitizers():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


SANITIZERS = _sanitizers()


def _options(cell) -> dict:
    options = dict(find_metadata_tags(cell.metadata))
    options.update(dict(find_comment_markers(cell.source)))
    return options


def _texts(output):
    """The strings nbval compares in one output."""
    if output.output_type == "stream":
        yield output.get("text", "")
    elif output.output_type == "error":
        yield f"{output.get('ename', '')}: {output.get('evalue', '')}"
    for key, value in output.get("data", {}).items():
        if key not in _NOT_COMPARED:
            yield value if isinstance(value, str) else "".join(value)


def _sanitize(text: str) -> str:
    for regex, replace in SANITIZERS:
        text = regex.sub(replace, text)
    return text


def compared_outputs(nb):
    """``(nbval cell number, text)`` for every output string nbval compares in ``nb``."""
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        options = _options(cell)
        if not options.get("skip") and options.get("check", True):
            for output in cell.get("outputs", []):
                for text in _texts(output):
                    yield number, _sanitize(text)
        number += 1


def findings(nb, label: str) -> list[str]:
    """Every machine-dependent pattern in the compared outputs of ``nb``, as ``label::Cell N: ...``."""
    found = []
    for number, text in compared_outputs(nb):
        for line in text.splitlines():
            for name, regex in PATTERNS:
                if regex.search(line):
                    found.append(f"{label}::Cell {number}: {name}: {line.strip()!r}")
            if RAW_DIFFERENCE.search(line) and not _BOUND_WORDS.search(line):
                found.append(f"{label}::Cell {number}: raw float difference (print a bound or a boolean): "
                             f"{line.strip()!r}")
    return found


def all_outputs(nb):
    """``(nbval cell number, output)`` for every stored output of every code cell, ignored ones included."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    return [(number, output) for number, cell in enumerate(code) for output in cell.get("outputs", [])]


def widget_reprs(nb, label: str) -> list[str]:
    """Stored outputs (any cell, ignored ones included) whose plain text is a widget's raw repr."""
    return [f"{label}::Cell {number}: widget repr {text[:60]!r}"
            for number, output in all_outputs(nb) for text in _texts(output) if WIDGET_REPR.search(text)]


#: The plain-text repr of a matplotlib figure, which a notebook shows when the figure has no image of itself.
FIGURE_REPR = re.compile(r"<(?:\w+\.)*Figure size [\d.]+x[\d.]+")

_IMAGES = ("image/png", "image/jpeg", "image/svg+xml")


def figures_without_image(nb, label: str) -> list[str]:
    """Stored outputs (any cell, ignored ones included) whose plain text is a figure repr and that carry no image."""
    found = []
    for number, output in all_outputs(nb):
        data = output.get("data", {})
        text = output.get("text", "") if output.output_type == "stream" else "".join(data.get("text/plain", ""))
        if FIGURE_REPR.search(text) and not any(k in data for k in _IMAGES):
            found.append(f"{label}::Cell {number}: {text.strip()[:60]!r} with no image")
    return found


def test_figure_scan_flags_a_repr_without_image_and_passes_one_with_it():
    nb = nbformat.v4.new_notebook()
    bare = nbformat.v4.new_code_cell("draw()")
    bare.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "<Figure size 1050x570 with 13 Axes>"},
                                           execution_count=1)]
    drawn = nbformat.v4.new_code_cell("draw()")
    drawn.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "<Figure size 973.333x747 with 11 Axes>",
                                                                    "image/png": "iVBORw0KGgo="}, execution_count=2)]
    printed = nbformat.v4.new_code_cell("print(fig)")
    printed.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Figure(640x480)\n")]
    nb.cells = [drawn, bare, printed]
    assert figures_without_image(nb, "f.ipynb") == ["f.ipynb::Cell 1: '<Figure size 1050x570 with 13 Axes>' with no image"]


#: What each scan of the stored outputs finds, said to whoever reads the failure.
SCANS = {
    "machine": (findings, "machine-dependent stored outputs"),
    "widget-repr": (widget_reprs, "a stored widget shows its raw repr, which a learner reads as a broken install "
                                  "(display it through convlib.figures.explorers.panel)"),
    "figure-repr": (figures_without_image, "a stored output is a figure's repr without its picture (return a figure "
                                           "that Jupyter can draw: convlib.figures.base.new_figure, or a picture() "
                                           "of a raster)"),
}


@pytest.mark.parametrize("scan", SCANS)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_outputs(path, scan):
    find, why = SCANS[scan]
    found = find(nbformat.read(path, as_version=4), f"{path.parent.name}/{path.name}")
    assert not found, f"{why}:\n" + "\n".join(found)


# -- the scan itself is tested on planted outputs --------------------------------------------

def _notebook(*cells):
    """A notebook of code cells given as (source, stdout text, tags)."""
    nb = nbformat.v4.new_notebook()
    for source, text, tags in cells:
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells.append(cell)
    return nb


# Each line was a stored output of this course at some point, or a close variant of one.
FRAGILE = [
    "largest difference: 0.0",                       # 00's Cell 1 before this test existed
    "largest difference: 1.430511474609375e-06",     # what a Haswell OpenBLAS printed there
    "      naive: shape (3, 4, 2), largest difference from Keras 0",
    "mean: np.float64(13468.0)",
    "numpy's matrix multiply: scipy-openblas 0.3.31.188.0, kernel SkylakeX, 1 thread(s)",
    "TensorFlow reports onednn=False: tf.nn.conv2d above ran Eigen's implicit GEMM",
    "CPU: AMD EPYC, 2 cores usable",
    "<x, y> = -1.193880",
    "tensorflow  2.21.0",
    "saved to /home/learner/convlib/out.png",
    "placed on /device:GPU:0",
]
ROBUST = [
    "largest difference from Keras' map 0: below 1e-5",
    "dx: agrees with GradientTape to 1e-10: True",
    "tf.nn.conv2d: (2, 5, 4, 4) ; agree within rtol=1e-5: True",
    "y[0, 0, 0] = 32    Keras: 32",
    "standard / separable: multiply-adds (and FLOPs) 8.41, parameters 8.36",
    "[[40404. 40404.]",
    "formula: floor((7 - 3) / 2) + 1 = 3",
]


@pytest.mark.parametrize("line", FRAGILE)
def test_scan_flags_a_planted_fragile_output(line):
    nb = _notebook(("print(1)", "fine\n", ()), ("x = 1", line + "\n", ()))
    found = findings(nb, "planted.ipynb")
    assert found and all(f.startswith("planted.ipynb::Cell 1: ") for f in found), found


@pytest.mark.parametrize("line", ROBUST)
def test_scan_passes_robust_outputs(line):
    assert findings(_notebook(("x = 1", line + "\n", ())), "ok.ipynb") == []


def test_scan_skips_ignored_cells_and_applies_nbval_sanitizers():
    nb = _notebook(("x = 1", "largest difference: 0.0\n", ("nbval-ignore-output",)),
                   ("# NBVAL_SKIP\nx = 2", "tensorflow 2.21.0\n", ()),
                   ("x = 3", "took 1.2345678 s\n", ()))   # a timing: nbval sanitises it to TIME
    assert findings(nb, "ignored.ipynb") == []


def test_scan_finds_todays_fragile_cell_of_the_setup_notebook():
    # The setup notebook's Cell 1 as it was stored when a newcomer's run failed on it.
    nb = nbformat.read(ROOT / "notebooks" / "00-setup-check.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[1].outputs = [nbformat.v4.new_output("stream", name="stdout",
                                              text="output shape: (2, 4, 5, 4)\nlargest difference: 0.0\n")]
    found = findings(nb, "00-setup-check.ipynb")
    assert any(f.startswith("00-setup-check.ipynb::Cell 1: raw float difference") for f in found), found


def test_widget_scan_flags_a_raw_widget_repr_even_in_an_ignored_cell():
    nb = _notebook(("w", "VBox(children=(IntSlider(value=3, description='kernel size'),))\n", ("nbval-ignore-output",)))
    assert widget_reprs(nb, "w.ipynb") and findings(nb, "w.ipynb") == []
