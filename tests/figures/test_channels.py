"""convlib.figures.channels: check the data each figure draws (arrays, texts, patches), not pixels."""

import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

import convlib
from convlib.figures import channels as plotting
from convlib.figures.base import format_number


def image(ax):
    """The array drawn by the axes' (only) image."""
    assert len(ax.images) == 1
    return np.asarray(ax.images[0].get_array())


def texts(ax):
    return [t.get_text() for t in ax.texts]


def products(ax):
    """The sum-of-products text under a sliding-window panel."""
    (text,) = [t.get_text() for t in ax.texts if t.get_gid() == "products"]
    return text


def figure_box(fig):
    """Draw the figure; return a function telling whether an artist lies inside it (display units)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()   # the figures are made without pyplot, so give them a canvas
    renderer = fig.canvas.get_renderer()
    box = fig.bbox

    def inside(artist):
        e = artist.get_window_extent(renderer)
        return box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1 and box.y0 - 1 <= e.y0 and e.y1 <= box.y1 + 1

    return inside


def correlate_loops(x, k):
    """Independent single-channel cross-correlation: one window at a time."""
    kh, kw = k.shape
    ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    return np.array([[np.sum(x[i : i + kh, j : j + kw] * k) for j in range(wo)] for i in range(ho)])


def test_figures_need_no_tensorflow():
    code = ("import sys, convlib.figures.channels; "
            "bad = {'tensorflow', 'keras'} & set(sys.modules); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_convlib_does_not_import_its_figures():
    code = "import sys, convlib; assert 'convlib.figures' not in sys.modules and 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "value, text",
    [(40404.0, "40404"), (-1.0, "-1"), (0.5, "0.5"), (1 / 3, "0.33"), (-0.0, "0"), (-0.004, "0"), (np.float32(2.25), "2.25"),
     (7, "7")],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_figures_draw_themselves_in_jupyter():
    fig = plotting.plot_maps([np.eye(2)])
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert repr(fig).startswith("<Figure size ")  # nbval's sanitizer relies on this form


def test_plot_maps_draws_each_map_with_its_values(rng):
    maps = [rng.integers(-5, 5, size=(3, 4)), rng.normal(size=(2, 2))]
    fig = plotting.plot_maps(maps, ["first", "second"])
    assert len(fig.axes) == 2
    for ax, m, title in zip(fig.axes, maps, ["first", "second"]):
        np.testing.assert_array_equal(image(ax), m)
        assert ax.get_title() == title
        assert texts(ax) == [format_number(v) for v in np.ravel(m)]


def test_plot_maps_titles_fit_and_colours_can_follow_the_channels():
    x = np.ones((3, 3, 3)) * [1, 100, 10000]
    fig = plotting.plot_maps([x[:, :, c] for c in range(3)], ["x[0, :, :, 0]  red", "green", "blue"],
                             cmap=("Reds", "Greens", "Blues"))
    inside = figure_box(fig)
    for ax, name in zip(fig.axes, ["Reds", "Greens", "Blues"]):
        assert inside(ax.title)
        assert ax.images[0].get_cmap().name == name
    # Default: neutral grey for non-negative data, a diverging map centred on 0 for signed data.
    fig = plotting.plot_maps([np.arange(4.0).reshape(2, 2), np.array([[-5.0, 26.0]])], ["a\nsecond line", "b"])
    inside = figure_box(fig)
    plain, signed = (ax.images[0] for ax in fig.axes)
    assert plain.get_cmap().name == plotting.DATA_CMAP
    assert signed.get_cmap().name == plotting.SIGNED_CMAP and signed.norm.vmin == -signed.norm.vmax
    assert all(inside(ax.title) for ax in fig.axes)


def test_plot_maps_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        plotting.plot_maps([np.ones((2, 2, 3))])
    with pytest.raises(ValueError, match="titles"):
        plotting.plot_maps([np.ones((2, 2))], ["a", "b"])
    with pytest.raises(ValueError, match="colour maps"):
        plotting.plot_maps([np.ones((2, 2))], cmap=["Reds", "Blues"])


@pytest.mark.parametrize("shape, kshape", [((4, 5), (2, 3)), ((6, 3), (3, 1)), ((3, 3), (3, 3))])
def test_plot_sliding_window_draws_windows_and_values(rng, shape, kshape):
    x = rng.integers(-3, 6, size=shape).astype(float)
    k = rng.integers(-2, 3, size=kshape).astype(float)
    kh, kw = kshape
    ho, wo = shape[0] - kh + 1, shape[1] - kw + 1
    positions = [(0, 0), (ho - 1, wo - 1)]
    fig = plotting.plot_sliding_window(x, k, positions)
    axes = fig.axes
    assert len(axes) == len(positions) + 2
    np.testing.assert_array_equal(image(axes[0]), k)
    assert "(KH, KW)" in axes[0].get_title()
    expected_y = correlate_loops(x, k)
    for ax, (i, j) in zip(axes[1:-1], positions):
        np.testing.assert_array_equal(image(ax), x)
        window = ax.patches[0]
        assert window.get_xy() == (j - 0.5, i - 0.5)
        assert (window.get_width(), window.get_height()) == (kw, kh)
        value = np.sum(x[i : i + kh, j : j + kw] * k)
        assert ax.get_title() == f"y[{i}, {j}] = {format_number(value)}"
        # Each window cell is labelled with the weight that multiplies it.
        weights = [t[1:].strip("()") for t in texts(ax) if t.startswith("×")]
        assert Counter(weights) == Counter(format_number(v) for v in k.ravel())
        # Weight labels are readable, not footnote-sized.
        assert min(t.get_fontsize() for t in ax.texts if t.get_text().startswith("×")) >= 9
        # The sum of products, one kernel row per line.
        assert len(products(ax).split("\n")) == kh
        assert (ax.get_ylabel(), ax.get_xlabel()) == ("row", "column")
    assert (axes[0].get_ylabel(), axes[0].get_xlabel()) == ("row a", "column b")
    assert (axes[-1].get_ylabel(), axes[-1].get_xlabel()) == ("row i", "column j")
    y_ax = axes[-1]
    np.testing.assert_array_equal(image(y_ax), expected_y)
    assert image(y_ax).shape == (ho, wo)
    assert sorted(p.get_xy() for p in y_ax.patches) == sorted((j - 0.5, i - 0.5) for i, j in positions)


def test_plot_sliding_window_products_add_up():
    x = np.array([[1.0, 2.0], [3.0, -4.0]])
    k = np.array([[2.0, -1.0], [0.5, 1.0]])
    ax = plotting.plot_sliding_window(x, k, [(0, 0)]).axes[1]
    assert products(ax) == "1·2 + 2·(-1)\n+ 3·0.5 + (-4)·1"
    assert ax.get_title() == f"y[0, 0] = {format_number(2 - 2 + 1.5 - 4)}"


def test_plot_sliding_window_rejects_positions_outside_the_output():
    with pytest.raises(ValueError, match=r"position \(i, j\) = \(2, 0\).*2 x 2 positions"):
        plotting.plot_sliding_window(np.zeros((3, 3)), np.ones((2, 2)), [(2, 0)])
    with pytest.raises(ValueError, match="the kernel does not fit"):
        plotting.plot_sliding_window(np.zeros((2, 2)), np.ones((3, 1)), [(0, 0)])


def test_plot_kernel_volume_draws_every_weight_once(rng):
    w = rng.integers(-4, 5, size=(2, 3, 4)).astype(float)
    fig = plotting.plot_kernel_volume(w, channel_names=list("abcd"))
    ax, bar = fig.axes
    squares = [p for p in ax.patches if p.get_gid()]
    assert len(squares) == w.size
    assert {p.get_gid() for p in squares} == {f"w[{a}, {q}, {c}]" for a, q, c in np.ndindex(w.shape)}
    labels = texts(ax)
    # Every weight is written exactly once (Counter: values repeat).
    numbers = [t for t in labels if t.lstrip("-").isdigit()]
    assert Counter(numbers) == Counter(format_number(v) for v in w.ravel())
    for c, name in enumerate("abcd"):
        assert f"c = {c}\n({name})" in labels
    assert {"KH = 2", "KW = 3", "C_in = 4"} <= set(labels)
    assert "(2, 3, 4)" in ax.get_title() and "24 weights" in ax.get_title()


    # The colours are explained: a colour bar, symmetric about 0, covering every weight; the colours
    # are not the channel colours red/green/blue.
    lo, hi = bar.get_ylim()
    assert lo == -hi and hi >= np.abs(w).max()
    assert "weight" in bar.get_ylabel()
    assert plotting.SIGNED_CMAP not in {"Reds", "Greens", "Blues", "RdBu", "RdBu_r"}


@pytest.mark.parametrize("shape", [(2, 2, 3), (3, 3, 3), (3, 2, 4), (1, 3, 2)])
def test_plot_kernel_volume_labels_clear_the_dashed_edges(shape):
    fig = plotting.plot_kernel_volume(np.ones(shape), channel_names=[f"ch{c}" for c in range(shape[2])])
    inside = figure_box(fig)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    edges = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(edges) == 4
    for c in range(shape[2]):
        (label,) = [t for t in ax.texts if t.get_gid() == f"label {c}"]
        assert inside(label)
        box = label.get_window_extent(renderer)
        for line in edges:   # sample each dashed edge densely, in display coordinates
            (x0, y0), (x1, y1) = ax.transData.transform(np.transpose(line.get_data()))
            t = np.linspace(0, 1, 400)
            px, py = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            hits = (px > box.x0) & (px < box.x1) & (py > box.y0) & (py < box.y1)
            assert not hits.any(), f"label of slice {c} overlaps a dashed edge"


def test_plot_kernel_volume_squares_sit_on_their_slice():
    w = np.arange(12.0).reshape(2, 3, 2)
    ax = plotting.plot_kernel_volume(w).axes[0]
    by_gid = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    # Within a slice: column kw to the right, row kh downwards; slice c offset up and right.
    x00, y00 = by_gid["w[0, 0, 0]"].get_xy()
    assert by_gid["w[0, 1, 0]"].get_xy() == (x00 + 1, y00)
    assert by_gid["w[1, 0, 0]"].get_xy() == (x00, y00 - 1)
    x01, y01 = by_gid["w[0, 0, 1]"].get_xy()
    assert x01 > x00 and y01 > y00


def test_plot_kernel_volume_explains_a_4d_bank():
    with pytest.raises(ValueError, match=r"w\[:, :, :, co\]"):
        plotting.plot_kernel_volume(np.ones((3, 3, 2, 4)))


@pytest.mark.parametrize("c_in, kd", [(3, 3), (3, 2), (5, 1), (4, 2)])
def test_plot_depth_positions_counts_positions(c_in, kd):
    fig = plotting.plot_depth_positions(c_in, [kd])
    (ax,) = fig.axes
    brackets = [p for p in ax.patches if p.get_gid()]
    assert [p.get_gid() for p in brackets] == [f"channels {d}..{d + kd - 1}" for d in range(c_in - kd + 1)]
    assert len(ax.patches) == c_in + len(brackets)
    assert ax.get_title().startswith(f"kernel depth KD = {kd}: {c_in - kd + 1} position")
    assert ("Conv2D" in ax.get_title()) == (kd == c_in)


def test_plot_depth_positions_rejects_a_kernel_deeper_than_the_input():
    with pytest.raises(ValueError, match="KD = 4"):
        plotting.plot_depth_positions(3, [4])


