"""convlib.figures.training draws what it claims: checked on the data in the figure, not on pixels."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import convlib  # noqa: E402
from convlib.figures import training as pt  # noqa: E402
from convlib.figures.base import SIGNED_CMAP  # noqa: E402


def test_channel_rows_draw_each_rows_channels_on_one_symmetric_scale(rng):
    w = rng.normal(size=(3, 2, 3))
    dw = rng.normal(size=(3, 2, 3)) * 10
    fig = pt.plot_channel_rows([("w", w), ("dw", dw)], channel_names="RGB", title="t")
    assert len(fig.axes) == 6 + 2  # six panels, then one colour bar per row
    for r, a in enumerate((w, dw)):
        vmax = np.abs(a).max()
        for c in range(3):
            ax = fig.axes[r * 3 + c]
            np.testing.assert_array_equal(ax.images[0].get_array(), a[:, :, c])
            np.testing.assert_allclose(ax.images[0].get_clim(), (-vmax, vmax))
            # signed data: the diverging map, white at 0, no red/blue next to channel names R, G, B
            assert ax.images[0].get_cmap().name == SIGNED_CMAP
            assert [float(t.get_text()) for t in ax.texts] == pytest.approx(a[:, :, c].ravel(), rel=0.05)  # 2 digits
        np.testing.assert_allclose(fig.axes[6 + r].get_ylim(), (-vmax, vmax))  # the row's colour bar
    assert [ax.get_title() for ax in fig.axes[:3]] == ["R", "G", "B"]
    assert [fig.axes[i].get_ylabel() for i in (0, 3)] == ["w", "dw"]


def test_channel_rows_annotate_small_rows_only(rng):
    fig = pt.plot_channel_rows([("w", rng.normal(size=(3, 2, 3))), ("x", rng.normal(size=(5, 6, 3)))])
    assert all(len(ax.texts) == 6 for ax in fig.axes[:3])  # 3x2 slices: numbers written in
    assert not any(ax.texts for ax in fig.axes[3:6])        # 5x6 channels: colours only


def test_channel_rows_shared_scale(rng):
    before, after = 0.1 * rng.normal(size=(3, 3, 3)), rng.normal(size=(3, 3, 3))
    fig = pt.plot_channel_rows([("before", before), ("after", after)], shared_scale=True)
    vmax = max(np.abs(before).max(), np.abs(after).max())
    assert len(fig.axes) == 6 + 1                                      # six panels, one colour bar
    for ax in fig.axes[:6]:
        np.testing.assert_allclose(ax.images[0].get_clim(), (-vmax, vmax))
    np.testing.assert_allclose(fig.axes[6].get_ylim(), (-vmax, vmax))
    assert "one colour scale for all rows" in fig._suptitle.get_text()


def test_channel_rows_checks_its_input():
    with pytest.raises(ValueError, match="same channel count"):
        pt.plot_channel_rows([("a", np.zeros((2, 2, 3))), ("b", np.zeros((2, 2, 2)))])
    with pytest.raises(ValueError, match=r"\(h, w, C\)"):
        pt.plot_channel_rows([("a", np.zeros((2, 2)))])
    with pytest.raises(ValueError, match="channel names"):
        pt.plot_channel_rows([("a", np.zeros((2, 2, 3)))], channel_names="RG")
    with pytest.raises(ValueError, match="at least one"):
        pt.plot_channel_rows([])
    big = pt.plot_channel_rows([("x", np.ones((8, 8, 1)))])
    assert not big.axes[0].texts  # large panels are not annotated


@pytest.mark.parametrize("c_in, c_out, groups", [(4, 6, 1), (4, 6, 2), (6, 6, 3), (4, 8, 4)])
def test_group_mask_is_what_conv2d_connects(rng, c_in, c_out, groups):
    """mask[co, ci] is True exactly when changing input channel ci changes output channel co."""
    mask = pt.group_mask(c_in, c_out, groups)
    x = rng.normal(size=(4, 4, c_in))
    w = rng.normal(size=(2, 2, c_in // groups, c_out))
    y = convlib.conv2d(x, w, groups=groups)
    for ci in range(c_in):
        x2 = x.copy()
        x2[..., ci] += 1.0
        changed = ~np.isclose(convlib.conv2d(x2, w, groups=groups), y).all(axis=(0, 1))
        np.testing.assert_array_equal(mask[:, ci], changed)
    assert mask.sum() == c_in // groups * c_out


def test_group_connectivity_panels():
    fig = pt.plot_group_connectivity(4, 8, [1, 2, 4])
    assert len(fig.axes) == 3
    for ax, g in zip(fig.axes, [1, 2, 4]):
        np.testing.assert_array_equal(ax.images[0].get_array(), pt.group_mask(4, 8, g).astype(float))
        assert f"groups={g}" in ax.get_title() and f"{32 // g} weights" in ax.get_title()
    with pytest.raises(ValueError, match="must divide"):
        pt.group_mask(4, 6, 4)


def test_counts_bars_are_the_counts():
    counts = {k: convlib.layer_counts(k, 8, 8, 3, 10, groups=2 if k == "grouped" else 1)
              for k in ("standard", "grouped", "depthwise")}
    fig = pt.plot_counts(counts)
    params_ax, macs_ax = fig.axes
    assert [p.get_height() for p in params_ax.patches] == [c.params for c in counts.values()]
    assert [p.get_height() for p in macs_ax.patches] == [c.macs for c in counts.values()]
    assert [t.get_text() for t in params_ax.get_xticklabels()] == list(counts)
    for ax, field in ((params_ax, "params"), (macs_ax, "macs")):
        assert ax.get_yscale() == "linear" and ax.get_ylim()[0] == 0     # bar heights compare as ratios
        values = [getattr(c, field) for c in counts.values()]
        labels = [t.get_text() for t in ax.texts]
        assert labels[0] == f"{values[0]:,}"
        for label, v in zip(labels[1:], values[1:]):                    # the saving written on every other bar
            assert label == f"{v:,}\n1/{values[0] / v:.1f}"
    assert macs_ax.texts[1].get_text().endswith("1/2.0")              # grouped, groups=2: half the work


def test_overlap_counts_independently():
    """Counts computed directly: output pixel p along an axis is covered by inputs i with 0 <= p - i*s < k."""
    counts = pt.overlap_counts((3, 4), (3, 2), 2)
    def axis(n, k, s):
        size = (n - 1) * s + max(k, s)
        return np.array([sum(0 <= p - i * s < k for i in range(n)) for p in range(size)])
    np.testing.assert_array_equal(counts, np.outer(axis(3, 3, 2), axis(4, 2, 2)))
    fig = pt.plot_transpose_overlap((4, 4), [3, 4], 2)
    assert len(fig.axes) == 2 + 1  # two panels and their colour bar
    for ax, k in zip(fig.axes, [3, 4]):
        counts = pt.overlap_counts((4, 4), k, 2)
        np.testing.assert_array_equal(ax.images[0].get_array(), counts)
        assert [int(t.get_text()) for t in ax.texts] == counts.astype(int).ravel().tolist()
    assert "counts 1..4" in fig.axes[0].get_title() and "counts 1..4" in fig.axes[1].get_title()
    assert [t.get_text() for t in fig.axes[2].get_yticklabels()] == ["0", "1", "2", "3", "4"]


def test_history_lines_are_the_values():
    history = {"loss": [0.9, 0.5, 0.2], "accuracy": [0.5, 0.8, 1.0]}
    fig = pt.plot_history(history)
    for ax, key in zip(fig.axes, history):
        x, y = ax.lines[0].get_data()
        np.testing.assert_array_equal(x, [1, 2, 3])
        np.testing.assert_array_equal(y, history[key])
        assert ax.get_title() == f"training {key}"                      # fit reports on the training data
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
        assert ticks and all(float(t).is_integer() for t in ticks)     # whole epochs only
    assert len(pt.plot_history(history, ["accuracy"]).axes) == 1
    val = pt.plot_history({"val_loss": [0.7, 0.6]})
    assert val.axes[0].get_title() == "validation loss"
    with pytest.raises(ValueError, match="no \\['val_loss'\\]"):
        pt.plot_history(history, ["val_loss"])


def test_images_are_clipped_rgb(rng):
    x = rng.normal(0.5, 0.5, size=(3, 5, 4, 3))
    fig = pt.plot_images(x, ["a", "b", "c"])
    assert len(fig.axes) == 3
    for ax, img, title in zip(fig.axes, x, "abc"):
        np.testing.assert_array_equal(ax.images[0].get_array(), np.clip(img, 0, 1))
        assert ax.get_title() == title
    with pytest.raises(ValueError, match="RGB"):
        pt.plot_images(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="titles"):
        pt.plot_images(x, ["a"])
