"""convlib.pooling against tf.nn.max_pool2d / avg_pool2d, the Keras pooling layers and tf.GradientTape."""


import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convlib.geometry import same_padding
from convlib.pooling import global_pool2d, pool2d, pool2d_backward

# Stated tolerances: float32 means of up to 4*4 values in [-1, 1].
TOL = {np.dtype(np.float32): dict(rtol=1e-5, atol=1e-5), np.dtype(np.float64): dict(rtol=1e-12, atol=1e-12)}
# Each example calls TensorFlow (a GradientTape or a Keras layer): keep the counts moderate on 2 cores.
TF_EXAMPLES = min(40, settings.default.max_examples)
KERAS_EXAMPLES = min(25, settings.default.max_examples)
NP_EXAMPLES = min(60, settings.default.max_examples)

per_axis = st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))


@st.composite
def pool_cases(draw, dtypes=(np.float32, np.float64), distinct=False, max_n=3):
    """A random pooling: non-square x, pool_size, stride (None: pool_size) and padding that fit.

    ``distinct=True`` fills x with a random permutation of distinct values, so no window has a tie.
    """
    n, h, w, c = draw(st.integers(1, max_n)), draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 3))
    pool_size = draw(per_axis)
    stride = draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = draw(st.sampled_from(["valid", "same", "VALID", "Same"]))
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    assume(padding.lower() == "same" or (ph <= h and pw <= w))
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if distinct:
        x = (rng.permutation(n * h * w * c).reshape(n, h, w, c) / (n * h * w * c) - 0.5).astype(dtype)
    else:
        x = rng.uniform(-1, 1, (n, h, w, c)).astype(dtype)
    return dict(x=x, pool_size=pool_size, stride=stride, padding=padding)


def tf_args(case):
    """ksize, strides and padding as tf.nn wants them."""
    pool = case["pool_size"]
    stride = pool if case["stride"] is None else case["stride"]
    return dict(ksize=pool, strides=stride, padding=case["padding"].upper())


def tf_pool(tf, case, mode):
    """``tf.nn.max_pool2d``/``avg_pool2d`` of ``case["x"]``.

    x goes in as ``tf.constant``: TensorFlow 2.21's ``tf.nn.max_pool2d`` given a *NumPy* float64 array
    after an earlier float32 call returns float32 (see test_tf_max_pool2d_numpy_float64_quirk).
    """
    op = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    return op(tf.constant(case["x"]), **tf_args(case)).numpy()


def geo(case):
    return {k: case[k] for k in ("stride", "padding")}


@settings(max_examples=TF_EXAMPLES)
@given(case=pool_cases())
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_matches_tf_nn(tf, mode, case):
    expected = tf_pool(tf, case, mode)
    got = pool2d(case["x"], case["pool_size"], **geo(case), mode=mode)
    assert got.shape == expected.shape
    assert got.dtype == case["x"].dtype
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])


@settings(max_examples=TF_EXAMPLES)
@given(case=pool_cases(max_n=1), mode=st.sampled_from(["max", "avg", "MAX"]))
def test_single_image_keeps_its_rank(tf, case, mode):
    expected = tf_pool(tf, case, mode.lower())[0]
    got = pool2d(case["x"][0], case["pool_size"], **geo(case), mode=mode)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])


@settings(max_examples=KERAS_EXAMPLES)
@given(case=pool_cases())
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_matches_keras_layers(keras, mode, case):
    layer_type = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    layer = layer_type(case["pool_size"], strides=case["stride"], padding=case["padding"].lower(),
                       dtype=case["x"].dtype.name)
    expected = np.asarray(layer(case["x"]))
    got = pool2d(case["x"], case["pool_size"], **geo(case), mode=mode)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])


@settings(max_examples=KERAS_EXAMPLES)
@given(case=pool_cases())
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_global_pool2d_matches_keras_layers(keras, mode, case):
    layer_type = keras.layers.GlobalMaxPooling2D if mode == "max" else keras.layers.GlobalAveragePooling2D
    x = case["x"]
    expected = np.asarray(layer_type(dtype=x.dtype.name)(x))
    got = global_pool2d(x, mode=mode)
    assert got.shape == expected.shape == (x.shape[0], x.shape[3])
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])
    np.testing.assert_allclose(global_pool2d(x[0], mode=mode), expected[0], **TOL[got.dtype])
    # A global pool is a pool2d whose window is the whole image.
    np.testing.assert_allclose(pool2d(x, x.shape[1:3], mode=mode)[:, 0, 0], got, **TOL[got.dtype])


def tf_gradient(tf, case, dy, mode):
    op = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    x = tf.constant(case["x"])
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(op(x, **tf_args(case)) * dy)
    return tape.gradient(loss, x).numpy()


