"""A dense layer, and the same layer written in the two matrix conventions.

The book works in the **row convention** (one sample per row), as numpy code
and most texts do:

    H = phi(X W + b),  X (n, p), W (p, q), b (q,), H (n, q)

The **column convention** (one sample per column) computes the same numbers,
transposed:

    H = phi(W.T X + B),  X (p, n), W (p, q), B (q, 1), H (q, n)

In both, ``W[i, j]`` is the weight from input ``i`` to output ``j``; only where
the samples sit differs. `dense_rows` and `dense_columns` compute one each;
`Dense` is a layer object in the row convention.

`Dense` holds **references** to its parameter arrays and never copies them:
``Dense.from_arrays(W, b)`` keeps the very arrays ``W`` and ``b``, so an
in-place change such as ``W[0, 0] += h`` is seen by the next `forward`, while
rebinding a name (``W = W + h``) is not.

Arguments follow the policy of `labcode.shapes`: the inputs of `dense_rows`,
`dense_columns` and `Dense.forward` may be lists or integers (converted), the
arrays a `Dense` keeps must already be floating numpy arrays, and a bad
argument raises `TypeError` (wrong kind) or `ValueError` (wrong shape or value)
that names it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labcode.activations import Activation, get
from labcode.shapes import as_float, as_int, as_real, check_rng, check_shapes

__all__ = ["Dense", "dense_rows", "dense_columns"]


def dense_rows(
    X: ArrayLike, W: ArrayLike, b: ArrayLike, activation: str | Activation = "identity"
) -> NDArray[np.floating]:
    """A dense layer in the row convention, ``phi(X @ W + b)`` (n, q): samples are rows.

    ``X`` is (n, p), ``W`` (p, q) with ``W[i, j]`` from input i to output j, and
    ``b`` (q,), broadcast over the n rows; ``activation`` is a name for
    `labcode.activations.get`.
    """
    X, W, b = as_float(X, "X"), as_float(W, "W"), as_float(b, "b")
    check_shapes(W=(W, "p q"), b=(b, "q"), X=(X, "n p"))
    return get(activation).phi(X @ W + b)


def dense_columns(
    W: ArrayLike, X: ArrayLike, B: ArrayLike, activation: str | Activation = "identity"
) -> NDArray[np.floating]:
    """A dense layer in the column convention, ``phi(W.T @ X + B)`` (q, n): samples are columns.

    ``W`` is (p, q) as in `dense_rows`, ``X`` (p, n) and ``B`` (q, 1), broadcast
    over the n columns: the result is the transpose of `dense_rows` on ``X.T``.
    """
    W, X, B = as_float(W, "W"), as_float(X, "X"), as_float(B, "B")
    check_shapes(W=(W, "p q"), B=(B, "q 1"), X=(X, "p n"))
    return get(activation).phi(W.T @ X + B)


class Dense:
    """A dense layer in the row convention, ``H = phi(X W + b)``, with ``W`` (in_size, out_size) and ``b`` (out_size,).

    The constructor draws ``W``, then ``b``, as ``scale`` times standard normal
    numbers from ``rng``; `from_arrays` shares arrays instead. ``forward`` takes
    ``X`` (n, in_size) and keeps it and the pre-activation ``Z = X W + b``
    (n, out_size) for ``backward``, which stores ``grad_W`` and ``grad_b``.
    """

    def __init__(
        self,
        in_size: int,
        out_size: int,
        *,
        rng: np.random.Generator,
        scale: float = 0.05,
        activation: str | Activation = "sigmoid",
    ) -> None:
        in_size, out_size = as_int(in_size, "in_size", at_least=1), as_int(out_size, "out_size", at_least=1)
        rng = check_rng(rng)
        scale = as_real(scale, "scale", at_least=0)
        W = scale * rng.standard_normal((in_size, out_size))
        b = scale * rng.standard_normal(out_size)
        self._set(W, b, activation)

    @classmethod
    def from_arrays(
        cls, W: NDArray[np.floating], b: NDArray[np.floating], activation: str | Activation = "sigmoid"
    ) -> Dense:
        """A layer whose parameters are the given floating arrays themselves (no copy): ``layer.W is W``, ``layer.b is b``."""
        layer = cls.__new__(cls)
        layer._set(W, b, activation)
        return layer

    def _set(self, W: NDArray, b: NDArray, activation: str | Activation) -> None:
        W, b = as_float(W, "W", share=True), as_float(b, "b", share=True)
        check_shapes(W=(W, "in_size out_size"), b=(b, "out_size"))
        act = get(activation)
        self.W, self.b, self.activation = W, b, act
        self.X: NDArray[np.floating] | None = None
        self.Z: NDArray[np.floating] | None = None
        self.grad_W: NDArray[np.floating] | None = None
        self.grad_b: NDArray[np.floating] | None = None

    @property
    def params(self) -> dict[str, NDArray[np.floating]]:
        """The parameter arrays by name, ``{"W": self.W, "b": self.b}`` (the arrays themselves, not copies)."""
        return {"W": self.W, "b": self.b}

    def forward(self, X: ArrayLike) -> NDArray[np.floating]:
        """``phi(X W + b)`` (n, out_size) for ``X`` (n, in_size), keeping ``X`` and ``Z`` for backward.

        A refused ``X`` (or a parameter replaced by one of another shape) leaves the
        stored state unchanged.
        """
        X = as_float(X, "X")
        check_shapes(W=(self.W, "in_size out_size"), b=(self.b, "out_size"), X=(X, "n in_size"))
        Z = X @ self.W + self.b
        H = self.activation.phi(Z)
        self.X, self.Z = X, Z
        return H

    def backward(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        """Gradients from ``grad_out = dL/dH`` (n, out_size): stores ``grad_W`` and ``grad_b``, returns ``dL/dX`` (n, in_size).

        With ``grad_Z = grad_out * phi'(Z)`` (Hadamard product):
        ``grad_W = X.T @ grad_Z``, ``grad_b = grad_Z.sum(axis=0)`` and
        ``dL/dX = grad_Z @ W.T``. `RuntimeError` before `forward`; nothing is stored
        if ``grad_out`` is refused.
        """
        if self.X is None:
            raise RuntimeError("Dense: backward called before forward (forward keeps the input)")
        grad_out = as_float(grad_out, "grad_out")
        check_shapes(Z=(self.Z, "n out_size"), grad_out=(grad_out, "n out_size"))
        grad_Z = grad_out * self.activation.dphi(self.Z)
        grad_W = self.X.T @ grad_Z
        grad_b = grad_Z.sum(axis=0)
        grad_X = grad_Z @ self.W.T
        self.grad_W, self.grad_b = grad_W, grad_b
        return grad_X

    def __repr__(self) -> str:
        in_size, out_size = self.W.shape
        return f"Dense(in_size={in_size}, out_size={out_size}, activation={self.activation.name!r})"
