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
``q`` outputs. Arguments follow the input policy of `labcode.shapes`: arrays
read by value may be lists or integers (converted to float64); the weights a
function updates in place, and ``out=`` arrays, must be writable floating numpy
arrays; every array is checked before anything is written.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import blas

from labcode.reference import EPOCHS, LEARNING_RATE
from labcode.shapes import as_float, as_int, as_real, check_shapes

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


def _outputs(out: object, specs: dict[str, str]) -> dict[str, tuple[Array, str]]:
    """The ``out=`` arrays for `check_shapes`, by name (``out.h``, ...): writable floating ndarrays."""
    if not (isinstance(out, tuple) and len(out) == len(specs)):
        raise TypeError(f"out must be a tuple of {len(specs)} arrays, got {type(out).__name__}")
    return {name: (as_float(a, name, share=True, writable=True), spec) for (name, spec), a in zip(specs.items(), out)}


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
    TypeError
        If an array is not real numbers, or ``out`` is not three writable
        floating ndarrays.
    ValueError
        If the shapes do not chain; the message names the array and the dimension.

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
    ValueError: W1 has shape (1, 2) but (p, d) was expected with p = 2 (set by X)
    """
    X, W1, W2 = as_float(X, "X"), as_float(W1, "W1"), as_float(W2, "W2")
    kept = {} if out is None else _outputs(out, {"out.h": "n d", "out.h_r": "n d", "out.y_pred": "n q"})
    check_shapes(X=(X, "n p"), W1=(W1, "p d"), W2=(W2, "d q"), **kept)
    h, h_r, y_pred = (a for a, _ in kept.values()) if kept else (None, None, None)
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
    TypeError
        If an array is not real numbers (a complex ``y_pred`` would give a
        negative "squared" error).
    ValueError
        If the shapes differ or are empty.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.backprop import mse_loss
    >>> mse_loss(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]]))
    2.0
    """
    y_pred, Y = as_float(y_pred, "y_pred"), as_float(Y, "Y")
    check_shapes(y_pred=(y_pred, "n q"), Y=(Y, "n q"))
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
        every epoch (chapter 13 measures what that saves).

    Returns
    -------
    grad_W1 : ndarray
        Shape (p, d), like ``W1``.
    grad_W2 : ndarray
        Shape (d, q), like ``W2``.

    Raises
    ------
    TypeError
        If an array is not real numbers, or ``out`` is not two writable
        floating ndarrays.
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
    ValueError: W2 has shape (1, 2) but (d, q) was expected with q = 1 (set by Y)
    """
    X, Y, W2 = as_float(X, "X"), as_float(Y, "Y"), as_float(W2, "W2")
    h, h_r, y_pred = as_float(h, "h"), as_float(h_r, "h_r"), as_float(y_pred, "y_pred")
    grads = {} if out is None else _outputs(out, {"out[0]": "p d", "out[1]": "d q"})
    check_shapes(X=(X, "n p"), Y=(Y, "n q"), W2=(W2, "d q"), h=(h, "n d"), h_r=(h_r, "n d"),
                 y_pred=(y_pred, "n q"), **grads)
    grad_W1, grad_W2 = (a for a, _ in grads.values()) if grads else (None, None)
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
        The weights, updated in place (any array holding a reference sees it):
        a writable floating ndarray of any shape (an empty one is left as it is).
    grad_W : array_like
        Their gradient, same shape; never modified.
    lr : float
        The learning rate, finite and > 0.

    Raises
    ------
    TypeError
        If ``W`` is not a floating ndarray, or ``grad_W`` is not real numbers.
    ValueError
        If the shapes differ, ``W`` is read-only, or ``lr`` is not finite and
        positive; ``W`` is left unchanged.

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
    ValueError: grad_W has shape (3,) but (2,) was expected
    """
    W, grad_W, lr = _checked_step(W, grad_W, lr)
    _step(W, grad_W, lr)


