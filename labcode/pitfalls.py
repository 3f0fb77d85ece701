"""Mistakes kept on purpose, for the pitfalls chapter to run and measure.

Each function here reproduces one mistake next to its correct form, behind a
flag, so the page and its figure compute the same numbers from one place.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from labcode.autograd import mean_squared_error
from labcode.nn import Linear, ReLU, Sequential
from labcode.optim import SGD
from labcode.reference import EPOCHS, LEARNING_RATE, reference_problem
from labcode.shapes import _describe, as_int

__all__ = ["train_reference"]


def train_reference(*, zero_grad: bool = True, epochs: int = EPOCHS) -> NDArray[np.float64]:
    """Train the reference problem with labcode's autograd, with or without zeroing gradients.

    The loop of the autograd chapter's step 4: forward, loss, ``zero_grad``,
    ``backward``, ``step``. With ``zero_grad=False`` the one line that clears
    the gradients is skipped, so each ``backward`` adds to the gradients of
    every earlier epoch and the update follows their running sum.

    Parameters
    ----------
    zero_grad : bool, default True
        Clear the gradients before every ``backward`` (the correct loop).
    epochs : int, default 300
        Number of full-batch epochs, >= 0.

    Returns
    -------
    ndarray
        The loss before each update, shape (epochs,).

    Raises
    ------
    TypeError
        If ``zero_grad`` is not a bool or ``epochs`` not an int.
    ValueError
        If ``epochs`` is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.pitfalls import train_reference
    >>> right = train_reference()
    >>> wrong = train_reference(zero_grad=False)
    >>> right.shape, bool(right[0] == wrong[0])      # the same start
    ((300,), True)
    >>> bool(np.all(np.diff(right) < 0)), bool(np.all(np.diff(wrong) < 0))
    (True, False)
    >>> bool(wrong[-1] > 10 * right[-1])
    True
    """
    if not isinstance(zero_grad, bool):
        raise TypeError(f"zero_grad must be True or False, got {_describe(zero_grad)}")
    epochs = as_int(epochs, "epochs", at_least=0)
    X, Y, W1, W2 = reference_problem()
    model = Sequential(Linear(1000, 100, weight=W1), ReLU(), Linear(100, 10, weight=W2))
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        loss = mean_squared_error(model(X), Y)
        losses[epoch] = float(loss.data)
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses
