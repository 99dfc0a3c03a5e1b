"""The channel-sum explorer, headless: the numbers it shows are conv2d's and add up."""

import numpy as np
import pytest

import convlib
from convlib.figures.explorers.channel_sum import (PRESETS, WRONG_MODELS, channel_sum_raster, channel_sum_state,
                                                   preset_data)


def test_fingerprint_is_40404_and_its_digits_are_the_channels():
    x, w, b = preset_data("fingerprint")
    s = channel_sum_state(x, w, b)
    assert s.partial_sums.tolist() == [4, 400, 40000] and s.value == 40404 == s.y[0, 0, 0]
    assert s.equation() == "4 + 400 + 40000 + bias 0 = 40404"
    assert s.wrong["A: one flat kernel"] == 40404  # ones everywhere: A cannot be told apart here
    assert s.wrong["B: map per channel"] == (4, 400, 40000)
    assert s.wrong["C: channels averaged"] == 13468
    assert set(s.wrong) == set(WRONG_MODELS)


@pytest.mark.parametrize("c_in, c_out, kh, kw, stride, padding", [
    (1, 1, 1, 1, 1, "valid"), (3, 2, 2, 3, 1, "same"), (4, 3, 4, 4, 2, "same"), (2, 3, 3, 2, 2, 1),
    (4, 1, 3, 3, 3, ((0, 2), (1, 0)))])
def test_every_pixel_equals_conv2d_and_partial_sums_add_up(c_in, c_out, kh, kw, stride, padding):
    x, w, b = preset_data("random integers", c_in, c_out, kh, kw)
    y = convlib.conv2d(x, w, b, stride=stride, padding=padding, method="naive")
    for co in range(c_out):
        for i in range(y.shape[0]):
            for j in range(y.shape[1]):
                s = channel_sum_state(x, w, b, stride=stride, padding=padding, position=(i, j), co=co)
                assert s.value == y[i, j, co]  # small integers: exact
                assert s.partial_sums.sum() + s.bias == s.value
                np.testing.assert_array_equal(s.products, s.windows * s.kernels)
                np.testing.assert_array_equal(s.kernels[1 % c_in], w[:, :, 1 % c_in, co])


def test_partial_sums_are_single_channel_correlations():
    x, w, b = preset_data("random integers", 3, 2, 3, 3)
    s = channel_sum_state(x, w, b, position=(1, 2), co=1)
    for c in range(3):
        assert s.partial_sums[c] == convlib.correlate2d(x[:, :, c], w[:, :, c, 1])[1, 2]


def test_wrong_models_differ_where_the_slices_differ():
    x, w, b = preset_data("random integers", 3, 1, 2, 2)
    s = channel_sum_state(x, w, b, position=(1, 1))
    assert s.wrong["A: one flat kernel"] == (s.windows * w[:, :, 0, 0]).sum() + s.bias
    assert s.wrong["A: one flat kernel"] != s.value
    assert len(s.wrong["B: map per channel"]) == 3


def test_layer_weights_preset_and_float_weights():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(3, 3, 2, 2)).astype(np.float32)
    b = np.array([0.5, -0.25], np.float32)
    x, w2, b2 = preset_data("layer weights", weights=(w, b))
    s = channel_sum_state(x, w2, b2, padding="same", position=(2, 3), co=1)
    np.testing.assert_allclose(s.value, convlib.conv2d(x, w2, b2, padding="same")[2, 3, 1], rtol=1e-12)
    with pytest.raises(ValueError, match="weights="):
        preset_data("layer weights")
    assert set(PRESETS) == {"fingerprint", "random integers", "layer weights"}


def test_position_is_clipped_and_kernel_too_large_raises():
    x, w, b = preset_data("fingerprint")
    assert channel_sum_state(x, w, b, position=(9, 9), co=5).position == (1, 1)
    with pytest.raises(ValueError):
        channel_sum_state(x[:1, :1], w, b)


def test_the_live_picture_is_the_static_one():
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.channel_sum import ChannelSumExplorer
    from convlib.figures.raster import rgb_png

    e = ChannelSumExplorer(preset="random integers", i=1, j=1)
    np.testing.assert_array_equal(e.picture, channel_sum_raster(channel_sum_state(*e.data(), position=(1, 1))))
    assert bytes(e.image.value) == rgb_png(e.picture)


def test_raster_outlines_the_window_and_fills_the_output():
    x, w, b = preset_data("fingerprint")
    a = channel_sum_raster(channel_sum_state(x, w, b, position=(0, 0)))
    z = channel_sum_raster(channel_sum_state(x, w, b, position=(1, 1)))
    assert a.dtype == np.uint8 and a.shape == z.shape and not np.array_equal(a, z)


