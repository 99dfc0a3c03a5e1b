"""Conv1D/Conv3D as the channel sum over one and three spatial axes: conv_nd and conv_nd_params against Keras."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib
from convlib.convnd import conv_nd, conv_nd_params

KERAS_EXAMPLES = min(15, settings.default.max_examples)


@st.composite
def nd_layers(draw):
    d = draw(st.sampled_from([1, 2, 3]))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
    spatial = tuple(k + draw(st.integers(0, 3)) for k in kernel)
    return dict(d=d, kernel=kernel, spatial=spatial, n=draw(st.integers(1, 2)), c_in=draw(st.integers(1, 3)),
                c_out=draw(st.integers(1, 3)), bias=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)))


@settings(max_examples=KERAS_EXAMPLES)
@given(nd_layers())
def test_conv_nd_and_params_match_keras(keras, case):
    layer_cls = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D, 3: keras.layers.Conv3D}[case["d"]]
    layer = layer_cls(case["c_out"], case["kernel"], use_bias=case["bias"])
    rng = np.random.default_rng(case["seed"])
    x = rng.uniform(-1, 1, (case["n"], *case["spatial"], case["c_in"])).astype(np.float32)
    y_keras = np.asarray(layer(x))
    w = np.asarray(layer.kernel)
    assert w.shape == (*case["kernel"], case["c_in"], case["c_out"])
    assert layer.count_params() == conv_nd_params(case["kernel"], case["c_in"], case["c_out"], bias=case["bias"])
    if case["bias"]:
        layer.bias.assign(rng.uniform(-1, 1, case["c_out"]).astype(np.float32))
        y_keras = np.asarray(layer(x))
    b = np.asarray(layer.bias) if case["bias"] else None
    # float32 sums of at most 27 * 3 products of values in [-1, 1]
    np.testing.assert_allclose(conv_nd(x, w, b), y_keras, rtol=1e-5, atol=1e-5)


def test_conv_nd_in_2d_is_conv2d(rng):
    x, w, b = rng.normal(size=(2, 6, 5, 3)), rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    np.testing.assert_allclose(conv_nd(x, w, b), convlib.conv2d(x, w, b), rtol=1e-12, atol=1e-12)


def test_params_agree_with_conv2d_counts():
    for kernel in [(3, 3), (1, 5), (2, 4)]:
        assert conv_nd_params(kernel, 6, 8) == convlib.conv2d_counts(6, 8, kernel).params
    assert conv_nd_params(4, 6, 8, bias=False) == convlib.conv2d_counts(6, 8, (4, 1), bias=False).params


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="no C_in axis"):
        conv_nd(np.ones((1, 5, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="C_in=2"):
        conv_nd(np.ones((1, 5, 3)), np.ones((2, 2, 4)))
    with pytest.raises(ValueError, match="one bias per filter"):
        conv_nd(np.ones((1, 5, 3)), np.ones((2, 3, 4)), np.ones(3))
    with pytest.raises(ValueError, match="larger than the input"):
        conv_nd(np.ones((1, 2, 3)), np.ones((3, 3, 4)))
    with pytest.raises(ValueError, match="kernel_size"):
        conv_nd_params((3, 0), 1, 1)