def _checked_step(
    W: object, grad_W: object, lr: object, names: tuple[str, str] = ("W", "grad_W")
) -> tuple[Array, Array, float]:
    """The arguments of one `sgd_update`, checked (and ``grad_W`` converted); nothing is written."""
    W = as_float(W, names[0], share=True, writable=True)
    grad_W = as_float(grad_W, names[1])
    check_shapes(**{names[1]: (grad_W, W.shape)})
    return W, grad_W, as_real(lr, "lr", above=0)


def _step(W: Array, grad_W: Array, lr: float) -> None:
    """`sgd_update` without its checks, for callers that checked every array first."""
    if W.size == 0:
        return
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
        Learning rate, finite and > 0.
    epochs : int, default 300
        Number of gradient steps, >= 0.

    Returns
    -------
    ndarray
        The loss at each epoch, before that epoch's update: shape (epochs,).

    Raises
    ------
    TypeError
        If ``X`` or ``Y`` is not real numbers, ``W1`` or ``W2`` is not a floating
        ndarray, or ``epochs`` is not an int; nothing is updated.
    ValueError
        If the shapes do not chain, ``W1`` or ``W2`` is read-only, or ``lr`` or
        ``epochs`` is out of range; nothing is updated.
    FloatingPointError
        If the loss becomes NaN or infinite (a learning rate too large makes
        the weights diverge). Training stops before that epoch's update, so
        ``W1`` and ``W2`` hold the weights that gave that loss; the error's
        ``epoch`` attribute is the epoch (from 1) and its ``log`` attribute
        holds the losses of the epochs before it, shape (epoch - 1,).
        Overflow along the way is not warned about: it shows as that loss.

    Examples
    --------
    >>> from labcode.backprop import train_by_hand
    >>> from labcode.reference import reference_problem
    >>> X, Y, W1, W2 = reference_problem()
    >>> losses = train_by_hand(X, Y, W1, W2, epochs=20)
    >>> losses.shape, bool(losses[-1] < losses[0] / 2)
    ((20,), True)

    A learning rate two hundred times too large diverges, and training stops:

    >>> try:
    ...     train_by_hand(*reference_problem(), lr=0.02, epochs=20)
    ... except FloatingPointError as error:
    ...     print(error.epoch, error.log.shape,
    ...           bool(error.log[-1] > 1e10 * error.log[0]))
    ...     print(error)
    4 (3,) True
    the loss is inf at epoch 4 of 20: training stopped before that epoch's update
    (lr = 0.02 may be too large)
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    W1 = as_float(W1, "W1", share=True, writable=True)
    W2 = as_float(W2, "W2", share=True, writable=True)
    sizes = check_shapes(X=(X, "n p"), Y=(Y, "n q"), W1=(W1, "p d"), W2=(W2, "d q"))
    n, d, q = sizes["n"], sizes["d"], sizes["q"]
    lr = as_real(lr, "lr", above=0)
    epochs = as_int(epochs, "epochs", at_least=0)
    losses = np.empty(epochs)
    # Every epoch writes into the same arrays: reused memory stays in the cache (chapter 13).
    kept = Forward(*(np.empty(shape, np.result_type(X, W1, W2)) for shape in ((n, d), (n, d), (n, q))))
    dtype = np.result_type(X, Y, W1, W2, 1.0)  # the gradients' dtype (float32 on the reference problem)
    grads = (np.empty(W1.shape, dtype), np.empty(W2.shape, dtype))
    # The shapes were checked above, once: the loop calls the unchecked kernels
    # of forward, mse_loss and backward (chapter 13 measures the difference).
    # Overflow is not warned about: it shows as a loss that is not finite, which stops training.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            h, h_r, y_pred = _forward(X, W1, W2, *kept)
            losses[epoch] = _mse_loss(y_pred, Y)
            if not np.isfinite(losses[epoch]):
                error = FloatingPointError(
                    f"the loss is {losses[epoch]} at epoch {epoch + 1} of {epochs}: training stopped "
                    f"before that epoch's update (lr = {lr:g} may be too large)"
                )
                error.epoch, error.log = epoch + 1, losses[:epoch].copy()
                raise error
            grad_W1, grad_W2 = _backward(X, Y, W2, h, h_r, y_pred, *grads)
            _step(W1, grad_W1, lr)
            _step(W2, grad_W2, lr)
    return losses