def test_widget_controls_drive_the_state():
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.channel_sum import ChannelSumExplorer
    from convlib.figures.explorers import FALLBACK_TEXT

    e = ChannelSumExplorer()
    assert e.state.value == 40404 and "40404" in e.numbers.value
    assert e.widget._repr_mimebundle_()["text/plain"].startswith("[The channel-sum explorer appears here")
    assert "VBox(" not in e.widget._repr_mimebundle_()["text/plain"] != FALLBACK_TEXT
    png = bytes(e.image.value)
    e.controls["play"].value = 3  # the last pixel of a 2x2 output
    assert e.state.position == (1, 1) and bytes(e.image.value) != png
    assert e.controls["play"].max == 3
    e.controls["preset"].value = "random integers"
    e.controls["C_in"].value, e.controls["C_out"].value = 4, 3
    e.controls["mode"].value = "same"
    e.controls["co"].value = 2
    s = e.state
    assert s.x.shape == (5, 5, 4) and s.co == 2
    assert s.value == convlib.conv2d(s.x, s.w, s.b, padding="same")[s.position + (2,)]
    e.controls["model"].value = "C: channels averaged"
    assert "channels averaged" in e.numbers.value
    e.controls["mode"].value = "valid"
    e.controls["KH"].value = e.controls["KW"].value = 4
    e.controls["preset"].value = "fingerprint"  # 4x4 image, 4x4 kernel: one output pixel
    assert e.state.out == (1, 1)
    with pytest.raises(TypeError, match="unknown control"):
        ChannelSumExplorer(kernel=3)


def test_widget_layer_preset_fixes_the_shape():
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.channel_sum import ChannelSumExplorer

    w = np.arange(3 * 3 * 2 * 2, dtype=float).reshape(3, 3, 2, 2) / 10
    e = ChannelSumExplorer(weights=(w, np.zeros(2)), preset="layer weights")
    assert e.controls["C_in"].disabled and e.controls["KH"].value == 3 and e.state.x.shape[2] == 2


def test_a_wrong_model_recomputes_the_columns_and_shows_its_working():
    from convlib.figures.explorers.channel_sum import model_working, numbers_html

    x, w, b = preset_data("random integers", 3, 1, 2, 2)
    s = channel_sum_state(x, w, b, position=(1, 1))
    for model in WRONG_MODELS:
        assert model_working(s, model)["value"] == s.wrong[model]
    a = model_working(s, "A: one flat kernel")
    assert all((a["kernels"][c] == w[:, :, 0, 0]).all() for c in range(3))  # channel 0's slice on every channel
    assert a["labels"] == ["w[:, :, 0, 0]"] * 3
    np.testing.assert_array_equal(a["partial_sums"], [(s.windows[c] * w[:, :, 0, 0]).sum() for c in range(3)])
    html = numbers_html(s, "A: one flat kernel")
    assert a["working"] == " + ".join(f"{int(p)}" if p >= 0 else f"({int(p)})" for p in a["partial_sums"]) \
        + f" + bias {int(s.bias)} = {int(s.wrong['A: one flat kernel'])}"
    assert f"<span class='cs-working'>{a['working']}</span>" in html
    assert "w[:, :, 1, 0]" not in html and "Conv2D (true): y[1, 1, 0] = " + s.equation().split(" = ")[0] in html
    c = model_working(s, "C: channels averaged")
    assert c["working"].startswith("(") and "/ 3 + bias" in c["working"]
    assert numbers_html(s).count("cs-partial") == 3 and "cs-wrong" not in numbers_html(s)


