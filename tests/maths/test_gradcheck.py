"""The numerical gradient check: it confirms conv2d_backward, and it catches a wrong gradient."""

import numpy as np
import pytest

import convlib
from convlib.gradcheck import numerical_gradient, relative_error


def _layer(seed=0, stride=2, padding="same", dilation=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 5, 6, 3))
    w = rng.normal(size=(3, 2, 3, 4))
    b = rng.normal(size=4)
    geo = dict(stride=stride, padding=padding, dilation=dilation)
    dy = rng.normal(size=convlib.conv2d(x, w, b, **geo).shape)
    return x, w, b, dy, geo


@pytest.mark.parametrize("geo_kwargs", [dict(), dict(stride=1, padding="valid"), dict(stride=(1, 2), padding=((1, 0), (0, 2)), dilation=(2, 1))])
def test_conv2d_backward_passes_the_numerical_check(geo_kwargs):
    x, w, b, dy, geo = _layer(**geo_kwargs)
    dx, dw, db = convlib.conv2d_backward(dy, x, w, **geo)
    checks = {
        "dx": (dx, numerical_gradient(lambda a: (convlib.conv2d(a, w, b, **geo) * dy).sum(), x)),
        "dw": (dw, numerical_gradient(lambda a: (convlib.conv2d(x, a, b, **geo) * dy).sum(), w)),
        "db": (db, numerical_gradient(lambda a: (convlib.conv2d(x, w, a, **geo) * dy).sum(), b)),
    }
    for name, (analytic, numeric) in checks.items():
        assert relative_error(analytic, numeric) < 1e-6, name


def test_a_wrong_gradient_fails_the_check():
    x, w, b, dy, geo = _layer(stride=1, padding="valid")
    _, dw, _ = convlib.conv2d_backward(dy, x, w, **geo)
    numeric = numerical_gradient(lambda a: (convlib.conv2d(x, a, b, **geo) * dy).sum(), w)
    assert relative_error(dw[::-1, ::-1], numeric) > 0.1          # flipped kernel gradient
    assert relative_error(dw / len(x), numeric) > 0.1              # averaged over the batch
    assert relative_error(np.broadcast_to(dw.mean(axis=2, keepdims=True), dw.shape), numeric) > 0.1  # one slice shared


def test_the_central_difference_is_second_order():
    f = lambda a: float(np.sin(a).sum())                           # noqa: E731
    a = np.array([0.3, -1.2, 2.0])
    exact = np.cos(a)
    errors = [np.abs(numerical_gradient(f, a, h) - exact).max() for h in (1e-2, 1e-3)]
    assert errors[1] < errors[0] / 50                              # ~100x smaller for 10x smaller h


def test_the_point_is_not_modified():
    a = np.arange(6.0).reshape(2, 3)
    before = a.copy()
    numerical_gradient(lambda v: float((v ** 3).sum()), a)
    np.testing.assert_array_equal(a, before)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="h must be a positive"):
        numerical_gradient(lambda v: float(v.sum()), np.ones(2), h=0)
    with pytest.raises(ValueError, match="scalar loss"):
        numerical_gradient(lambda v: v, np.ones(2))
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones(2), np.ones(3))
