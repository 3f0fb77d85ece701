"""A dense network of any depth: forward pass, backward recursion, gradient sizes per layer.

A network of ``K`` layers (``K`` the depth; ``L`` is the loss): layer
``l = 1, ..., K`` has weights ``W_l`` of shape (d_{l-1}, d_l), an optional
bias ``b_l`` of shape (d_l,) and an activation ``phi_l`` chosen by name from
`labcode.activations`; ``d_0 = p`` inputs and ``d_K = q`` outputs:

    H_0 = X                                     (n, p)
    Z_l = H_{l-1} @ W_l + b_l                   (n, d_l)
    H_l = phi_l(Z_l)                            (n, d_l)

The backward pass runs the recursion on ``delta_l = dL/dZ_l`` (n, d_l):

    delta_K     = dL/dH_K * phi_K'(Z_K)
    dL/dW_l     = H_{l-1}.T @ delta_l           (d_{l-1}, d_l)
    dL/db_l     = delta_l summed over rows      (d_l,)
    delta_{l-1} = (delta_l @ W_l.T) * phi_{l-1}'(Z_{l-1})

Parameters are a dict ``{"W1": ..., "b1": ..., "W2": ...}``; a layer without
a ``b_l`` entry has no bias. Two losses: ``"mse"``, the mean over all ``n q``
entries of the squared error (chapter 8's), and ``"cross_entropy"``, the mean
cross-entropy of the softmax of ``H_K`` (`labcode.softmax`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labcode.activations import ACTIVATIONS, Activation
from labcode.shapes import check_shapes
from labcode.softmax import cross_entropy, cross_entropy_gradient

__all__ = [
    "INITS",
    "init_layers",
    "DeepForward",
    "deep_forward",
    "deep_loss",
    "deep_backward",
    "deep_gradient",
    "gradient_norms",
]

Array = NDArray[np.floating]

#: Weight scales by name, as a function of the fan-in ``m = d_{l-1}``: standard normal
#: entries times 1 (``"unscaled"``), ``1/sqrt(m)`` (``"lecun"``) or ``sqrt(2/m)`` (``"he"``).
INITS = {
    "unscaled": lambda m: 1.0,
    "lecun": lambda m: 1.0 / np.sqrt(m),
    "he": lambda m: np.sqrt(2.0 / m),
}

_LOSSES = ("mse", "cross_entropy")


# --- input checks: one private function, so a shared policy can replace it ----


def _checked(params: Mapping, X: ArrayLike, activations: Sequence) -> tuple[dict[str, Array], Array, list[Activation]]:
    """The parameters, ``X`` and the activations, checked; TypeError/ValueError naming what is wrong."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays such as {{'W1': ..., 'b1': ...}}, got {type(params).__name__}")
    if isinstance(activations, str) or not isinstance(activations, Sequence):
        raise TypeError(f"activations must be a sequence of names, one per layer, got {activations!r}")
    K = len(activations)
    if K == 0:
        raise ValueError("activations is empty: a network has at least one layer")
    expected = {f"W{l}" for l in range(1, K + 1)}
    allowed = expected | {f"b{l}" for l in range(1, K + 1)}
    if not expected <= set(params) or not set(params) <= allowed:
        raise ValueError(
            f"params has {sorted(params)} but {K} activations need W1, ..., W{K} "
            f"(and optionally b1, ..., b{K}), nothing else"
        )
    arrays: dict[str, Array] = {}
    for name, value in params.items():
        array = np.asarray(value)
        if array.dtype.kind != "f":
            raise TypeError(f"{name} must be a floating-point array, got dtype {array.dtype}")
        arrays[name] = array
    X = np.asarray(X)
    if X.dtype.kind not in "iuf":
        raise TypeError(f"X must be an array of real numbers, got dtype {X.dtype}")
    specs = {"X": (X, "n d0")}
    for l in range(1, K + 1):
        specs[f"W{l}"] = (arrays[f"W{l}"], f"d{l - 1} d{l}")
        if f"b{l}" in arrays:
            specs[f"b{l}"] = (arrays[f"b{l}"], f"d{l}")
    check_shapes(**specs)
    phis = []
    for i, name in enumerate(activations):
        if isinstance(name, Activation):
            phis.append(name)
        elif name in ACTIVATIONS:
            phis.append(ACTIVATIONS[name])
        else:
            valid = ", ".join(sorted(ACTIVATIONS))
            raise ValueError(f"activations[{i}] is {name!r}; valid names: {valid}")
    return arrays, X, phis


