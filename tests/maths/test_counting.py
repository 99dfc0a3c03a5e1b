"""Parameter counts against Keras count_params(); multiply-adds against a convolution of ones."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib
import convlib.counting
from convlib.counting import Counts, conv2d_counts, depthwise_counts, layer_counts, separable_counts

KERAS_EXAMPLES = min(25, settings.default.max_examples)


@st.composite
def layers(draw):
    groups = draw(st.integers(1, 3))
    return dict(
        groups=groups,
        c_in=groups * draw(st.integers(1, 3)),
        c_out=groups * draw(st.integers(1, 3)),
        kernel_size=(draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        multiplier=draw(st.integers(1, 3)),
        bias=draw(st.booleans()),
        hw=(draw(st.integers(4, 9)), draw(st.integers(4, 9))),
        stride=draw(st.integers(1, 2)),
        padding=draw(st.sampled_from(["valid", "same"])),
    )


def macs_by_counting(x_shape, w_shape, groups, stride, padding):
    """Multiply-adds counted by running the convolution: with x and w all ones and no bias, every output
    value is the number of products summed into it.  'same' zero-padding is replaced by padding with
    ones, so that the padded taps (which a dense implementation multiplies too) are counted."""
    kh, kw = w_shape[:2]
    x = np.ones(x_shape)
    if padding == "same":
        pads = convlib.conv_geometry(x_shape[1:3], (kh, kw), stride, "same").pads
        x = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=1.0)
    y = convlib.conv2d(x, np.ones(w_shape), stride=stride, groups=groups)
    return int(y.sum()), y.shape[1:3]


@settings(max_examples=KERAS_EXAMPLES)
@given(spec=layers())
def test_standard_and_grouped_match_keras_conv2d(keras, spec):
    g, c_in, c_out, k = spec["groups"], spec["c_in"], spec["c_out"], spec["kernel_size"]
    layer = keras.layers.Conv2D(c_out, k, groups=g, use_bias=spec["bias"], strides=spec["stride"],
                                padding=spec["padding"])
    layer.build((1, *spec["hw"], c_in))
    macs, out_hw = macs_by_counting((1, *spec["hw"], c_in), (*k, c_in // g, c_out), g, spec["stride"], spec["padding"])
    assert out_hw == tuple(layer.compute_output_shape((1, *spec["hw"], c_in))[1:3])
    counts = conv2d_counts(c_in, c_out, k, out_hw, groups=g, bias=spec["bias"])
    assert counts.params == layer.count_params()
    assert counts.macs == macs
    kind = "standard" if g == 1 else "grouped"
    assert layer_counts(kind, c_in, c_out, k, out_hw, groups=g, bias=spec["bias"]) == counts


@settings(max_examples=KERAS_EXAMPLES)
@given(spec=layers())
def test_depthwise_matches_keras(keras, spec):
    c_in, m, k = spec["c_in"], spec["multiplier"], spec["kernel_size"]
    layer = keras.layers.DepthwiseConv2D(k, depth_multiplier=m, use_bias=spec["bias"], strides=spec["stride"],
                                         padding=spec["padding"])
    layer.build((1, *spec["hw"], c_in))
    macs, out_hw = macs_by_counting((1, *spec["hw"], c_in), (*k, 1, c_in * m), c_in, spec["stride"], spec["padding"])
    counts = depthwise_counts(c_in, k, out_hw, depth_multiplier=m, bias=spec["bias"])
    assert counts.params == layer.count_params()
    assert counts.macs == macs
    assert counts == layer_counts("depthwise", c_in, c_in * m, k, out_hw, bias=spec["bias"])


@settings(max_examples=KERAS_EXAMPLES)
@given(spec=layers())
def test_separable_matches_keras(keras, spec):
    c_in, c_out, m, k = spec["c_in"], spec["c_out"], spec["multiplier"], spec["kernel_size"]
    layer = keras.layers.SeparableConv2D(c_out, k, depth_multiplier=m, use_bias=spec["bias"], strides=spec["stride"],
                                         padding=spec["padding"])
    layer.build((1, *spec["hw"], c_in))
    macs_dw, out_hw = macs_by_counting((1, *spec["hw"], c_in), (*k, 1, c_in * m), c_in, spec["stride"], spec["padding"])
    macs_pw, _ = macs_by_counting((1, *out_hw, c_in * m), (1, 1, c_in * m, c_out), 1, 1, "valid")
    counts = separable_counts(c_in, c_out, k, out_hw, depth_multiplier=m, bias=spec["bias"])
    assert counts.params == layer.count_params()
    assert counts.macs == macs_dw + macs_pw
    if m == 1:
        assert counts == layer_counts("separable", c_in, c_out, k, out_hw, bias=spec["bias"])


def test_one_formula_ordering_for_a_realistic_layer():
    """3x3, 128 -> 128 channels on 56x56: every step along the continuum is cheaper."""
    rows = [layer_counts(kind, 128, 128, 3, 56, groups=4) for kind in ("standard", "grouped", "depthwise", "separable")]
    standard, grouped, depthwise, separable = rows
    assert standard.params == 3 * 3 * 128 * 128 + 128
    assert grouped.macs * 4 == standard.macs
    assert depthwise.macs * 128 == standard.macs
    assert depthwise.macs < separable.macs < grouped.macs
    # The separable saving: 1/C_out + 1/(KH*KW) of the standard multiply-adds.
    assert separable.macs / standard.macs == pytest.approx(1 / 128 + 1 / 9)


def test_counts_add_and_bad_arguments():
    assert Counts(1, 2) + Counts(3, 4) == Counts(4, 6)
    with pytest.raises(ValueError, match="groups=3 must divide c_in=4"):
        conv2d_counts(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match="c_out must be >= 1"):
        conv2d_counts(4, 0, 3)
    with pytest.raises(ValueError, match="kind must be"):
        layer_counts("dilated", 4, 4, 3)
    with pytest.raises(ValueError, match="multiple of c_in"):
        layer_counts("depthwise", 4, 6, 3)


def test_counts_accept_numpy_integers_like_output_size():
    # Shapes often come from arrays (x.shape[-1] is a Python int, but np.int64 arrives from arithmetic on arrays).
    assert convlib.conv2d_counts(np.int64(3), 1, 2) == convlib.conv2d_counts(3, 1, 2) == (13, 12)
    assert convlib.conv2d_counts(np.int32(4), np.int64(8), (np.int64(3), 3), (np.int16(5), 5), groups=np.int64(2)) \
        == convlib.conv2d_counts(4, 8, 3, 5, groups=2)
    assert convlib.output_size(np.int64(5), 3) == 3
    with pytest.raises(TypeError, match="c_in must be an integer"):
        convlib.conv2d_counts(True, 1, 2)
    with pytest.raises(TypeError, match="must be an integer"):
        convlib.conv2d_counts(3.0, 1, 2)
