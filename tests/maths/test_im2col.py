"""im2col/col2im: the GEMM identity, the column order, and the adjoint property."""

import numpy as np
from hypothesis import given

import convlib
from convlib.fast_gemm import conv2d_gemm
from tests.strategies import conv_cases


@given(case=conv_cases(dtypes=(np.float64,)))
def test_im2col_times_reshaped_kernel_is_conv2d(case):
    x, w, g = case["x"], case["w"], case["geometry"]
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    cols = convlib.im2col(x, w.shape[:2], **kw)
    n, c_out = x.shape[0], w.shape[3]
    assert cols.shape == (n * g.out[0] * g.out[1], w.shape[0] * w.shape[1] * w.shape[2])
    y = (cols @ w.reshape(-1, c_out)).reshape(n, *g.out, c_out)
    np.testing.assert_allclose(y, convlib.conv2d(x, w, **kw, method="naive"), rtol=1e-12, atol=1e-12)


@given(case=conv_cases(dtypes=(np.float64,)))
def test_col2im_is_the_adjoint_of_im2col(case):
    """<im2col(x), c> == <x, col2im(c)> for every x and c: col2im sums overlapping patches."""
    x = case["x"]
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    cols = convlib.im2col(x, case["w"].shape[:2], **kw)
    c = np.random.default_rng(3).normal(size=cols.shape)
    back = convlib.col2im(c, x.shape, case["w"].shape[:2], **kw)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-10)


def test_column_order_is_kh_kw_cin():
    x = np.arange(1 * 2 * 2 * 3, dtype=float).reshape(1, 2, 2, 3)
    row = convlib.im2col(x, (2, 2))[0]
    # One patch covers the whole image: columns run (kh, kw, ci) in C order, like w.reshape(-1, C_out).
    np.testing.assert_array_equal(row, x.reshape(-1))


def test_col2im_counts_overlaps():
    """col2im of all-ones counts how many patches cover each pixel."""
    x_shape = (1, 4, 4, 1)
    cols = np.ones_like(convlib.im2col(np.zeros(x_shape), 3))
    counts = convlib.col2im(cols, x_shape, 3)[0, :, :, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


@given(case=conv_cases(max_hw=9, dtypes=(np.float32,)))
def test_gemm_chunks_do_not_change_the_result(case):
    """Tiny buffers force chunks of one output row, or of a few images: same numbers
    (up to float32 rounding: BLAS may sum in another order for another matrix height)."""
    x, w, b, g = case["x"], case["w"], case["b"], case["geometry"]
    whole = conv2d_gemm(x, w, b, g, buffer_bytes=2**30)
    for buffer_bytes in (1, x.itemsize * g.out[1] * w[..., 0].size * 2, x.itemsize * g.out[0] * g.out[1] * w[..., 0].size):
        np.testing.assert_allclose(conv2d_gemm(x, w, b, g, buffer_bytes=buffer_bytes), whole, rtol=1e-6, atol=1e-6)


def test_float32_stays_float32():
    x = np.ones((1, 5, 5, 2), np.float32)
    assert convlib.conv2d(x, np.ones((3, 3, 2, 1), np.float32)).dtype == np.float32
    assert convlib.im2col(x, 3).dtype == np.float32
    assert convlib.conv2d(x, np.ones((3, 3, 2, 1))).dtype == np.float64
