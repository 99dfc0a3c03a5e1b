"""Every entry point gives the same numbers for any memory layout of its inputs.

NumPy arrays are often views: a strided slice ``x[:, ::2]``, reversed axes
``x[:, ::-1]``, Fortran order, a transpose of another layout, a broadcast with
zero strides.  convlib's fast paths look at strides (im2col's ``as_strided``
view, the 1x1 shortcut that reinterprets ``x`` as a pixel matrix), so each one
is fed the same values in every layout and compared with the values of a
plain C-contiguous copy -- and the forward pass with TensorFlow as well.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib
from convlib.backward import conv2d_backward
from tests.strategies import conv_cases
from tests.tf_reference import tf_conv2d

LAYOUTS = ("strided", "sliced", "reversed", "fortran", "transposed", "broadcast")
EXAMPLES = min(60, settings.default.max_examples)
TOL = {np.dtype(np.float32): dict(rtol=1e-5, atol=1e-5), np.dtype(np.float64): dict(rtol=1e-12, atol=1e-12)}


def relayout(a: np.ndarray, layout: str, axis: int = 0) -> np.ndarray:
    """An array equal to ``a`` (same shape and values) but with another memory layout.

    ``broadcast`` first makes ``a`` constant along ``axis`` (its values change, so the
    caller compares with a contiguous copy of the result, not with ``a``).
    """
    if layout == "strided":  # every other element of a bigger buffer, on every axis
        big = np.zeros(tuple(2 * n + 1 for n in a.shape), a.dtype)
        view = big[tuple(slice(1, None, 2) for _ in a.shape)]
        view[...] = a
    elif layout == "sliced":  # every 3rd row (or column...) along `axis` only, as x[:, ::3] of a taller batch
        shape = list(a.shape)
        shape[axis] *= 3
        big = np.zeros(shape, a.dtype)
        index = [slice(None)] * a.ndim
        index[axis] = slice(None, None, 3)
        view = big[tuple(index)]
        view[...] = a
    elif layout == "reversed":  # negative strides on every axis
        view = np.ascontiguousarray(a[(slice(None, None, -1),) * a.ndim])[(slice(None, None, -1),) * a.ndim]
    elif layout == "fortran":
        view = np.asfortranarray(a)
    elif layout == "transposed":  # stored with the axes in reverse order, seen through a transpose
        view = np.ascontiguousarray(a.transpose()).transpose()
    elif layout == "broadcast":  # zero stride along `axis` (and along every axis of size 1)
        one = np.take(a, [0], axis=axis)
        view = np.broadcast_to(one, a.shape)
        # a size-1 axis may have any stride: make those zero too, as np.broadcast_to of a scalar-like array does
        view = np.lib.stride_tricks.as_strided(
            view, strides=[0 if n == 1 else st for n, st in zip(view.shape, view.strides)], writeable=False)
    else:
        raise ValueError(layout)
    assert view.shape == a.shape
    if layout != "broadcast":
        assert np.array_equal(view, a)
    if layout not in ("broadcast", "sliced") and sum(n > 1 for n in a.shape) >= 2:
        assert not view.flags.c_contiguous  # the test must really see another layout
    return view


def _x_variant(x, layout, axis):
    view = relayout(x, layout, axis)
    return view, np.ascontiguousarray(view)


cases = conv_cases(max_hw=8, max_k=3, max_c=3)


@settings(max_examples=EXAMPLES)
@given(case=cases, layout=st.sampled_from(LAYOUTS), axis=st.integers(0, 3), method=st.sampled_from(sorted(convlib.METHODS)))
def test_conv2d_every_method_any_layout(tf, case, layout, axis, method):
    x, x_plain = _x_variant(case["x"], layout, axis)
    w = relayout(case["w"], layout if layout != "broadcast" else "transposed")
    kwargs = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    y = convlib.conv2d(x, w, case["b"], method=method, **kwargs)
    y_plain = convlib.conv2d(x_plain, np.ascontiguousarray(w), case["b"], method="naive", **kwargs)
    np.testing.assert_allclose(y, y_plain, **TOL[y.dtype])
    y_tf = tf_conv2d(tf, x_plain, np.ascontiguousarray(w), case["b"], geometry=case["geometry"], **kwargs)
    np.testing.assert_allclose(y, y_tf, **TOL[y.dtype])


@settings(max_examples=max(EXAMPLES, 300))  # cheap: no TensorFlow
@given(n=st.integers(1, 3), h=st.sampled_from([1, 1, 2, 3]), w=st.integers(1, 4), c_in=st.integers(1, 4),
       layout=st.sampled_from(LAYOUTS), axis=st.integers(0, 3), seed=st.integers(0, 2**16))
def test_one_by_one_kernels_any_layout(n, h, w, c_in, layout, axis, seed):
    # A 1x1, stride-1, unpadded kernel takes a shortcut: x itself, seen as an (N*H*W, C_in) matrix, is the
    # patch matrix.  Whether that view exists depends on all of x's strides, so H = 1 and N > 1 are frequent here.
    rng = np.random.default_rng(seed)
    x, x_plain = _x_variant(rng.uniform(-1, 1, (n, h, w, c_in)), layout, axis)
    k = rng.uniform(-1, 1, (1, 1, c_in, 3))
    expected = np.einsum("nhwc,cd->nhwd", x_plain, k[0, 0])
    for method in sorted(convlib.METHODS):
        np.testing.assert_allclose(convlib.conv2d(x, k, method=method), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", sorted(convlib.METHODS))
def test_the_reported_views(method):
    # The cases that once gave wrong numbers for a 1x1 kernel with method="gemm".
    rng = np.random.default_rng(0)
    w = rng.normal(size=(1, 1, 4, 3))
    xb = rng.normal(size=(2, 5, 3, 4))
    for x in (xb[:, ::5],                                              # (2, 1, 3, 4), H = 1 with a long N stride
              np.broadcast_to(rng.normal(size=(1, 1, 3, 4)), (2, 1, 3, 4)),   # zero strides, H = 1
              np.broadcast_to(rng.normal(size=(1, 4, 3, 4)), (3, 4, 3, 4)),   # zero N stride
              xb[:, 1:2, ::-1]):                                       # reversed W, H = 1
        expected = np.einsum("nhwc,cd->nhwd", np.ascontiguousarray(x), w[0, 0])
        np.testing.assert_allclose(convlib.conv2d(x, w, method=method), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=EXAMPLES)
@given(case=cases, layout=st.sampled_from(LAYOUTS), axis=st.integers(0, 3))
def test_im2col_and_col2im_any_layout(case, layout, axis):
    x, x_plain = _x_variant(case["x"], layout, axis)
    kh, kw = case["w"].shape[:2]
    kwargs = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    cols = convlib.im2col(x, (kh, kw), **kwargs)
    np.testing.assert_array_equal(cols, convlib.im2col(x_plain, (kh, kw), **kwargs))
    rng = np.random.default_rng(1)
    c = rng.uniform(-1, 1, cols.shape).astype(cols.dtype)
    c_view = relayout(c, "broadcast" if layout == "broadcast" else layout, axis=min(axis, 1))
    back = convlib.col2im(c_view, x.shape, (kh, kw), **kwargs)
    np.testing.assert_allclose(back, convlib.col2im(np.ascontiguousarray(c_view), x.shape, (kh, kw), **kwargs),
                               **TOL[back.dtype])


@settings(max_examples=EXAMPLES)
@given(case=cases, layout=st.sampled_from(LAYOUTS), axis=st.integers(0, 3))
def test_conv2d_backward_any_layout(case, layout, axis):
    x, x_plain = _x_variant(case["x"], layout, axis)
    w = case["w"]
    kwargs = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    rng = np.random.default_rng(2)
    dy_plain = rng.uniform(-1, 1, (x.shape[0], *case["geometry"].out, w.shape[3])).astype(x.dtype)
    dy = relayout(dy_plain, layout, axis)
    dy_plain = np.ascontiguousarray(dy)
    got = conv2d_backward(dy, x, relayout(w, "fortran"), **kwargs)
    want = conv2d_backward(dy_plain, x_plain, np.ascontiguousarray(w), **kwargs)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, **TOL[np.asarray(e).dtype])


@settings(max_examples=EXAMPLES)
@given(case=cases, layout=st.sampled_from(LAYOUTS), axis=st.integers(0, 3))
def test_conv2d_transpose_any_layout(case, layout, axis):
    w = case["w"]
    kwargs = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    x = case["x"]
    rng = np.random.default_rng(3)
    y_plain = rng.uniform(-1, 1, (x.shape[0], *case["geometry"].out, w.shape[3])).astype(x.dtype)
    y = relayout(y_plain, layout, axis)
    y_plain = np.ascontiguousarray(y)
    size = x.shape[1:3]
    got = convlib.conv2d_transpose(y, relayout(w, "reversed"), output_size=size, **kwargs)
    want = convlib.conv2d_transpose(y_plain, np.ascontiguousarray(w), output_size=size, **kwargs)
    np.testing.assert_allclose(got, want, **TOL[want.dtype])
    # and it is still the adjoint of conv2d: <conv2d(x), y> == <x, conv2d_transpose(y)>
    lhs = np.vdot(convlib.conv2d(x, w, **kwargs), y_plain)
    rhs = np.vdot(x, got)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4 if x.dtype == np.float32 else 1e-10, atol=1e-4)
