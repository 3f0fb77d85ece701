"""The reference problem of chapters 8 and 9: one fixed two-layer ReLU regression.

Every version of the training on the site (hand-written backprop, the autograd,
the module, the optimizer, the trainer) starts from the arrays returned by
`reference_problem`, so their loss curves can be compared number for number.

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
    """The four arrays of the reference problem, all float32.

    Unpacks as ``X, Y, W1, W2 = reference_problem()``.

    Attributes
    ----------
    X : ndarray
        Inputs, shape (n, p) = (64, 1000).
    Y : ndarray
        Targets, shape (n, q) = (64, 10).
    W1 : ndarray
        Initial hidden weights, shape (p, d) = (1000, 100).
    W2 : ndarray
        Initial output weights, shape (d, q) = (100, 10).

    Examples
    --------
    >>> from labcode.reference import reference_problem
    >>> problem = reference_problem()
    >>> [(name, a.shape) for name, a in problem._asdict().items()]
    [('X', (64, 1000)), ('Y', (64, 10)), ('W1', (1000, 100)), ('W2', (100, 10))]
    """

    X: NDArray[np.float32]
    Y: NDArray[np.float32]
    W1: NDArray[np.float32]
    W2: NDArray[np.float32]


def reference_problem() -> ReferenceProblem:
    """Fresh copies of the reference problem's data and initial weights.

    Each call draws the arrays again, so no page or test can change another's
    copy (training updates ``W1`` and ``W2`` in place). NumPy's global random
    state is left as it was.

    Returns
    -------
    ReferenceProblem
        ``X`` (64, 1000), ``Y`` (64, 10), ``W1`` (1000, 100), ``W2`` (100, 10),
        all float32, drawn in that order from the legacy stream seeded with 1.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.reference import reference_problem
    >>> X, Y, W1, W2 = reference_problem()
    >>> X.dtype, W2.shape
    (dtype('float32'), (100, 10))
    >>> W1 is reference_problem().W1, np.array_equal(W1, reference_problem().W1)
    (False, True)
    """
    stream = np.random.RandomState(SEED)
    X = stream.randn(N_SAMPLES, N_INPUTS).astype(np.float32)
    Y = stream.randn(N_SAMPLES, N_OUTPUTS).astype(np.float32)
    W1 = stream.randn(N_INPUTS, N_HIDDEN).astype(np.float32)
    W2 = stream.randn(N_HIDDEN, N_OUTPUTS).astype(np.float32)
    return ReferenceProblem(X, Y, W1, W2)
