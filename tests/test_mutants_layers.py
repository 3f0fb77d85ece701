"""labcode.layers: what the mutation run showed untested.

`Dense` draws ``W`` then ``b`` as ``scale * standard_normal`` with the documented
default scale 0.05.
"""

from __future__ import annotations

import numpy as np

from labcode.layers import Dense


def test_dense_draws_scale_times_standard_normal_w_then_b() -> None:
    layer = Dense(3, 2, rng=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(layer.W, 0.05 * rng.standard_normal((3, 2)))
    np.testing.assert_array_equal(layer.b, 0.05 * rng.standard_normal(2))
    wide = Dense(3, 2, rng=np.random.default_rng(5), scale=2.0)
    np.testing.assert_allclose(wide.W, 40 * layer.W, rtol=1e-15)
