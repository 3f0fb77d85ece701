"""Softmax, cross-entropy and a small classifier (the softmax chapter).

Logits ``Z`` of shape (n, q) hold one row of ``q`` class scores per sample.
Softmax turns each row into probabilities, cross-entropy scores them against
the labels, and the gradient of the mean cross-entropy with respect to the
logits is the short ``(P - Y) / n``:

    P      = softmax(Z)                         (n, q)   rows sum to 1
    L      = -sum(Y * log P) / n                scalar   Y one-hot (n, q)
    dL/dZ  = (P - Y) / n                        (n, q)

Everything is computed in the stable form (the row maximum subtracted before
``exp``, log-softmax by log-sum-exp); `softmax_naive` is the formula as it
reads, kept to show the overflow it suffers. Labels are given either as
integers of shape (n,) or as one-hot rows of shape (n, q).

The classifier is one hidden ReLU layer with biases, trained by full-batch
gradient descent on a data set that `make_spirals` draws from a generator
passed in. Shapes use the book's names: ``n`` samples, ``p`` inputs, ``d``
hidden units, ``q`` classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labcode.activations import relu
from labcode.shapes import check_shapes

__all__ = [
    "softmax",
    "softmax_naive",
    "log_softmax",
    "one_hot",
    "cross_entropy",
    "cross_entropy_gradient",
    "softmax_jacobian",
    "make_spirals",
    "init_classifier",
    "classifier_logits",
    "classifier_gradient",
    "predict",
    "accuracy",
    "TrainedClassifier",
    "train_classifier",
]

Array = NDArray[np.float64]


# --- input checks: one private function, so a shared policy can replace it ----


def _checked(name: str, value: object, kind: str, spec: str | None = None, *, finite: bool = True) -> np.ndarray:
    """``value`` as an array of the right kind and shape, or a TypeError/ValueError naming ``name``.

    ``kind`` is ``"real"`` (converted to float64, bool refused) or ``"labels"``
    (integers, kept as int64). ``spec`` is a `check_shapes` spec such as ``"n q"``.
    """
    array = np.asarray(value)
    if kind == "labels":
        if array.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer class labels, got dtype {array.dtype}")
        array = array.astype(np.int64)
    else:
        if array.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
        array = array.astype(np.float64)
        if finite and not np.all(np.isfinite(array)):
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            raise ValueError(f"{name} has a non-finite entry at {list(where)}: {array[where]}")
    if spec is not None:
        check_shapes(**{name: (array, spec)})
    return array


def _labels(Y: ArrayLike, n: int, q: int) -> Array:
    """Integer labels (n,) or one-hot rows (n, q) as one-hot float64 (n, q)."""
    Y_arr = np.asarray(Y)
    if Y_arr.ndim == 1:
        labels = _checked("Y", Y_arr, "labels")
        check_shapes({"n": n}, Y=(labels, "n"))
        return one_hot(labels, q)
    Y_arr = _checked("Y", Y_arr, "real", "n q")
    check_shapes({"n": n, "q": q}, Y=(Y_arr, "n q"))
    if np.any(Y_arr < 0) or not np.allclose(Y_arr.sum(axis=1), 1.0, rtol=0, atol=1e-12):
        row = int(np.argmax((Y_arr < 0).any(axis=1) | ~np.isclose(Y_arr.sum(axis=1), 1.0, rtol=0, atol=1e-12)))
        raise ValueError(
            f"Y row {row} is not a probability vector (entries >= 0 summing to 1): {Y_arr[row]}"
        )
    return Y_arr


def _rows(Z: ArrayLike, name: str = "Z") -> Array:
    """Logits of shape (n, q) or one row (q,), as float64."""
    Z = _checked(name, Z, "real")
    if Z.ndim not in (1, 2) or Z.shape[-1] == 0:
        raise ValueError(f"{name} has shape {Z.shape} but (n, q) or (q,) with q >= 1 was expected")
    return Z


# --- softmax ------------------------------------------------------------------


def softmax(Z: ArrayLike) -> Array:
    """Softmax of every row of ``Z`` (n, q) or (q,), ``exp(z_ij) / sum_k exp(z_ik)``, computed without overflow.

    The row maximum is subtracted first. That changes nothing (numerator and
    denominator are both multiplied by ``exp(-max)``) but keeps every ``exp``
    at most 1, so logits of any size give exact probabilities. Non-finite
    logits are refused.
    """
    Z = _rows(Z)
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def softmax_naive(Z: ArrayLike) -> Array:
    """Softmax as the formula reads, ``exp(Z) / sum(exp(Z))`` per row: overflows for large logits.

    ``exp(1000)`` is ``inf`` in float64, so a row of logits around 1000 gives
    ``inf / inf = nan`` (with RuntimeWarnings). Kept to show the failure; use
    `softmax`. Non-finite logits are not refused here.
    """
    Z = _checked("Z", Z, "real", finite=False)
    if Z.ndim not in (1, 2):
        raise ValueError(f"Z has shape {Z.shape} but (n, q) or (q,) was expected")
    E = np.exp(Z)
    return E / E.sum(axis=-1, keepdims=True)


def log_softmax(Z: ArrayLike) -> Array:
    """The log of the softmax of every row by log-sum-exp, ``z - m - log(sum(exp(z - m)))`` with ``m`` the row maximum.

    Taking ``log(softmax(Z))`` instead would give ``-inf`` wherever a probability
    underflows to 0; this form stays finite.
    """
    Z = _rows(Z)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def one_hot(labels: ArrayLike, q: int) -> Array:
    """Integer ``labels`` (n,), each in ``0, ..., q - 1``, as one-hot float64 rows (n, q): row ``i`` has a 1 in column ``labels[i]``."""
    labels = _checked("labels", labels, "labels", "n")
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or q < 1:
        raise ValueError(f"q must be a positive integer, got {q!r}")
    bad = np.flatnonzero((labels < 0) | (labels >= q))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"labels[{i}] = {labels[i]} is not a class of 0, ..., q - 1 = {q - 1}")
    Y = np.zeros((labels.size, int(q)))
    Y[np.arange(labels.size), labels] = 1.0
    return Y


def cross_entropy(Z: ArrayLike, Y: ArrayLike) -> float:
    """Mean cross-entropy of the softmax of the logits ``Z`` (n, q), ``-sum(Y * log softmax(Z)) / n``.

    ``Y`` holds labels: integers (n,), or rows (n, q) that are probability
    vectors (one-hot, usually); the same in every function of this module that
    takes ``Y``. Computed with `log_softmax`, so it is finite even when a
    probability underflows.
    """
    Z = _checked("Z", Z, "real", "n q")
    Y = _labels(Y, *Z.shape)
    return float(-np.sum(Y * log_softmax(Z)) / Z.shape[0])


def cross_entropy_gradient(Z: ArrayLike, Y: ArrayLike) -> Array:
    """Gradient of `cross_entropy` with respect to the logits, ``(softmax(Z) - Y) / n``, shape (n, q); each row sums to 0.

    Notes
    -----
    Per row, the softmax Jacobian is ``diag(p) - p p^T`` and the gradient of
    ``-sum_j y_j log p_j`` with respect to ``p`` is ``-y / p``; their product
    is ``-y + p sum_j y_j = p - y`` because ``y`` sums to 1.
    """
    Z = _checked("Z", Z, "real", "n q")
    Y = _labels(Y, *Z.shape)
    return (softmax(Z) - Y) / Z.shape[0]


def softmax_jacobian(z: ArrayLike) -> Array:
    """Jacobian of the softmax of one row ``z`` (q,), ``diag(p) - p p^T`` with ``p = softmax(z)``: (q, q), symmetric.

    Entry ``(j, k)`` is ``d p_j / d z_k = p_j (1[j = k] - p_k)``; every row and
    column sums to 0.
    """
    z = _checked("z", z, "real", "q")
    p = softmax(z)
    return np.diag(p) - np.outer(p, p)


# --- a data set ---------------------------------------------------------------


def make_spirals(n_per_class: int, q: int, rng: np.random.Generator, *, noise: float = 0.2) -> tuple[Array, NDArray[np.int64]]:
    """``q >= 2`` interleaved spiral arms in the plane, one class per arm: points ``X`` (n, 2) and their ``labels`` (n,), ``n = q * n_per_class``.

    Point ``i`` of arm ``k`` sits at radius ``r = i / (n_per_class - 1)`` and
    angle ``2 pi k / q + 4 r`` plus Gaussian noise of standard deviation
    ``noise`` (radians), drawn from ``rng``: no straight line separates the
    arms. The points come arm by arm.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    for name, value in (("n_per_class", n_per_class), ("q", q)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
            raise ValueError(f"{name} must be an integer of at least 2, got {value!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    r = np.linspace(0.0, 1.0, n_per_class)
    X = np.empty((q * n_per_class, 2))
    labels = np.repeat(np.arange(q, dtype=np.int64), n_per_class)
    for k in range(q):
        angle = 2 * np.pi * k / q + 4 * r + noise * rng.standard_normal(n_per_class)
        X[k * n_per_class : (k + 1) * n_per_class] = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return X, labels


# --- a classifier with one hidden ReLU layer ----------------------------------


def init_classifier(p: int, d: int, q: int, rng: np.random.Generator) -> dict[str, Array]:
    """Initial parameters of the classifier: ``W1`` (p, d) standard normal times ``sqrt(2 / p)``, ``b1`` (d,) zeros, ``W2`` (d, q) times ``sqrt(1 / d)``, ``b2`` (q,) zeros.

    ``rng`` draws ``W1``, then ``W2``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    for name, value in (("p", p), ("d", d), ("q", q)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return {
        "W1": rng.standard_normal((p, d)) * np.sqrt(2.0 / p),
        "b1": np.zeros(d),
        "W2": rng.standard_normal((d, q)) * np.sqrt(1.0 / d),
        "b2": np.zeros(q),
    }


def _params(params: dict, X: ArrayLike) -> tuple[dict[str, Array], Array]:
    """The classifier's four arrays and ``X``, checked against (p, d), (d,), (d, q), (q,) and (n, p)."""
    missing = {"W1", "b1", "W2", "b2"} - set(params)
    if missing:
        raise ValueError(f"params lacks {sorted(missing)}; it needs W1, b1, W2 and b2")
    arrays = {name: _checked(name, params[name], "real") for name in ("W1", "b1", "W2", "b2")}
    X = _checked("X", X, "real")
    check_shapes(X=(X, "n p"), W1=(arrays["W1"], "p d"), b1=(arrays["b1"], "d"),
                 W2=(arrays["W2"], "d q"), b2=(arrays["b2"], "q"))
    return arrays, X


def classifier_logits(params: dict, X: ArrayLike) -> Array:
    """The logits ``relu(X W1 + b1) W2 + b2`` (n, q) of the classifier, for ``params`` as `init_classifier` makes them and ``X`` (n, p)."""
    arrays, X = _params(params, X)
    H = relu(X @ arrays["W1"] + arrays["b1"])
    return H @ arrays["W2"] + arrays["b2"]


def classifier_gradient(params: dict, X: ArrayLike, Y: ArrayLike) -> tuple[float, dict[str, Array]]:
    """The mean cross-entropy of the classifier and its gradient for ``W1``, ``b1``, ``W2``, ``b2`` (``params`` is not modified).

    Forward: ``Z1 = X W1 + b1``, ``H = relu(Z1)``, ``Z = H W2 + b2``.
    Backward, with ``G = (softmax(Z) - Y) / n`` of shape (n, q):

    * ``dW2 = H^T G`` (d, q) and ``db2 = G`` summed over rows (q,);
    * ``D = (G W2^T) * (Z1 > 0)`` (n, d);
    * ``dW1 = X^T D`` (p, d) and ``db1 = D`` summed over rows (d,).
    """
    arrays, X = _params(params, X)
    return _gradient(arrays, X, _labels(Y, X.shape[0], arrays["W2"].shape[1]))


def _gradient(params: dict[str, Array], X: Array, Y: Array) -> tuple[float, dict[str, Array]]:
    """`classifier_gradient` without its checks: ``Y`` one-hot (n, q)."""
    n = X.shape[0]
    Z1 = X @ params["W1"] + params["b1"]  # (n, p) @ (p, d) -> (n, d)
    H = relu(Z1)  # (n, d)
    Z = H @ params["W2"] + params["b2"]  # (n, d) @ (d, q) -> (n, q)
    shifted = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(shifted)
    total = E.sum(axis=1, keepdims=True)
    loss = float(-np.sum(Y * (shifted - np.log(total))) / n)  # log_softmax, inlined
    G = (E / total - Y) / n  # (n, q)
    D = (G @ params["W2"].T) * (Z1 > 0)  # (n, q) @ (q, d) -> (n, d)
    return loss, {"W1": X.T @ D, "b1": D.sum(axis=0), "W2": H.T @ G, "b2": G.sum(axis=0)}


def predict(params: dict, X: ArrayLike) -> NDArray[np.int64]:
    """The most probable class of every sample, (n,): the largest logit, the first on a tie."""
    return np.argmax(classifier_logits(params, X), axis=1).astype(np.int64)


def accuracy(predicted: ArrayLike, labels: ArrayLike) -> float:
    """The fraction of ``predicted`` integer labels (n,) equal to ``labels`` (n,)."""
    predicted = _checked("predicted", predicted, "labels", "n")
    labels = _checked("labels", labels, "labels")
    check_shapes(predicted=(predicted, "n"), labels=(labels, "n"))
    return float(np.mean(predicted == labels))


@dataclass(frozen=True)
class TrainedClassifier:
    """What `train_classifier` returns: the trained ``params``, the ``losses`` (epochs,) before each update, and the training ``accuracy`` after the last one."""

    params: dict[str, Array]
    losses: Array
    accuracy: float


def train_classifier(
    X: ArrayLike,
    labels: ArrayLike,
    d: int,
    rng: np.random.Generator,
    *,
    lr: float = 1.0,
    epochs: int = 2000,
) -> TrainedClassifier:
    """Train the one-hidden-layer classifier with ``d`` hidden units by full-batch gradient descent.

    ``X`` is (n, p) and ``labels`` (n,) in ``0, ..., q - 1`` (``q`` is the
    largest label plus one). Parameters start from `init_classifier` with
    ``rng``; each epoch computes `classifier_gradient` on the whole data set and
    steps every parameter by ``-lr`` times its gradient. Everything is checked
    before anything is trained.
    """
    X = _checked("X", X, "real", "n p")
    labels = _checked("labels", labels, "labels")
    check_shapes(X=(X, "n p"), labels=(labels, "n"))
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be >= 0, got {int(labels.min())}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    q = int(labels.max()) + 1
    Y = one_hot(labels, q)
    params = init_classifier(X.shape[1], d, q, rng)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        losses[epoch], grads = _gradient(params, X, Y)  # checked once, above
        for name, g in grads.items():
            params[name] -= lr * g
    return TrainedClassifier(params, losses, accuracy(predict(params, X), labels))
