"""The groups explorer, headless: its connections are conv2d's and its counts are counting's."""

import numpy as np
import pytest

import convlib
from convlib.figures.explorers.groups import draw_groups, groups_state, valid_groups


def seen_by_conv2d(c_in, c_out, groups):
    """(input channel, output channel) pairs where the input changes the output, found by perturbing conv2d's input."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 4, c_in))
    w = rng.normal(size=(3, 3, c_in // groups, c_out))
    base = convlib.conv2d(x, w, groups=groups)
    pairs = set()
    for a in range(c_in):
        x2 = x.copy()
        x2[..., a] += 1
        changed = np.abs(convlib.conv2d(x2, w, groups=groups) - base).max(axis=(0, 1)) > 1e-9
        pairs |= {(a, b) for b in np.flatnonzero(changed)}
    return pairs


@pytest.mark.parametrize("c_in, c_out", [(8, 8), (6, 4), (4, 12), (3, 3)])
def test_connections_are_conv2ds(c_in, c_out):
    for g in valid_groups(c_in, c_out):
        s = groups_state(c_in, c_out, g)
        assert {(a, b) for _, a, b in s.edges} == seen_by_conv2d(c_in, c_out, g)
        assert s.counts == convlib.conv2d_counts(c_in, c_out, 3, (8, 8), groups=g)
        assert s.counts.params == len(s.edges) * 9 + c_out


def test_valid_groups_and_separable_counts():
    assert valid_groups(8, 12) == [1, 2, 4] and valid_groups(8, 12, separable=True) == [1, 2, 4, 8]
    s = groups_state(8, 12, 8, 3, separable=True)
    assert s.depthwise and s.counts == convlib.separable_counts(8, 12, 3, (8, 8))
    assert "depthwise-separable" in s.name and len(s.edges) == 8 + 8 * 12
    with pytest.raises(ValueError):
        groups_state(8, 12, 8)


def test_figure_updates_in_place():
    fig = draw_groups(groups_state(8, 8, 1))
    assert len(fig.convlib_lines.get_segments()) == 64
    assert draw_groups(groups_state(8, 8, 4), fig) is fig and len(fig.convlib_lines.get_segments()) == 16


def test_widget():
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.groups import GroupsExplorer

    e = GroupsExplorer()
    assert list(e.controls["groups"].options) == [1, 2, 4, 8] and "VBox(" not in e.widget._repr_mimebundle_()["text/plain"]
    png = bytes(e.image.value)
    e.controls["groups"].value = 8
    assert e.state.depthwise and f"<b class='gr-params'>{e.state.counts.params}</b>" in e.numbers.value
    assert bytes(e.image.value) != png
    e.controls["C_out"].value = 12  # 8 no longer divides C_out: the slider's options follow, groups falls back
    assert list(e.controls["groups"].options) == [1, 2, 4] and e.state.groups == 1
