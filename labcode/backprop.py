"""Backpropagation by hand for the two-layer ReLU network of chapter 8.

The network has no biases:

    H   = X @ W1          (n, d)   pre-activation
    H_r = relu(H)         (n, d)   hidden layer
    Y^  = H_r @ W2        (n, q)   output
    L   = sum((Y^ - Y)**2) / (n * q)

and one epoch of full-batch gradient descent costs five matrix products (GEMMs):
two forward, three backward:

    G    = 2 (Y^ - Y) / (n q)     (n, q)   dL/dY^
    gW2  = H_r.T @ G              (d, q)
    gH_r = G @ W2.T               (n, d)
    gH   = gH_r * (H > 0)         (n, d)   the ReLU mask
    gW1  = X.T @ gH               (p, d)

Shapes use the book's names: ``n`` samples, ``p`` inputs, ``d`` hidden units,
``q`` outputs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import blas

from labcode.reference import EPOCHS, LEARNING_RATE

__all__ = ["Forward", "forward", "mse_loss", "backward", "sgd_update", "train_by_hand"]

Array = NDArray[np.floating]

#: BLAS ``y <- a x + y`` by dtype, for `sgd_update`.
_AXPY = {np.dtype(np.float32): blas.saxpy, np.dtype(np.float64): blas.daxpy}


class Forward(NamedTuple):
    """What the forward pass keeps for the backward pass.

    Attributes
    ----------
    h : ndarray
        Pre-activation ``X @ W1``, shape (n, d).
    h_r : ndarray
        Hidden layer ``relu(h)``, shape (n, d).
    y_pred : ndarray
        Output ``h_r @ W2``, shape (n, q).

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.backprop import forward
    >>> out = forward(np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 1)))
    >>> out.h.shape, out.h_r.shape, out.y_pred.shape
    ((2, 4), (2, 4), (2, 1))
    """

    h: Array
    h_r: Array
    y_pred: Array


def _check_chain(X: Array, W1: Array, W2: Array) -> None:
    if X.ndim != 2 or W1.ndim != 2 or W2.ndim != 2:
        raise ValueError(
            f"X, W1 and W2 must be matrices, got shapes {X.shape}, {W1.shape} and {W2.shape}"
        )
    if X.shape[1] != W1.shape[0] or W1.shape[1] != W2.shape[0]:
        raise ValueError(
            f"shapes do not chain: X {X.shape} (n, p), W1 {W1.shape} (p, d), "
            f"W2 {W2.shape} (d, q)"
        )


def forward(X: Array, W1: Array, W2: Array, *, out: Forward | None = None) -> Forward:
    """The forward pass ``relu(X @ W1) @ W2``, keeping the intermediate arrays.

    Parameters
    ----------
    X : ndarray
        Inputs, shape (n, p).
    W1 : ndarray
        Hidden weights, shape (p, d).
    W2 : ndarray
        Output weights, shape (d, q).
    out : Forward, optional
        Three arrays of shapes (n, d), (n, d) and (n, q) to write into (and
        return) instead of new ones; `train_by_hand` reuses the same three
        every epoch.

    Returns
    -------
    Forward
        ``h`` (n, d), ``h_r`` (n, d) and ``y_pred`` (n, q).

    Raises
    ------
    ValueError
        If the shapes do not chain; the message names all three.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.backprop import forward
    >>> X = np.array([[1.0, -2.0]])
    >>> W1 = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> W2 = np.array([[1.0], [1.0]])
    >>> h, h_r, y_pred = forward(X, W1, W2)
    >>> print(h, h_r, y_pred)
    [[ 1. -2.]] [[1. 0.]] [[1.]]
    >>> forward(X, W1.T[:1], W2)
    Traceback (most recent call last):
    ...
    ValueError: shapes do not chain: X (1, 2) (n, p), W1 (1, 2) (p, d), W2 (2, 1) (d, q)
    """
    _check_chain(X, W1, W2)
    h, h_r, y_pred = (None, None, None) if out is None else out
    shapes = ((X.shape[0], W1.shape[1]),) * 2 + ((X.shape[0], W2.shape[1]),)
    if out is not None and tuple(a.shape for a in out) != shapes:
        raise ValueError(f"out has shapes {tuple(a.shape for a in out)} but the forward pass gives {shapes}")
    return _forward(X, W1, W2, h, h_r, y_pred)


def _forward(X: Array, W1: Array, W2: Array, h: Array | None, h_r: Array | None, y_pred: Array | None) -> Forward:
    """`forward` without its checks, for callers that checked the shapes once."""
    h = np.matmul(X, W1, out=h)  # (n, p) @ (p, d) -> (n, d)
    h_r = np.maximum(h, 0, out=h_r)  # (n, d)
    return Forward(h, h_r, np.matmul(h_r, W2, out=y_pred))  # (n, d) @ (d, q) -> (n, q)


def mse_loss(y_pred: Array, Y: Array) -> float:
    """Mean squared error ``sum((y_pred - Y)**2) / (n * q)``, over every entry.

    The sum is taken in the arrays' own dtype (float32 on the reference problem).

    Parameters
    ----------
    y_pred : ndarray
        Predictions, shape (n, q).
    Y : ndarray
        Targets, shape (n, q).

    Returns
    -------
    float
        The loss.

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.backprop import mse_loss
    >>> mse_loss(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]]))
    2.0
    """
    if y_pred.shape != Y.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} but Y has shape {Y.shape}")
    return _mse_loss(y_pred, Y)


def _mse_loss(y_pred: Array, Y: Array) -> float:
    """`mse_loss` without its check."""
    diff = y_pred - Y
    return float(np.sum(diff * diff) / diff.size)


def backward(
    X: Array,
    Y: Array,
    W2: Array,
    h: Array,
    h_r: Array,
    y_pred: Array,
    *,
    out: tuple[Array, Array] | None = None,
) -> tuple[Array, Array]:
    """Gradients of `mse_loss` with respect to ``W1`` and ``W2``: three GEMMs.

    Parameters
    ----------
    X : ndarray
        Inputs, shape (n, p).
    Y : ndarray
        Targets, shape (n, q).
    W2 : ndarray
        Output weights, shape (d, q).
    h, h_r, y_pred : ndarray
        The arrays kept by `forward`: shapes (n, d), (n, d) and (n, q).
    out : tuple of two ndarrays, optional
        Arrays of shapes (p, d) and (d, q) to write the two gradients into
        (and return), instead of new ones. `train_by_hand` passes the same two
        every epoch (chapter 11 measures what that saves).

    Returns
    -------
    grad_W1 : ndarray
        Shape (p, d), like ``W1``.
    grad_W2 : ndarray
        Shape (d, q), like ``W2``.

    Raises
    ------
    ValueError
        If an array's shape disagrees with ``X`` (n, p) and ``W2`` (d, q).

    Notes
    -----
    With ``G = 2 (y_pred - Y) / (n q)``: ``grad_W2 = h_r.T @ G`` and
    ``grad_W1 = X.T @ ((G @ W2.T) * (h > 0))``. The ReLU mask multiplies into a
    new array; the incoming gradient ``G @ W2.T`` is never modified.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.backprop import backward, forward
    >>> X = np.array([[1.0, -2.0]])
    >>> W1 = np.eye(2)
    >>> W2 = np.array([[1.0], [1.0]])
    >>> Y = np.array([[0.0]])
    >>> grad_W1, grad_W2 = backward(X, Y, W2, *forward(X, W1, W2))
    >>> print(grad_W1)
    [[ 2.  0.]
     [-4.  0.]]
    >>> print(grad_W2)
    [[2.]
     [0.]]
    >>> backward(X, Y, W2.T, *forward(X, W1, W2))
    Traceback (most recent call last):
    ...
    ValueError: Y has shape (1, 1) but X (1, 2) and W2 (1, 2) give (n, d, q) = (1, 1, 2), so Y should be (1, 2)
    """
    n, d, q = X.shape[0], W2.shape[0], W2.shape[1]
    expected = {"Y": (Y, (n, q)), "h": (h, (n, d)), "h_r": (h_r, (n, d)), "y_pred": (y_pred, (n, q))}
    for name, (array, shape) in expected.items():
        if array.shape != shape:
            raise ValueError(
                f"{name} has shape {array.shape} but X {X.shape} and W2 {W2.shape} give "
                f"(n, d, q) = {(n, d, q)}, so {name} should be {shape}"
            )
    grad_W1, grad_W2 = (None, None) if out is None else out
    if out is not None and (grad_W1.shape != (X.shape[1], d) or grad_W2.shape != (d, q)):
        raise ValueError(
            f"out has shapes {grad_W1.shape} and {grad_W2.shape} but the gradients have shapes "
            f"{(X.shape[1], d)} (p, d) and {(d, q)} (d, q)"
        )
    return _backward(X, Y, W2, h, h_r, y_pred, grad_W1, grad_W2)


def _backward(
    X: Array, Y: Array, W2: Array, h: Array, h_r: Array, y_pred: Array, grad_W1: Array | None, grad_W2: Array | None
) -> tuple[Array, Array]:
    """`backward` without its checks, for callers that checked the shapes once."""
    grad_y = (2.0 / y_pred.size) * (y_pred - Y)  # (n, q)
    grad_W2 = np.matmul(h_r.T, grad_y, out=grad_W2)  # (d, n) @ (n, q) -> (d, q)
    grad_h_r = grad_y @ W2.T  # (n, q) @ (q, d) -> (n, d)
    grad_h = grad_h_r * (h > 0)  # (n, d), a new array
    grad_W1 = np.matmul(X.T, grad_h, out=grad_W1)  # (p, n) @ (n, d) -> (p, d)
    return grad_W1, grad_W2


def sgd_update(W: Array, grad_W: Array, lr: float) -> None:
    """One gradient-descent step ``W <- W - lr * grad_W``, in place.

    For contiguous float32 or float64 arrays of one dtype the step is a single
    BLAS ``axpy`` (``y <- a x + y``): one pass over ``W``, no temporary array
    of its size. Otherwise it is ``W -= lr * grad_W``. The two can differ in
    the last bit (``axpy`` may fuse the multiply and the add); every trainer in
    `labcode` goes through this one function, so they all round alike.

    Parameters
    ----------
    W : ndarray
        The weights, updated in place (any array holding a reference sees it).
    grad_W : ndarray
        Their gradient, same shape; never modified.
    lr : float
        The learning rate.

    Raises
    ------
    ValueError
        If the shapes differ; ``W`` is left unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.backprop import sgd_update
    >>> W = np.array([1.0, 2.0])
    >>> sgd_update(W, np.array([2.0, -2.0]), lr=0.5)
    >>> print(W)
    [0. 3.]
    >>> sgd_update(W, np.ones(3), lr=0.5)
    Traceback (most recent call last):
    ...
    ValueError: W has shape (2,) but its gradient has shape (3,)
    """
    if W.shape != grad_W.shape:
        raise ValueError(f"W has shape {W.shape} but its gradient has shape {grad_W.shape}")
    axpy = _AXPY.get(W.dtype)
    if (
        axpy is not None
        and grad_W.dtype == W.dtype
        and W.flags.c_contiguous
        and W.flags.writeable
        and grad_W.flags.c_contiguous
    ):
        y = W.reshape(-1)  # a view: axpy writes into W itself
        out = axpy(grad_W.reshape(-1), y, a=-lr)
        if not np.shares_memory(out, W):  # never expected; keep the promise anyway
            y[...] = out
    else:
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
    """Full-batch gradient descent with hand-written backprop; ``W1``, ``W2`` change in place.

    Each epoch: `forward`, `mse_loss` (recorded), `backward`, then `sgd_update`
    of both weight matrices. The forward pass and the two gradients write into
    the same arrays every epoch (``out=``) rather than into new ones.

    Parameters
    ----------
    X : ndarray
        Inputs, shape (n, p).
    Y : ndarray
        Targets, shape (n, q).
    W1 : ndarray
        Hidden weights, shape (p, d), updated in place.
    W2 : ndarray
        Output weights, shape (d, q), updated in place.
    lr : float, default 1e-4
        Learning rate.
    epochs : int, default 300
        Number of gradient steps.

    Returns
    -------
    ndarray
        The loss at each epoch, before that epoch's update: shape (epochs,).

    Raises
    ------
    ValueError
        If the shapes do not chain or ``Y`` is not (n, q); nothing is updated.

    Examples
    --------
    >>> from labcode.backprop import train_by_hand
    >>> from labcode.reference import reference_problem
    >>> X, Y, W1, W2 = reference_problem()
    >>> losses = train_by_hand(X, Y, W1, W2, epochs=20)
    >>> losses.shape, bool(losses[-1] < losses[0] / 2)
    ((20,), True)
    """
    _check_chain(X, W1, W2)
    if Y.shape != (X.shape[0], W2.shape[1]):
        raise ValueError(
            f"Y has shape {Y.shape} but X {X.shape} and W2 {W2.shape} give (n, q) = "
            f"{(X.shape[0], W2.shape[1])}"
        )
    losses = np.empty(epochs)
    # Every epoch writes into the same arrays: reused memory stays in the cache (chapter 11).
    n, d, q = X.shape[0], W1.shape[1], W2.shape[1]
    kept = Forward(*(np.empty(shape, np.result_type(X, W1, W2)) for shape in ((n, d), (n, d), (n, q))))
    dtype = np.result_type(X, Y, W1, W2, 1.0)  # the gradients' dtype (float32 on the reference problem)
    grads = (np.empty(W1.shape, dtype), np.empty(W2.shape, dtype))
    # The shapes were checked above, once: the loop calls the unchecked kernels
    # of forward, mse_loss and backward (chapter 11 measures the difference).
    for epoch in range(epochs):
        h, h_r, y_pred = _forward(X, W1, W2, *kept)
        losses[epoch] = _mse_loss(y_pred, Y)
        grad_W1, grad_W2 = _backward(X, Y, W2, h, h_r, y_pred, *grads)
        sgd_update(W1, grad_W1, lr)
        sgd_update(W2, grad_W2, lr)
    return losses
