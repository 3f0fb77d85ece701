"""labcode.layers: what the mutation run showed untested.

`Dense` draws ``W`` then ``b`` as ``scale * standard_normal`` with the documented
default scale 0.05; a new layer has no stored state (``None``); `forward`
checks a bias replaced since with the wrong shape.
"""

from __future__ import annotations

import numpy as np
import pytest

from labcode.layers import Dense


def test_dense_draws_scale_times_standard_normal_w_then_b() -> None:
    layer = Dense(3, 2, rng=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(layer.W, 0.05 * rng.standard_normal((3, 2)))
    np.testing.assert_array_equal(layer.b, 0.05 * rng.standard_normal(2))
    wide = Dense(3, 2, rng=np.random.default_rng(5), scale=2.0)
    np.testing.assert_allclose(wide.W, 40 * layer.W, rtol=1e-15)


def test_a_new_layer_has_no_stored_state() -> None:
    for layer in (Dense(3, 2, rng=np.random.default_rng(0)), Dense.from_arrays(np.ones((2, 1)), np.zeros(1))):
        assert layer.X is None and layer.Z is None and layer.grad_W is None and layer.grad_b is None


def test_forward_checks_a_bias_replaced_with_the_wrong_shape() -> None:
    layer = Dense.from_arrays(np.ones((2, 3)), np.zeros(3), activation="identity")
    layer.b = np.zeros(2)
    with pytest.raises(ValueError) as excinfo:
        layer.forward(np.ones((4, 2)))
    assert "b" in str(excinfo.value).split()
