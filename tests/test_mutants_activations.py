"""labcode.activations: what the mutation run showed untested.

`relu` keeps the dtype of its input (float32 stays float32), as documented.
"""

from __future__ import annotations

import numpy as np
import pytest

from labcode.activations import relu, relu_prime


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_and_its_derivative_keep_the_dtype(dtype) -> None:
    x = np.array([-1.5, 0.0, 2.5], dtype=dtype)
    assert relu(x).dtype == dtype and relu_prime(x).dtype == dtype
    np.testing.assert_array_equal(relu(x), np.array([0.0, 0.0, 2.5], dtype=dtype))
    np.testing.assert_array_equal(relu_prime(x), np.array([0.0, 0.0, 1.0], dtype=dtype))
