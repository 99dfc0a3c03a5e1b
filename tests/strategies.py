"""Hypothesis strategies for convolution configurations (non-square, strided, padded, dilated)."""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from convlib.geometry import conv_geometry

small = st.integers(1, 3)
per_axis = st.one_of(small, st.tuples(small, small))
pad_amount = st.integers(0, 3)
paddings = st.one_of(
    st.sampled_from(["valid", "same", "VALID", "Same"]),
    pad_amount,
    st.tuples(pad_amount, pad_amount),
    st.tuples(st.tuples(pad_amount, pad_amount), st.tuples(pad_amount, pad_amount)),
)


@st.composite
def conv_cases(draw, max_hw=11, max_k=5, max_c=4, max_n=3, dtypes=(np.float32, np.float64), keras_layer=False):
    """A random, valid convolution: arrays plus stride, padding, dilation and the geometry.

    ``keras_layer=True`` keeps to what a Keras ``Conv2D`` layer accepts: padding
    'valid' or 'same', and no dilation together with a stride > 1.
    """
    n = draw(st.integers(1, max_n))
    h, w = draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw))
    c_in, c_out = draw(st.integers(1, max_c)), draw(st.integers(1, max_c))
    kh, kw = draw(st.integers(1, max_k)), draw(st.integers(1, max_k))
    stride, dilation, padding = draw(per_axis), draw(per_axis), draw(paddings)
    if keras_layer:
        padding = draw(st.sampled_from(["valid", "same"]))
        if draw(st.booleans()):
            stride = 1
        else:
            dilation = 1
    try:
        geometry = conv_geometry((h, w), (kh, kw), stride, padding, dilation)
    except ValueError:
        assume(False)
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(-1, 1, (n, h, w, c_in)).astype(dtype)
    k = rng.uniform(-1, 1, (kh, kw, c_in, c_out)).astype(dtype)
    b = rng.uniform(-1, 1, c_out).astype(dtype) if draw(st.booleans()) else None
    return dict(x=x, w=k, b=b, stride=stride, padding=padding, dilation=dilation, geometry=geometry)
