"""The hand-written epoch tuned for speed: the measured subject of the training benchmark.

`labcode.backprop.train_by_hand` is the epoch as chapter 8 writes it: every
call checks its arguments and returns new arrays, and the update is
``W -= lr * grad_W``, which makes a temporary array the size of ``W`` and goes
over ``W`` twice. `train_tuned` computes the same epoch, the same five matrix
products and the loss of every epoch, with the overhead taken out:

* the arguments are checked once, before the first epoch, not in every call;
* every intermediate array is allocated once and written into (``out=``)
  every epoch, so the same memory stays in the cache;
* the loss is one BLAS dot product of the residual with itself;
* the learning rate is folded into the scale of the output gradient,
  ``lr * 2 (y_pred - Y) / (n q)``, so the two weight-gradient products give
  ``lr * grad_W`` themselves and each update is one subtraction in place: one
  pass over ``W`` and no temporary. ``lr * grad_h`` is taken before ``W2``
  changes (the page takes ``grad_W2`` first; the order of two products that
  read the same old ``W2`` does not change the result).

Every product is numpy's. Folding the update into the product itself, with
scipy's BLAS ``gemm`` (``C <- alpha A B + beta C`` with ``C = W`` and
``beta = 1``), saves the subtraction but calls a second OpenBLAS: on an AVX2
machine its product of this shape took longer than numpy's, and with BLAS
threads on, its threads and numpy's compete for the cores.

Its losses agree with `train_by_hand`'s to float32 rounding (the learning
rate multiplies the output gradient before the products rather than the
weight gradients after them), which the tests check; nothing is skipped or
cached across epochs.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from labcode.reference import EPOCHS, LEARNING_RATE
from labcode.shapes import as_float, as_int, as_real, check_shapes

__all__ = ["train_tuned"]


def train_tuned(
    X: NDArray[np.floating],
    Y: NDArray[np.floating],
    W1: NDArray[np.floating],
    W2: NDArray[np.floating],
    *,
    lr: float = LEARNING_RATE,
    epochs: int = EPOCHS,
) -> NDArray[np.float64]:
    """`labcode.backprop.train_by_hand`, tuned: the same epochs and losses, shape (epochs,).

    ``W1`` (p, d) and ``W2`` (d, q) are updated in place; they must be
    writable and of one dtype, float32 or float64 (``X`` and ``Y`` are
    converted to it). Every argument is checked before the first
    epoch; a loss that is not finite raises `FloatingPointError` before that
    epoch's update, as `train_by_hand` does.
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    W1 = as_float(W1, "W1", share=True, writable=True)
    W2 = as_float(W2, "W2", share=True, writable=True)
    sizes = check_shapes(X=(X, "n p"), Y=(Y, "n q"), W1=(W1, "p d"), W2=(W2, "d q"))
    if W1.dtype not in (np.float32, np.float64) or W2.dtype != W1.dtype:
        raise TypeError(f"W1 and W2 must both be float32 or both float64, got {W1.dtype} and {W2.dtype}")
    lr = as_real(lr, "lr", above=0)
    epochs = as_int(epochs, "epochs", at_least=0)
    dtype, (n, p, d, q) = W1.dtype, (sizes["n"], sizes["p"], sizes["d"], sizes["q"])
    X, Y = np.ascontiguousarray(X, dtype), np.ascontiguousarray(Y, dtype)
    z, h, step_h = (np.empty((n, d), dtype) for _ in range(3))
    y_pred, G = np.empty((n, q), dtype), np.empty((n, q), dtype)
    step_W1, step_W2 = np.empty((p, d), dtype), np.empty((d, q), dtype)
    active = np.empty((n, d), bool)
    residual = G.reshape(-1)  # a view: the residual, then lr * G, in place
    scale = dtype.type(lr * 2 / G.size)
    losses = np.empty(epochs)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence shows as a loss that is not finite
        for epoch in range(epochs):
            np.matmul(X, W1, out=z)  # (n, p) @ (p, d)
            np.maximum(z, 0, out=h)
            np.matmul(h, W2, out=y_pred)  # (n, d) @ (d, q)
            np.subtract(y_pred, Y, out=G)
            loss = losses[epoch] = float(np.dot(residual, residual)) / residual.size
            if not math.isfinite(loss):
                error = FloatingPointError(
                    f"the loss is {loss} at epoch {epoch + 1} of {epochs}: training stopped "
                    f"before that epoch's update (lr = {lr:g} may be too large)"
                )
                error.epoch, error.log = epoch + 1, losses[:epoch].copy()
                raise error
            np.multiply(G, scale, out=G)  # lr * dL/dy_pred = lr * 2 (y_pred - Y) / (n q)
            np.matmul(G, W2.T, out=step_h)  # (n, q) @ (q, d): lr * dL/dh, with the old W2
            np.matmul(h.T, G, out=step_W2)  # (d, n) @ (n, q): lr * dL/dW2
            np.subtract(W2, step_W2, out=W2)
            np.greater(z, 0, out=active)
            np.multiply(step_h, active, out=step_h)  # lr * dL/dz, in place
            np.matmul(X.T, step_h, out=step_W1)  # (p, n) @ (n, d): lr * dL/dW1
            np.subtract(W1, step_W1, out=W1)
    return losses
