"""convlib.receptive_fields: hand facts, a brute-force count, and the input gradient of real Keras Conv2D stacks."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib.receptive_fields import ReceptiveField, receptive_field, receptive_field_info

KERAS_EXAMPLES = min(20, settings.default.max_examples)
NP_EXAMPLES = min(100, settings.default.max_examples)



@st.composite
def conv_layer_2d(draw):
    """One Conv2D layer as ((kh, sh, dh), (kw, sw, dw)): strided or dilated, not both (Keras refuses that)."""
    k, s, d = (draw(st.tuples(st.integers(lo, hi), st.integers(lo, hi))) for lo, hi in ((1, 4), (1, 3), (1, 3)))
    if draw(st.booleans()):
        d = (1, 1)
    else:
        s = (1, 1)
    return (k[0], s[0], d[0]), (k[1], s[1], d[1])


def test_hand_facts():
    assert receptive_field([3, 3]) == 5  # two stacked 3x3: 5x5
    assert receptive_field([3, 3, 3]) == 7  # three: 7x7, the same field as one 7x7 with fewer weights
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15  # dilations 1, 2, 4: exponential growth
    assert receptive_field([(3, 1, 2 ** i) for i in range(5)]) == 2 ** 6 - 1
    assert receptive_field([]) == 1 and receptive_field([1, 1]) == 1
    assert receptive_field([5]) == 5 and receptive_field([(3, 1, 3)]) == 7  # one layer: k_eff


def test_strides_multiply_the_jump():
    assert receptive_field_info([(3, 2), (3, 2), (3, 2)]).jump == 8
    assert receptive_field_info([(3, 2), (3, 3)]).jump == 6
    # A layer after a stride-2 layer grows the field by (k_eff - 1) * 2: 3 + 2 * 2 = 7.
    assert receptive_field([(3, 2), 3]) == 7
    # 2x2 pooling with stride 2 between 3x3 convolutions (a VGG block): 3, 4, then +2*2 twice.
    assert receptive_field_info([3, 3, (2, 2), 3, 3]) == ReceptiveField(size=14, jump=2, start=6.5)


def test_layer_forms_are_equivalent():
    assert receptive_field_info([3, (3, 2), (2, 1, 3)]) == receptive_field_info([(3, 1, 1), [3, 2, 1], (2, 1, 3)])
    assert receptive_field_info((3, 3)) == receptive_field_info([3, 3])  # a tuple of ints: two 3-tap layers


def brute_force(layers):
    """Walk back from output 0: the input pixels it reads, layer by layer (no padding)."""
    reached = {0}
    for k, s, d in reversed(layers):
        reached = {i * s + a * d for i in reached for a in range(k)}
    return min(reached), max(reached)


@settings(max_examples=NP_EXAMPLES)
@given(layers=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4)), max_size=5))
def test_matches_brute_force(layers):
    first, last = brute_force(layers)
    info = receptive_field_info(layers)
    assert (first, info.size) == (0, last + 1)
    assert info.jump == int(np.prod([s for _, s, _ in layers]))
    assert info.start == (first + last) / 2
    assert isinstance(info.size, int) and isinstance(info.jump, int)


@settings(max_examples=KERAS_EXAMPLES)
@given(stack=st.lists(conv_layer_2d(), min_size=1, max_size=3), data=st.data())
def test_matches_the_input_gradient_of_a_keras_conv2d_stack(tf, keras, stack, data):
    """Output pixel (th, tw) of a stack of 'valid' Keras Conv2D layers depends on exactly the input pixels
    where its gradient is non-zero.  Positive weights: no cancellation, so the non-zero extent along H and
    W is the receptive field, starting at t * jump and centred at start + t * jump."""
    rows, cols = [h for h, _ in stack], [w for _, w in stack]
    info_h, info_w = receptive_field_info(rows), receptive_field_info(cols)
    extra_h, extra_w = data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))
    h, w = info_h.size + extra_h * info_h.jump, info_w.size + extra_w * info_w.jump  # extra + 1 outputs
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = tf.constant(rng.uniform(-1, 1, (1, h, w, 2)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        for (kh, sh, dh), (kw, sw, dw) in zip(rows, cols):
            layer = keras.layers.Conv2D(2, (kh, kw), strides=(sh, sw), dilation_rate=(dh, dw), padding="valid")
            layer.build(y.shape)
            layer.set_weights([rng.uniform(0.5, 1.5, (kh, kw, 2, 2)).astype(np.float32), np.zeros(2, np.float32)])
            y = layer(y)
        assert tuple(y.shape[1:3]) == (extra_h + 1, extra_w + 1)
        th, tw = data.draw(st.integers(0, extra_h)), data.draw(st.integers(0, extra_w))
        target = tf.reduce_sum(y[0, th, tw])
    grad = np.abs(tape.gradient(target, x).numpy()[0]).sum(axis=-1)
    for axis, (info, t) in enumerate(((info_h, th), (info_w, tw))):
        touched = np.flatnonzero(grad.sum(axis=1 - axis) > 0)
        first, last = touched[0], touched[-1]
        assert first == t * info.jump
        assert last - first + 1 == info.size
        assert (first + last) / 2 == info.start + t * info.jump


@pytest.mark.parametrize(
    "layers, error, words",
    [
        ([0], ValueError, ["layers[0]", "k must be >= 1"]),
        ([3, (3, 0)], ValueError, ["layers[1]", "stride"]),
        ([(3, 1, 0)], ValueError, ["layers[0]", "dilation"]),
        ([(3, 1, 1, 1)], TypeError, ["layers[0]", "(k, stride, dilation)"]),
        ([2.5], TypeError, ["layers[0]"]),
        ([True], TypeError, ["layers[0]"]),
        (3, TypeError, ["layers must be a sequence"]),
        ("33", TypeError, ["layers must be a sequence"]),
    ],
)
def test_errors_name_the_layer(layers, error, words):
    with pytest.raises(error) as info:
        receptive_field(layers)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
