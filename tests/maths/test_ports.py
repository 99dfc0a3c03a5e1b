"""What a port between Keras/TensorFlow, PyTorch and ONNX must translate: pad orders, ceil_mode pooling,
transposed-convolution weights, TF32 rounding. PyTorch and ONNX are not installed: their documented
definitions are written out here in numpy, independently of convlib's code."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convlib
from convlib.layouts import onnx_pads_to_torch, torch_pad_to_numpy, torch_pad_to_onnx, transpose_kernel_from_torch
from convlib.pooling import pool_output_size
from convlib.tf32 import round_to_tf32


@given(st.integers(1, 5).flatmap(lambda ndim: st.tuples(
    st.just(ndim), st.lists(st.integers(0, 4), min_size=0, max_size=2 * ndim).filter(lambda p: len(p) % 2 == 0))))
def test_pad_orders_round_trip_and_agree_with_np_pad(case):
    ndim, pad = case
    onnx = torch_pad_to_onnx(pad, ndim)
    assert len(onnx) == 2 * ndim
    back = onnx_pads_to_torch(onnx)
    assert back[:len(pad)] == list(pad) and not any(back[len(pad):])
    # F.pad's documented meaning: pairs (begin, end) from the last axis backwards.
    a = np.arange(np.prod(range(2, ndim + 2))).reshape(range(2, ndim + 2))
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    np.testing.assert_array_equal(np.pad(a, torch_pad_to_numpy(pad, ndim)), np.pad(a, widths))


def test_pad_errors():
    with pytest.raises(ValueError, match="even number"):
        torch_pad_to_onnx((1, 2, 3), 4)
    with pytest.raises(ValueError, match="only ndim=1"):
        torch_pad_to_onnx((1, 2, 3, 4), 1)


def _windows(n, k, s, p, d, ceil_mode):
    """Slide: window t covers padded positions t*s .. t*s + k_eff - 1 of the n + 2p padded ones. Floor mode keeps the
    windows that fit; ceil mode also keeps the first one that runs past the end (when the last fitting one left
    positions uncovered), unless it starts in the right-hand padding."""
    k_eff = (k - 1) * d + 1
    t = 0
    while t * s + k_eff <= n + 2 * p:
        t += 1
    last_end = (t - 1) * s + k_eff
    if ceil_mode and last_end < n + 2 * p and t * s < n + p:
        t += 1
    return t


@given(st.integers(1, 20), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3), st.booleans())
def test_pool_output_size_counts_the_windows(n, k, s, p, d, ceil_mode):
    k_eff = (k - 1) * d + 1
    if p > k_eff // 2 or n + 2 * p < k_eff:
        with pytest.raises(ValueError):
            pool_output_size(n, k, s, p, d, ceil_mode)
        return
    assert pool_output_size(n, k, s, p, d, ceil_mode) == _windows(n, k, s, p, d, ceil_mode)
    if not ceil_mode:
        assert pool_output_size(n, k, s, p, d) == convlib.output_size(n, k, s, (p, p), d)


def test_pool_output_size_valid_matches_pool2d():
    x = np.zeros((1, 7, 9, 1))
    assert convlib.pool2d(x, 3, stride=2).shape[1:3] == (pool_output_size(7, 3, 2), pool_output_size(9, 3, 2))


def torch_conv_transpose2d(inp, weight, stride):
    """PyTorch's documented conv_transpose2d, NCHW, no padding, groups 1:
    out[n, co, i*s + kh, j*s + kw] += inp[n, ci, i, j] * weight[ci, co, kh, kw]."""
    n, c_in, h, w = inp.shape
    _, c_out, kh, kw = weight.shape
    out = np.zeros((n, c_out, (h - 1) * stride + kh, (w - 1) * stride + kw))
    for i in range(h):
        for j in range(w):
            out[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                "nc,cokl->nokl", inp[:, :, i, j], weight)
    return out


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_transpose_kernel_from_torch(stride, keras):
    rng = np.random.default_rng(stride)
    weight = rng.normal(size=(4, 3, 3, 2))                  # ConvTranspose2d(4, 3, (3, 2)): 4 -> 3 channels
    inp = rng.normal(size=(2, 4, 3, 5))                     # NCHW
    expected = convlib.to_nhwc(torch_conv_transpose2d(inp, weight, stride))
    kernel = transpose_kernel_from_torch(weight)
    assert kernel.shape == (3, 2, 3, 4)
    ours = convlib.conv2d_transpose(convlib.to_nhwc(inp), kernel, stride=stride, output_size=expected.shape[1:3])
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)
    layer = keras.layers.Conv2DTranspose(3, (3, 2), strides=stride, use_bias=False)
    layer.build((None, 3, 5, 4))
    layer.set_weights([kernel.astype(np.float32)])
    if expected.shape[1:3] == tuple(layer.compute_output_shape((1, 3, 5, 4))[1:3]):
        np.testing.assert_allclose(layer(convlib.to_nhwc(inp).astype(np.float32)).numpy(), expected, rtol=1e-5, atol=1e-5)


def _tf32_reference(a):
    """Round half to even at 11 significant bits (1 implicit + 10 stored), by frexp."""
    m, e = np.frexp(a.astype(np.float64))            # a = m * 2**e, 0.5 <= |m| < 1
    return (np.rint(m * 2.0 ** 11) / 2.0 ** 11 * 2.0 ** e).astype(np.float32)


def test_round_to_tf32():
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.normal(size=1000) * 10.0 ** rng.integers(-20, 20, 1000), [0.0, -0.0, 1.0, 1 + 2 ** -11]])
    a = a.astype(np.float32)
    r = round_to_tf32(a)
    np.testing.assert_array_equal(r, _tf32_reference(a))
    np.testing.assert_array_equal(round_to_tf32(r), r)
    assert np.abs(r[a != 0] / a[a != 0] - 1).max() <= 2.0 ** -11
    assert np.isnan(round_to_tf32([np.nan])[0]) and round_to_tf32([np.inf])[0] == np.inf
