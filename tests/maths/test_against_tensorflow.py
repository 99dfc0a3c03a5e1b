"""convlib against TensorFlow on random non-square, strided, padded and dilated cases."""

import numpy as np
import pytest
from hypothesis import given, settings

import convlib
from convlib.geometry import output_size, same_padding
from tests.strategies import conv_cases
from tests.tf_reference import dilate_kernel, tf_conv2d

# Stated tolerances: float32 sums of up to 5*5*4 products of values in [-1, 1].
TOL = {np.dtype(np.float32): dict(rtol=1e-5, atol=1e-5), np.dtype(np.float64): dict(rtol=1e-12, atol=1e-12)}


@given(case=conv_cases())
@pytest.mark.parametrize("method", sorted(convlib.METHODS))
def test_conv2d_matches_tf_nn_conv2d(tf, method, case):
    geometry = case.pop("geometry")
    expected = tf_conv2d(tf, **case, geometry=geometry)
    got = convlib.conv2d(**case, method=method)
    assert got.shape == expected.shape
    assert got.dtype == case["x"].dtype
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])


@given(case=conv_cases(dtypes=(np.float32,)))
def test_output_shape_matches_tf_and_formula(tf, case):
    geometry = case["geometry"]
    _, h, w, _ = case["x"].shape
    kh, kw = case["w"].shape[:2]
    y = tf_conv2d(tf, case["x"], case["w"], stride=case["stride"], padding=case["padding"],
                  dilation=case["dilation"], geometry=geometry)
    sizes = []
    for axis, (n, k) in enumerate(((h, kh), (w, kw))):
        s, d = geometry.stride[axis], geometry.dilation[axis]
        if isinstance(case["padding"], str) and case["padding"].lower() == "same":
            assert geometry.pads[axis] == same_padding(n, k, s, d)
            assert y.shape[1 + axis] == -(-n // s)  # ceil(n / stride)
        sizes.append(output_size(n, k, s, geometry.pads[axis], d))
    assert y.shape[1:3] == tuple(sizes) == geometry.out


@given(case=conv_cases(max_n=2))
def test_single_image_and_nested_lists(tf, case):
    geometry = case.pop("geometry")
    x0 = case["x"][:1]
    expected = tf_conv2d(tf, **{**case, "x": x0}, geometry=geometry)[0]
    args = {**case, "x": x0[0].tolist(), "w": case["w"].tolist()}
    got = convlib.conv2d(**args)  # lists become float64
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("stride", [1, 2])
def test_same_puts_the_extra_row_at_the_bottom(tf, stride):
    # H=W=6, 2x2 kernel: total padding 1 at stride 1 (0 top, 1 bottom); 2x2 at stride 2 needs none.
    x = np.arange(1 * 6 * 6 * 1, dtype=np.float32).reshape(1, 6, 6, 1)
    w = np.ones((2, 2, 1, 1), np.float32)
    tf_y = tf.nn.conv2d(x, w, strides=stride, padding="SAME").numpy()
    assert same_padding(6, 2, stride) == ((0, 1) if stride == 1 else (0, 0))
    np.testing.assert_allclose(convlib.conv2d(x, w, stride=stride, padding="same"), tf_y)
    # Padding the extra row on top instead gives different numbers.
    top_heavy = convlib.conv2d(x, w, stride=stride, padding=((1, 0), (1, 0)))
    assert stride == 2 or not np.allclose(top_heavy, tf_y)


def test_uint8_images_do_not_overflow(tf):
    x = np.full((1, 4, 4, 3), 255, np.uint8)
    w = np.ones((3, 3, 3, 2), np.float32)
    y = convlib.conv2d(x, w)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, 255 * 27)
    np.testing.assert_array_equal(convlib.conv2d(x, np.ones((3, 3, 3, 2), np.uint8)), 255 * 27)


@settings(max_examples=40)
@given(case=conv_cases(max_n=2, dtypes=(np.float32,), keras_layer=True))
def test_matches_keras_conv2d_layer(keras, case):
    """A real Keras Conv2D layer with the same weights gives the same output."""
    geometry = case["geometry"]
    padding = case["padding"]
    kh, kw, _, c_out = case["w"].shape
    layer = keras.layers.Conv2D(c_out, (kh, kw), strides=geometry.stride, padding=padding,
                                dilation_rate=geometry.dilation, use_bias=case["b"] is not None)
    layer.build(case["x"].shape)
    layer.set_weights([case["w"]] + ([case["b"]] if case["b"] is not None else []))
    expected = np.asarray(layer(case["x"]))
    got = convlib.conv2d(case["x"], case["w"], case["b"], stride=geometry.stride, padding=padding,
                         dilation=geometry.dilation)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_dilate_kernel_helper_agrees_with_tf_dilations(tf):
    """The explicitly dilated kernel used above is itself checked against TF's dilations."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 9, 8, 2)).astype(np.float32)
    w = rng.normal(size=(2, 3, 2, 3)).astype(np.float32)
    a = tf.nn.conv2d(x, w, 1, "VALID", dilations=[1, 3, 2, 1]).numpy()
    b = tf.nn.conv2d(x, dilate_kernel(w, (3, 2)), 1, "VALID").numpy()
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