@settings(max_examples=TF_EXAMPLES)
@given(case=pool_cases(distinct=True), data=st.data())
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_backward_matches_gradient_tape(tf, mode, case, data):
    """Max: distinct values, so every window has one arg-max; avg: any values."""
    y = pool2d(case["x"], case["pool_size"], **geo(case), mode=mode)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    dy = rng.uniform(-1, 1, y.shape).astype(y.dtype)
    expected = tf_gradient(tf, case, dy, mode)
    got = pool2d_backward(dy, case["x"], case["pool_size"], **geo(case), mode=mode)
    assert got.shape == case["x"].shape and got.dtype == case["x"].dtype
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])
    single = pool2d_backward(dy[0], case["x"][0], case["pool_size"], **geo(case), mode=mode)
    np.testing.assert_allclose(single, expected[0], **TOL[got.dtype])


@settings(max_examples=TF_EXAMPLES)
@given(case=pool_cases(), data=st.data())
def test_max_ties_go_to_the_first_in_row_major_order_as_in_tf(tf, case, data):
    """Values from {0, 1, 2}: most windows have ties; TF's gradient picks the first maximum, and so do we."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    case["x"] = rng.integers(0, 3, case["x"].shape).astype(case["x"].dtype)
    dy = rng.uniform(0.5, 1.5, pool2d(case["x"], case["pool_size"], **geo(case)).shape).astype(case["x"].dtype)
    expected = tf_gradient(tf, case, dy, "max")
    got = pool2d_backward(dy, case["x"], case["pool_size"], **geo(case))
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])


def test_tf_max_pool2d_numpy_float64_quirk(tf):
    """Why the tests pass tf.constant(x): with a NumPy float64 array, tf.nn.max_pool2d's result dtype
    depends on the dtype of an earlier call (float32 after a float32 call). A tf.constant is always float64."""
    x64 = np.random.default_rng(0).uniform(size=(1, 3, 3, 1))
    tf.nn.max_pool2d(x64.astype(np.float32), 2, 1, "VALID")
    assert tf.nn.max_pool2d(tf.constant(x64), 2, 1, "VALID").dtype == tf.float64
    assert tf.nn.avg_pool2d(x64, 2, 1, "VALID").dtype == tf.float64


def test_max_tie_examples(tf):
    """All equal: window (i, j) of a 2x2/stride-1 pool sends its gradient to its own top-left pixel."""
    x = np.ones((1, 3, 3, 1))
    case = dict(x=x, pool_size=2, stride=1, padding="valid")
    expected = tf_gradient(tf, case, np.ones((1, 2, 2, 1)), "max")
    np.testing.assert_array_equal(expected[0, :, :, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(pool2d_backward(np.ones((1, 2, 2, 1)), x, 2, stride=1), expected)


def test_same_max_padding_never_wins(tf):
    """All pixels negative: zero padding would win the border windows; -inf padding does not."""
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    expected = tf.nn.max_pool2d(x, 2, 2, "SAME").numpy()
    got = pool2d(x, 2, padding="same")
    np.testing.assert_array_equal(got, expected)
    assert (got < 0).all()


def full_window_average(x, pool_size, stride, padding):
    """PyTorch's default (count_include_pad=True) written out: zero-pad, sum each window, divide by PH * PW."""
    (ph, pw), (sh, sw) = pool_size, stride
    n, h, w, c = x.shape
    pads = [same_padding(h, ph, sh), same_padding(w, pw, sw)] if padding == "same" else [(0, 0), (0, 0)]
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    ho, wo = (xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1
    y = np.zeros((n, ho, wo, c), x.dtype)
    for i in range(ho):
        for j in range(wo):
            y[:, i, j] = xp[:, i * sh : i * sh + ph, j * sw : j * sw + pw].sum(axis=(1, 2)) / (ph * pw)
    return y


@settings(max_examples=NP_EXAMPLES)
@given(case=pool_cases())
def test_count_pad_divides_by_the_full_window(case):
    pool = case["pool_size"] if isinstance(case["pool_size"], tuple) else (case["pool_size"],) * 2
    stride = pool if case["stride"] is None else case["stride"]
    stride = stride if isinstance(stride, tuple) else (stride,) * 2
    expected = full_window_average(case["x"], pool, stride, case["padding"].lower())
    got = pool2d(case["x"], case["pool_size"], **geo(case), mode="avg", count_pad=True)
    np.testing.assert_allclose(got, expected, **TOL[got.dtype])


def test_count_pad_differs_from_tf_at_the_border(tf):
    """H=W=5, 2x2 windows at stride 1, 'same': one zero row at the bottom, one column at the right."""
    x = np.ones((1, 5, 5, 1), np.float32)
    tf_y = tf.nn.avg_pool2d(x, 2, 1, "SAME").numpy()
    np.testing.assert_allclose(pool2d(x, 2, stride=1, padding="same", mode="avg"), tf_y, rtol=1e-6)
    np.testing.assert_array_equal(tf_y, 1)  # TF averages the real pixels only
    torch_like = pool2d(x, 2, stride=1, padding="same", mode="avg", count_pad=True)[0, :, :, 0]
    np.testing.assert_array_equal(torch_like[:4, :4], 1)
    np.testing.assert_array_equal(torch_like[4, :4], 0.5)
    np.testing.assert_array_equal(torch_like[:4, 4], 0.5)
    assert torch_like[4, 4] == 0.25
    # With 'valid' no window holds padding: the two conventions agree.
    valid = dict(stride=1, mode="avg")
    np.testing.assert_array_equal(pool2d(x, 2, **valid, count_pad=True), pool2d(x, 2, **valid))


@settings(max_examples=NP_EXAMPLES)
@given(case=pool_cases(distinct=True), mode=st.sampled_from(["max", "avg", "avg_count_pad"]), data=st.data())
def test_backward_is_the_adjoint(case, mode, data):
    """sum(pool2d(x) * dy) == sum(x * dx): pooling is linear in x (max: for a fixed arg-max)."""
    kw = dict(mode="avg", count_pad=True) if mode == "avg_count_pad" else dict(mode=mode)
    x = case["x"].astype(np.float64)
    y = pool2d(x, case["pool_size"], **geo(case), **kw)
    dy = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).uniform(-1, 1, y.shape)
    dx = pool2d_backward(dy, x, case["pool_size"], **geo(case), **kw)
    np.testing.assert_allclose(np.sum(y * dy), np.sum(x * dx), rtol=1e-12, atol=1e-12)