def _loss_name(loss: str) -> str:
    if loss not in _LOSSES:
        raise ValueError(f"loss must be 'mse' or 'cross_entropy', got {loss!r}")
    return loss


# --- initialisation -------------------------------------------------------------


def init_layers(
    sizes: Sequence[int], rng: np.random.Generator, init: str | float = "he", *, bias: bool = True
) -> dict[str, Array]:
    """Weights for layers of sizes ``[d_0, ..., d_K]``: standard normal times a scale, and zero biases.

    Returns ``W1`` (d_0, d_1), ``b1`` (d_1,), ..., float64, drawn from ``rng`` in
    that order.

    Parameters
    ----------
    sizes : sequence of int
        Inputs, the width of every layer, outputs (at least two sizes, each >= 1).
    init : {"he", "lecun", "unscaled"} or float
        The scale of layer ``l``'s weights as a function of its fan-in ``d_{l-1}``
        (see `INITS`), or one number for every layer.
    bias : bool
        Whether every layer gets a bias ``b_l`` (zeros).
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    sizes = list(sizes)
    if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
        raise ValueError(f"sizes must be at least two positive integers [d_0, ..., d_K], got {sizes!r}")
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)} or a number, got {init!r}")
        scale = INITS[init]
    else:
        scale = lambda m, c=float(init): c  # noqa: E731
    params: dict[str, Array] = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.standard_normal((sizes[l - 1], sizes[l])) * scale(sizes[l - 1])
        if bias:
            params[f"b{l}"] = np.zeros(sizes[l])
    return params


# --- forward, loss, backward -----------------------------------------------------


class DeepForward(NamedTuple):
    """What the forward pass keeps: ``Z[l - 1] = Z_l`` and ``H[l] = H_l``, each (n, d_l); ``H[0]`` is ``X``."""

    Z: list[Array]
    H: list[Array]


def deep_forward(params: Mapping[str, ArrayLike], X: ArrayLike, activations: Sequence[str]) -> DeepForward:
    """The forward pass through all ``K`` layers, keeping every ``Z_l`` and ``H_l``.

    ``params`` holds ``W1`` (p, d_1), ``b1`` (d_1,), ..., ``WK`` (d_{K-1}, q)
    (biases optional), ``X`` is (n, p) and ``activations`` one name per layer. A
    `TypeError` or `ValueError` names the array that does not fit.
    """
    arrays, X, phis = _checked(params, X, activations)
    return _forward(arrays, X, phis)


def _forward(params: dict[str, Array], X: Array, phis: list[Activation]) -> DeepForward:
    Z, H = [], [X]
    for l, act in enumerate(phis, start=1):
        z = H[-1] @ params[f"W{l}"]  # (n, d_{l-1}) @ (d_{l-1}, d_l) -> (n, d_l)
        if f"b{l}" in params:
            z = z + params[f"b{l}"]  # (d_l,) broadcast over the n rows
        Z.append(z)
        H.append(act.phi(z))
    return DeepForward(Z, H)


def _output_loss(out: Array, Y: ArrayLike, loss: str) -> tuple[float, Array]:
    """The loss of the output ``H_K`` and its gradient ``dL/dH_K``, shape (n, q)."""
    if loss == "cross_entropy":
        return cross_entropy(out, Y), cross_entropy_gradient(out, Y)
    Y = np.asarray(Y)
    if Y.shape != out.shape:
        raise ValueError(f"Y has shape {Y.shape} but the output H_K has shape {out.shape} (n, q)")
    diff = out - Y
    return float(np.sum(diff * diff) / diff.size), (2.0 / out.size) * (out - Y)


def deep_loss(
    params: Mapping[str, ArrayLike], X: ArrayLike, Y: ArrayLike, activations: Sequence[str], loss: str = "mse"
) -> float:
    """The loss of the network's output ``H_K`` against ``Y``; ``params``, ``X``, ``activations`` as `deep_forward`.

    Parameters
    ----------
    Y : array_like
        Targets (n, q) for ``"mse"``; labels, integers (n,) or one-hot (n, q),
        for ``"cross_entropy"``.
    loss : {"mse", "cross_entropy"}
        Mean squared error over all ``n q`` entries, or mean cross-entropy of
        the softmax of ``H_K`` (then ``H_K`` holds the logits).
    """
    arrays, X, phis = _checked(params, X, activations)
    return _output_loss(_forward(arrays, X, phis).H[-1], Y, _loss_name(loss))[0]


def deep_backward(
    params: Mapping[str, ArrayLike],
    forward: DeepForward,
    grad_out: ArrayLike,
    activations: Sequence[str],
) -> dict[str, Array]:
    """The gradient of every ``W_l`` and ``b_l`` from ``grad_out = dL/dH_K`` (n, q), by the backward recursion.

    ``delta_K = grad_out * phi_K'(Z_K)``; then for ``l = K, ..., 1``:
    ``dW_l = H_{l-1}.T @ delta_l``, ``db_l = delta_l.sum(axis=0)`` and
    ``delta_{l-1} = (delta_l @ W_l.T) * phi_{l-1}'(Z_{l-1})``. ``forward`` is what
    `deep_forward` returned for these parameters; no array of it is modified. The
    result has the names and shapes of ``params``.
    """
    if not isinstance(forward, DeepForward):
        raise TypeError(f"forward must be what deep_forward returned, got {type(forward).__name__}")
    if len(forward.Z) != len(activations) or len(forward.H) != len(activations) + 1:
        raise ValueError(f"forward has {len(forward.Z)} layers but there are {len(activations)} activations")
    arrays, _, phis = _checked(params, forward.H[0], activations)
    g = np.asarray(grad_out)
    if g.shape != forward.H[-1].shape:
        raise ValueError(f"grad_out has shape {g.shape} but the output H_K has shape {forward.H[-1].shape}")
    return _backward(arrays, forward, g, phis)


def _backward(params: dict[str, Array], forward: DeepForward, g: Array, phis: list[Activation]) -> dict[str, Array]:
    K = len(phis)
    grads: dict[str, Array] = {}
    delta = g * phis[-1].dphi(forward.Z[-1])  # delta_K: (n, d_K)
    for l in range(K, 0, -1):
        grads[f"W{l}"] = forward.H[l - 1].T @ delta  # (d_{l-1}, n) @ (n, d_l) -> (d_{l-1}, d_l)
        if f"b{l}" in params:
            grads[f"b{l}"] = delta.sum(axis=0)  # (d_l,)
        if l > 1:  # delta_{l-1}: (n, d_l) @ (d_l, d_{l-1}) -> (n, d_{l-1}), times phi'
            delta = (delta @ params[f"W{l}"].T) * phis[l - 2].dphi(forward.Z[l - 2])
    return {name: grads[name] for name in params}


def deep_gradient(
    params: Mapping[str, ArrayLike], X: ArrayLike, Y: ArrayLike, activations: Sequence[str], loss: str = "mse"
) -> tuple[float, dict[str, Array]]:
    """The loss and its gradient for every parameter (same names and shapes): `deep_forward`, then `deep_backward`.

    Arguments as `deep_forward` and `deep_loss`.
    """
    arrays, X, phis = _checked(params, X, activations)
    forward = _forward(arrays, X, phis)
    value, g = _output_loss(forward.H[-1], Y, _loss_name(loss))
    return value, _backward(arrays, forward, g, phis)


# --- the size of the gradient, layer by layer ---------------------------------------


def gradient_norms(
    depth: int,
    activation: str,
    init: str | float,
    rng: np.random.Generator,
    *,
    width: int = 64,
    n: int = 128,
) -> NDArray[np.float64]:
    """``||dL/dW_l||`` (Frobenius norm) for every layer ``l`` of a random deep network, shape (depth,).

    The network has ``depth = K >= 2`` layers: ``depth - 1`` hidden layers of
    ``width`` units with the given activation and biases, then a linear output
    of one unit; the loss is ``"mse"``. ``rng`` draws, in this order, ``X``
    (n, width) and ``Y`` (n, 1), both standard normal, then the weights by
    `init_layers` with ``init``.
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 2:
        raise ValueError(f"depth must be an integer of at least 2, got {depth!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    X = rng.standard_normal((n, width))
    Y = rng.standard_normal((n, 1))
    params = init_layers([width] * depth + [1], rng, init)
    _, grads = deep_gradient(params, X, Y, [activation] * (depth - 1) + ["identity"])
    return np.array([np.linalg.norm(grads[f"W{l}"]) for l in range(1, depth + 1)])
