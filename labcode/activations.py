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
    """The logistic sigmoid ``1 / (1 + exp(-x))`` without overflow: `scipy.special.expit` (``x = -1000`` gives 0, no warning)."""
    from scipy.special import expit  # on first use: importing scipy.special takes longer than importing numpy

    return expit(as_float(x, "x"))


def sigmoid_naive(x: ArrayLike) -> NDArray[np.floating]:
    """The sigmoid as its formula reads, ``1 / (1 + exp(-x))``: ``exp(-x)`` overflows for ``x << 0`` (use `sigmoid`)."""
    x = as_float(x, "x")
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_prime(x: ArrayLike) -> NDArray[np.floating]:
    """The sigmoid's derivative ``sigmoid(x) * (1 - sigmoid(x))``, in ``[0, 0.25]``."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: ArrayLike) -> NDArray[np.floating]:
    """``tanh(x)``: `numpy.tanh` behind the input policy."""
    return np.tanh(as_float(x, "x"))


def tanh_prime(x: ArrayLike) -> NDArray[np.floating]:
    """The derivative of `tanh`, ``1 - tanh(x)**2``."""
    t = np.tanh(as_float(x, "x"))
    return 1.0 - t * t


def relu(x: ArrayLike) -> NDArray[np.floating]:
    """The rectifier ``max(x, 0)``, in the floating dtype of ``x`` (float64 for integers)."""
    return np.maximum(as_float(x, "x"), 0)  # a Python 0 keeps x's dtype (float32 stays float32)


def relu_prime(x: ArrayLike) -> NDArray[np.floating]:
    """The rectifier's derivative: 1 where ``x > 0``, else 0 (at the kink, 0 is the subgradient most frameworks use)."""
    x = as_float(x, "x")
    return (x > 0).astype(x.dtype)


def identity(x: ArrayLike) -> NDArray[np.floating]:
    """``x`` itself, as a new array (a linear output layer never hands back the caller's array)."""
    return as_float(x, "x").copy()


def identity_prime(x: ArrayLike) -> NDArray[np.floating]:
    """The identity's derivative: ones of the shape and floating dtype of ``x``."""
    x = as_float(x, "x")
    return np.ones(x.shape, dtype=x.dtype)


@dataclass(frozen=True)
class Activation:
    """An element-wise activation: its registry ``name``, ``phi(x)`` and its derivative ``dphi(x)``.

    ``dphi`` takes the pre-activation ``x``, not ``phi(x)``.
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
    """The `Activation` called ``name``, one of `ACTIVATIONS` (an `Activation` passes through).

    An unknown name raises `KeyError` with the valid names.
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
