"""Mean squared error and its gradient in matrix form, with no sums.

Two models, in the notation of the book (``n`` samples, ``p`` inputs, ``d``
hidden units, ``q`` outputs):

* linear regression ``Y = X beta + E``, with ``X`` of shape ``(n, p)``,
  ``beta`` of shape ``(p, q)`` and ``Y`` of shape ``(n, q)``;
* the network with one hidden layer, ``Y = phi(X beta1) beta2 + E``, with ``beta1`` of
  shape ``(p, d)`` and ``beta2`` of shape ``(d, q)``, for any activation of
  `labcode.activations` given by name.

The loss is always ``||E||^2 / n``. Every function checks its arguments first,
by the policy of `labcode.shapes`: a shape that disagrees or is empty raises
`ValueError` naming the array and the dimension; complex, string, object or
bool values raise `TypeError`. Floating inputs keep their type (float32 in,
float32 out; lists and integers become float64), which the gradient-checking
page uses to show why float32 cannot check a gradient.

scipy's optimisers and checkers want a function of one flat vector. `pack`
lays the parameters out as the p·d entries of ``beta1`` (row by row) followed
by the d·q entries of ``beta2``; `unpack` is its exact inverse, and the
``*_flat`` functions take that vector first and the data through ``args=``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labcode.activations import Activation, get
from labcode.shapes import as_float, as_int, check_shapes

__all__ = [
    "mse_n",
    "linear_loss",
    "linear_gradient",
    "linear_loss_flat",
    "linear_gradient_flat",
    "net_loss",
    "net_gradient",
    "net_gradient_recomputed",
    "pack",
    "unpack",
    "net_loss_flat",
    "net_gradient_flat",
    "add_bias",
]

Array = NDArray[np.floating]


def mse_n(Y: ArrayLike, Y_hat: ArrayLike) -> float:
    """Mean squared error ``||Y - Y_hat||^2 / n`` of two (n, q) arrays, divided by the number of rows ``n``.

    Dividing by ``n`` makes losses on data sets of different sizes comparable;
    the gradient then carries the same ``1/n``.
    """
    Y, Y_hat = as_float(Y, "Y"), as_float(Y_hat, "Y_hat")
    sizes = check_shapes(Y=(Y, "n q"), Y_hat=(Y_hat, "n q"))
    E = Y - Y_hat
    return float(np.sum(E * E) / sizes["n"])


# --- linear regression -------------------------------------------------------


def _linear_shapes(beta: Array, X: Array, Y: Array) -> dict[str, int]:
    return check_shapes(X=(X, "n p"), Y=(Y, "n q"), beta=(beta, "p q"))


def linear_loss(beta: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    """Loss ``||Y - X beta||^2 / n`` of linear regression: ``beta`` (p, q), ``X`` (n, p), ``Y`` (n, q)."""
    beta, X, Y = as_float(beta, "beta"), as_float(X, "X"), as_float(Y, "Y")
    _linear_shapes(beta, X, Y)
    return mse_n(Y, X @ beta)


def linear_gradient(beta: ArrayLike, X: ArrayLike, Y: ArrayLike) -> Array:
    """Gradient of `linear_loss`, ``-2 X^T (Y - X beta) / n``, shape (p, q).

    Notes
    -----
    With ``E = Y - X beta``, the loss is ``tr(E^T E) / n`` and its differential
    is ``-2 tr(E^T X dbeta) / n``, so the gradient is ``-2 X^T E / n``.
    """
    beta, X, Y = as_float(beta, "beta"), as_float(X, "X"), as_float(Y, "Y")
    n = _linear_shapes(beta, X, Y)["n"]
    return -2.0 * X.T @ (Y - X @ beta) / n


def _as_beta(b: ArrayLike, X: Array, Y: Array) -> Array:
    """A flat coefficient vector of length p·q as the ``(p, q)`` matrix."""
    b = as_float(b, "b")
    sizes = check_shapes(X=(X, "n p"), Y=(Y, "n q"))
    p, q = sizes["p"], sizes["q"]
    check_shapes({"P": (p * q, f"p*q = {p}*{q}")}, b=(b, "P"))
    return b.reshape(p, q)


def linear_loss_flat(b: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    """`linear_loss` of ``b`` ``(p*q,)``, ``beta`` row by row, for scipy (``args=(X, Y)``)."""
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    return linear_loss(_as_beta(b, X, Y), X, Y)


def linear_gradient_flat(b: ArrayLike, X: ArrayLike, Y: ArrayLike) -> Array:
    """`linear_gradient` of ``b`` ``(p*q,)``, flattened to ``(p*q,)``, for scipy."""
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    return linear_gradient(_as_beta(b, X, Y), X, Y).ravel()


# --- the network with one hidden layer ----------------------------------------


def _net_arrays(beta1, beta2, X, Y):
    beta1, beta2 = as_float(beta1, "beta1"), as_float(beta2, "beta2")
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    sizes = check_shapes(X=(X, "n p"), Y=(Y, "n q"), beta1=(beta1, "p d"), beta2=(beta2, "d q"))
    return beta1, beta2, X, Y, sizes["n"]


def net_loss(
    beta1: ArrayLike,
    beta2: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    activation: str | Activation = "sigmoid",
) -> float:
    """Loss ``||Y - phi(X beta1) beta2||^2 / n`` of the network: ``beta1`` (p, d), ``beta2`` (d, q).

    ``activation`` is a name from `labcode.activations.ACTIVATIONS` (or an
    `labcode.activations.Activation`), here and in every ``net_*`` function.
    """
    beta1, beta2, X, Y, _ = _net_arrays(beta1, beta2, X, Y)
    return mse_n(Y, get(activation).phi(X @ beta1) @ beta2)


def net_gradient(
    beta1: ArrayLike,
    beta2: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    activation: str | Activation = "sigmoid",
) -> tuple[Array, Array]:
    """Both blocks ``g1`` (p, d) and ``g2`` (d, q) of the gradient of `net_loss`, computing ``phi(X beta1)`` once.

    With ``Z = X beta1`` and ``H = phi(Z)`` (n, d) and the residual
    ``E = Y - H beta2`` (n, q):

    * output block ``-2 H^T E / n``: linear regression on ``H``;
    * hidden block ``-2 X^T {(E beta2^T) ⊙ phi'(Z)} / n``.
    """
    beta1, beta2, X, Y, n = _net_arrays(beta1, beta2, X, Y)
    act = get(activation)
    Z = X @ beta1
    H = act.phi(Z)
    E = Y - H @ beta2
    g2 = -2.0 * H.T @ E / n
    g1 = -2.0 * X.T @ ((E @ beta2.T) * act.dphi(Z)) / n
    return g1, g2


def net_gradient_recomputed(
    beta1: ArrayLike,
    beta2: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    activation: str | Activation = "sigmoid",
) -> tuple[Array, Array]:
    """`net_gradient` transcribed formula by formula, recomputing ``phi(X beta1)``.

    Each block is written exactly as it reads on the page, so ``X beta1`` is
    computed four times and ``phi(X beta1)`` three times: kept to show that the
    cached `net_gradient` gives the same numbers for less work.
    """
    beta1, beta2, X, Y, n = _net_arrays(beta1, beta2, X, Y)
    phi, dphi = get(activation).phi, get(activation).dphi
    g2 = -2.0 * phi(X @ beta1).T @ (Y - phi(X @ beta1) @ beta2) / n
    g1 = -2.0 * X.T @ (((Y - phi(X @ beta1) @ beta2) @ beta2.T) * dphi(X @ beta1)) / n
    return g1, g2


# --- flat parameter vectors for scipy -----------------------------------------


def pack(beta1: ArrayLike, beta2: ArrayLike) -> Array:
    """One new flat vector ``(p*d + d*q,)``: the entries of ``beta1`` (p, d) row by row, then those of ``beta2`` (d, q)."""
    beta1, beta2 = as_float(beta1, "beta1"), as_float(beta2, "beta2")
    check_shapes(beta1=(beta1, "p d"), beta2=(beta2, "d q"))
    return np.concatenate([beta1.ravel(), beta2.ravel()])


def unpack(theta: ArrayLike, p: int, d: int, q: int = 1) -> tuple[Array, Array]:
    """Split ``theta`` ``(p*d + d*q,)``, made by `pack`, back into copies of ``beta1`` (p, d) and ``beta2`` (d, q)."""
    p, d, q = as_int(p, "p", at_least=1), as_int(d, "d", at_least=1), as_int(q, "q", at_least=1)
    theta = as_float(theta, "theta")
    check_shapes({"P": (p * d + d * q, f"p*d + d*q = {p}*{d} + {d}*{q}")}, theta=(theta, "P"))
    return theta[: p * d].reshape(p, d).copy(), theta[p * d :].reshape(d, q).copy()


def _unpack_for(theta: ArrayLike, X: Array, Y: Array, d: int) -> tuple[Array, Array]:
    sizes = check_shapes(X=(X, "n p"), Y=(Y, "n q"))
    return unpack(theta, sizes["p"], d, sizes["q"])


def net_loss_flat(
    theta: ArrayLike, X: ArrayLike, Y: ArrayLike, d: int, activation: str | Activation = "sigmoid"
) -> float:
    """`net_loss` of the flat ``theta = pack(beta1, beta2)``, with ``d`` hidden units, for scipy."""
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    return net_loss(*_unpack_for(theta, X, Y, d), X, Y, activation)


def net_gradient_flat(
    theta: ArrayLike, X: ArrayLike, Y: ArrayLike, d: int, activation: str | Activation = "sigmoid"
) -> Array:
    """`net_gradient` of the flat ``theta``, packed the same way, shape ``(p*d + d*q,)``."""
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    return pack(*net_gradient(*_unpack_for(theta, X, Y, d), X, Y, activation))


def add_bias(X: ArrayLike) -> Array:
    """``X`` (n, p) with a column of ones appended, (n, p + 1): the last row of the weights that multiply it acts as a bias."""
    X = as_float(X, "X")
    sizes = check_shapes(X=(X, "n p"))
    return np.hstack([X, np.ones((sizes["n"], 1), dtype=X.dtype)])
