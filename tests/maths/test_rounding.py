"""round_with_margin: the digits a notebook prints are the same for every nearby value, or it refuses."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convlib import round_with_margin


def test_rounds_values_with_margin():
    assert round_with_margin(0.2991, 3) == 0.299
    assert round_with_margin(13467.999, 1) == 13468.0     # a float32 sum of thirds, a few ulps off
    assert round_with_margin(-0.0004, 2) == 0.0 and str(round_with_margin(-0.0004, 2)) == "0.0"   # no "-0.0"
    np.testing.assert_array_equal(round_with_margin([[0.52, -0.04]], 1), [[0.5, 0.0]])
    assert round_with_margin(1234, -2) == 1200.0


@pytest.mark.parametrize("value, digits", [(0.6498, 1), (0.1352, 2), (0.65, 1), (2.5, 0), (np.nan, 1)])
def test_refuses_values_near_a_rounding_boundary(value, digits):
    with pytest.raises(ValueError, match="rounding boundary|margin"):
        round_with_margin(value, digits)


def test_explicit_margin():
    assert round_with_margin(0.63, 1, margin=0.01) == 0.6
    with pytest.raises(ValueError):
        round_with_margin(0.64, 1, margin=0.02)
    with pytest.raises(ValueError, match="margin must be"):
        round_with_margin(0.3, 1, margin=0.05)


@given(st.floats(-1e6, 1e6), st.integers(0, 4))
def test_any_perturbation_below_the_margin_rounds_alike(value, digits):
    margin = 0.1 * 10.0**-digits
    try:
        r = round_with_margin(value, digits)
    except ValueError:
        return
    for eps in (0.9 * margin, -0.9 * margin):
        assert np.round(value + eps, digits) + 0.0 == r
