"""labcode.nn: what the mutation run showed untested.

Checked here: `Linear` draws He-scaled weights ``N(0, 2 / in_size)`` from its
generator, names its parameters, adds its bias in the forward pass (and gets
its gradient), refuses a weight of the wrong output size; a parameter shared
by two modules is listed once.
"""

from __future__ import annotations

import numpy as np
import pytest

from labcode.autograd import Variable
from labcode.nn import Linear, Sequential


def test_linear_draws_he_scaled_weights() -> None:
    layer = Linear(8, 3, rng=np.random.default_rng(9), dtype=np.float64)
    expected = np.random.default_rng(9).standard_normal((8, 3)) * np.sqrt(2.0 / 8)
    np.testing.assert_array_equal(layer.W.data, expected)
    assert Linear(8, 3, rng=np.random.default_rng(9)).W.dtype == np.float32


def test_linear_adds_its_bias_and_names_its_parameters() -> None:
    W = np.array([[1.0], [2.0]])
    layer = Linear(2, 1, weight=W, bias=True)
    assert layer.W.name == "W" and layer.b.name == "b"
    layer.b.data[...] = 0.5
    x = np.array([[1.0, 1.0], [2.0, -1.0]])
    y = layer(x)
    np.testing.assert_array_equal(y.data, [[3.5], [0.5]])
    y.sum().backward()
    np.testing.assert_array_equal(layer.b.grad, [2.0])  # one per row
    np.testing.assert_array_equal(layer.W.grad, [[3.0], [0.0]])
    assert [p.name for p in layer.parameters()] == ["W", "b"]


def test_linear_refuses_a_weight_of_the_wrong_output_size() -> None:
    with pytest.raises(ValueError):
        Linear(3, 2, weight=np.ones((3, 4)))


def test_a_shared_parameter_is_listed_once() -> None:
    layer = Linear(2, 2, weight=np.eye(2))
    model = Sequential(layer, layer)
    params = model.parameters()
    assert len(params) == 1 and params[0] is layer.W
    other = Linear(2, 2, weight=np.eye(2))
    assert len(Sequential(layer, other, layer).parameters()) == 2
    assert all(isinstance(p, Variable) for p in params)
