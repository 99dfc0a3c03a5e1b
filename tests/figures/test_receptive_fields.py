"""convlib.figures.receptive_fields draws what it claims: checked on the data in the figure, not on pixels."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from convlib import receptive_field  # noqa: E402
from convlib.figures import receptive_fields as rff  # noqa: E402


def path_counts(layers, size):
    """Input gradient of the centre output of stacked all-ones 1-D kernels (k, dilation): counted in numpy."""
    g = np.zeros(size)
    g[size // 2] = 1.0
    for k, d in reversed(layers):  # spread back through each layer: a dilated box of ones
        taps = np.zeros((k - 1) * d + 1)
        taps[::d] = 1.0
        g = np.convolve(g, taps, mode="same")
    return np.outer(g, g)


@pytest.mark.parametrize("layers", [[(3, 1)], [(3, 1)] * 3, [(3, 1), (3, 2), (3, 4)], [(5, 1), (2, 1)]])
def test_field_box_measures_the_receptive_field(layers):
    g = path_counts(layers, 41)
    top, bottom, left, right = rff.field_box(g)
    size = receptive_field([(k, 1, d) for k, d in layers])
    assert bottom - top + 1 == right - left + 1 == size


def test_field_box_of_a_rectangle_and_its_errors():
    g = np.zeros((6, 7))
    g[2:5, 1:3] = -0.5  # negative gradients count too
    assert rff.field_box(g) == (2, 4, 1, 2)
    with pytest.raises(ValueError, match="zero everywhere"):
        rff.field_box(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="2-D"):
        rff.field_box(np.zeros((1, 3, 3, 1)))


def test_plot_input_gradients_draws_each_map_with_its_frame():
    maps = [path_counts([(3, 1)] * n, 15) for n in (1, 2, 3)]
    maps[1] = -maps[1]  # drawn as magnitudes
    fig = rff.plot_input_gradients(maps)
    assert len(fig.axes) == 3
    for ax, g, size in zip(fig.axes, maps, (3, 5, 7)):
        np.testing.assert_array_equal(ax.images[0].get_array(), np.abs(g))
        frame = ax.patches[0]
        top, bottom, left, right = rff.field_box(g)
        assert (frame.get_x(), frame.get_y()) == (left - 0.5, top - 0.5)
        assert frame.get_width() == frame.get_height() == size
        assert ax.get_title() == f"{size} x {size}"


def test_plot_input_gradients_titles_frame_and_errors():
    g = path_counts([(3, 1)], 9)
    fig = rff.plot_input_gradients([g, g], titles=["one", "two"], frame=False)
    assert [ax.get_title() for ax in fig.axes] == ["one", "two"]
    assert all(len(ax.patches) == 0 for ax in fig.axes)
    with pytest.raises(ValueError, match="2 maps"):
        rff.plot_input_gradients([g, g], titles=["one"])
    with pytest.raises(ValueError, match="empty"):
        rff.plot_input_gradients([])
    with pytest.raises(ValueError, match="maps\\[0\\]"):
        rff.plot_input_gradients([np.ones(3)])
