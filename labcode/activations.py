"""Activation functions with their derivatives, and a registry to get them by name.

Every activation is an `Activation`: a name, the function ``phi`` and its
derivative ``dphi``, both applied element by element, so the output has the
shape of the input. Layers and gradient formulas take an activation by name
(``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"identity"``) through `get`.

Inputs follow the policy of `labcode.shapes`: lists and integers become float64
arrays, a floating array keeps its dtype; complex, string, object and bool
inputs raise `TypeError`. An empty array gives an empty array, as in NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from labcode.shapes import as_float

__all__ = [
    "Activation",
    "sigmoid",
    "sigmoid_naive",
    "sigmoid_prime",
    "tanh",
    "tanh_prime",
    "relu",
    "relu_prime",
    "identity",
    "identity_prime",
    "ACTIVATIONS",
    "get",
]


def sigmoid(x: ArrayLike) -> NDArray[np.floating]:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, without overflow.

    Computed by `scipy.special.expit`, which never evaluates ``exp`` of a
    large positive number, so ``x = -1000`` gives ``0.0`` with no warning.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``, values in ``[0, 1]``.

    Examples
    --------
    >>> from labcode.activations import sigmoid
    >>> print(sigmoid([-1000.0, 0.0, 1.0, 1000.0]))
    [0.         0.5        0.73105858 1.        ]
    """
    return expit(as_float(x, "x"))


def sigmoid_naive(x: ArrayLike) -> NDArray[np.floating]:
    """The sigmoid as its formula reads, ``1 / (1 + exp(-x))``: overflows for ``x << 0``.

    Kept to show the overflow (``exp(1000)`` is ``inf`` with a RuntimeWarning);
    use `sigmoid` for real work.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.activations import sigmoid_naive
    >>> print(sigmoid_naive([0.0, 1.0]))
    [0.5        0.73105858]
    >>> with np.errstate(over="raise"):
    ...     sigmoid_naive(-1000.0)
    Traceback (most recent call last):
    ...
    FloatingPointError: overflow encountered in exp
    """
    x = as_float(x, "x")
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_prime(x: ArrayLike) -> NDArray[np.floating]:
    """Derivative of the sigmoid, ``sigmoid(x) * (1 - sigmoid(x))``.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``, values in ``[0, 0.25]``.

    Examples
    --------
    >>> from labcode.activations import sigmoid_prime
    >>> print(sigmoid_prime([0.0, 1.0]))
    [0.25       0.19661193]
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: ArrayLike) -> NDArray[np.floating]:
    """The hyperbolic tangent ``tanh(x)``, element by element (`numpy.tanh` behind the input policy).

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``, values in ``[-1, 1]``.

    Examples
    --------
    >>> from labcode.activations import tanh
    >>> print(tanh([0.0, 1.0]))
    [0.         0.76159416]
    """
    return np.tanh(as_float(x, "x"))


def tanh_prime(x: ArrayLike) -> NDArray[np.floating]:
    """Derivative of ``tanh``, ``1 - tanh(x)**2``.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> from labcode.activations import tanh_prime
    >>> print(tanh_prime([0.0, 1.0]))
    [1.         0.41997434]
    """
    t = np.tanh(as_float(x, "x"))
    return 1.0 - t * t


def relu(x: ArrayLike) -> NDArray[np.floating]:
    """The rectifier ``max(x, 0)``, element by element.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``, of its floating dtype (float64 for integers).

    Examples
    --------
    >>> from labcode.activations import relu
    >>> print(relu([-2.0, 0.0, 3.0]))
    [0. 0. 3.]
    """
    return np.maximum(as_float(x, "x"), 0)  # a Python 0 keeps x's dtype (float32 stays float32)


def relu_prime(x: ArrayLike) -> NDArray[np.floating]:
    """Derivative of the rectifier: 1 where ``x > 0``, else 0 (0 at the kink).

    At ``x = 0`` the rectifier has no derivative; any value in ``[0, 1]`` is a
    subgradient and this function uses 0, as most frameworks do.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``, of the floating dtype of ``x`` (float64 for integers).

    Examples
    --------
    >>> from labcode.activations import relu_prime
    >>> print(relu_prime([-2.0, 0.0, 3.0]))
    [0. 0. 1.]
    """
    x = as_float(x, "x")
    return (x > 0).astype(x.dtype)


def identity(x: ArrayLike) -> NDArray[np.floating]:
    """The identity ``x`` (a linear output layer), as an array.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        ``x`` as an array (a copy, never the caller's array).

    Examples
    --------
    >>> from labcode.activations import identity
    >>> print(identity([-2.0, 3.0]))
    [-2.  3.]
    """
    return as_float(x, "x").copy()


def identity_prime(x: ArrayLike) -> NDArray[np.floating]:
    """Derivative of the identity: ones of the shape of ``x``.

    Parameters
    ----------
    x : array_like
        Any shape.

    Returns
    -------
    ndarray
        Ones, same shape as ``x``.

    Examples
    --------
    >>> from labcode.activations import identity_prime
    >>> print(identity_prime([-2.0, 3.0]))
    [1. 1.]
    """
    x = as_float(x, "x")
    return np.ones(x.shape, dtype=x.dtype)


@dataclass(frozen=True)
class Activation:
    """An element-wise activation ``phi`` with its derivative ``dphi``.

    Parameters
    ----------
    name : str
        The registry name.
    phi : callable
        ``phi(x)``, same shape out as in.
    dphi : callable
        ``phi'(x)``, evaluated at the pre-activation ``x`` (not at ``phi(x)``).

    Examples
    --------
    >>> from labcode.activations import get
    >>> act = get("tanh")
    >>> act.name, float(act.phi(0.0)), float(act.dphi(0.0))
    ('tanh', 0.0, 1.0)
    """

    name: str
    phi: Callable[[ArrayLike], NDArray[np.floating]]
    dphi: Callable[[ArrayLike], NDArray[np.floating]]


#: Every activation by name.
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, sigmoid_prime),
        Activation("tanh", tanh, tanh_prime),
        Activation("relu", relu, relu_prime),
        Activation("identity", identity, identity_prime),
    )
}


def get(name: str | Activation) -> Activation:
    """The activation called ``name`` (an `Activation` passes through).

    Parameters
    ----------
    name : str or Activation
        One of the registry's names: ``"identity"``, ``"relu"``, ``"sigmoid"``, ``"tanh"``.

    Returns
    -------
    Activation

    Raises
    ------
    TypeError
        If ``name`` is neither a string nor an `Activation`.
    KeyError
        For an unknown name; the message lists the valid names.

    Examples
    --------
    >>> from labcode.activations import get
    >>> get("relu").name
    'relu'
    >>> get("softplus")
    Traceback (most recent call last):
    ...
    KeyError: "unknown activation 'softplus'; valid names: identity, relu,
    sigmoid, tanh"
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name such as 'relu' or an Activation, got {type(name).__name__}")
    try:
        return ACTIVATIONS[name]
    except KeyError:
        valid = ", ".join(sorted(ACTIVATIONS))
        raise KeyError(f"unknown activation {name!r}; valid names: {valid}") from None
