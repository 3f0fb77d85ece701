"""The reference problem of chapters 8 and 9: one fixed ReLU regression with one hidden layer.

Every version of the training on the site (hand-written backprop, the autograd,
the module, the optimizer, the trainer) starts from the arrays returned by
`reference_problem`, so their loss curves can be compared number for number.

`reference_model` sets up the autograd version of the autograd chapter's step 4
(the model and its optimizer on fresh arrays), and `train_loop` is that step's
loop: the pitfalls chapter, its figure, the training benchmark and the tests
all run these two, so that the benchmark can build outside its timed region
and time the loop alone.

The arrays are drawn exactly as the problem was first published: the legacy
NumPy stream seeded with 1, then ``X``, ``Y``, ``W1``, ``W2`` in that order with
``randn(...).astype(np.float32)``. That legacy seeding is deliberate and the
only one in `labcode`; everywhere else we use `numpy.random.Generator`. The
stream comes from a private ``np.random.RandomState(1)``, which gives the same
numbers as ``np.random.seed(1)`` without touching NumPy's global state.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from labcode.autograd import mean_squared_error
from labcode.nn import Linear, Module, ReLU, Sequential
from labcode.optim import SGD
from labcode.shapes import _describe, as_float, as_int, check_shapes

__all__ = [
    "SEED",
    "N_SAMPLES",
    "N_INPUTS",
    "N_HIDDEN",
    "N_OUTPUTS",
    "LEARNING_RATE",
    "EPOCHS",
    "ReferenceProblem",
    "reference_problem",
    "reference_model",
    "train_loop",
]

#: Seed of the legacy NumPy stream the problem is drawn from.
SEED = 1
#: ``n``, the number of samples (the batch is the whole data set).
N_SAMPLES = 64
#: ``p``, the number of inputs.
N_INPUTS = 1000
#: ``d``, the number of hidden (ReLU) units.
N_HIDDEN = 100
#: ``q``, the number of outputs.
N_OUTPUTS = 10
#: The step size of full-batch gradient descent.
LEARNING_RATE = 1e-4
#: The number of epochs (one epoch is one gradient step on the whole batch).
EPOCHS = 300


class ReferenceProblem(NamedTuple):
    """The four float32 arrays of the reference problem: ``X`` (n, p) = (64, 1000), ``Y`` (n, q) = (64, 10), ``W1`` (p, d) = (1000, 100), ``W2`` (d, q) = (100, 10).

    Unpacks as ``X, Y, W1, W2 = reference_problem()``.
    """

    X: NDArray[np.float32]
    Y: NDArray[np.float32]
    W1: NDArray[np.float32]
    W2: NDArray[np.float32]


def reference_problem() -> ReferenceProblem:
    """Fresh copies of the reference problem's data and initial weights, drawn in the order ``X``, ``Y``, ``W1``, ``W2``.

    Each call draws the arrays again, so no page or test can change another's
    copy (training updates ``W1`` and ``W2`` in place). NumPy's global random
    state is left as it was.
    """
    stream = np.random.RandomState(SEED)
    X = stream.randn(N_SAMPLES, N_INPUTS).astype(np.float32)
    Y = stream.randn(N_SAMPLES, N_OUTPUTS).astype(np.float32)
    W1 = stream.randn(N_INPUTS, N_HIDDEN).astype(np.float32)
    W2 = stream.randn(N_HIDDEN, N_OUTPUTS).astype(np.float32)
    return ReferenceProblem(X, Y, W1, W2)


def reference_model() -> tuple[NDArray[np.float32], NDArray[np.float32], Sequential, SGD]:
    """Step 4's set-up on fresh reference arrays: ``X, Y, model, optimizer``.

    ``model = Sequential(Linear(p, d, weight=W1), ReLU(), Linear(d, q, weight=W2))``
    holds the very arrays ``W1`` and ``W2`` (training updates them in place), and
    ``optimizer = SGD(model.parameters(), lr=LEARNING_RATE)``.
    """
    X, Y, W1, W2 = reference_problem()
    model = Sequential(Linear(*W1.shape, weight=W1), ReLU(), Linear(*W2.shape, weight=W2))
    return X, Y, model, SGD(model.parameters(), lr=LEARNING_RATE)


def train_loop(
    model: Module, optimizer: SGD, X: NDArray[np.floating], Y: NDArray[np.floating], epochs: int = EPOCHS,
    *, zero_grad: bool = True,
) -> NDArray[np.float64]:
    """Step 4's full-batch loop: forward, loss, ``zero_grad``, ``backward``, ``step``; the losses, shape (epochs,).

    ``X`` is (n, p), ``Y`` (n, q) and the loss `labcode.autograd.mean_squared_error`;
    each loss is taken before its epoch's update. With ``zero_grad=False`` the line
    that clears the gradients is skipped, so every update follows the running sum
    of all gradients so far (the pitfalls chapter's mistake).
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be a labcode.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, SGD):
        raise TypeError(f"optimizer must be a labcode.optim.SGD, got {type(optimizer).__name__}")
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    check_shapes(X=(X, "n p"), Y=(Y, "n q"))
    epochs = as_int(epochs, "epochs", at_least=0)
    if not isinstance(zero_grad, bool):
        raise TypeError(f"zero_grad must be True or False, got {_describe(zero_grad)}")
    losses = np.empty(epochs)
    for epoch in range(epochs):
        loss = mean_squared_error(model(X), Y)
        losses[epoch] = float(loss.data)
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses
