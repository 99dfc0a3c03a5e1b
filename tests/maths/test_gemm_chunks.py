"""conv2d_gemm's chunks (the fast form of im2col.conv2d_im2col): every boundary (images, bands of output rows, padding at the
top and bottom of a band) gives the numbers of the one-pixel-at-a-time definition, and
the scratch memory stays bounded by the buffer, not by the batch."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings

import convlib
from convlib.fast_gemm import conv2d_gemm
from convlib.geometry import conv_geometry
from convlib.im2col import conv2d_im2col
from convlib.reference import conv2d_naive
from tests.strategies import conv_cases
from tests.tf_reference import tf_conv2d


def _buffer_sizes(x, w, g):
    """Buffers of one output row, a few rows, just under one image, a few images, everything."""
    row = x.itemsize * g.out[1] * w[..., 0].size
    image = row * g.out[0]
    return [1, 2 * row + 1, max(1, image - 1), 2 * image, 2**30]


@settings(max_examples=60, deadline=None)
@given(case=conv_cases(max_hw=10, max_n=3, dtypes=(np.float64,)))
def test_every_chunking_matches_the_definition(case):
    x, w, b, g = case["x"], case["w"], case["b"], case["geometry"]
    expected = conv2d_naive(x, w, b, g)
    for buffer_bytes in _buffer_sizes(x, w, g):
        y = conv2d_gemm(x, w, b, g, buffer_bytes=buffer_bytes)
        assert y.shape == expected.shape and y.dtype == np.float64
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12, err_msg=f"buffer_bytes={buffer_bytes}")


@settings(max_examples=40, deadline=None)
@given(case=conv_cases(max_hw=10, max_n=3, dtypes=(np.float32,)))
def test_every_chunking_matches_tensorflow(tf, case):
    """float32 against tf.nn.conv2d at rtol=1e-5, whatever the chunks."""
    x, w, b, g = case["x"], case["w"], case["b"], case["geometry"]
    expected = tf_conv2d(tf, x, w, b, stride=case["stride"], padding=case["padding"],
                         dilation=case["dilation"], geometry=g)
    for buffer_bytes in _buffer_sizes(x, w, g):
        y = conv2d_gemm(x, w, b, g, buffer_bytes=buffer_bytes)
        assert y.dtype == np.float32
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5, err_msg=f"buffer_bytes={buffer_bytes}")


@pytest.mark.parametrize("padding", ["same", ((3, 0), (0, 2)), ((0, 4), (1, 0)), 5])
@pytest.mark.parametrize("stride", [1, (2, 3)])
def test_bands_that_lie_partly_or_wholly_in_the_padding(padding, stride):
    """Large explicit padding: some bands of output rows read only zeros."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (2, 9, 7, 3))
    w = rng.uniform(-1, 1, (3, 2, 3, 4))
    b = rng.uniform(-1, 1, 4)
    g = conv_geometry(x.shape[1:3], w.shape[:2], stride, padding, 1)
    expected = conv2d_naive(x, w, b, g)
    for buffer_bytes in _buffer_sizes(x, w, g):
        np.testing.assert_allclose(conv2d_gemm(x, w, b, g, buffer_bytes=buffer_bytes), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_by_one_kernel_is_a_plain_matmul_and_keeps_the_dtype(dtype):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, 5, 6, 4)).astype(dtype)
    w = rng.uniform(-1, 1, (1, 1, 4, 3)).astype(dtype)
    y = convlib.conv2d(x, w)
    assert y.dtype == dtype
    expected = np.einsum("nhwc,cd->nhwd", x.astype(np.float64), w[0, 0].astype(np.float64))
    np.testing.assert_allclose(y, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    # A channel slice (as grouped convolution passes it) is not contiguous: same numbers.
    wide = rng.uniform(-1, 1, (2, 5, 6, 8)).astype(dtype)
    g = conv_geometry((5, 6), (1, 1))
    np.testing.assert_allclose(
        conv2d_gemm(wide[..., 2:6], w, None, g), conv2d_naive(wide[..., 2:6], w, None, g), rtol=1e-5
    )


def test_float32_stays_float32_inside_every_chunk():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (3, 8, 8, 2)).astype(np.float32)
    w = rng.uniform(-1, 1, (3, 3, 2, 5)).astype(np.float32)
    g = conv_geometry((8, 8), (3, 3), 1, "same", 1)
    for buffer_bytes in _buffer_sizes(x, w, g):
        assert conv2d_gemm(x, w, None, g, buffer_bytes=buffer_bytes).dtype == np.float32


def _scratch_bytes(fn):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        y = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - before - y.nbytes


@pytest.mark.parametrize("n", [1, 6])
def test_scratch_memory_is_bounded_by_the_buffer_not_the_batch(n):
    """The whole patch matrix would be N*Ho*Wo*KH*KW*C_in floats; gemm's scratch is the
    buffer plus a padded band of input rows, whatever N is."""
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, (n, 40, 40, 8)).astype(np.float32)
    w = rng.uniform(-1, 1, (3, 3, 8, 4)).astype(np.float32)
    g = conv_geometry((40, 40), (3, 3), 1, "same", 1)
    patch_matrix = n * 40 * 40 * 9 * 8 * 4
    buffer_bytes = 64 * 2**10
    scratch = _scratch_bytes(lambda: conv2d_gemm(x, w, None, g, buffer_bytes=buffer_bytes))
    row = 40 * 9 * 8 * 4  # one output row of patches
    band = (buffer_bytes // row + 2) * 42 * 8 * 4  # the input rows those patches read, padded
    assert scratch <= buffer_bytes + band + 16 * 2**10
    if n > 1:
        assert scratch < patch_matrix / 4


@settings(max_examples=60, deadline=None)
@given(case=conv_cases(max_hw=10, max_n=3, dtypes=(np.float64, np.float32)))
def test_the_fast_form_equals_the_teaching_form(case):
    """conv2d_gemm (bounded chunks) gives the numbers of the one line im2col(x) @ w.reshape(-1, C_out)."""
    x, w, b, g = case["x"], case["w"], case["b"], case["geometry"]
    teaching = conv2d_im2col(x, w, b, g)
    tol = 1e-12 if x.dtype == np.float64 else 1e-5
    assert teaching.dtype == x.dtype
    for buffer_bytes in _buffer_sizes(x, w, g):
        np.testing.assert_allclose(conv2d_gemm(x, w, b, g, buffer_bytes=buffer_bytes), teaching, rtol=tol, atol=tol,
                                   err_msg=f"buffer_bytes={buffer_bytes}")


@settings(max_examples=30, deadline=None)
@given(case=conv_cases(max_hw=10, max_n=3, dtypes=(np.float32,)))
def test_the_teaching_form_matches_tensorflow(tf, case):
    x, w, b, g = case["x"], case["w"], case["b"], case["geometry"]
    expected = tf_conv2d(tf, x, w, b, stride=case["stride"], padding=case["padding"],
                         dilation=case["dilation"], geometry=g)
    np.testing.assert_allclose(conv2d_im2col(x, w, b, g), expected, rtol=1e-5, atol=1e-5)

