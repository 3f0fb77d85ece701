"""Mean squared error and its gradient in matrix form, with no sums.

Two models, in the notation of the book (``n`` samples, ``p`` inputs, ``d``
hidden units, ``q`` outputs):

* linear regression ``Y = X beta + E``, with ``X`` of shape ``(n, p)``,
  ``beta`` of shape ``(p, q)`` and ``Y`` of shape ``(n, q)``;
* the three-layer network ``Y = phi(X beta1) beta2 + E``, with ``beta1`` of
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
    """Mean squared error ``||Y - Y_hat||^2 / n``, with ``n`` the number of rows.

    Dividing by ``n`` makes losses on data sets of different sizes comparable;
    its gradient then carries the same ``1/n``.

    Parameters
    ----------
    Y, Y_hat : array_like
        Targets and predictions, both of shape ``(n, q)``.

    Returns
    -------
    float

    Examples
    --------
    >>> from labcode.gradients import mse_n
    >>> mse_n([[1.0], [2.0]], [[0.0], [0.0]])
    2.5
    >>> mse_n([[1.0], [2.0]], [[0.0, 0.0]])
    Traceback (most recent call last):
    ...
    ValueError: Y_hat has shape (1, 2) but (n, q) was expected with n = 2 (set by
    Y)
    """
    Y, Y_hat = as_float(Y, "Y"), as_float(Y_hat, "Y_hat")
    sizes = check_shapes(Y=(Y, "n q"), Y_hat=(Y_hat, "n q"))
    E = Y - Y_hat
    return float(np.sum(E * E) / sizes["n"])


# --- linear regression -------------------------------------------------------


def _linear_shapes(beta: Array, X: Array, Y: Array) -> dict[str, int]:
    return check_shapes(X=(X, "n p"), Y=(Y, "n q"), beta=(beta, "p q"))


def linear_loss(beta: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    """Loss ``||Y - X beta||^2 / n`` of linear regression.

    Parameters
    ----------
    beta : array_like
        Coefficients, shape ``(p, q)``.
    X : array_like
        Design matrix, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import linear_loss
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> linear_loss(np.array([[1.0], [1.0]]), X, np.array([[1.0], [3.0]]))
    2.0
    """
    beta, X, Y = as_float(beta, "beta"), as_float(X, "X"), as_float(Y, "Y")
    _linear_shapes(beta, X, Y)
    return mse_n(Y, X @ beta)


def linear_gradient(beta: ArrayLike, X: ArrayLike, Y: ArrayLike) -> Array:
    """Gradient of `linear_loss`: ``-2 X^T (Y - X beta) / n``.

    Parameters
    ----------
    beta : array_like
        Coefficients, shape ``(p, q)``.
    X : array_like
        Design matrix, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.

    Returns
    -------
    ndarray
        Shape ``(p, q)``, the shape of ``beta``.

    Notes
    -----
    With ``E = Y - X beta``, the loss is ``tr(E^T E) / n`` and its differential
    is ``-2 tr(E^T X dbeta) / n``, so the gradient is ``-2 X^T E / n``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import linear_gradient
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> Y = np.array([[1.0], [3.0]])
    >>> print(linear_gradient(np.array([[1.0], [1.0]]), X, Y))
    [[ 0.]
     [-2.]]
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
    """`linear_loss` of a flat coefficient vector, for scipy (``args=(X, Y)``).

    Parameters
    ----------
    b : array_like
        Coefficients, shape ``(p*q,)``: ``beta`` of shape ``(p, q)`` row by row.
    X : array_like
        Design matrix, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import linear_loss_flat
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> linear_loss_flat(np.array([1.0, 1.0]), X, np.array([[1.0], [3.0]]))
    2.0
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    return linear_loss(_as_beta(b, X, Y), X, Y)


def linear_gradient_flat(b: ArrayLike, X: ArrayLike, Y: ArrayLike) -> Array:
    """`linear_gradient` of a flat coefficient vector, flattened, for scipy.

    Parameters
    ----------
    b : array_like
        Coefficients, shape ``(p*q,)``.
    X : array_like
        Design matrix, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.

    Returns
    -------
    ndarray
        Shape ``(p*q,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import linear_gradient_flat
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> Y = np.array([[1.0], [3.0]])
    >>> print(linear_gradient_flat(np.array([1.0, 1.0]), X, Y))
    [ 0. -2.]
    >>> linear_gradient_flat(np.array([1.0, 1.0, 1.0]), X, Y)
    Traceback (most recent call last):
    ...
    ValueError: b has shape (3,) but (P,) was expected with P = 2 (p*q = 2*1)
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    return linear_gradient(_as_beta(b, X, Y), X, Y).ravel()


# --- the three-layer network -------------------------------------------------


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
    """Loss ``||Y - phi(X beta1) beta2||^2 / n`` of the three-layer network.

    Parameters
    ----------
    beta1 : array_like
        Hidden weights, shape ``(p, d)``.
    beta2 : array_like
        Output weights, shape ``(d, q)``.
    X : array_like
        Inputs, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.
    activation : str or Activation
        A name from `labcode.activations.ACTIVATIONS`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import net_loss
    >>> X, Y = np.zeros((4, 3)), np.ones((4, 1))
    >>> net_loss(np.zeros((3, 2)), np.ones((2, 1)), X, Y)  # phi(0) = 1/2, twice
    0.0
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
    """Both blocks of the gradient of `net_loss`, computing ``phi(X beta1)`` once.

    With ``Z = X beta1`` (shape ``(n, d)``), ``H = phi(Z)`` (shape ``(n, d)``)
    and the residual ``E = Y - H beta2`` (shape ``(n, q)``):

    * output block ``-2 H^T E / n``, shape ``(d, q)``: linear regression on ``H``;
    * hidden block ``-2 X^T {(E beta2^T) ⊙ phi'(Z)} / n``, shape ``(p, d)``.

    Parameters
    ----------
    beta1 : array_like
        Hidden weights, shape ``(p, d)``.
    beta2 : array_like
        Output weights, shape ``(d, q)``.
    X : array_like
        Inputs, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.
    activation : str or Activation
        A name from `labcode.activations.ACTIVATIONS`.

    Returns
    -------
    g1 : ndarray
        Gradient with respect to ``beta1``, shape ``(p, d)``.
    g2 : ndarray
        Gradient with respect to ``beta2``, shape ``(d, q)``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import net_gradient
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    >>> g1, g2 = net_gradient(np.zeros((3, 2)), np.zeros((2, 1)), X, Y, "tanh")
    >>> g1.shape, g2.shape
    ((3, 2), (2, 1))
    >>> bool(np.all(g1 == 0) and np.all(g2 == 0))  # tanh(0) = 0 and beta2 = 0
    True
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
    computed four times and ``phi(X beta1)`` three times. Kept to show that the
    cached `net_gradient` gives the same numbers for less work.

    Parameters
    ----------
    beta1 : array_like
        Hidden weights, shape ``(p, d)``.
    beta2 : array_like
        Output weights, shape ``(d, q)``.
    X : array_like
        Inputs, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.
    activation : str or Activation
        A name from `labcode.activations.ACTIVATIONS`.

    Returns
    -------
    g1 : ndarray
        Shape ``(p, d)``.
    g2 : ndarray
        Shape ``(d, q)``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import net_gradient, net_gradient_recomputed
    >>> rng = np.random.default_rng(1)
    >>> args = (rng.standard_normal((3, 2)), rng.standard_normal((2, 1)),
    ...         rng.standard_normal((6, 3)), rng.standard_normal((6, 1)))
    >>> pairs = zip(net_gradient(*args), net_gradient_recomputed(*args))
    >>> all(np.allclose(a, b) for a, b in pairs)
    True
    """
    beta1, beta2, X, Y, n = _net_arrays(beta1, beta2, X, Y)
    phi, dphi = get(activation).phi, get(activation).dphi
    g2 = -2.0 * phi(X @ beta1).T @ (Y - phi(X @ beta1) @ beta2) / n
    g1 = -2.0 * X.T @ (((Y - phi(X @ beta1) @ beta2) @ beta2.T) * dphi(X @ beta1)) / n
    return g1, g2


# --- flat parameter vectors for scipy -----------------------------------------


def pack(beta1: ArrayLike, beta2: ArrayLike) -> Array:
    """One flat vector: the p·d entries of ``beta1`` row by row, then the d·q of ``beta2``.

    Parameters
    ----------
    beta1 : array_like
        Shape ``(p, d)``.
    beta2 : array_like
        Shape ``(d, q)``.

    Returns
    -------
    ndarray
        Shape ``(p*d + d*q,)``, a new array (never a view of the inputs).

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import pack
    >>> beta1 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> print(pack(beta1, np.array([[7.0], [8.0]])))
    [1. 2. 3. 4. 5. 6. 7. 8.]
    """
    beta1, beta2 = as_float(beta1, "beta1"), as_float(beta2, "beta2")
    check_shapes(beta1=(beta1, "p d"), beta2=(beta2, "d q"))
    return np.concatenate([beta1.ravel(), beta2.ravel()])


def unpack(theta: ArrayLike, p: int, d: int, q: int = 1) -> tuple[Array, Array]:
    """Split a flat vector made by `pack` back into ``beta1`` and ``beta2``.

    Parameters
    ----------
    theta : array_like
        Shape ``(p*d + d*q,)``.
    p, d, q : int
        Inputs, hidden units and outputs, each at least 1.

    Returns
    -------
    beta1 : ndarray
        Shape ``(p, d)``, a copy.
    beta2 : ndarray
        Shape ``(d, q)``, a copy.

    Raises
    ------
    TypeError
        If ``p``, ``d`` or ``q`` is not an int, or ``theta`` is not real numbers.
    ValueError
        If ``theta`` is not a flat vector of exactly ``p*d + d*q`` entries, or
        a size is below 1.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import unpack
    >>> beta1, beta2 = unpack(np.arange(8.0), p=3, d=2)
    >>> print(beta1)
    [[0. 1.]
     [2. 3.]
     [4. 5.]]
    >>> print(beta2.ravel())
    [6. 7.]
    >>> unpack(np.arange(9.0), p=3, d=2)
    Traceback (most recent call last):
    ...
    ValueError: theta has shape (9,) but (P,) was expected with P = 8 (p*d + d*q =
    3*2 + 2*1)
    """
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
    """`net_loss` of the flat vector ``theta = pack(beta1, beta2)``, for scipy.

    Parameters
    ----------
    theta : array_like
        Shape ``(p*d + d*q,)``.
    X : array_like
        Inputs, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.
    d : int
        Number of hidden units, at least 1.
    activation : str or Activation
        A name from `labcode.activations.ACTIVATIONS`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import net_loss_flat
    >>> X, Y = np.zeros((4, 3)), np.ones((4, 1))
    >>> theta = np.concatenate([np.zeros(6), np.ones(2)])
    >>> net_loss_flat(theta, X, Y, 2, "sigmoid")
    0.0
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    return net_loss(*_unpack_for(theta, X, Y, d), X, Y, activation)


def net_gradient_flat(
    theta: ArrayLike, X: ArrayLike, Y: ArrayLike, d: int, activation: str | Activation = "sigmoid"
) -> Array:
    """`net_gradient` of the flat vector ``theta``, packed the same way.

    Parameters
    ----------
    theta : array_like
        Shape ``(p*d + d*q,)``.
    X : array_like
        Inputs, shape ``(n, p)``.
    Y : array_like
        Targets, shape ``(n, q)``.
    d : int
        Number of hidden units, at least 1.
    activation : str or Activation
        A name from `labcode.activations.ACTIVATIONS`.

    Returns
    -------
    ndarray
        Shape ``(p*d + d*q,)``: the hidden block's p·d entries, then the output block's.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import net_gradient_flat
    >>> X, Y = np.zeros((4, 3)), np.zeros((4, 1))
    >>> theta = np.concatenate([np.zeros(6), np.ones(2)])
    >>> print(net_gradient_flat(theta, X, Y, 2))  # X = 0: no signal reaches beta1
    [0. 0. 0. 0. 0. 0. 1. 1.]
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    return pack(*net_gradient(*_unpack_for(theta, X, Y, d), X, Y, activation))


def add_bias(X: ArrayLike) -> Array:
    """Append a column of ones: each row ``x`` becomes ``(x; 1)``, so ``p`` becomes ``p + 1``.

    The last row of a weight matrix multiplying the result then acts as a bias.

    Parameters
    ----------
    X : array_like
        Shape ``(n, p)``.

    Returns
    -------
    ndarray
        Shape ``(n, p + 1)``, a new array.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradients import add_bias
    >>> print(add_bias(np.array([[2.0, 3.0], [4.0, 5.0]])))
    [[2. 3. 1.]
     [4. 5. 1.]]
    """
    X = as_float(X, "X")
    sizes = check_shapes(X=(X, "n p"))
    return np.hstack([X, np.ones((sizes["n"], 1), dtype=X.dtype)])
