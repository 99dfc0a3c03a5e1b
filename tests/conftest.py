import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=int(os.environ.get("CONVLIB_EXAMPLES", "200")),
    deadline=None,  # TensorFlow's first call per shape traces a graph
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile("default")


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported only by the tests that compare against it (TF32 off: load_tensorflow does it)."""
    from convlib import load_tensorflow

    tf, _ = load_tensorflow()
    return tf


@pytest.fixture(scope="session")
def keras(tf):
    import keras

    return keras


@pytest.fixture
def rng():
    return np.random.default_rng(0)
