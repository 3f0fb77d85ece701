"""labcode.network: the "assign a perturbed copy" mistake cannot silently give 0."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from labcode.gradcheck import check_gradient
from labcode.network import Network
from labcode.params import Parameters


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    net = Network.init([3, 5, 2], rng=rng, scale=0.5)
    X = rng.standard_normal((8, 3))
    Y = rng.standard_normal((8, 2))
    return net, X, Y


def test_layers_hold_the_parameter_arrays_themselves(problem) -> None:
    net, _, _ = problem
    for k, layer in enumerate(net.layers, start=1):
        assert layer.W is net.params[f"W{k}"]
        assert layer.b is net.params[f"b{k}"]


def test_assigning_perturbed_copies_gives_the_true_gradient_everywhere(problem) -> None:
    # The pitfall, entry by entry on every parameter: deep-copy the network,
    # assign a perturbed *copy* into params, take a central difference.
    net, X, Y = problem
    analytic = net.gradient(X, Y)
    h = 1e-6
    for name, array in net.params.items():
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            losses = []
            for step in (h, -h):
                twin = copy.deepcopy(net)
                moved = twin.params[name].copy()
                moved[index] += step
                twin.params[name] = moved
                losses.append(twin.loss(X, Y))
            numeric[index] = (losses[0] - losses[1]) / (2 * h)
        assert np.all(numeric != 0), name
        np.testing.assert_allclose(numeric, analytic[name], rtol=1e-6, atol=1e-9, err_msg=name)


def test_deepcopy_is_independent(problem) -> None:
    net, X, Y = problem
    before = net.loss(X, Y)
    twin = copy.deepcopy(net)
    twin.params["W1"] = twin.params["W1"] + 1.0
    assert twin.layers[0].W is twin.params["W1"]
    assert not np.shares_memory(twin.params["W1"], net.params["W1"])
    assert net.loss(X, Y) == before != twin.loss(X, Y)


def test_gradient_passes_the_block_checker(problem) -> None:
    net, X, Y = problem
    report = check_gradient(lambda: net.loss(X, Y), net.params, net.gradient(X, Y))
    assert report.ok, str(report)


def test_updates_in_place_reach_the_layers(problem) -> None:
    net, X, Y = problem
    before = net.loss(X, Y)
    grads = net.gradient(X, Y)
    for name in net.params:
        net.params[name] -= 0.1 * grads[name]
    assert net.layers[0].W is net.params["W1"]
    assert net.loss(X, Y) < before


def test_a_wrong_assignment_raises_and_changes_nothing(problem) -> None:
    net, X, Y = problem
    before = net.loss(X, Y)
    with pytest.raises(ValueError, match=r"the value for 'W1' has shape \(5, 3\) but \(3, 5\) was expected"):
        net.params["W1"] = net.params["W1"].T.copy()
    with pytest.raises(KeyError, match="no parameter 'w1'"):
        net.params["w1"] = np.zeros((3, 5))
    with pytest.raises(AttributeError, match="assign into net.params"):
        net.params = {}
    assert net.loss(X, Y) == before


def test_float32_parameters_compute_in_float32() -> None:
    net = Network.init([2, 3, 1], rng=np.random.default_rng(0))
    net32 = Network(Parameters({k: v.astype(np.float32) for k, v in net.params.items()}), ["sigmoid", "identity"])
    assert net32.forward(np.ones((4, 2))).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net32.gradient(np.ones((4, 2)), np.ones((4, 1))).values())


@pytest.mark.parametrize(
    "params,activations,message",
    [
        ({"W1": np.ones((2, 3)), "b1": np.ones(3), "W3": np.ones((3, 1))}, ["relu"], "params must be named"),
        ({"W1": np.ones((2, 3)), "b1": np.ones(3)}, ["relu", "identity"], "activations must be one name per layer (1)"),
        (
            {"W1": np.ones((2, 3)), "b1": np.ones(3), "W2": np.ones((4, 1)), "b2": np.ones(1)},
            ["relu", "identity"],
            "W2 has shape (4, 1) but (d1, d2) was expected with d1 = 3",
        ),
        ({"W1": np.ones((2, 3)), "b1": np.ones(2)}, ["relu"], "b1 has shape (2,) but (d1,) was expected with d1 = 3"),
    ],
)
def test_bad_networks_are_refused(params, activations, message) -> None:
    with pytest.raises(ValueError) as info:
        Network(params, activations)
    assert message in str(info.value)


def test_input_of_the_wrong_width_is_named() -> None:
    net = Network.init([3, 2], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"X has shape \(4, 2\)"):
        net.forward(np.ones((4, 2)))
