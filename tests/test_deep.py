"""labcode.deep against independent witnesses: HIPS autograd (any depth, any mix of
activations, with and without biases, both losses), central differences,
labcode's own autograd, and the two-layer code of chapters 8 and the softmax chapter."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st

from labcode import autograd as lag
from labcode.backprop import backward, forward, mse_nq
from labcode.deep import (
    INITS,
    DeepForward,
    deep_backward,
    deep_forward,
    deep_gradient,
    deep_loss,
    gradient_norms,
    init_layers,
)
from labcode.gradcheck import check_gradient
from labcode.reference import reference_problem
from labcode.softmax import classifier_gradient, init_classifier

examples = settings(max_examples=60)

# Written again with autograd.numpy, independently of labcode.activations.
AUTOGRAD_PHI = {
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.maximum(z, 0.0),
    "identity": lambda z: z,
}


def autograd_loss(params: dict, X, Y, activations, loss):
    H = X
    for l, name in enumerate(activations, start=1):
        Z = anp.dot(H, params[f"W{l}"])
        if f"b{l}" in params:
            Z = Z + params[f"b{l}"]
        H = AUTOGRAD_PHI[name](Z)
    if loss == "mse":
        return anp.sum((H - Y) ** 2) / H.size
    shifted = H - anp.max(H, axis=1, keepdims=True)
    log_p = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
    return -anp.sum(Y * log_p) / H.shape[0]


@st.composite
def networks(draw, names=tuple(AUTOGRAD_PHI)):
    K = draw(st.integers(1, 5))
    sizes = draw(st.lists(st.integers(1, 4), min_size=K + 1, max_size=K + 1))
    activations = draw(st.lists(st.sampled_from(names), min_size=K, max_size=K))
    biases = draw(st.lists(st.booleans(), min_size=K, max_size=K))
    n = draw(st.integers(1, 6))
    loss = draw(st.sampled_from(["mse", "cross_entropy"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = {}
    for l in range(1, K + 1):
        params[f"W{l}"] = rng.standard_normal((sizes[l - 1], sizes[l]))
        if biases[l - 1]:
            params[f"b{l}"] = rng.standard_normal(sizes[l])
    X = rng.standard_normal((n, sizes[0]))
    if loss == "mse":
        Y = rng.standard_normal((n, sizes[-1]))
    else:
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=n)]
    return params, X, Y, activations, loss


@examples
@given(net=networks())
def test_gradient_matches_hips_autograd(net) -> None:
    params, X, Y, activations, loss = net
    before = {k: v.copy() for k, v in params.items()}
    value, grads = deep_gradient(params, X, Y, activations, loss)
    assert value == pytest.approx(autograd_loss(params, X, Y, activations, loss), rel=1e-12, abs=1e-14)
    expected = grad(autograd_loss)(params, X, Y, activations, loss)
    assert list(grads) == list(params)
    for name in params:
        assert grads[name].shape == params[name].shape
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-9, atol=1e-13)
        np.testing.assert_array_equal(params[name], before[name])


@examples
@given(net=networks(names=("sigmoid", "tanh", "identity")))
def test_gradient_matches_central_differences(net) -> None:
    params, X, Y, activations, loss = net
    _, grads = deep_gradient(params, X, Y, activations, loss)
    # Small entries are compared absolutely, to 1e-7 of the gradient's scale (as in
    # test_gradients.py): a central difference's truncation error is absolute.
    scale = max(1.0, max(float(np.abs(g).max()) for g in grads.values()))
    report = check_gradient(lambda: deep_loss(params, X, Y, activations, loss), params, grads,
                            floor=0.1 * scale)
    assert report.ok, str(report)


@examples
@given(depth=st.integers(1, 5), width=st.integers(1, 5), n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_relu_stack_matches_labcode_autograd(depth, width, n, seed) -> None:
    rng = np.random.default_rng(seed)
    params = init_layers([width] * depth + [2], rng, "he")
    for name in params:
        if name.startswith("b"):
            params[name] = rng.standard_normal(params[name].shape)
    X, Y = rng.standard_normal((n, width)), rng.standard_normal((n, 2))
    variables = {name: lag.Variable(a.copy()) for name, a in params.items()}
    H = X
    for l in range(1, depth + 1):
        Z = lag.add(lag.matmul(H, variables[f"W{l}"]), variables[f"b{l}"])
        H = lag.relu(Z) if l < depth else Z
    value = lag.mean_squared_error(H, Y)
    value.backward()
    mine, grads = deep_gradient(params, X, Y, ["relu"] * (depth - 1) + ["identity"])
    assert mine == pytest.approx(float(value.data), rel=1e-12)
    for name in params:
        np.testing.assert_allclose(grads[name], variables[name].grad, rtol=1e-10, atol=1e-14)


def test_two_layers_without_biases_are_chapter_8_exactly() -> None:
    X, Y, W1, W2 = reference_problem()
    kept = forward(X, W1, W2)
    g1, g2 = backward(X, Y, W2, *kept)
    params = {"W1": W1, "W2": W2}
    value, grads = deep_gradient(params, X, Y, ["relu", "identity"])
    assert value == mse_nq(kept.y_pred, Y)
    assert grads["W1"].dtype == np.float32
    np.testing.assert_array_equal(grads["W1"], g1)
    np.testing.assert_array_equal(grads["W2"], g2)


def test_relu_classifier_is_the_softmax_chapter_exactly() -> None:
    rng = np.random.default_rng(4)
    params = init_classifier(3, 7, 4, rng)
    params["b1"] = rng.standard_normal(7)
    X, labels = rng.standard_normal((20, 3)), rng.integers(0, 4, size=20)
    expected_loss, expected = classifier_gradient(params, X, labels)
    value, grads = deep_gradient(params, X, labels, ["relu", "identity"], "cross_entropy")
    assert value == expected_loss
    for name in params:
        np.testing.assert_array_equal(grads[name], expected[name])


def test_backward_from_a_given_output_gradient() -> None:
    rng = np.random.default_rng(1)
    params = init_layers([3, 4, 2], rng)
    X = rng.standard_normal((5, 3))
    kept = deep_forward(params, X, ["tanh", "sigmoid"])
    G = rng.standard_normal((5, 2))
    grads = deep_backward(params, kept, G, ["tanh", "sigmoid"])

    def weighted(p):  # d/dparams of sum(G * H_K) is deep_backward with grad_out G
        H = anp.tanh(anp.dot(X, p["W1"]) + p["b1"])
        return anp.sum(G * AUTOGRAD_PHI["sigmoid"](anp.dot(H, p["W2"]) + p["b2"]))

    expected = grad(weighted)(params)
    for name in params:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-10, atol=1e-14)


# --- initialisation and gradient sizes --------------------------------------------


@pytest.mark.parametrize("init", sorted(INITS))
def test_init_scales(init) -> None:
    params = init_layers([400, 300, 2], np.random.default_rng(0), init, bias=True)
    expected = {"unscaled": 1.0, "lecun": 1 / np.sqrt(400), "he": np.sqrt(2 / 400)}[init]
    assert np.std(params["W1"]) == pytest.approx(expected, rel=0.02)
    np.testing.assert_array_equal(params["b1"], 0.0)
    assert init_layers([2, 3], np.random.default_rng(0), 0.05)["W1"].std() < 0.1


def test_sigmoid_gradients_vanish_like_a_quarter_per_layer() -> None:
    norms = gradient_norms(14, "sigmoid", "lecun", np.random.default_rng(0))
    factor = (norms[0] / norms[-2]) ** (1 / 12)  # from the last hidden layer back to the first
    assert 0.1 < factor < 0.3  # sigma' <= 1/4


def test_relu_gradients_with_he_keep_their_size() -> None:
    for seed in range(3):
        norms = gradient_norms(16, "relu", "he", np.random.default_rng(seed))
        assert 0.05 < norms[0] / norms[-1] < 20


def test_gradient_norms_are_seeded_and_agree_with_deep_gradient() -> None:
    a = gradient_norms(5, "tanh", "lecun", np.random.default_rng(3), width=6, n=4)
    b = gradient_norms(5, "tanh", "lecun", np.random.default_rng(3), width=6, n=4)
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((4, 6)), rng.standard_normal((4, 1))
    params = init_layers([6] * 5 + [1], rng, "lecun")
    _, grads = deep_gradient(params, X, Y, ["tanh"] * 4 + ["identity"])
    np.testing.assert_array_equal(a, [np.linalg.norm(grads[f"W{l}"]) for l in range(1, 6)])


# --- bad input ------------------------------------------------------------------------

_P = {"W1": np.ones((3, 4)), "b1": np.zeros(4), "W2": np.ones((4, 2))}
_X = np.ones((5, 3))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: deep_forward([np.ones((3, 4))], _X, ["relu"]), TypeError, "params must be a dict of arrays"),
        (lambda: deep_forward(_P, _X, "relu"), TypeError, "activations must be a sequence of names"),
        (lambda: deep_forward(_P, _X, []), ValueError, "activations is empty"),
        (lambda: deep_forward(_P, _X, ["relu"]), ValueError, r"params has \['W1', 'W2', 'b1'\] but 1 activations need W1"),
        (lambda: deep_forward(dict(_P, W3=np.ones((2, 2))), _X, ["relu", "relu"]), ValueError, "nothing else"),
        (lambda: deep_forward(dict(_P, W1=np.ones((3, 4), dtype=int)), _X, ["relu", "relu"]), TypeError,
         "W1 must be a floating-point array, got dtype int64"),
        (lambda: deep_forward(_P, np.array([["a"] * 3]), ["relu", "relu"]), TypeError, "X must be an array of real numbers"),
        (lambda: deep_forward(_P, np.ones((5, 2)), ["relu", "relu"]), ValueError,
         r"W1 has shape \(3, 4\) but \(d0, d1\) was expected with d0 = 2 \(set by X\)"),
        (lambda: deep_forward(dict(_P, b1=np.zeros(2)), _X, ["relu", "relu"]), ValueError,
         r"b1 has shape \(2,\) but \(d1,\) was expected with d1 = 4"),
        (lambda: deep_forward(_P, _X, ["relu", "softplus"]), ValueError, r"activations\[1\] is 'softplus'; valid names"),
        (lambda: deep_loss(_P, _X, np.ones((5, 3)), ["relu", "identity"]), ValueError,
         r"Y has shape \(5, 3\) but the output H_K has shape \(5, 2\)"),
        (lambda: deep_loss(_P, _X, [0, 1, 0, 1, 0], ["relu", "identity"], "hinge"), ValueError,
         "loss must be 'mse' or 'cross_entropy'"),
        (lambda: deep_loss(_P, _X, [0, 1, 0, 1, 2], ["relu", "identity"], "cross_entropy"), ValueError,
         r"labels\[4\] = 2 is not a class"),
        (lambda: deep_backward(_P, (1, 2), np.ones((5, 2)), ["relu", "identity"]), TypeError,
         "forward must be what deep_forward returned"),
        (lambda: deep_backward(_P, deep_forward(_P, _X, ["relu", "identity"]), np.ones((2, 5)), ["relu", "identity"]),
         ValueError, r"grad_out has shape \(2, 5\) but the output H_K has shape \(5, 2\)"),
        (lambda: deep_backward(_P, DeepForward([_X], [_X, _X]), np.ones((5, 2)), ["relu", "identity"]),
         ValueError, "forward has 1 layers but there are 2 activations"),
        (lambda: init_layers([3], np.random.default_rng()), ValueError, "sizes must be at least two positive integers"),
        (lambda: init_layers([3, 0], np.random.default_rng()), ValueError, "sizes must be at least two positive integers"),
        (lambda: init_layers([3, 2], 0), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: init_layers([3, 2], np.random.default_rng(), "xavier"), ValueError, "init must be one of unscaled, lecun, he"),
        (lambda: gradient_norms(1, "relu", "he", np.random.default_rng()), ValueError, "depth must be an integer of at least 2"),
    ],
)
def test_bad_input_is_named(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
