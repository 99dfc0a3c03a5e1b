"""The course's founding facts, checked on convlib and on a real Keras layer."""

import numpy as np
import pytest

import convlib


def fingerprint_image():
    """3x3 image whose channels hold 1, 100 and 10000."""
    return np.ones((3, 3, 3), np.float32) * np.array([1, 100, 10000], np.float32)


@pytest.mark.parametrize("method", sorted(convlib.METHODS))
def test_fingerprint_gives_40404_everywhere(method):
    y = convlib.conv2d(fingerprint_image(), np.ones((2, 2, 3, 1)), method=method)
    assert y.shape == (2, 2, 1)
    np.testing.assert_array_equal(y, 40404)


def test_keras_conv2d_on_3_channels_has_13_parameters_and_gives_40404(keras):
    layer = keras.layers.Conv2D(1, 2, kernel_initializer="ones", bias_initializer="zeros")
    y = np.asarray(layer(fingerprint_image()[None]))
    assert layer.kernel.shape == (2, 2, 3, 1)
    assert layer.count_params() == 13 == 2 * 2 * 3 * 1 + 1
    np.testing.assert_array_equal(y, 40404)
