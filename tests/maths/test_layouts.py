"""convlib.layouts: round trips, and a Keras Conv2D equals PyTorch's NCHW/OIHW definition written in numpy."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convlib.geometry import same_padding
from convlib.layouts import kernel_from_torch, kernel_to_torch, to_nchw, to_nhwc
from tests.strategies import conv_cases

KERAS_EXAMPLES = min(30, settings.default.max_examples)
NP_EXAMPLES = min(60, settings.default.max_examples)

shapes4 = hnp.array_shapes(min_dims=4, max_dims=4, max_side=5)
shapes3 = hnp.array_shapes(min_dims=3, max_dims=3, max_side=5)


def numbered(shape):
    """Every element distinct, so a wrong permutation cannot hide."""
    return np.arange(np.prod(shape), dtype=np.float64).reshape(shape)


@settings(max_examples=NP_EXAMPLES)
@given(shape=shapes4)
def test_kernel_round_trips_and_indices(shape):
    w = numbered(shape)  # read as PyTorch's (C_out, C_in/groups, KH, KW)
    keras_w = kernel_from_torch(w)
    c_out, c_in, kh, kw = shape
    assert keras_w.shape == (kh, kw, c_in, c_out)
    o, c, a, b = (s - 1 for s in shape)
    assert keras_w[a, b, c, o] == w[o, c, a, b]
    np.testing.assert_array_equal(kernel_to_torch(keras_w), w)
    np.testing.assert_array_equal(kernel_from_torch(kernel_to_torch(w)), w)


@settings(max_examples=NP_EXAMPLES)
@given(shape=st.one_of(shapes3, shapes4))
def test_data_round_trips_and_indices(shape):
    x = numbered(shape)  # read as NHWC or (H, W, C)
    nchw = to_nchw(x)
    if x.ndim == 4:
        n, h, w, c = shape
        assert nchw.shape == (n, c, h, w)
        assert nchw[n - 1, c - 1, h - 1, 0] == x[n - 1, h - 1, 0, c - 1]
    else:
        h, w, c = shape
        assert nchw.shape == (c, h, w)
        assert nchw[c - 1, h - 1, 0] == x[h - 1, 0, c - 1]
    np.testing.assert_array_equal(to_nhwc(nchw), x)
    np.testing.assert_array_equal(to_nchw(to_nhwc(x)), x)


def conv2d_nchw_oihw(x, w, stride, dilation=(1, 1), groups=1):
    """PyTorch's definition on zero-padded x, group g(o) = o // (C_out / groups):

    y[n, o, i, j] = sum over c, a, b of w[o, c, a, b] * x[n, g(o) * C_in/groups + c, i*sh + a*dh, j*sw + b*dw]

    x : (N, C_in, H, W), w : (C_out, C_in/groups, KH, KW) -> y : (N, C_out, Ho, Wo).
    """
    (sh, sw), (dh, dw), (c_out, c_g, kh, kw) = stride, dilation, w.shape
    ho, wo = (x.shape[2] - (kh - 1) * dh - 1) // sh + 1, (x.shape[3] - (kw - 1) * dw - 1) // sw + 1
    rows = (np.arange(ho) * sh)[:, None] + np.arange(kh) * dh  # (Ho, KH): input row of output row i, tap a
    cols = (np.arange(wo) * sw)[:, None] + np.arange(kw) * dw  # (Wo, KW)
    patches = x[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C_in, Ho, Wo, KH, KW)
    o_g = c_out // groups
    return np.concatenate(
        [np.einsum("ocab,ncijab->noij", w[k * o_g : (k + 1) * o_g], patches[:, k * c_g : (k + 1) * c_g])
         for k in range(groups)],
        axis=1,
    )


@settings(max_examples=KERAS_EXAMPLES)
@given(case=conv_cases(max_n=2, dtypes=(np.float32,), keras_layer=True), groups=st.sampled_from([1, 1, 2]))
def test_keras_conv2d_equals_the_nchw_oihw_definition(keras, case, groups):
    """The numerical proof: Keras' Conv2D on NHWC with an HWIO kernel == PyTorch's formula on
    to_nchw(x) with kernel_to_torch(w), converted back with to_nhwc.  float32, rtol=atol=1e-5."""
    g, x, w = case["geometry"], case["x"], case["w"]
    if groups == 2:  # C_in and C_out twice as large; the kernel depth stays C_in/groups
        x = np.concatenate([x, x[..., ::-1] * 0.5], axis=-1)
        w = np.concatenate([w, -w[..., ::-1]], axis=-1)
    kh, kw, _, c_out = w.shape
    layer = keras.layers.Conv2D(c_out, (kh, kw), strides=g.stride, padding=case["padding"],
                                dilation_rate=g.dilation, groups=groups, use_bias=False)
    layer.build(x.shape)
    layer.set_weights([w])
    expected = np.asarray(layer(x))

    w_oihw = kernel_to_torch(w)
    assert w_oihw.shape == (c_out, x.shape[3] // groups, kh, kw)
    pads = [(0, 0), (0, 0)]
    if case["padding"] == "same":
        pads = [same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[1:3], (kh, kw), g.stride, g.dilation)]
    x_nchw = np.pad(to_nchw(x), ((0, 0), (0, 0), *pads))  # H and W are axes 2 and 3 now
    y_nchw = conv2d_nchw_oihw(x_nchw.astype(np.float64), w_oihw.astype(np.float64), g.stride, g.dilation, groups)
    np.testing.assert_allclose(to_nhwc(y_nchw), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: kernel_from_torch(np.ones((3, 3, 3))), ["w", "4-D", "(C_out, C_in/groups, KH, KW)", "w.ndim=3"]),
        (lambda: kernel_to_torch(np.ones((3, 3))), ["w", "4-D", "(KH, KW, C_in/groups, C_out)"]),
        (lambda: to_nchw(np.ones((3, 3))), ["x", "3-D or 4-D", "(N, H, W, C)", "x.ndim=2"]),
        (lambda: to_nhwc(np.ones((1, 1, 3, 3, 3))), ["x", "(N, C, H, W)", "x.ndim=5"]),
    ],
)
def test_wrong_rank_errors(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
