"""Grouped convolution (groups=g): against tf.nn.conv2d, Keras Conv2D(groups), DepthwiseConv2D, SeparableConv2D."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib
from tests.strategies import conv_cases
from tests.tf_reference import tf_conv2d

TF_EXAMPLES = min(40, settings.default.max_examples)
KERAS_EXAMPLES = min(20, settings.default.max_examples)  # a Keras layer is built per example
TOL = {np.dtype(np.float32): dict(rtol=1e-5, atol=1e-5), np.dtype(np.float64): dict(rtol=1e-12, atol=1e-12)}


@st.composite
def grouped_cases(draw, max_groups=3, **kwargs):
    """A conv_cases() geometry with groups: x has C_in = groups * (C_in per group) channels,
    w has depth C_in/groups and C_out = groups * (C_out per group) filters."""
    case = draw(conv_cases(max_c=3, **kwargs))
    groups = draw(st.integers(1, max_groups))
    x, w, b = case["x"], case["w"], case["b"]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kh, kw, c_in_g, c_out_g = w.shape
    case["x"] = rng.uniform(-1, 1, (*x.shape[:3], c_in_g * groups)).astype(x.dtype)
    case["w"] = rng.uniform(-1, 1, (kh, kw, c_in_g, c_out_g * groups)).astype(x.dtype)
    case["b"] = None if b is None else rng.uniform(-1, 1, c_out_g * groups).astype(x.dtype)
    case["groups"] = groups
    return case


def square_stride(case):
    """TF's depthwise kernel (used by DepthwiseConv2D and SeparableConv2D) wants equal strides along H and W."""
    s = case["stride"]
    case["stride"] = s if isinstance(s, int) else s[0]
    return case


def geo(case):
    return dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])


def block_diagonal(w, groups):
    """The equivalent standard kernel (KH, KW, C_in, C_out): group k's weights in block (k, k), zeros elsewhere."""
    kh, kw, c_in_g, c_out = w.shape
    c_out_g = c_out // groups
    full = np.zeros((kh, kw, c_in_g * groups, c_out), w.dtype)
    for k in range(groups):
        full[:, :, k * c_in_g : (k + 1) * c_in_g, k * c_out_g : (k + 1) * c_out_g] = w[..., k * c_out_g : (k + 1) * c_out_g]
    return full


@settings(max_examples=TF_EXAMPLES)
@given(case=grouped_cases())
@pytest.mark.parametrize("method", sorted(convlib.METHODS))
def test_grouped_matches_tf_nn_conv2d(tf, method, case):
    """tf.nn.conv2d treats a kernel of depth C_in/g as g groups: the same convention as convlib."""
    expected = tf_conv2d(tf, case["x"], case["w"], case["b"], **geo(case), geometry=case["geometry"])
    got = convlib.conv2d(case["x"], case["w"], case["b"], **geo(case), groups=case["groups"], method=method)
    assert got.shape == expected.shape and got.dtype == case["x"].dtype
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])


@settings(max_examples=TF_EXAMPLES)
@given(case=grouped_cases(dtypes=(np.float64,)))
def test_grouped_is_standard_conv_with_a_block_diagonal_kernel(case):
    g = case["groups"]
    got = convlib.conv2d(case["x"], case["w"], case["b"], **geo(case), groups=g)
    expected = convlib.conv2d(case["x"], block_diagonal(case["w"], g), case["b"], **geo(case), method="naive")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=KERAS_EXAMPLES)
@given(case=grouped_cases(keras_layer=True, dtypes=(np.float32,)))
def test_grouped_matches_keras_conv2d_groups(keras, case):
    w, g = case["w"], case["groups"]
    b = case["b"] if case["b"] is not None else np.zeros(w.shape[3], np.float32)
    layer = keras.layers.Conv2D(w.shape[3], w.shape[:2], strides=case["stride"], padding=case["padding"],
                                dilation_rate=case["dilation"], groups=g)
    layer.build(case["x"].shape)
    assert layer.kernel.shape == w.shape  # Keras' grouped kernel is (KH, KW, C_in/groups, C_out) too
    layer.set_weights([w, b])
    expected = np.asarray(layer(case["x"]))
    np.testing.assert_allclose(convlib.conv2d(case["x"], w, b, **geo(case), groups=g), expected, rtol=1e-5, atol=1e-5)