def test_channels_are_never_mixed():
    x = np.ones((1, 4, 4, 3)) * [1.0, 100.0, 10000.0]
    np.testing.assert_array_equal(pool2d(x, 2, mode="avg")[0, 0, 0], [1.0, 100.0, 10000.0])
    assert pool2d(x, 2).shape == (1, 2, 2, 3)


def test_stride_defaults_to_pool_size():
    x = np.random.default_rng(0).normal(size=(2, 7, 6, 2))
    np.testing.assert_array_equal(pool2d(x, (3, 2)), pool2d(x, (3, 2), stride=(3, 2)))
    assert pool2d(x, (3, 2)).shape == (2, 2, 3, 2)


def test_integer_images_become_float():
    x = np.full((4, 4, 1), 255, np.uint8)
    y = pool2d(x, 2, mode="avg")
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, 255)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: pool2d(np.ones((1, 2, 5, 1)), 3), ValueError, ["pool_size", "along H", "'same'"]),
        (lambda: pool2d(np.ones((1, 5, 2, 1)), (2, 3)), ValueError, ["pool_size", "along W"]),
        (lambda: pool2d(np.ones((4, 4)), 2), ValueError, ["x.ndim=2", "(N, H, W, C)", "x[..., None]"]),
        (lambda: pool2d(np.ones((1, 1, 4, 4, 1)), 2), ValueError, ["x.ndim=5"]),
        (lambda: pool2d(np.ones((4, 4, 1)), 2, mode="mean"), ValueError, ["mode", "'max' or 'avg'"]),
        (lambda: pool2d(np.ones((4, 4, 1)), 2, mode="average"), ValueError, ["spelled 'avg'"]),
        (lambda: pool2d(np.ones((4, 4, 1)), 2, padding=1), ValueError, ["padding", "'valid' or 'same'"]),
        (lambda: pool2d(np.ones((4, 4, 1)), 0), ValueError, ["pool_size"]),
        (lambda: pool2d(np.ones((4, 4, 1)), 2, stride=0), ValueError, ["stride"]),
        (lambda: pool2d(np.ones((4, 4, 1)), 2.5), TypeError, ["pool_size"]),
        (lambda: pool2d(np.ones((4, 4, 1)), 2, count_pad=True), ValueError, ["count_pad", "mode='avg'"]),
        (lambda: pool2d_backward(np.ones((1, 2, 2, 3)), np.ones((1, 4, 4, 1)), 2), ValueError,
         ["dy", "(1, 2, 2, 1)", "C=1"]),
        (lambda: pool2d_backward(np.ones((2, 2, 1)), np.ones((1, 2, 2, 1)), 2), ValueError, ["dy"]),
        (lambda: global_pool2d(np.ones((4, 4)), mode="max"), ValueError, ["x.ndim=2"]),
        (lambda: global_pool2d(np.ones((4, 4, 1)), mode="min"), ValueError, ["mode"]),
    ],
)
def test_errors_name_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
