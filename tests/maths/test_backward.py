"""conv2d_backward against tf.GradientTape on random non-square, strided, padded and dilated cases."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib
import convlib.backward
from convlib.backward import conv2d_backward, input_grad_by_flipped_kernel
from tests.strategies import conv_cases
from tests.tf_reference import dilate_kernel, tf_padding

# Each example runs a GradientTape: keep the count moderate (the suite must stay fast on 2 cores).
TF_EXAMPLES = min(40, settings.default.max_examples)
NP_EXAMPLES = min(60, settings.default.max_examples)

# Stated tolerances: float32 sums of up to N*Ho*Wo = 3*11*11 products of values in [-1, 1].
TOL = {np.dtype(np.float32): dict(rtol=1e-5, atol=1e-4), np.dtype(np.float64): dict(rtol=1e-10, atol=1e-10)}


@st.composite
def backward_cases(draw, **kwargs):
    """A conv_cases() case plus an upstream gradient dy of the forward output's shape."""
    case = draw(conv_cases(**kwargs))
    g, x, w = case["geometry"], case["x"], case["w"]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    case["dy"] = rng.uniform(-1, 1, (x.shape[0], *g.out, w.shape[3])).astype(x.dtype)
    return case


def geo(case):
    return dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])


def tf_gradients(tf, case):
    """dL/dx, dL/dw, dL/db of L = sum(tf.nn.conv2d(x, w) + b) * dy), by tf.GradientTape.

    TF's CPU gradient kernels reject any dilation > 1, so there the tape runs on
    the explicitly dilated kernel (zeros between the taps; same forward output);
    the gradient of the original taps is that kernel's gradient at the tap positions.
    """
    g = case["geometry"]
    w = case["w"]
    sub = None
    if g.dilation != (1, 1):
        w, sub = dilate_kernel(w, g.dilation), g.dilation
    x_t, w_t = tf.Variable(case["x"]), tf.Variable(w)
    b_t = tf.Variable(np.zeros(w.shape[3], case["x"].dtype))
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(x_t, w_t, strides=[1, *g.stride, 1], padding=tf_padding(case["padding"], g),
                         dilations=[1, 1, 1, 1])
        y = tf.nn.bias_add(y, b_t)
        loss = tf.reduce_sum(y * case["dy"])
    dx, dw, db = (t.numpy() for t in tape.gradient(loss, [x_t, w_t, b_t]))
    if sub is not None:
        dw = dw[:: sub[0], :: sub[1]]
    return dx, dw, db


@settings(max_examples=TF_EXAMPLES)
@given(case=backward_cases())
def test_gradients_match_tf_gradient_tape(tf, case):
    expected = tf_gradients(tf, case)
    got = conv2d_backward(case["dy"], case["x"], case["w"], **geo(case))
    for name, e, a in zip(("dx", "dw", "db"), expected, got):
        assert a.shape == e.shape, name
        assert a.dtype == case["x"].dtype, name
        np.testing.assert_allclose(a, e, **TOL[a.dtype], err_msg=name)


@settings(max_examples=NP_EXAMPLES)
@given(case=backward_cases(dtypes=(np.float64,)))
def test_col2im_and_flipped_kernel_give_the_same_dx(case):
    """dx two ways: col2im of dy @ w_mat.T, and a full convolution of the stride-spread dy with
    w[::-1, ::-1] with C_in and C_out swapped."""
    dx, _, _ = conv2d_backward(case["dy"], case["x"], case["w"], **geo(case))
    dx_flip = input_grad_by_flipped_kernel(case["dy"], case["w"], case["x"].shape, **geo(case))
    assert dx_flip.shape == dx.shape
    np.testing.assert_allclose(dx_flip, dx, rtol=1e-10, atol=1e-10)


@settings(max_examples=NP_EXAMPLES)
@given(case=backward_cases(dtypes=(np.float64,)))
def test_gradients_are_adjoints_of_the_forward_pass(case):
    """conv2d is linear in x and in w: <conv2d(x, w), dy> == <x, dx> == <w, dw>, and the bias term is sum(dy)."""
    x, w, dy = case["x"], case["w"], case["dy"]
    y = convlib.conv2d(x, w, **geo(case))
    dx, dw, db = conv2d_backward(dy, x, w, **geo(case))
    inner = np.sum(y * dy)
    np.testing.assert_allclose(np.sum(x * dx), inner, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.sum(w * dw), inner, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(db, dy.sum(axis=(0, 1, 2)), rtol=1e-12)


def test_dw_slices_are_per_channel_correlations(rng):
    """dw[:, :, ci, co] is input channel ci correlated with dy[..., co]: one independent gradient per slice."""
    x = rng.normal(size=(1, 6, 5, 3))
    w = rng.normal(size=(3, 2, 3, 2))
    dy = rng.normal(size=(1, 4, 4, 2))
    _, dw, _ = conv2d_backward(dy, x, w)
    for ci in range(3):
        for co in range(2):
            np.testing.assert_allclose(dw[:, :, ci, co], convlib.correlate2d(x[0, :, :, ci], dy[0, :, :, co]),
                                       rtol=1e-12)
    # Different input channels give different gradients for the same filter.
    assert not np.allclose(dw[:, :, 0, 0], dw[:, :, 1, 0])


def test_finite_differences_on_one_weight(rng):
    x = rng.normal(size=(2, 5, 7, 2))
    w = rng.normal(size=(2, 3, 2, 3))
    kw = dict(stride=(2, 1), padding="same", dilation=(1, 2))
    dy = rng.normal(size=convlib.conv2d(x, w, **kw).shape)
    _, dw, _ = conv2d_backward(dy, x, w, **kw)
    eps = 1e-6
    for idx in [(0, 0, 0, 0), (1, 2, 1, 2), (0, 1, 1, 1)]:
        wp, wm = w.copy(), w.copy()
        wp[idx] += eps
        wm[idx] -= eps
        numeric = (np.sum(convlib.conv2d(x, wp, **kw) * dy) - np.sum(convlib.conv2d(x, wm, **kw) * dy)) / (2 * eps)
        np.testing.assert_allclose(dw[idx], numeric, rtol=1e-6)


def test_single_image_and_dtypes():
    x = np.ones((4, 5, 3), np.float32)
    w = np.ones((2, 2, 3, 2), np.float32)
    dx, dw, db = conv2d_backward(np.ones((3, 4, 2), np.float32), x, w)
    assert dx.shape == x.shape and dx.dtype == np.float32
    assert dw.dtype == np.float32 and db.dtype == np.float32
    np.testing.assert_array_equal(db, [12, 12])


def test_dy_of_the_wrong_shape_says_what_is_expected():
    x, w = np.zeros((2, 5, 6, 3)), np.zeros((3, 3, 3, 4))
    with pytest.raises(ValueError, match=r"dy must have the shape .*\(2, 3, 4, 4\).*C_out=4.*C_in=3.*\(2, 3, 4, 3\)"):
        conv2d_backward(np.zeros((2, 3, 4, 3)), x, w)
    with pytest.raises(ValueError, match="kernel depth"):
        conv2d_backward(np.zeros((2, 3, 4, 4)), x, np.zeros((3, 3, 1, 4)))