@settings(max_examples=KERAS_EXAMPLES)
@given(case=conv_cases(keras_layer=True, dtypes=(np.float32,), max_c=3), multiplier=st.integers(1, 3))
def test_depthwise_matches_keras_depthwise_conv2d(keras, case, multiplier):
    """DepthwiseConv2D == conv2d(groups=C_in) with w = depthwise_kernel.reshape(KH, KW, 1, C_in * M)."""
    case = square_stride(case)
    x = case["x"]
    kh, kw = case["w"].shape[:2]
    c_in = x.shape[3]
    rng = np.random.default_rng(int(abs(x).sum() * 1000) % 2**32)
    dk = rng.uniform(-1, 1, (kh, kw, c_in, multiplier)).astype(np.float32)
    b = rng.uniform(-1, 1, c_in * multiplier).astype(np.float32)
    layer = keras.layers.DepthwiseConv2D((kh, kw), strides=case["stride"], padding=case["padding"],
                                         dilation_rate=case["dilation"], depth_multiplier=multiplier)
    layer.build(x.shape)
    assert tuple(layer.kernel.shape) == dk.shape
    layer.set_weights([dk, b])
    expected = np.asarray(layer(x))
    w = dk.reshape(kh, kw, 1, c_in * multiplier)
    got = convlib.conv2d(x, w, b, **geo(case), groups=c_in)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_depthwise_output_channel_order(rng):
    """Output channel c*M + m is input channel c correlated with its own kernel dk[:, :, c, m] -- no channel sum."""
    c_in, m = 3, 2
    x = rng.normal(size=(5, 6, c_in))
    dk = rng.normal(size=(3, 2, c_in, m))
    y = convlib.conv2d(x, dk.reshape(3, 2, 1, c_in * m), groups=c_in)
    assert y.shape == (3, 5, c_in * m)
    for c in range(c_in):
        for j in range(m):
            np.testing.assert_allclose(y[..., c * m + j], convlib.correlate2d(x[..., c], dk[:, :, c, j]), rtol=1e-12)


@settings(max_examples=KERAS_EXAMPLES)
@given(case=conv_cases(keras_layer=True, dtypes=(np.float32,), max_c=3),
       multiplier=st.integers(1, 2), c_out=st.integers(1, 4))
def test_separable_is_depthwise_then_pointwise(keras, case, multiplier, c_out):
    case = square_stride(case)
    x = case["x"]
    kh, kw = case["w"].shape[:2]
    c_in = x.shape[3]
    layer = keras.layers.SeparableConv2D(c_out, (kh, kw), strides=case["stride"], padding=case["padding"],
                                         dilation_rate=case["dilation"], depth_multiplier=multiplier,
                                         bias_initializer="random_uniform")
    layer.build(x.shape)
    dk, pk, b = layer.get_weights()  # (KH, KW, C_in, M), (1, 1, C_in*M, C_out), (C_out,)
    assert dk.shape == (kh, kw, c_in, multiplier) and pk.shape == (1, 1, c_in * multiplier, c_out)
    expected = np.asarray(layer(x))
    depthwise = convlib.conv2d(x, dk.reshape(kh, kw, 1, c_in * multiplier), **geo(case), groups=c_in)
    got = convlib.conv2d(depthwise, pk, b)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_groups_one_is_the_standard_convolution(rng):
    x, w, b = rng.normal(size=(2, 6, 5, 4)), rng.normal(size=(3, 3, 4, 6)), rng.normal(size=6)
    np.testing.assert_array_equal(convlib.conv2d(x, w, b, groups=1), convlib.conv2d(x, w, b))


def test_each_group_sees_only_its_own_channels(rng):
    """Changing input channels of group 1 leaves group 0's outputs untouched."""
    x, w = rng.normal(size=(1, 5, 5, 4)), rng.normal(size=(3, 3, 2, 6))
    y = convlib.conv2d(x, w, groups=2)
    x2 = x.copy()
    x2[..., 2:] += 1.0
    y2 = convlib.conv2d(x2, w, groups=2)
    np.testing.assert_array_equal(y2[..., :3], y[..., :3])
    assert not np.allclose(y2[..., 3:], y[..., 3:])


