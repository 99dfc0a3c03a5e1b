"""convlib.figures.filters draws what it claims: checked on the data in the figure, not on pixels."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from convlib import conv2d  # noqa: E402
from convlib.figures import filters as pf  # noqa: E402
from convlib.figures.base import format_number  # noqa: E402


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_sample_image_is_a_small_rgb_float_image():
    x = pf.sample_image()
    assert x.shape == (150, 128, 3) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    # Shrinking averages blocks: the factor-2 image shrunk again equals the factor-4 one.
    x2 = pf.sample_image(2)
    np.testing.assert_allclose(x2.reshape(150, 2, 128, 2, 3).mean(axis=(1, 3)), x, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="factor"):
        pf.sample_image(0)


def test_filter_bank_draws_one_row_per_filter_with_its_slices_and_map(rng):
    w = rng.normal(size=(3, 2, 3, 4))
    x = rng.normal(size=(6, 7, 3))
    y = conv2d(x, w)
    fig = pf.plot_filter_bank(w, y, channel_names="RGB")
    c_in, c_out = 3, 4
    assert len(fig.axes) == c_out * (c_in + 1)
    for co in range(c_out):
        row = fig.axes[co * (c_in + 1) : (co + 1) * (c_in + 1)]
        for ci in range(c_in):
            np.testing.assert_array_equal(row[ci].images[0].get_array(), w[:, :, ci, co])
            vmax = pf.WIDEN * np.abs(w[..., co]).max()  # one symmetric colour scale per filter
            np.testing.assert_allclose(row[ci].images[0].get_clim(), (-vmax, vmax))
            # every weight is written in its cell
            assert [t.get_text() for t in row[ci].texts] == [format_number(v) for v in w[:, :, ci, co].ravel()]
        np.testing.assert_array_equal(row[c_in].images[0].get_array(), y[:, :, co])
        assert f"w[..., {co}]" in row[0].get_ylabel()
    assert "(3, 2, 3, 4) = 4 filters, each 3x2x3" in fig.get_suptitle()
    assert fig.axes[0].get_title().startswith("R")


def test_filter_bank_colours_weights_and_signed_maps_around_zero(rng):
    """Weights and signed maps: a diverging map without red/blue, centred on 0; non-negative maps: grey."""
    from convlib.figures.base import SIGNED_CMAP

    x = rng.uniform(size=(6, 7, 3))
    w = np.zeros((3, 3, 3, 2))
    w[..., 0] = 1 / 27  # a blur: non-negative map
    w[1, 1, 0, 1], w[1, 1, 2, 1] = 1, -1  # red minus blue: a signed map
    y = conv2d(x, w)
    assert y[..., 0].min() >= 0 and y[..., 1].min() < 0 < y[..., 1].max()
    fig = pf.plot_filter_bank(w, y, channel_names="RGB")
    weight_images = [ax.images[0] for k, ax in enumerate(fig.axes) if k % 4 != 3]
    assert {im.get_cmap().name for im in weight_images} == {SIGNED_CMAP}
    assert "red" not in SIGNED_CMAP.lower() and "Rd" not in SIGNED_CMAP and "Bu" not in SIGNED_CMAP
    blur_map, signed_map = fig.axes[3].images[0], fig.axes[7].images[0]
    assert blur_map.get_cmap().name == pf.IMAGE_CMAP
    assert signed_map.get_cmap().name == SIGNED_CMAP
    lo, hi = signed_map.get_clim()
    assert lo == -hi == -np.percentile(np.abs(y[..., 1]), 99)  # 0 is the middle of the scale


def test_filter_bank_without_maps_and_bad_shapes(rng):
    w = rng.normal(size=(7, 7, 2, 1))
    fig = pf.plot_filter_bank(w)
    assert len(fig.axes) == 2
    assert not fig.axes[0].texts  # 49 weights: too many to write
    with pytest.raises(ValueError, match="4-D"):
        pf.plot_filter_bank(w[..., 0])
    with pytest.raises(ValueError, match="C_out=1"):
        pf.plot_filter_bank(w, np.zeros((3, 3, 2)))


def test_stack_shapes_follow_the_output_size_rule_and_parameter_formula():
    rows = pf.stack_shapes((32, 30, 3), [(16, 3), (32, (5, 3), 2, "same"), (8, 1)])
    assert [r["kernel"] for r in rows] == [(3, 3, 3, 16), (5, 3, 16, 32), (1, 1, 32, 8)]
    # valid: 32-3+1, 30-3+1; same with stride 2: ceil(30/2), ceil(28/2); 1x1 keeps the size
    assert [r["output"] for r in rows] == [(30, 28, 16), (15, 14, 32), (15, 14, 8)]
    for r in rows:
        kh, kw, c_in, c_out = r["kernel"]
        assert r["params"] == (kh * kw * c_in + 1) * c_out == r["weights"] + r["biases"]
    # each layer's kernel depth is the previous layer's filter count
    assert rows[1]["kernel"][2] == rows[0]["kernel"][3] and rows[2]["kernel"][2] == rows[1]["kernel"][3]
    with pytest.raises(ValueError, match="C_out, kernel_size"):
        pf.stack_shapes((8, 8, 3), [(4,)])


def test_stack_shapes_agree_with_keras(keras):
    spec = [(16, 3), (32, 3, 2, "same")]
    model = keras.Sequential(
        [keras.Input((32, 32, 3)), keras.layers.Conv2D(16, 3), keras.layers.Conv2D(32, 3, strides=2, padding="same")]
    )
    rows = pf.stack_shapes((32, 32, 3), spec)
    for layer, r in zip(model.layers, rows):
        assert tuple(layer.kernel.shape) == r["kernel"]
        assert tuple(layer.output.shape[1:]) == r["output"]
        assert layer.count_params() == r["params"]


def test_conv_stack_figure_names_every_shape_and_count():
    fig = pf.plot_conv_stack((32, 32, 3), [(16, 3), (32, 3)])
    t = texts(fig)
    assert "x: 32x32x3" in t and "y1: 30x30x16" in t and "y2: 28x28x32" in t
    assert "16 filters, each 3x3x3" in t and "32 filters, each 3x3x16" in t
    assert any(s.endswith("= 448 params") for s in t) and any(s.endswith("= 4640 params") for s in t)
    assert [r["params"] for r in fig.stack] == [448, 4640]
    # sheets: x has 3, y1 and y2 are capped at 8; the filter glyphs have 3 and 8 (depth 16 capped)
    assert len(fig.axes[0].patches) == 3 + 8 + 8 + 3 + 8


def test_channel_mix_panels_add_up_to_the_output(rng):
    x = rng.uniform(size=(5, 6, 3))
    weights = np.array([0.299, 0.587, 0.114])
    fig = pf.plot_channel_mix(x, weights, channel_names="RGB")
    imgs = [ax.images[0].get_array() for ax in fig.axes]
    assert len(imgs) == 5
    np.testing.assert_allclose(imgs[0], x)
    for ci in range(3):
        np.testing.assert_allclose(imgs[1 + ci], weights[ci] * x[:, :, ci])
    expected = sum(weights[ci] * x[:, :, ci] for ci in range(3))
    np.testing.assert_allclose(imgs[-1], expected)
    np.testing.assert_allclose(imgs[1] + imgs[2] + imgs[3], imgs[-1])
    assert [ax.get_title() for ax in fig.axes][1:4] == ["0.299 x R", "+ 0.587 x G", "+ 0.114 x B"]


def test_channel_mix_two_channels_and_errors(rng):
    x = rng.uniform(size=(4, 4, 2))
    fig = pf.plot_channel_mix(x, [1.0, -1.0], y=np.zeros((4, 4)))
    assert len(fig.axes) == 3  # no colour panel for 2 channels
    np.testing.assert_array_equal(fig.axes[-1].images[0].get_array(), 0)
    # a negative weight makes a signed panel: every panel shares one scale centred on 0
    from convlib.figures.base import SIGNED_CMAP

    clims = {ax.images[0].get_clim() for ax in fig.axes}
    assert len(clims) == 1 and sum(clims.pop()) == 0
    assert {ax.images[0].get_cmap().name for ax in fig.axes} == {SIGNED_CMAP}
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), -x[:, :, 1])
    grey = pf.plot_channel_mix(x, [0.5, 0.5])
    assert {ax.images[0].get_cmap().name for ax in grey.axes} == {pf.IMAGE_CMAP}
    assert {ax.images[0].get_clim() for ax in grey.axes} == {(0, 1.0)}
    with pytest.raises(ValueError, match="C_in = len\\(weights\\) = 3"):
        pf.plot_channel_mix(x, [1, 2, 3])
