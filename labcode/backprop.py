"""Backpropagation by hand for the network with one ReLU hidden layer of chapter 8.

The network has no biases:

    Z  = X @ W1          (n, d)   pre-activation
    H  = relu(Z)         (n, d)   post-activation (the hidden layer)
    Y^ = H @ W2          (n, q)   output
    L  = sum((Y^ - Y)**2) / (n * q)

and one epoch of full-batch gradient descent costs five matrix products (GEMMs):
two forward, three backward, in this order:

    G      = 2 (Y^ - Y) / (n q)     (n, q)   dL/dY^
    grad_W2 = H.T @ G              (d, q)
    grad_H  = G @ W2.T             (n, d)
    grad_Z  = grad_H * (Z > 0)     (n, d)   the ReLU mask
    grad_W1 = X.T @ grad_Z         (p, d)

then ``W -= lr * grad_W`` for both weight matrices. This module is that and
nothing more: the version tuned for speed (arrays reused across epochs, one
BLAS call per update) is the measured subject of `labcode.bench.tuned`.

Shapes use the book's names: ``n`` samples, ``p`` inputs, ``d`` hidden units,
``q`` outputs. Arguments follow the input policy of `labcode.shapes`: arrays
read by value may be lists or integers (converted to float64); the weights a
function updates in place must be writable floating numpy arrays; every array
is checked before anything is written.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from labcode.activations import relu
from labcode.reference import EPOCHS, LEARNING_RATE
from labcode.shapes import as_float, as_int, as_real, check_shapes

__all__ = ["Forward", "forward", "mse_nq", "backward", "sgd_update", "train_by_hand"]

Array = NDArray[np.floating]


class Forward(NamedTuple):
    """What the forward pass keeps for the backward pass: ``z = X @ W1`` and ``h = relu(z)`` (n, d), ``y_pred = h @ W2`` (n, q)."""

    z: Array
    h: Array
    y_pred: Array


def forward(X: Array, W1: Array, W2: Array) -> Forward:
    """The forward pass ``relu(X @ W1) @ W2`` for ``X`` (n, p), ``W1`` (p, d), ``W2`` (d, q): ``z``, ``h`` (n, d) and ``y_pred`` (n, q)."""
    X, W1, W2 = as_float(X, "X"), as_float(W1, "W1"), as_float(W2, "W2")
    check_shapes(X=(X, "n p"), W1=(W1, "p d"), W2=(W2, "d q"))
    z = X @ W1  # (n, p) @ (p, d) -> (n, d)
    h = relu(z)  # (n, d)
    y_pred = h @ W2  # (n, d) @ (d, q) -> (n, q)
    return Forward(z, h, y_pred)


def mse_nq(y_pred: Array, Y: Array) -> float:
    """Mean squared error over every entry, ``sum((y_pred - Y)**2) / (n * q)``, for two (n, q) arrays.

    The sum is taken in the arrays' own dtype (float32 on the reference problem).
    """
    y_pred, Y = as_float(y_pred, "y_pred"), as_float(Y, "Y")
    check_shapes(y_pred=(y_pred, "n q"), Y=(Y, "n q"))
    diff = y_pred - Y
    return float(np.sum(diff * diff) / diff.size)


def backward(X: Array, Y: Array, W2: Array, z: Array, h: Array, y_pred: Array) -> tuple[Array, Array]:
    """Gradients of `mse_nq` with respect to ``W1`` (p, d) and ``W2`` (d, q): three GEMMs.

    ``z``, ``h`` and ``y_pred`` are what `forward` kept; the ReLU mask multiplies
    into a new array, so the incoming ``grad_h`` is never modified.
    """
    X, Y, W2 = as_float(X, "X"), as_float(Y, "Y"), as_float(W2, "W2")
    z, h, y_pred = as_float(z, "z"), as_float(h, "h"), as_float(y_pred, "y_pred")
    check_shapes(X=(X, "n p"), Y=(Y, "n q"), W2=(W2, "d q"), z=(z, "n d"), h=(h, "n d"), y_pred=(y_pred, "n q"))
    grad_y = (2 / y_pred.size) * (y_pred - Y)  # G: (n, q)
    grad_W2 = h.T @ grad_y  # (d, n) @ (n, q) -> (d, q)
    grad_h = grad_y @ W2.T  # (n, q) @ (q, d) -> (n, d)
    grad_z = grad_h * (z > 0)  # the ReLU mask: (n, d), a new array
    grad_W1 = X.T @ grad_z  # (p, n) @ (n, d) -> (p, d)
    return grad_W1, grad_W2


def sgd_update(W: Array, grad_W: Array, lr: float) -> None:
    """One gradient-descent step ``W -= lr * grad_W``, in place (``grad_W`` of ``W``'s shape).

    ``W`` must be a writable floating ndarray (every array holding a reference to
    it sees the step) and ``lr`` finite and > 0; if anything is wrong, ``W`` is
    left unchanged.
    """
    W = as_float(W, "W", share=True, writable=True)
    grad_W = as_float(grad_W, "grad_W")
    check_shapes(grad_W=(grad_W, W.shape))
    lr = as_real(lr, "lr", above=0)
    W -= lr * grad_W


def train_by_hand(
    X: Array,
    Y: Array,
    W1: Array,
    W2: Array,
    *,
    lr: float = LEARNING_RATE,
    epochs: int = EPOCHS,
) -> NDArray[np.float64]:
    """Full-batch gradient descent with hand-written backprop: the loss of every epoch, shape (epochs,).

    ``X`` (n, p), ``Y`` (n, q); ``W1`` (p, d) and ``W2`` (d, q) are writable
    floating arrays, updated in place. Each epoch: `forward`, `mse_nq`
    (recorded, before the update), `backward`, then ``W -= lr * grad_W`` for
    both. Every argument is checked before anything is updated.

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite (a learning rate too large makes
        the weights diverge). Training stops before that epoch's update, so
        ``W1`` and ``W2`` hold the weights that gave that loss; the error's
        ``epoch`` attribute is the epoch (from 1) and its ``log`` attribute
        holds the losses of the epochs before it, shape (epoch - 1,).
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    W1 = as_float(W1, "W1", share=True, writable=True)
    W2 = as_float(W2, "W2", share=True, writable=True)
    check_shapes(X=(X, "n p"), Y=(Y, "n q"), W1=(W1, "p d"), W2=(W2, "d q"))
    lr = as_real(lr, "lr", above=0)
    epochs = as_int(epochs, "epochs", at_least=0)
    losses = np.empty(epochs)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence shows as a loss that is not finite
        for epoch in range(epochs):
            z, h, y_pred = forward(X, W1, W2)
            losses[epoch] = mse_nq(y_pred, Y)
            if not np.isfinite(losses[epoch]):
                error = FloatingPointError(
                    f"the loss is {losses[epoch]} at epoch {epoch + 1} of {epochs}: training stopped "
                    f"before that epoch's update (lr = {lr:g} may be too large)"
                )
                error.epoch, error.log = epoch + 1, losses[:epoch].copy()
                raise error
            grad_W1, grad_W2 = backward(X, Y, W2, z, h, y_pred)
            W1 -= lr * grad_W1
            W2 -= lr * grad_W2
    return losses
