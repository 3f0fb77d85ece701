"""The closed-form gradients against independent witnesses.

(a) our central difference (`labcode.gradcheck.numerical_gradient`) and (b)
`scipy.optimize.check_grad` on the flat functions, here; (c) HIPS autograd,
which differentiates a separate transcription of the loss written with
`autograd.numpy`, in tests/test_differential_by_hand.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import check_grad

from labcode.gradcheck import numerical_gradient
from labcode.gradients import (
    linear_gradient,
    linear_gradient_flat,
    linear_loss,
    linear_loss_flat,
    mse_n,
    net_gradient,
    net_gradient_flat,
    net_gradient_recomputed,
    net_loss,
    net_loss_flat,
    pack,
    unpack,
)

ACTIVATIONS = ["identity", "relu", "sigmoid", "tanh"]
SMOOTH = ["sigmoid", "tanh", "identity"]


sizes = st.fixed_dictionaries(
    {"n": st.integers(1, 12), "p": st.integers(1, 4), "d": st.integers(1, 4), "q": st.integers(1, 3)}
)
seeds = st.integers(0, 2**32 - 1)
fast = settings(max_examples=30)


def problem(size: dict, seed: int):
    """X, Y, beta1, beta2 of the given sizes, entries of order one."""
    rng = np.random.default_rng(seed)
    n, p, d, q = size["n"], size["p"], size["d"], size["q"]
    return (
        rng.standard_normal((n, p)),
        rng.standard_normal((n, q)),
        rng.standard_normal((p, d)),
        rng.standard_normal((d, q)),
    )


# --- linear regression -------------------------------------------------------


@fast
@given(size=sizes, seed=seeds)
def test_linear_gradient_matches_differences_and_check_grad(size, seed) -> None:
    X, Y, beta, _ = problem(dict(size, d=size["q"]), seed)
    analytic = linear_gradient(beta, X, Y)
    numeric = numerical_gradient(lambda: linear_loss(beta, X, Y), {"beta": beta})["beta"]
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7)
    err = check_grad(linear_loss_flat, linear_gradient_flat, beta.ravel(), X, Y)
    assert err <= 1e-5 * max(1.0, float(np.linalg.norm(analytic)))


def test_linear_gradient_vanishes_at_least_squares() -> None:
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((50, 4)), rng.standard_normal((50, 2))
    beta_hat = np.linalg.lstsq(X, Y, rcond=None)[0]
    np.testing.assert_allclose(linear_gradient(beta_hat, X, Y), 0.0, atol=1e-12)


def test_linear_wrong_shapes_are_named() -> None:
    X, Y = np.ones((5, 3)), np.ones((5, 1))
    with pytest.raises(ValueError, match=r"beta has shape \(2, 1\) but \(p, q\) was expected with p = 3"):
        linear_gradient(np.ones((2, 1)), X, Y)
    with pytest.raises(ValueError, match=r"b has shape \(4,\) but \(P,\) was expected with P = 3 \(p\*q = 3\*1\)"):
        linear_loss_flat(np.ones(4), X, Y)


def test_mse_keeps_the_one_over_n() -> None:
    Y = np.arange(6.0).reshape(3, 2)
    assert mse_n(Y, np.zeros_like(Y)) == pytest.approx(np.sum(Y**2) / 3)


# --- the three-layer network -------------------------------------------------


@pytest.mark.parametrize("name", SMOOTH)
@fast
@given(size=sizes, seed=seeds)
def test_net_gradient_matches_central_differences(name, size, seed) -> None:
    X, Y, beta1, beta2 = problem(size, seed)
    g1, g2 = net_gradient(beta1, beta2, X, Y, name)
    numeric = numerical_gradient(lambda: net_loss(beta1, beta2, X, Y, name), {"b1": beta1, "b2": beta2})
    scale = max(1.0, float(np.abs(g1).max()), float(np.abs(g2).max()))
    np.testing.assert_allclose(g1, numeric["b1"], rtol=1e-6, atol=1e-7 * scale)
    np.testing.assert_allclose(g2, numeric["b2"], rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("name", SMOOTH)
@fast
@given(size=sizes, seed=seeds)
def test_net_gradient_flat_passes_scipy_check_grad(name, size, seed) -> None:
    X, Y, beta1, beta2 = problem(size, seed)
    theta = pack(beta1, beta2)
    args = (X, Y, size["d"], name)
    err = check_grad(net_loss_flat, net_gradient_flat, theta, *args)
    assert err <= 1e-5 * max(1.0, float(np.linalg.norm(net_gradient_flat(theta, *args))))


@pytest.mark.parametrize("name", ACTIVATIONS)
@fast
@given(size=sizes, seed=seeds)
def test_cached_and_recomputed_agree(name, size, seed) -> None:
    X, Y, beta1, beta2 = problem(size, seed)
    for cached, recomputed in zip(
        net_gradient(beta1, beta2, X, Y, name), net_gradient_recomputed(beta1, beta2, X, Y, name)
    ):
        np.testing.assert_allclose(cached, recomputed, rtol=1e-12, atol=1e-14)


@fast
@given(size=sizes, seed=seeds)
def test_hidden_block_is_the_columns_stacked(size, seed) -> None:
    """Column k of the hidden block is -2 X^T {phi'(Z)_k ⊙ (E beta2_k^T)} / n."""
    X, Y, beta1, beta2 = problem(size, seed)
    n = X.shape[0]
    Z = X @ beta1
    H = 1.0 / (1.0 + np.exp(-Z))
    E = Y - H @ beta2
    columns = [-2.0 * X.T @ (H[:, k] * (1 - H[:, k]) * (E @ beta2[k])) / n for k in range(beta1.shape[1])]
    g1, _ = net_gradient(beta1, beta2, X, Y, "sigmoid")
    np.testing.assert_allclose(g1, np.stack(columns, axis=1), rtol=1e-10, atol=1e-12)


def test_net_wrong_shapes_are_named_and_nothing_is_computed() -> None:
    X, Y = np.ones((5, 3)), np.ones((5, 1))
    with pytest.raises(ValueError, match=r"beta2 has shape \(3, 1\) but \(d, q\) was expected with d = 2"):
        net_gradient(np.ones((3, 2)), np.ones((3, 1)), X, Y)
    with pytest.raises(ValueError, match=r"Y has shape \(5,\) but \(n, q\) was expected"):
        net_loss(np.ones((3, 2)), np.ones((2, 1)), X, np.ones(5))
    with pytest.raises(KeyError, match="unknown activation 'softplus'"):
        net_gradient(np.ones((3, 2)), np.ones((2, 1)), X, Y, "softplus")


# --- pack and unpack ---------------------------------------------------------


@given(size=sizes, seed=seeds)
def test_unpack_inverts_pack_exactly(size, seed) -> None:
    _, _, beta1, beta2 = problem(size, seed)
    theta = pack(beta1, beta2)
    assert theta.shape == (size["p"] * size["d"] + size["d"] * size["q"],)
    np.testing.assert_array_equal(theta[: beta1.size], beta1.ravel())  # beta1 first
    back1, back2 = unpack(theta, size["p"], size["d"], size["q"])
    assert back1.tobytes() == beta1.tobytes() and back2.tobytes() == beta2.tobytes()
    assert pack(back1, back2).tobytes() == theta.tobytes()


def test_unpack_returns_copies() -> None:
    theta = np.arange(8.0)
    beta1, _ = unpack(theta, 3, 2)
    beta1[0, 0] = 99.0
    assert theta[0] == 0.0


@pytest.mark.parametrize(
    "theta, why",
    [(np.zeros(7), r"with P = 8 \(p\*d \+ d\*q = 3\*2 \+ 2\*1\)"), (np.zeros(9), r"with P = 8"),
     (np.zeros((2, 4)), r"\(1 dimension, not 2\)")],
)
def test_unpack_rejects_wrong_length(theta, why) -> None:
    with pytest.raises(ValueError, match=rf"theta has shape {re.escape(str(theta.shape))} but \(P,\) was expected {why}"):
        unpack(theta, 3, 2)


def test_flat_functions_reject_wrong_length() -> None:
    X, Y = np.ones((5, 3)), np.ones((5, 1))
    with pytest.raises(ValueError, match="theta has shape \\(9,\\)"):
        net_gradient_flat(np.zeros(9), X, Y, 2)


def test_float32_stays_float32() -> None:
    """Page 7 computes the loss in float32 to show why float32 fails a check."""
    X, Y, beta1, beta2 = (a.astype(np.float32) for a in problem({"n": 4, "p": 3, "d": 2, "q": 1}, 0))
    g1, g2 = net_gradient(beta1, beta2, X, Y)
    assert g1.dtype == g2.dtype == np.float32
