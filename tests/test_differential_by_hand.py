"""The gradients labcode writes by hand, against HIPS autograd on random shapes and values.

Four places derive a gradient without the autograd: the two-layer ReLU network
of `labcode.backprop` (``forward``/``backward``/``mse_nq``), the Hadamard-form
formulas of `labcode.gradients`, `labcode.layers.Dense.backward` and
`labcode.network.Network.gradient`. Each is compared with HIPS autograd
differentiating a transcription of the same loss in ``autograd.numpy`` (written
here from the definitions in the docstrings, not from labcode's code), at
float64, on shapes from 1 to 4 (1-sized dimensions included) and values drawn
by hypothesis, to `differential.TOLERANCE`.

Values stay in [-1, 1] so that pre-activations stay within a few units: there
``sigmoid_prime = s (1 - s)`` and ``tanh_prime = 1 - t**2`` are accurate to
about 1e-13 in relative terms. Far out on the tails their ``1 - s`` cancels
(relative error about eps / (1 - s), 1e-8 at z = 18), a limit of those
formulas, not of the matrix algebra these tests are about.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from labcode.backprop import backward, forward, mse_nq
from labcode.gradients import (
    add_bias,
    linear_gradient,
    linear_gradient_flat,
    linear_loss,
    net_gradient,
    net_gradient_flat,
    net_gradient_recomputed,
    net_loss,
    pack,
    unpack,
)
from labcode.layers import Dense
from labcode.network import Network
from tests.differential import assert_agree, hips_grad

# a few exact values besides, so that sums cancel to exactly 0 (a ReLU at its kink) now and then
values = st.one_of(st.sampled_from([0.0, 0.5, -0.5, 1.0, -1.0]), st.floats(-1, 1, allow_nan=False, allow_subnormal=False))
sizes = st.integers(1, 4)

#: The activations, written again from their definitions with autograd.numpy.
#: ReLU's derivative at 0 is 0, as `labcode.activations.relu_prime` documents.
PHI = {
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.where(z > 0, z, 0.0),
    "identity": lambda z: z,
}


#: phi+ with |phi(z)| <= phi+(u) and |phi'(z)| <= phi+'(u) wherever |z| <= u: written
#: into a loss with every sign made positive, at the absolute values of its
#: inputs, it gives the size of a gradient's terms (`differential.assert_agree`).
PHI_MAGNITUDE = {
    "sigmoid": lambda u: 1.0 + u / 4,
    "tanh": lambda u: u,
    "relu": lambda u: u,
    "identity": lambda u: u,
}


@st.composite
def matrix(draw: st.DrawFn, rows: int, cols: int) -> np.ndarray:
    return np.reshape(np.array(draw(st.lists(values, min_size=rows * cols, max_size=rows * cols))), (rows, cols))


@st.composite
def vector(draw: st.DrawFn, size: int) -> np.ndarray:
    return np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype=np.float64)


@st.composite
def two_layer_problems(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n, p, d, q = (draw(sizes) for _ in range(4))
    """X (n, p), Y (n, q), W1 or beta1 (p, d), W2 or beta2 (d, q)."""
    return draw(matrix(n, p)), draw(matrix(n, q)), draw(matrix(p, d)), draw(matrix(d, q))


# --- labcode.backprop: relu(X W1) W2, the mean over every entry ------------------


@settings(max_examples=50)
@given(problem=two_layer_problems())
def test_hand_written_backprop_matches_hips_autograd(problem) -> None:
    X, Y, W1, W2 = problem

    def loss(W1, W2):
        h = anp.matmul(X, W1)
        return anp.mean((anp.matmul(anp.where(h > 0, h, 0.0), W2) - Y) ** 2)

    def magnitude(W1, W2):  # every sign positive, at |W1|, |W2|: the size of the gradient's terms
        return anp.mean((anp.matmul(anp.matmul(abs(X), W1), W2) + abs(Y)) ** 2)

    kept = forward(X, W1, W2)
    assert_agree(mse_nq(kept.y_pred, Y), loss(W1, W2), "mse_nq")
    grad_W1, grad_W2 = backward(X, Y, W2, *kept)
    sizes_W1, sizes_W2 = hips_grad(magnitude, [0, 1])(abs(W1), abs(W2))
    assert_agree(grad_W1, hips_grad(loss, 0)(W1, W2), "grad_W1", sizes_W1)
    assert_agree(grad_W2, hips_grad(loss, 1)(W1, W2), "grad_W2", sizes_W2)


# --- labcode.gradients: the Hadamard-form formulas, ||E||^2 / n --------------------


@settings(max_examples=50)
@given(n=sizes, p=sizes, q=sizes, data=st.data())
def test_linear_regression_gradient_matches_hips_autograd(n, p, q, data) -> None:
    X, Y, beta = data.draw(matrix(n, p)), data.draw(matrix(n, q)), data.draw(matrix(p, q))

    def loss(beta):
        E = Y - anp.matmul(X, beta)
        return anp.sum(E * E) / X.shape[0]

    def magnitude(beta):
        return anp.sum((abs(Y) + anp.matmul(abs(X), beta)) ** 2) / X.shape[0]

    expected, sizes = hips_grad(loss)(beta), hips_grad(magnitude)(abs(beta))
    assert_agree(linear_loss(beta, X, Y), loss(beta), "linear_loss")
    assert_agree(linear_gradient(beta, X, Y), expected, "linear_gradient", sizes)
    assert_agree(linear_gradient_flat(beta.ravel(), X, Y), expected.ravel(), "linear_gradient_flat", sizes.ravel())


@pytest.mark.parametrize("activation", sorted(PHI))
@settings(max_examples=50)
@given(problem=two_layer_problems(), with_bias=st.booleans(), data=st.data())
def test_network_formulas_match_hips_autograd(activation, problem, with_bias, data) -> None:
    """net_gradient, net_gradient_recomputed and net_gradient_flat; a bias by a column of ones."""
    X, Y, beta1, beta2 = problem
    phi = PHI[activation]
    bias = data.draw(vector(beta1.shape[1])) if with_bias else np.zeros(beta1.shape[1])

    def loss(beta1, bias, beta2):
        E = Y - anp.matmul(phi(anp.matmul(X, beta1) + bias), beta2)
        return anp.sum(E * E) / X.shape[0]

    def magnitude(beta1, bias, beta2):
        H = PHI_MAGNITUDE[activation](anp.matmul(abs(X), beta1) + bias)
        return anp.sum((abs(Y) + anp.matmul(H, beta2)) ** 2) / X.shape[0]

    expected = [hips_grad(loss, i)(beta1, bias, beta2) for i in range(3)]
    sizes = hips_grad(magnitude, [0, 1, 2])(abs(beta1), abs(bias), abs(beta2))
    # with a bias, the formulas see it as the last row of beta1, against a column of ones in X
    X_used, B1 = (add_bias(X), np.vstack([beta1, bias])) if with_bias else (X, beta1)
    if activation == "relu":  # X beta1 + b and [X 1] [beta1; b] round differently: no ties at the kink
        assume(np.array_equal(X @ beta1 + bias > 0, X_used @ B1 > 0))
    E1 = np.vstack([expected[0], expected[1]]) if with_bias else expected[0]
    S1 = np.vstack([sizes[0], sizes[1]]) if with_bias else sizes[0]
    assert_agree(net_loss(B1, beta2, X_used, Y, activation), loss(beta1, bias, beta2), "net_loss")
    for name, (g1, g2) in {
        "net_gradient": net_gradient(B1, beta2, X_used, Y, activation),
        "net_gradient_recomputed": net_gradient_recomputed(B1, beta2, X_used, Y, activation),
        "net_gradient_flat": unpack(
            net_gradient_flat(pack(B1, beta2), X_used, Y, beta2.shape[0], activation), *B1.shape, beta2.shape[1]
        ),
    }.items():
        assert_agree(g1, E1, f"{name}, hidden block", S1)
        assert_agree(g2, expected[2], f"{name}, output block", sizes[2])


# --- labcode.layers.Dense and labcode.network.Network -----------------------------


@pytest.mark.parametrize("activation", sorted(PHI))
@settings(max_examples=50)
@given(n=sizes, in_size=sizes, out_size=sizes, data=st.data())
def test_dense_backward_matches_hips_autograd(activation, n, in_size, out_size, data) -> None:
    X, W, b = data.draw(matrix(n, in_size)), data.draw(matrix(in_size, out_size)), data.draw(vector(out_size))
    grad_out = data.draw(matrix(n, out_size))
    layer = Dense.from_arrays(W, b, activation=activation)

    def loss(W, b, X):  # dL/dH = grad_out
        return anp.sum(PHI[activation](anp.matmul(X, W) + b) * grad_out)

    def magnitude(W, b, X):
        return anp.sum(PHI_MAGNITUDE[activation](anp.matmul(X, W) + b) * abs(grad_out))

    layer.forward(X)
    grad_X = layer.backward(grad_out)
    sizes = hips_grad(magnitude, [0, 1, 2])(abs(W), abs(b), abs(X))
    for name, ours, i in (("grad_W", layer.grad_W, 0), ("grad_b", layer.grad_b, 1), ("grad_X", grad_X, 2)):
        assert_agree(ours, hips_grad(loss, i)(W, b, X), name, sizes[i])


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[int], list[str], dict[str, np.ndarray], np.ndarray, np.ndarray]:
    widths = [draw(sizes) for _ in range(draw(st.integers(2, 4)))]  # [p, d1, ..., q]: 1 to 3 layers
    activations = [draw(st.sampled_from(sorted(PHI))) for _ in widths[1:]]
    params = {}
    for k, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        params[f"W{k}"], params[f"b{k}"] = draw(matrix(fan_in, fan_out)), draw(vector(fan_out))
    N = draw(sizes)
    return widths, activations, params, draw(matrix(N, widths[0])), draw(matrix(N, widths[-1]))


@settings(max_examples=50)
@given(problem=networks())
def test_network_gradient_matches_hips_autograd(problem) -> None:
    widths, activations, params, X, Y = problem
    net = Network(params, activations)

    def loss(params):
        H = X
        for k, activation in enumerate(activations, start=1):
            H = PHI[activation](anp.matmul(H, params[f"W{k}"]) + params[f"b{k}"])
        E = Y - H
        return anp.sum(E * E) / X.shape[0]

    def magnitude(params):
        H = abs(X)
        for k, activation in enumerate(activations, start=1):
            H = PHI_MAGNITUDE[activation](anp.matmul(H, params[f"W{k}"]) + params[f"b{k}"])
        return anp.sum((abs(Y) + H) ** 2) / X.shape[0]

    reference = {name: np.array(a) for name, a in params.items()}
    expected = hips_grad(loss)(reference)
    sizes = hips_grad(magnitude)({name: abs(a) for name, a in reference.items()})
    assert_agree(net.loss(X, Y), loss(reference), "Network.loss")
    ours = net.gradient(X, Y)
    assert list(ours) == list(params)
    for name in params:
        assert_agree(ours[name], expected[name], f"Network.gradient {name}", sizes[name])
