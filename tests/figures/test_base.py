"""One base for every figure: the figure class with _repr_png_, the colour maps, the number labels, the text colour."""

import ast
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import convlib.figures as figures  # noqa: E402
from convlib.figures import base  # noqa: E402
from convlib.figures.channels import plot_maps  # noqa: E402
from convlib.figures.gemm import plot_copy_counts  # noqa: E402
from convlib.figures.training import plot_group_connectivity  # noqa: E402
from convlib.figures.filters import plot_channel_mix  # noqa: E402
from convlib.figures.explorers.groups import draw_groups, groups_state  # noqa: E402

FIGURES = Path(figures.__file__).parent


def test_only_the_base_makes_figures():
    """No figure module builds a matplotlib Figure, a text colour or a number label of its own."""
    for path in FIGURES.rglob("*.py"):
        if path.name == "base.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "matplotlib.figure":
                pytest.fail(f"{path.name} imports matplotlib.figure: use convlib.figures.base.new_figure")
            if isinstance(node, ast.FunctionDef):
                assert node.name not in {"_figure", "_text_colour", "_fmt", "format_number", "_figure_class",
                                         "new_figure"}, \
                    f"{path.name} defines {node.name}: it is in convlib.figures.base"


def test_figure_modules_import_at_the_top():
    """Every import of convlib.figures stands at the top of its module, where a reader looks for it."""
    for path in FIGURES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, f"{path.relative_to(FIGURES)}: {node.name} imports inside (line {inner[0].lineno})"


@pytest.mark.parametrize("make", [
    lambda: plot_maps([np.eye(3)]),
    lambda: plot_copy_counts((5, 5), 3),
    lambda: plot_group_connectivity(4, 4, [1, 2]),
    lambda: plot_channel_mix(np.ones((4, 4, 3)), [1, 0, -1]),
    lambda: draw_groups(groups_state(4, 4, 2)),
])
def test_every_figure_draws_itself_in_jupyter(make):
    fig = make()
    assert isinstance(fig, base.Figure)
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_text_colour_and_format_number():
    import matplotlib
    from matplotlib.colors import Normalize

    greys = matplotlib.colormaps[base.CMAPS["data"]]
    assert base.text_colour(greys, Normalize(0, 1), 0.0) == "black"   # white cell
    assert base.text_colour(greys, Normalize(0, 1), 1.0) == "white"   # black cell
    assert [base.format_number(v) for v in (40404.0, -1, 0.5, 1 / 3, -1e-9)] == ["40404", "-1", "0.5", "0.33", "0"]