def test_grouped_errors_teach():
    x = np.zeros((1, 5, 5, 6))
    with pytest.raises(ValueError, match=r"groups=4 must divide C_in=6.*4 equal groups"):
        convlib.conv2d(x, np.zeros((3, 3, 1, 8)), groups=4)
    with pytest.raises(ValueError, match=r"groups=3 must divide C_out=4"):
        convlib.conv2d(x, np.zeros((3, 3, 2, 4)), groups=3)
    with pytest.raises(ValueError) as err:
        convlib.conv2d(x, np.zeros((3, 3, 6, 6)), groups=3)
    msg = str(err.value)
    for needle in ("groups=3", "C_in/groups=2", "only its own group's", "(KH, KW, C_in/groups, C_out) = (3, 3, 2, 6)",
                   "depth (axis 2) is 6", "standard (groups=1)"):
        assert needle in msg, needle
    with pytest.raises(ValueError, match=r"groups must be >= 1"):
        convlib.conv2d(x, np.zeros((3, 3, 6, 6)), groups=0)
    for bad in (1.5, "2", True, None):
        with pytest.raises(TypeError, match="groups must be an integer"):
            convlib.conv2d(x, np.zeros((3, 3, 6, 6)), groups=bad)


@pytest.mark.slow  # every example runs two backward passes
@given(case=grouped_cases(dtypes=(np.float64,)))
def test_grouped_gradients_are_the_block_diagonal_kernels_gradients(case):
    """TensorFlow cannot differentiate a grouped convolution on the CPU ("not supported on CPU"), so the
    grouped gradients are checked against the standard ones (themselves checked against tf.GradientTape)
    of the equivalent block-diagonal kernel: same dx, and dw equal to that kernel's dw on its blocks."""
    x, w, groups = case["x"], case["w"], case["groups"]
    dy = np.random.default_rng(5).normal(size=convlib.conv2d(x, w, groups=groups, **geo(case)).shape)
    dx, dw, db = convlib.conv2d_backward(dy, x, w, groups=groups, **geo(case))
    full = block_diagonal(w, groups)
    dx_full, dw_full, db_full = convlib.conv2d_backward(dy, x, full, **geo(case))
    np.testing.assert_allclose(dx, dx_full, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(block_diagonal(dw, groups), dw_full * (block_diagonal(np.ones_like(w), groups) > 0),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, db_full)
    assert dx.shape == x.shape and dw.shape == w.shape


def test_grouped_gradient_errors_teach():
    with pytest.raises(ValueError, match="groups=2 must divide C_in=3"):
        convlib.conv2d_backward(np.zeros((1, 3, 3, 2)), np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 1, 2)), groups=2)


@pytest.mark.slow  # every example runs three transposed convolutions
@given(case=grouped_cases(dtypes=(np.float64,)))
def test_grouped_transpose_is_the_adjoint_of_grouped_conv2d(case):
    """<conv2d(x, groups), y> == <x, conv2d_transpose(y, groups)>, and it equals the block-diagonal kernel's
    transpose (TensorFlow's CPU transposed convolution refuses grouped kernels, like its gradient)."""
    x, w, groups = case["x"], case["w"], case["groups"]
    y = np.random.default_rng(6).normal(size=convlib.conv2d(x, w, groups=groups, **geo(case)).shape)
    back = convlib.conv2d_transpose(y, w, groups=groups, output_size=x.shape[1:3], **geo(case))
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(convlib.conv2d(x, w, groups=groups, **geo(case)) * y), np.sum(x * back),
                               rtol=1e-10)
    np.testing.assert_allclose(back, convlib.conv2d_transpose(y, block_diagonal(w, groups), output_size=x.shape[1:3],
                                                              **geo(case)), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(back, convlib.conv2d_backward(y, x, w, groups=groups, **geo(case))[0],
                               rtol=1e-10, atol=1e-10)


def test_grouped_transpose_errors():
    with pytest.raises(ValueError, match="groups=2 must divide C_out=3"):
        convlib.conv2d_transpose(np.zeros((1, 3, 3, 3)), np.zeros((3, 3, 1, 3)), groups=2)
    with pytest.raises(ValueError, match="y must have C_out=4 channels"):
        convlib.conv2d_transpose(np.zeros((1, 3, 3, 2)), np.zeros((3, 3, 1, 4)), groups=2)
