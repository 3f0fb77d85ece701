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
* the two weight-gradient products write the update straight into the
  weights: BLAS's ``gemm`` computes ``C <- alpha A B + beta C``, and with
  ``C = W``, ``beta = 1`` and ``alpha = -lr`` it is ``W <- W - lr * grad_W``
  in the pass that computes the product, with no gradient array and no
  second pass over ``W``. So ``grad_h = G @ W2.T`` is taken before ``W2``
  changes (the page takes ``grad_W2`` first; the order of two products that
  read the same old ``W2`` does not change the result).

Its losses agree with `train_by_hand`'s to float32 rounding (a fused
multiply-add rounds once where NumPy's two operations round twice), which the
tests check; nothing is skipped or cached across epochs.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import blas

from labcode.reference import EPOCHS, LEARNING_RATE
from labcode.shapes import as_float, as_int, as_real, check_shapes

__all__ = ["train_tuned"]

#: BLAS ``C <- alpha op(A) op(B) + beta C`` by dtype.
_GEMM = {np.dtype(np.float32): blas.sgemm, np.dtype(np.float64): blas.dgemm}


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
    C-contiguous, writable and of one dtype, float32 or float64 (``X`` and
    ``Y`` are converted to it). Every argument is checked before the first
    epoch; a loss that is not finite raises `FloatingPointError` before that
    epoch's update, as `train_by_hand` does.
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    W1 = as_float(W1, "W1", share=True, writable=True)
    W2 = as_float(W2, "W2", share=True, writable=True)
    sizes = check_shapes(X=(X, "n p"), Y=(Y, "n q"), W1=(W1, "p d"), W2=(W2, "d q"))
    gemm = _GEMM.get(W1.dtype)
    if gemm is None or W2.dtype != W1.dtype:
        raise TypeError(f"W1 and W2 must both be float32 or both float64, got {W1.dtype} and {W2.dtype}")
    if not (W1.flags.c_contiguous and W2.flags.c_contiguous):
        raise ValueError("W1 and W2 must be C-contiguous arrays (BLAS writes the update into them)")
    lr = as_real(lr, "lr", above=0)
    epochs = as_int(epochs, "epochs", at_least=0)
    dtype, (n, d, q) = W1.dtype, (sizes["n"], sizes["d"], sizes["q"])
    X, Y = np.ascontiguousarray(X, dtype), np.ascontiguousarray(Y, dtype)
    z, h, grad_h = (np.empty((n, d), dtype) for _ in range(3))
    y_pred, G = np.empty((n, q), dtype), np.empty((n, q), dtype)
    active = np.empty((n, d), bool)
    residual = G.reshape(-1)  # a view: the residual, then G, in place
    scale, alpha = dtype.type(2 / G.size), dtype.type(-lr)
    # Fortran-order views of the C-order arrays, so that BLAS reads and writes them without a copy:
    # W1.T <- W1.T - lr * (grad_z.T @ X) is W1 <- W1 - lr * X.T @ grad_z.
    W1_t, W2_t, X_t, h_t, G_t, grad_z_t = W1.T, W2.T, X.T, h.T, G.T, grad_h.T
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
            np.multiply(G, scale, out=G)  # G = 2 (y_pred - Y) / (n q)
            np.matmul(G, W2.T, out=grad_h)  # (n, q) @ (q, d), with the old W2
            gemm(alpha, G_t, h_t, beta=1.0, c=W2_t, trans_b=1, overwrite_c=1)  # W2 -= lr * h.T @ G
            np.greater(z, 0, out=active)
            np.multiply(grad_h, active, out=grad_h)  # grad_z, in place of grad_h
            gemm(alpha, grad_z_t, X_t, beta=1.0, c=W1_t, trans_b=1, overwrite_c=1)  # W1 -= lr * X.T @ grad_z
    return losses
