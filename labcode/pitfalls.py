"""Mistakes kept on purpose, for the pitfalls chapter to run and measure.

Each function here reproduces one mistake next to its correct form, behind a
flag, so the page and its figure compute the same numbers from one place.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from labcode.reference import EPOCHS, reference_model, train_loop

__all__ = ["train_reference"]


def train_reference(*, zero_grad: bool = True, epochs: int = EPOCHS) -> NDArray[np.float64]:
    """The reference problem trained by step 4's loop, with or without ``zero_grad``: the losses, shape (epochs,).

    `labcode.reference.train_loop` on a fresh `labcode.reference.reference_model`.
    With ``zero_grad=False`` each ``backward`` adds to the gradients of every
    earlier epoch, and the update follows their running sum.
    """
    X, Y, model, optimizer = reference_model()
    return train_loop(model, optimizer, X, Y, epochs, zero_grad=zero_grad)
