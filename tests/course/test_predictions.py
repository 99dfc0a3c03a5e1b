"""Every **Predict** prompt keeps its answer out of sight until the learner acts.

The notebooks are stored executed, so the answer to a prompt is a stored output. The cell that answers a prompt
(the first code cell after it, or the cell whose id the prompt names in ``metadata["convlib"]["answer_cell"]``)
stores its outputs collapsed (``metadata["jupyter"]["outputs_hidden"]``): JupyterLab shows a fold bar instead of
them until the learner runs the cell or clicks the bar, and nbval still compares them. The fold bar is not blank:
JupyterLab writes on it the first non-empty line of the first output, so every answer cell prints ``Answer:``
first, and that is all the bar shows. Where a prompt names its
answer (``metadata["convlib"]["answer"]``, a list of strings), that answer must be in the answer cell's outputs
and nowhere earlier in the notebook: not in the objectives, not in the prompt, not in an output left open.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*-*.ipynb"))


def source(cell):
    return "".join(cell["source"])


def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def prompts(nb):
    """(prompt index, answer index) for every markdown cell that asks the learner to predict."""
    cells = nb["cells"]
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown" or "**Predict" not in source(cell):
            continue
        named = cell["metadata"].get("convlib", {}).get("answer_cell")
        if named:
            j = next(k for k, c in enumerate(cells) if c.get("id") == named)
        else:
            j = next(k for k in range(i + 1, len(cells)) if cells[k]["cell_type"] == "code")
        found.append((i, j))
    return found


PLACEHOLDER_MIME = ("text/html", "image/svg+xml", "application/pdf", "text/markdown", "text/plain")


def fold_bar_text(cell):
    """The line JupyterLab 4 writes on a folded output: the first non-empty line of the first output."""
    first = cell["outputs"][0]
    text = "".join(first["text"]) if first["output_type"] == "stream" else next(
        ("".join(first["data"][m]) for m in PLACEHOLDER_MIME if m in first.get("data", {})), "")
    return next((line for line in text.split("\n") if line != ""), "")


def hidden(cell):
    return bool(cell["metadata"].get("jupyter", {}).get("outputs_hidden"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_predict_prompt_has_its_answer_folded(path):
    nb = json.loads(path.read_text())
    for i, j in prompts(nb):
        answer = nb["cells"][j]
        assert j > i, f"{path.name}: the answer to the prompt in cell {i} comes before it (cell {j})"
        assert answer["outputs"], f"{path.name}: the answer cell {j} of the prompt in cell {i} has no stored output"
        assert hidden(answer), (f"{path.name}: cell {j} answers the Predict prompt of cell {i} but its stored output "
                                "is visible: set metadata jupyter.outputs_hidden = true")
        assert fold_bar_text(answer) == "Answer:", (f"{path.name}: the folded output of cell {j} reads "
                                                    f"{fold_bar_text(answer)!r}: print('Answer:') first")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_named_answer_is_shown_before_its_prompt(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    for i, j in prompts(nb):
        for answer in cells[i]["metadata"].get("convlib", {}).get("answer", []):
            assert answer in output_text(cells[j]), f"{path.name}: {answer!r} is not what cell {j} outputs"
            for k in range(i + 1):
                earlier = cells[k]
                seen = source(earlier) if earlier["cell_type"] == "markdown" else (
                    "" if hidden(earlier) else output_text(earlier))
                assert answer not in seen, (f"{path.name}: the answer {answer!r} to the prompt in cell {i} is "
                                            f"already shown in cell {k}")


def test_the_course_asks_for_predictions():
    counts = {p.name: len(prompts(json.loads(p.read_text()))) for p in NOTEBOOKS}
    assert sum(counts.values()) >= 60, counts
