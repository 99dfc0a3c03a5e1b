"""conv2d_transpose: against tf.nn.conv2d_transpose and Keras Conv2DTranspose, the adjoint identity, output sizes."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib
import convlib.transpose
from convlib.backward import conv2d_backward
from convlib.geometry import conv_geometry
from convlib.transpose import conv2d_transpose, transpose_output_sizes
from tests.strategies import conv_cases
from tests.tf_reference import dilate_kernel, tf_padding

TF_EXAMPLES = min(40, settings.default.max_examples)
NP_EXAMPLES = min(60, settings.default.max_examples)
KERAS_EXAMPLES = min(20, settings.default.max_examples)
TOL = {np.dtype(np.float32): dict(rtol=1e-5, atol=1e-4), np.dtype(np.float64): dict(rtol=1e-10, atol=1e-10)}


@st.composite
def transpose_cases(draw, undilated=False, **kwargs):
    """A conv_cases() case plus y shaped like its forward output (N, Ho, Wo, C_out).

    ``undilated=True`` sets dilation to 1 (TF's CPU transposed convolution, used by Keras'
    Conv2DTranspose, rejects dilation > 1)."""
    case = draw(conv_cases(**kwargs))
    if undilated:
        case["dilation"] = 1
        case["geometry"] = conv_geometry(case["x"].shape[1:3], case["w"].shape[:2], case["stride"], case["padding"])
    x, w, g = case["x"], case["w"], case["geometry"]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    case["y"] = rng.uniform(-1, 1, (x.shape[0], *g.out, w.shape[3])).astype(x.dtype)
    return case


def geo(case):
    return dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])


@settings(max_examples=TF_EXAMPLES)
@given(case=transpose_cases())
def test_matches_tf_nn_conv2d_transpose(tf, case):
    """tf.nn.conv2d_transpose takes the forward kernel and the output shape; its CPU kernel rejects
    dilation > 1, so dilated cases use the explicitly dilated kernel (the same linear map)."""
    x, w, y, g = case["x"], case["w"], case["y"], case["geometry"]
    w_tf = dilate_kernel(w, g.dilation) if g.dilation != (1, 1) else w
    expected = tf.nn.conv2d_transpose(y, w_tf, output_shape=x.shape, strides=[1, *g.stride, 1],
                                      padding=tf_padding(case["padding"], g)).numpy()
    got = conv2d_transpose(y, w, **geo(case), output_size=x.shape[1:3])
    assert got.shape == x.shape and got.dtype == x.dtype
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])


@settings(max_examples=NP_EXAMPLES)
@given(case=transpose_cases(dtypes=(np.float64,)))
def test_adjoint_identity_and_gradient(case):
    """<conv2d(x), y> == <x, conv2d_transpose(y)>, and the transpose is conv2d's input gradient."""
    x, w, y = case["x"], case["w"], case["y"]
    xt = conv2d_transpose(y, w, **geo(case), output_size=x.shape[1:3])
    np.testing.assert_allclose(np.sum(x * xt), np.sum(convlib.conv2d(x, w, **geo(case)) * y), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(xt, conv2d_backward(y, x, w, **geo(case))[0], rtol=1e-12, atol=1e-12)


@settings(max_examples=NP_EXAMPLES)
@given(case=conv_cases(dtypes=(np.float64,), max_n=1, max_c=1))
def test_output_sizes_are_exactly_the_inputs_that_conv2d_maps_to_ho(case):
    """transpose_output_sizes lists every size n with conv2d output Ho, checked by brute force over n."""
    g = case["geometry"]
    kh = case["w"].shape[0]
    s, d = g.stride[0], g.dilation[0]
    pad_h = case["padding"] if isinstance(case["padding"], str) else g.pads[0]
    ho = g.out[0]
    allowed = transpose_output_sizes(ho, kh, s, pad_h, d)

    def forward_rows(n):
        try:
            return conv_geometry((n, 1), (kh, 1), (s, 1), (pad_h, 0) if not isinstance(pad_h, str) else pad_h,
                                 (d, 1)).out[0]
        except ValueError:  # kernel does not fit
            return None

    brute = [n for n in range(1, ho * s + kh * d + 10) if forward_rows(n) == ho]
    assert list(allowed) == brute
    assert case["x"].shape[1] in allowed
    # Every allowed size works as output_size and gives back an array of that size.
    y = np.ones((ho, 2, 1))
    for n in allowed:
        out = conv2d_transpose(y, np.ones((kh, 1, 1, 1)), stride=(s, 1), dilation=(d, 1),
                               padding=(pad_h, 0) if not isinstance(pad_h, str) else pad_h, output_size=(n, 2))
        assert out.shape == (n, 2, 1)


@settings(max_examples=KERAS_EXAMPLES)
@given(case=transpose_cases(undilated=True, keras_layer=True, dtypes=(np.float32,)))
def test_default_size_and_values_match_keras_conv2d_transpose(keras, case):
    """Keras' Conv2DTranspose(filters=C_in) has the forward kernel's layout (KH, KW, C_in, C_out)."""
    w, y = case["w"], case["y"]
    layer = keras.layers.Conv2DTranspose(w.shape[2], w.shape[:2], strides=case["stride"], padding=case["padding"],
                                         use_bias=False)
    layer.build(y.shape)
    assert tuple(layer.kernel.shape) == w.shape
    layer.set_weights([w])
    expected = np.asarray(layer(y))
    got = conv2d_transpose(y, w, **geo(case))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


def test_overlap_counts_make_a_checkerboard():
    """Transposing a stride-2, 3x3 all-ones kernel over all-ones input counts how many stamps cover each pixel."""
    out = conv2d_transpose(np.ones((4, 4, 1)), np.ones((3, 3, 1, 1)), stride=2)[..., 0]
    assert out.shape == (9, 9)
    rows = np.array([1, 1, 2, 1, 2, 1, 2, 1, 1])  # stamps covering each row: starts at 0, 2, 4, 6, each 3 wide
    assert [sum(0 <= r - 2 * i < 3 for i in range(4)) for r in range(9)] == rows.tolist()
    np.testing.assert_array_equal(out, np.outer(rows, rows))
    # With the stride equal to the kernel size the stamps tile without overlap: no checkerboard.
    np.testing.assert_array_equal(conv2d_transpose(np.ones((4, 4, 1)), np.ones((2, 2, 1, 1)), stride=2), 1.0)


def test_errors():
    w = np.zeros((3, 3, 2, 5))
    with pytest.raises(ValueError, match=r"y must have C_out=5 channels.*back to C_in=2.*forward direction"):
        conv2d_transpose(np.zeros((1, 4, 4, 2)), w)
    with pytest.raises(ValueError, match=r"output_size=\(9, 9\) is impossible along H.*7\.\.8.*2 sizes"):
        conv2d_transpose(np.zeros((1, 3, 4, 5)), w, stride=2, output_size=(9, 9))
    with pytest.raises(ValueError, match="along W"):
        conv2d_transpose(np.zeros((1, 3, 4, 5)), w, stride=2, output_size=(7, 20))
    with pytest.raises(TypeError, match="output_size"):
        conv2d_transpose(np.zeros((1, 3, 4, 5)), w, output_size=7.0)
    with pytest.raises(ValueError, match="w must be the forward kernel"):
        conv2d_transpose(np.zeros((1, 3, 4, 5)), np.zeros((3, 3, 5)))
    with pytest.raises(ValueError, match="padding"):
        conv2d_transpose(np.zeros((1, 3, 4, 5)), w, padding="full")
