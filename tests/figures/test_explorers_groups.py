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
    import ipywidgets

    from convlib.figures.explorers.groups import GroupsExplorer

    e = GroupsExplorer()
    assert list(e.controls["groups"].options) == [1, 2, 4, 8] and "VBox(" not in e.widget._repr_mimebundle_()["text/plain"]
    png = bytes(e.image.value)
    e.controls["groups"].value = 8
    assert e.state.depthwise and f"<b class='gr-params'>{e.state.counts.params}</b>" in e.numbers.value
    assert bytes(e.image.value) != png
    e.controls["C_out"].value = 12  # 8 no longer divides C_out: the options follow, groups falls back, and says so
    assert list(e.controls["groups"].options) == [1, 2, 4] and e.state.groups == 4
    assert "groups changed from 8 to 4" in e.note.value and "C_out = 12" in e.note.value
    e.controls["KH"].value = 5  # a change that keeps groups: the note goes
    assert e.note.value == ""
    assert isinstance(e.controls["groups"], ipywidgets.RadioButtons)  # each option is read out as its value


def test_counts_text_biases_per_link_and_ratio():
    from convlib.figures.explorers.groups import counts_html

    s = groups_state(8, 8, 2)
    text = counts_html(s)
    assert "3·3·4·8 = 288 + 8 biases = 296" in text
    assert "each line = one 3×3 slice = 9 weights; 32 lines × 9 = 288" in text
    assert "parameters 296/584 = 0.507 (1.97× fewer)" in text and "multiply-adds 18432/36864 = 0.5 (2× fewer)" in text
    sep = counts_html(groups_state(8, 8, 8, separable=True))
    assert "8 lines × 9 = 72" in sep and "64 lines × 1 = 64" in sep and "144/584" in sep
    assert "(the same)" in counts_html(groups_state(8, 8, 1))


def test_title_counts_every_stages_links():
    from convlib.figures.explorers.groups import title

    assert title(groups_state(8, 8, 4)).endswith(": 16 input-output channel links")
    s = groups_state(8, 12, 8, separable=True)
    assert title(s).endswith(f": 8 + 96 = {len(s.edges)} input-output channel links")
    assert draw_groups(s)._suptitle.get_text() == title(s)


def test_figure_is_readable():
    from convlib.figures.explorers.groups import _GROUP_COLOURS, DPI, FONT

    assert DPI >= 100 and FONT >= 11 and len(set(_GROUP_COLOURS)) == 8  # depthwise on 8 channels: 8 colours
    fig = draw_groups(groups_state(8, 8, 8, separable=True))
    texts = fig.axes[0].texts
    assert min(t.get_fontsize() for t in texts) >= 11
    assert sum(t.get_text() in {str(n) for n in range(8)} for t in texts) == 3 * 8  # every channel numbered
