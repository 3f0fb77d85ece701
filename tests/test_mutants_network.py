"""labcode.network: what the mutation run showed untested.

Checked here: a `Parameters` given to `Network` is used as it is (not copied);
wrong parameter names are refused whatever their number; `Network.init`
draws exactly ``scale * standard_normal`` in the documented order with the
documented default scale; the loss is computed in the parameters' dtype; a
target ``Y`` that would broadcast against the prediction is refused.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from labcode.network import Network
from labcode.params import Parameters


def _names(excinfo: pytest.ExceptionInfo, name: str) -> bool:
    """Whether the error message names ``name`` as a word."""
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", str(excinfo.value)) is not None


def _params(rng, sizes=(3, 4, 2), dtype=np.float64):
    arrays = {}
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        arrays[f"W{k}"] = rng.standard_normal((a, b)).astype(dtype)
        arrays[f"b{k}"] = rng.standard_normal(b).astype(dtype)
    return arrays


def test_a_parameters_object_is_used_as_it_is() -> None:
    params = Parameters(_params(np.random.default_rng(0)))
    net = Network(params, ["tanh", "identity"])
    assert net.params is params
    assert net.layers[1].W is params["W2"]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("W1", "c1"), ("W1", "b1")),
        (("W1", "b2"), ("W1", "b1")),
        (("W1", "b1", "W2", "b3"), ("W1", "b1", "W2", "b2")),
        (("W1", "b1", "W2"), ("W1", "b1")),
        ((), ("W1", "b1")),
    ],
)
def test_wrong_parameter_names_are_refused_and_the_right_ones_named(names, expected) -> None:
    rng = np.random.default_rng(1)
    arrays = {name: rng.standard_normal((2, 2)) if name.startswith("W") else rng.standard_normal(2) for name in names}
    with pytest.raises(ValueError) as excinfo:
        Network(arrays, ["identity"] * max(1, len(names) // 2))
    for name in set(names) | set(expected):  # what was given, and what was expected
        assert _names(excinfo, name), name


def test_init_draws_scale_times_standard_normal_in_order() -> None:
    sizes = [3, 5, 4, 2]
    net = Network.init(sizes, rng=np.random.default_rng(42))
    rng = np.random.default_rng(42)  # the same stream, drawn as documented: W1, b1, W2, b2, ...
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        np.testing.assert_array_equal(net.params[f"W{k}"], 0.05 * rng.standard_normal((fan_in, fan_out)))
        np.testing.assert_array_equal(net.params[f"b{k}"], 0.05 * rng.standard_normal(fan_out))
    assert [layer.activation.name for layer in net.layers] == ["sigmoid", "sigmoid", "identity"]


@pytest.mark.parametrize("sizes", [[], [3]])
def test_init_needs_inputs_and_outputs(sizes) -> None:
    with pytest.raises(ValueError) as excinfo:
        Network.init(sizes, rng=np.random.default_rng(0))
    assert _names(excinfo, "sizes")


def test_loss_is_computed_in_the_parameters_dtype() -> None:
    rng = np.random.default_rng(2)
    net = Network(_params(rng, dtype=np.float32), ["tanh", "identity"])
    X = rng.standard_normal((7, 3)).astype(np.float32)
    Y = rng.standard_normal((7, 2))  # float64 targets
    Y_hat = net.forward(X)
    assert Y_hat.dtype == np.float32
    E = Y.astype(np.float32) - Y_hat
    assert net.loss(X, Y) == float(np.sum(E * E) / 7)
    assert net.loss(X, Y) != float(np.sum((Y - Y_hat.astype(np.float64)) ** 2) / 7)


@pytest.mark.parametrize("method", ["loss", "gradient"])
@pytest.mark.parametrize("shape", [(6, 1), (1, 2), (6, 3), (5, 2)])
def test_targets_that_would_broadcast_are_refused(method, shape) -> None:
    rng = np.random.default_rng(3)
    net = Network(_params(rng), ["sigmoid", "identity"])  # q = 2
    X = rng.standard_normal((6, 3))  # N = 6
    before = {name: a.copy() for name, a in net.params.items()}
    with pytest.raises(ValueError):
        getattr(net, method)(X, np.ones(shape))
    for name, a in net.params.items():
        np.testing.assert_array_equal(a, before[name])


def test_arguments_of_the_wrong_kind_are_refused_naming_their_type() -> None:
    arrays = _params(np.random.default_rng(4))
    for call in (lambda: Network(5, ["identity"]), lambda: Network(arrays, 7),
                 lambda: Network.init(3, rng=np.random.default_rng(0))):
        with pytest.raises(TypeError) as excinfo:
            call()
        assert "int" in str(excinfo.value)
