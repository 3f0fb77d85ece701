"""labcode.gradients: what the mutation run showed untested.

`add_bias` keeps a floating input's dtype (the module's rule: float32 in,
float32 out), and its column of ones is exactly 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from labcode.gradients import add_bias


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_bias_keeps_the_dtype_and_appends_ones(dtype) -> None:
    X = np.arange(6, dtype=dtype).reshape(3, 2) / 4
    Xb = add_bias(X)
    assert Xb.dtype == dtype and Xb.shape == (3, 3)
    np.testing.assert_array_equal(Xb[:, :2], X)
    np.testing.assert_array_equal(Xb[:, 2], np.ones(3))
