"""Bad input: every error names the argument and the numbers; kernel-depth errors teach."""

import numpy as np
import pytest

import convlib

X = np.zeros((1, 5, 6, 3))
W = np.zeros((3, 3, 3, 2))


def test_kernel_depth_mismatch_teaches():
    with pytest.raises(ValueError) as err:
        convlib.conv2d(X, np.zeros((3, 3, 1, 2)))
    msg = str(err.value)
    for needle in ("depth", "C_in=3", "is 1", "(KH, KW, C_in, C_out)", "all input channels", "summed", "own weights"):
        assert needle in msg, needle


def test_2d_kernel_for_rgb_input_teaches():
    with pytest.raises(ValueError) as err:
        convlib.conv2d(X, np.ones((3, 3)))
    msg = str(err.value)
    for needle in ("2-D (KH, KW) kernel", "C_in=3", "C_in=1", "spans all input channels", "(KH, KW, C_in, C_out)", "(3, 3, 3, C_out)"):
        assert needle in msg, needle


def test_2d_kernel_for_single_channel_input_says_how_to_reshape():
    with pytest.raises(ValueError, match=r"w.reshape\(3, 3, 1, 1\)"):
        convlib.conv2d(np.zeros((1, 5, 5, 1)), np.ones((3, 3)))


def test_3d_kernel_one_filter_hint():
    with pytest.raises(ValueError, match=r"w\[\.\.\., None\]"):
        convlib.conv2d(X, np.ones((3, 3, 3)))


def test_pytorch_layout_hint():
    with pytest.raises(ValueError, match="PyTorch"):
        convlib.conv2d(X, np.ones((2, 3, 5, 5)))  # (C_out, C_in, KH, KW)


@pytest.mark.parametrize("arg", ["stride", "dilation"])
@pytest.mark.parametrize("value, exc", [(0, ValueError), (-1, ValueError), ((1, 0), ValueError),
                                        (1.5, TypeError), ("2", TypeError), (True, TypeError), ((1, 2, 3), TypeError)])
def test_stride_and_dilation(arg, value, exc):
    with pytest.raises(exc, match=arg):
        convlib.conv2d(X, W, **{arg: value})


@pytest.mark.parametrize("padding, exc", [(-1, ValueError), ((0, -2), ValueError), (((0, 1), (-1, 0)), ValueError),
                                          ("full", ValueError), ("", ValueError), (1.0, TypeError), ((1, 2, 3), TypeError),
                                          (((1, 2, 3), (0, 0)), TypeError), (None, TypeError)])
def test_bad_padding(padding, exc):
    with pytest.raises(exc, match="padding"):
        convlib.conv2d(X, W, padding=padding)


def test_unknown_method():
    with pytest.raises(ValueError, match="method.*'gemm'.*'fast'"):
        convlib.conv2d(X, W, method="fast")


def test_kernel_larger_than_padded_input_names_axis_and_sizes():
    with pytest.raises(ValueError, match=r"along H.*KH=7.*5 \+ 0 \+ 0 = 5"):
        convlib.conv2d(X, np.zeros((7, 3, 3, 2)))
    with pytest.raises(ValueError, match=r"along W.*dilation 3.*7 pixels"):
        convlib.conv2d(X, np.zeros((3, 3, 3, 2)), dilation=(1, 3))
    # With enough padding the same kernel fits.
    assert convlib.conv2d(X, np.zeros((7, 3, 3, 2)), padding=1).shape == (1, 1, 6, 2)


@pytest.mark.parametrize("shape", [(5, 6), (5,), (1, 1, 5, 6, 3)])
def test_wrong_input_rank(shape):
    with pytest.raises(ValueError, match=r"x must be .*NHWC"):
        convlib.conv2d(np.zeros(shape), W)


def test_wrong_kernel_rank():
    with pytest.raises(ValueError, match=r"w must be 4-D.*ndim=5"):
        convlib.conv2d(X, np.zeros((3, 3, 3, 2, 1)))


def test_bias_of_wrong_length():
    with pytest.raises(ValueError, match=r"b must have shape \(C_out,\) = \(2,\).*\(3,\)"):
        convlib.conv2d(X, W, b=np.zeros(3))


def test_non_numeric_and_ragged_input():
    with pytest.raises(TypeError, match="x must hold real numbers"):
        convlib.conv2d(np.full((1, 3, 3, 1), "a"), np.zeros((1, 1, 1, 1)))
    with pytest.raises(ValueError, match="x must be a rectangular array"):
        convlib.conv2d([[[1.0]], [[1.0, 2.0]]], np.zeros((1, 1, 1, 1)))


def test_empty_axes():
    with pytest.raises(ValueError, match="x has an empty axis"):
        convlib.conv2d(np.zeros((0, 4, 4, 3)), W)


@pytest.mark.parametrize("call", [
    lambda: convlib.output_size(5, 7),
    lambda: convlib.output_size(5, 3, dilation=3),
])
def test_output_size_kernel_too_large(call):
    with pytest.raises(ValueError, match="the kernel does not fit"):
        call()


def test_output_size_bad_arguments():
    with pytest.raises(ValueError, match="stride must be >= 1"):
        convlib.output_size(5, 3, stride=0)
    with pytest.raises(TypeError, match="k must be an integer"):
        convlib.output_size(5, 2.0)
    with pytest.raises(ValueError, match="padding"):
        convlib.output_size(5, 3, padding="full")


def test_correlate2d_rejects_multichannel():
    with pytest.raises(ValueError, match="one channel.*conv2d"):
        convlib.correlate2d(np.zeros((4, 4, 3)), np.zeros((2, 2)))


def test_col2im_checks_cols_shape():
    with pytest.raises(ValueError, match=r"cols must have shape"):
        convlib.col2im(np.zeros((3, 3)), (1, 4, 4, 1), 3)


@pytest.mark.parametrize("x_dtype, w_dtype, result", [
    ("uint8", "float32", "float32"), ("int16", "float32", "float32"), ("bool", "float32", "float32"),
    ("uint8", "uint8", "float32"), ("int64", "float32", "float64"), ("int32", "float32", "float64"),
    ("float32", "float64", "float64"), ("float32", "float32", "float32"),
])
def test_result_dtype_is_result_type_with_float32(x_dtype, w_dtype, result):
    # The rule conv2d's docstring states: np.result_type(x, w, b, np.float32), the same for every method.
    x, w = np.ones((1, 3, 3, 2), x_dtype), np.ones((2, 2, 2, 1), w_dtype)
    for method in convlib.METHODS:
        assert convlib.conv2d(x, w, method=method).dtype == np.dtype(result)
    assert np.result_type(np.dtype(x_dtype), np.dtype(w_dtype), np.float32) == np.dtype(result)
