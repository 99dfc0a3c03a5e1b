"""Honest scores: reading a learner's code for calls to the convlib function the task asks for (no kernel)."""

import json
from pathlib import Path

import pytest

from convlib.grading.results import NotebookResult
from convlib.grading.results import TestResult as Result
from convlib.grading.honesty import allowed_sentence, apply_honesty, library_calls, may_call
from convlib.grading.notebooks import nbgrader_meta

ROOT = Path(__file__).resolve().parents[2]
SETUP = ("cell 'setup'", "import numpy as np\n\nimport convlib\n", False)


def calls(code, allowed=(), names=("f",)):
    return sorted(c["call"] for c in library_calls(list(names), [SETUP, ("answer", code)], list(allowed)))


@pytest.mark.parametrize("code", [
    "def f(x, w, b):\n    return convlib.conv2d(x, w, b)\n",
    "import convlib as cl\ndef f(x, w, b):\n    return cl.conv2d(x, w, b)\n",
    "from convlib import conv2d as c\ndef f(x, w, b):\n    return c(x, w, b)\n",
    "from convlib.conv import conv2d\ndef f(x, w, b):\n    return conv2d(x, w, b)\n",
    "g = convlib.conv2d\ndef f(x, w, b):\n    return g(x, w, b)\n",
    "def f(x, w, b):\n    return __import__('convlib').conv2d(x, w, b)\n",
    "import importlib\ndef f(x, w, b):\n    return importlib.import_module('convlib.conv').conv2d(x, w, b)\n",
    "def helper(x, w, b):\n    return convlib.conv2d(x, w, b)\ndef f(x, w, b):\n    return helper(x, w, b)\n",
    "def f(x, w, b):\n    from convlib import conv2d\n    return conv2d(x, w, b)\n",
    "f = lambda x, w, b: convlib.conv2d(x, w, b)\n",
])
def test_every_way_of_reaching_conv2d_is_found(code):
    assert calls(code) == ["convlib.conv2d"]


def test_allowed_functions_numpy_and_unrelated_code_are_not_flagged():
    assert calls("def f(x, k):\n    return convlib.correlate2d(x, k[::-1, ::-1])\n", ["convlib.correlate2d"]) == []
    assert calls("def f(x, k):\n    return np.convolve(x, k)\n") == []
    assert calls("from convlib.checks import check_conv2d\ndef f(x):\n    return x\n") == []
    # a comparison in another cell, and a local variable named like a demo's result, are not the answer
    cells = [SETUP, ("answer", "def f(x):\n    cols = np.zeros(3)\n    return cols\n"),
             ("a cell you added", "cols = convlib.im2col(np.zeros((3, 3, 1)), (2, 2))\n")]
    assert library_calls(["f"], cells, []) == []
    # a constant getattr is an ordinary reference; an allowed framework is not flagged
    assert calls("def f(x, k):\n    return getattr(convlib, 'correlate2d')(x, k)\n", ["convlib.correlate2d"]) == []
    assert calls("import tensorflow as tf\ndef f(x):\n    return tf.constant(x)\n", ["tensorflow"]) == []


@pytest.mark.parametrize("code, call", [
    ("def f(x, w, b):\n    return getattr(convlib, 'conv' + '2d')(x, w, b)\n", "convlib (a name built at run time)"),
    ("def f(x, w, b):\n    return vars(convlib)['conv2d'](x, w, b)\n", "convlib (a name built at run time)"),
    ("def f(x, w, b):\n    return convlib.__dict__['conv2d'](x, w, b)\n", "convlib (a name built at run time)"),
    ("TOOLS = {}\nTOOLS['c'] = convlib.conv2d\ndef f(x, w, b):\n    return TOOLS['c'](x, w, b)\n", "convlib.conv2d"),
    ("TOOLS = []\nTOOLS.append(convlib.conv2d)\ndef f(x, w, b):\n    return TOOLS[0](x, w, b)\n", "convlib.conv2d"),
    ("from convlib.checks.many_filters import _conv2d\ndef f(x, w, b):\n    return _conv2d(x, w, b)\n",
     "convlib.conv2d"),
    ("import tensorflow as tf\ndef f(x, w, b):\n    return tf.nn.conv2d(x, w, 1, 'VALID').numpy()\n", "tensorflow"),
    ("def f(x, w, b):\n    import torch\n    return torch.conv2d(x, w)\n", "torch"),
    ("def f(x, w, b):\n    return __import__('scipy.signal').signal.correlate(x, w)\n", "scipy"),
])
def test_back_doors_and_frameworks_are_flagged(code, call):
    assert calls(code) == [call]


def test_every_task_of_the_solutions_states_what_it_may_call_and_says_so():
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        for i, cell in enumerate(cells):
            meta = nbgrader_meta(cell)
            if not (meta.get("grade") and not meta.get("solution")):
                continue
            allowed = may_call(cell)
            assert isinstance(allowed, list), (path.name, meta["grade_id"])
            text = "".join("".join(c["source"]) for c in cells[:i] if c["cell_type"] == "markdown")
            assert allowed_sentence(allowed) in text, (path.name, meta["grade_id"])
    cell = next(c for c in json.loads((ROOT / "solutions" / "03-channel-sum.ipynb").read_text())["cells"]
                if nbgrader_meta(c).get("grade_id") == "test_partial_maps")
    assert may_call(cell) == ["convlib.correlate2d"]


def test_the_solutions_are_never_flagged_and_a_conv2d_call_is():
    path = ROOT / "solutions" / "03-channel-sum.ipynb"
    cells = json.loads(path.read_text())["cells"]
    tests = [Result(nbgrader_meta(c)["grade_id"], 2.0, 2.0, "passed") for c in cells
             if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")]
    result = NotebookResult("x", "y", tests=tests)
    apply_honesty(result, cells, cells)
    assert result.flags == [] and all(t.status == "passed" for t in result.tests)
    cheat = json.loads(json.dumps(cells))
    answer = next(c for c in cheat if nbgrader_meta(c).get("grade_id") == "conv_one_filter")
    answer["source"] = "def conv_one_filter(x, w, b):\n    return convlib.conv2d(x, w[..., None], [b])[..., 0]\n"
    apply_honesty(result, cells, cheat)
    flagged = {t.grade_id: t for t in result.tests}["test_conv_one_filter"]
    assert flagged.status == "flagged" and flagged.points == 0 and "convlib.conv2d" in flagged.message
    assert [f["call"] for f in result.flags] == ["convlib.conv2d"] and result.flags[0]["line"] == 2
