"""'same' padding conventions: TensorFlow's is SAME_UPPER; SAME_LOWER mirrors it; PyTorch's k_eff // 2 is symmetric."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib
import convlib.conventions
from convlib.conventions import CONVENTIONS, same_pads

sizes = st.integers(1, 12)
kernels = st.integers(1, 5)
strides = st.integers(1, 3)
dilations = st.integers(1, 3)


@given(sizes, kernels, strides, dilations)
def test_upper_and_lower_keep_the_same_output_size_and_mirror_each_other(n, k, s, d):
    up, low = same_pads(n, k, s, d), same_pads(n, k, s, d, "lower")
    assert up == convlib.same_padding(n, k, s, d) and low == up[::-1]
    for pads in (up, low):
        assert convlib.output_size(n, k, s, pads, d) == math.ceil(n / s)


@given(sizes, kernels, strides, dilations)
def test_symmetric_pads_half_the_effective_kernel_on_both_sides(n, k, s, d):
    k_eff = (k - 1) * d + 1
    try:
        pads = same_pads(n, k, s, d, "symmetric")
    except ValueError:  # the kernel does not fit even padded: conv2d says so too
        with pytest.raises(ValueError):
            convlib.output_size(n, k, s, (k_eff // 2, k_eff // 2), d)
        return
    assert pads == (k_eff // 2, k_eff // 2)
    if s == 1:  # stride 1: 'same' size for odd k_eff, one larger for even k_eff
        assert convlib.output_size(n, k, 1, pads, d) == n + (1 - k_eff % 2)


@settings(max_examples=min(40, settings.default.max_examples))
@given(st.integers(2, 9), st.integers(2, 9), st.integers(1, 4), strides, st.integers(0, 2**16))
def test_upper_is_tensorflows_same_and_lower_differs_where_the_total_is_odd(tf, h, w, k, s, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, h, w, 2))
    kern = rng.normal(size=(k, k, 2, 3))
    pads = {c: (same_pads(h, k, s, 1, c), same_pads(w, k, s, 1, c)) for c in ("upper", "lower")}
    y_tf = tf.nn.conv2d(x, kern, strides=s, padding="SAME").numpy()
    y_up = convlib.conv2d(x, kern, stride=s, padding=pads["upper"])
    np.testing.assert_allclose(y_up, y_tf, rtol=1e-10, atol=1e-10)
    y_low = convlib.conv2d(x, kern, stride=s, padding=pads["lower"])
    assert y_low.shape == y_tf.shape
    odd = any((a + b) % 2 for a, b in pads["upper"])
    if not odd:
        np.testing.assert_allclose(y_low, y_tf, rtol=1e-10, atol=1e-10)


def test_the_one_pixel_shift_of_an_even_kernel():
    # A 2x2 kernel that picks its top-left tap: SAME_UPPER reads pixel (i, j), SAME_LOWER pixel (i-1, j-1).
    x = np.arange(25.0).reshape(1, 5, 5, 1)
    w = np.zeros((2, 2, 1, 1))
    w[0, 0] = 1
    up = convlib.conv2d(x, w, padding=(same_pads(5, 2), same_pads(5, 2)))[0, :, :, 0]
    low = convlib.conv2d(x, w, padding=(same_pads(5, 2, convention="lower"),) * 2)[0, :, :, 0]
    np.testing.assert_array_equal(up, x[0, :, :, 0])
    np.testing.assert_array_equal(low[1:, 1:], x[0, :-1, :-1, 0])
    assert set(CONVENTIONS) == {"upper", "lower", "symmetric"}


def test_unknown_convention_is_named():
    with pytest.raises(ValueError, match="convention must be one of"):
        same_pads(5, 3, convention="SAME")
