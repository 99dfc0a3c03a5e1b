"""The course as a whole: every notebook navigable, every learner question answered, the README in sync."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from make_toc import QUESTIONS  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*-*.ipynb"))  # 06b-...: an optional detour keeps its chapter number


def load(path):
    return json.loads(path.read_text())


def markdown(nb):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_readme_table_of_contents_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_toc.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_learner_question_is_answered_in_a_notebook():
    """The numbers live in the README's map; a notebook asks the question in words, without its number."""
    answered = {}
    for path in NOTEBOOKS:
        nb = load(path)
        text = markdown(nb)
        for q in nb["metadata"].get("convlib", {}).get("questions", []):
            assert f"<!-- learner question {q} -->\n**Question:**" in text, \
                f"{path.name} claims question {q} but no cell asks it (marker '<!-- learner question {q} -->')"
            answered.setdefault(q, []).append(path.name)
        assert not re.search(r"[Ll]earner question \d", re.sub(r"<!-- learner question \d+ -->", "", text)), \
            f"{path.name} shows a learner-question number to the learner"
    missing = sorted(set(QUESTIONS) - set(answered))
    assert not missing, f"learner questions not answered by any notebook: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_executed_and_clean(path):
    nb = load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), "not executed top to bottom"
    outputs = json.dumps([c["outputs"] for c in code])
    assert not re.search(r"oneDNN|absl::|cpu_feature_guard|cudart_stub", outputs), "TensorFlow log noise in outputs"
    assert str(ROOT.parent) not in outputs, "an output shows a path of this machine"
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"], "stored error output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_links_resolve(path):
    text = markdown(load(path))
    for target in re.findall(r"\]\(([^)#]+\.ipynb)\)", text):
        assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


def test_readme_error_example_is_what_convlib_says():
    import numpy as np

    import convlib

    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"```text\n(ValueError: .*?)```", readme, re.S).group(1)
    with pytest.raises(ValueError) as err:
        convlib.conv2d(np.zeros((1, 5, 5, 3)), np.ones((3, 3)))
    assert " ".join(shown.split()) == " ".join(f"ValueError: {err.value}".split())


def test_readme_exercise_counts_match_the_sources():
    sources = sorted((ROOT / "solutions").glob("*.ipynb"))
    graded = [c["metadata"]["nbgrader"] for p in sources for c in load(p)["cells"]
              if c["metadata"].get("nbgrader", {}).get("grade")]
    claim = f"{len(sources)} notebooks, {len(graded)} graded tasks, {sum(g['points'] for g in graded)} points"
    assert claim in (ROOT / "README.md").read_text(), claim