def test_picture_panels_constant_channels_and_unfilled_cells():
    from convlib.figures.raster import CELL, cells_rgb

    x, w, b = preset_data("fingerprint")
    a = channel_sum_raster(channel_sum_state(x, w, b, position=(0, 0)))
    # constant channels are not drawn white or black: mid grey (r = g = b), at least 3 channels x 9 cells of it
    grey = (a[..., 0] == a[..., 1]) & (a[..., 1] == a[..., 2]) & (a[..., 0] > 80) & (a[..., 0] < 180)
    assert grey.sum() > 3 * 9 * (CELL // 2) ** 2
    # unfilled cells are hatched: two colours inside one cell, where a value's cell has one
    img = cells_rgb(np.array([[0.0, np.nan]]), "Greys", -0.6, 1.0)
    inner = lambda c: img[4:CELL - 4, c * CELL + 4:(c + 1) * CELL - 4].reshape(-1, 3)  # noqa: E731
    assert len({tuple(p) for p in inner(1)}) == 2 and len({tuple(p) for p in inner(0)}) == 1
    assert tuple(inner(0)[0]) != (255, 255, 255)  # a value is never the white of a cell not computed yet


def test_values_are_written_in_the_cells_where_they_fit():
    from convlib.figures.raster import CELL, cells_rgb, fit_cell

    plain = cells_rgb(np.array([[3.0, 40404.0]]), "Greys", 0, 1e5)
    written = cells_rgb(np.array([[3.0, 40404.0]]), "Greys", 0, 1e5, values=True)
    changed = (plain != written).any(axis=2)
    assert changed[:, :CELL].any() and not changed[:, CELL:].any()  # "40404" is too wide for a 22-pixel cell
    cell = fit_cell([[40404.0]])
    assert (cells_rgb([[40404.0]], cell=cell, values=True) != cells_rgb([[40404.0]], cell=cell)).any()


def test_x_argument_runs_the_explorer_on_a_notebooks_image():
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.channel_sum import ChannelSumExplorer

    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=(5, 6, 2)).astype(float)
    w = rng.normal(size=(3, 3, 2, 2))
    b = np.array([1.0, -2.0])
    e = ChannelSumExplorer(weights=(w, b), x=x, preset="layer weights", i=2, j=3, co=1)
    assert e.state.position == (2, 3) and e.state.co == 1
    np.testing.assert_array_equal(e.state.x, x)
    np.testing.assert_allclose(e.state.value, convlib.conv2d(x, w, b)[2, 3, 1])
    e.controls["model"].value = "A: one flat kernel"
    assert "cs-working" in e.numbers.value
    with pytest.raises(ValueError, match="weights"):
        ChannelSumExplorer(x=x)
    with pytest.raises(ValueError, match="shape"):
        preset_data("layer weights", weights=(w, b), x=x[:, :, :1])


@pytest.mark.parametrize("model", list(WRONG_MODELS))
@pytest.mark.parametrize("c_in, kh, kw, stride, padding", [(3, 2, 2, 1, "valid"), (2, 3, 2, 2, "same"),
                                                           (4, 1, 3, 3, ((0, 2), (1, 0)))])
def test_partial_maps_are_each_channel_correlated_with_its_slice(model, c_in, kh, kw, stride, padding):
    from convlib.figures.explorers.channel_sum import model_working

    x, w, b = preset_data("random integers", c_in, 2, kh, kw)
    s = channel_sum_state(x, w, b, stride=stride, padding=padding, position=(1, 0), co=1)
    work = model_working(s, model)
    maps = work["maps"]
    assert maps.shape == (c_in, *s.out)
    # the pixel's partial sums are the maps at the pixel, under every model
    np.testing.assert_array_equal(maps[:, 1, 0], work["partial_sums"])
    if model == "Conv2D (true)":  # the maps summed, plus the bias, are the layer's output
        np.testing.assert_array_equal(maps.sum(axis=0) + b[1], s.y[:, :, 1])
        for c in range(c_in):
            one = convlib.conv2d(x[:, :, c:c + 1], w[:, :, c:c + 1, 1:2], stride=stride, padding=padding)
            np.testing.assert_array_equal(maps[c], one[:, :, 0])
    if model == "A: one flat kernel":  # channel 0's slice on every channel
        np.testing.assert_array_equal(maps[0], model_working(s)["maps"][0])


def test_the_whole_layer_picture_adds_a_row_of_partial_maps_on_the_outputs_scale():
    from convlib.figures.raster import output_map

    x, w, b = preset_data("fingerprint")
    last = channel_sum_state(x, w, b, position=(1, 1))
    plain, whole = channel_sum_raster(last), channel_sum_raster(last, maps=True)
    assert whole.shape[0] > plain.shape[0] + 60 and whole.shape[1] >= plain.shape[1] - 4
    # one grey scale for maps that are compared: the same value has the same colour in two maps drawn with the
    # same scale, while each map on its own scale would paint its largest value alike
    scale = np.array([4.0, 40404.0])
    def colour(value, scale=None):  # inside the only cell, clear of its box and number
        return tuple(output_map(np.full((1, 1), value), 0, (0, 0), "map", scale)[-6, -6])

    assert colour(4.0, scale) != colour(40404.0, scale)
    assert colour(4.0) == colour(40404.0)
