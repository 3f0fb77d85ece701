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
    """A dense layer in the row convention, ``phi(X @ W + b)``: samples are rows.

    Parameters
    ----------
    X : array_like
        Inputs of shape (n, p): n samples, p inputs each.
    W : array_like
        Weights of shape (p, q); ``W[i, j]`` goes from input i to output j.
    b : array_like
        Bias of shape (q,), broadcast over the n rows.
    activation : str or Activation, default "identity"
        Name from `labcode.activations.get`.

    Returns
    -------
    ndarray
        Outputs of shape (n, q).

    Raises
    ------
    TypeError
        If an array is not real numbers.
    ValueError
        If the shapes do not chain or are empty; the message names the
        expected and actual shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.layers import dense_rows
    >>> X = np.array([[1.0, 2.0]])            # n = 1 sample, p = 2 inputs
    >>> W = np.array([[1.0, 0.0, 1.0],
    ...               [0.0, 1.0, 1.0]])       # p = 2, q = 3
    >>> print(dense_rows(X, W, np.array([0.0, 0.0, 0.5])))
    [[1.  2.  3.5]]
    """
    X, W, b = as_float(X, "X"), as_float(W, "W"), as_float(b, "b")
    check_shapes(W=(W, "p q"), b=(b, "q"), X=(X, "n p"))
    return get(activation).phi(X @ W + b)


def dense_columns(
    W: ArrayLike, X: ArrayLike, B: ArrayLike, activation: str | Activation = "identity"
) -> NDArray[np.floating]:
    """A dense layer in the column convention, ``phi(W.T @ X + B)``: samples are columns.

    Parameters
    ----------
    W : array_like
        Weights of shape (p, q); ``W[i, j]`` goes from input i to output j.
    X : array_like
        Inputs of shape (p, n): n samples as columns.
    B : array_like
        Bias of shape (q, 1), broadcast over the n columns.
    activation : str or Activation, default "identity"
        Name from `labcode.activations.get`.

    Returns
    -------
    ndarray
        Outputs of shape (q, n): the transpose of `dense_rows` on ``X.T``.

    Raises
    ------
    TypeError
        If an array is not real numbers.
    ValueError
        If the shapes do not chain or are empty; the message names the
        expected and actual shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.layers import dense_columns
    >>> W = np.array([[1.0, 0.0, 1.0],
    ...               [0.0, 1.0, 1.0]])       # p = 2, q = 3
    >>> X = np.array([[1.0], [2.0]])          # p = 2 inputs, n = 1 sample
    >>> print(dense_columns(W, X, np.array([[0.0], [0.0], [0.5]])))
    [[1. ]
     [2. ]
     [3.5]]
    >>> dense_columns(W, X, np.zeros(3))
    Traceback (most recent call last):
    ...
    ValueError: B has shape (3,) but (q, 1) was expected (2 dimensions, not 1)
    """
    W, X, B = as_float(W, "W"), as_float(X, "X"), as_float(B, "B")
    check_shapes(W=(W, "p q"), B=(B, "q 1"), X=(X, "p n"))
    return get(activation).phi(W.T @ X + B)


class Dense:
    """A dense layer in the row convention: ``H = phi(X W + b)``.

    ``W`` has shape (in_size, out_size) and ``b`` shape (out_size,), as in
    `labcode.nn.Linear`; ``forward`` takes X of shape (n, in_size) and keeps it
    (and the pre-activation ``Z = X W + b``) for ``backward``.

    Parameters
    ----------
    in_size : int
        Number of inputs (the width of the previous layer), at least 1.
    out_size : int
        Number of outputs, at least 1.
    rng : numpy.random.Generator
        Source of the initial weights: ``W`` and ``b`` are ``scale`` times
        standard normal draws (``W`` first, then ``b``).
    scale : float, default 0.05
        Standard deviation of the initial weights, finite and >= 0.
    activation : str or Activation, default "sigmoid"
        Name from `labcode.activations.get`.

    Attributes
    ----------
    W : ndarray
        Weights of shape (in_size, out_size); the very array given to `from_arrays`.
    b : ndarray
        Bias of shape (out_size,); the very array given to `from_arrays`.
    X, Z : ndarray or None
        Input (n, in_size) and pre-activation (n, out_size) of the last forward pass.
    grad_W, grad_b : ndarray or None
        Gradients from the last backward pass, shapes of ``W`` and ``b``.

    Raises
    ------
    TypeError
        If ``in_size`` or ``out_size`` is not an int (``2.0`` is refused), or
        ``rng`` is not a `numpy.random.Generator`.
    ValueError
        If ``in_size`` or ``out_size`` is below 1, or ``scale`` is negative or
        not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.layers import Dense
    >>> layer = Dense(3, 2, rng=np.random.default_rng(0))
    >>> layer.W.shape, layer.b.shape
    ((3, 2), (2,))
    >>> layer.forward(np.ones((4, 3))).shape
    (4, 2)
    >>> layer.forward(np.ones((4, 2)))
    Traceback (most recent call last):
    ...
    ValueError: X has shape (4, 2) but (n, in_size) was expected with in_size = 3
    (set by W)
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
        """A layer that uses the given arrays themselves as its parameters (no copy).

        Parameters
        ----------
        W : ndarray
            Weights of shape (in_size, out_size), a floating numpy array.
        b : ndarray
            Bias of shape (out_size,), a floating numpy array.
        activation : str or Activation, default "sigmoid"
            Name from `labcode.activations.get`.

        Returns
        -------
        Dense
            ``layer.W is W`` and ``layer.b is b``.

        Raises
        ------
        TypeError
            If ``W`` or ``b`` is not a floating numpy array (a list could not be shared).
        ValueError
            If the shapes do not fit together.

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.layers import Dense
        >>> W, b = np.zeros((2, 1)), np.zeros(1)
        >>> layer = Dense.from_arrays(W, b, activation="identity")
        >>> layer.W is W
        True
        >>> W[0, 0] = 1.0                       # in place: the layer sees it
        >>> print(layer.forward(np.array([[3.0, 5.0]])))
        [[3.]]
        """
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
        """The parameter arrays by name (the arrays themselves, not copies).

        Returns
        -------
        dict of str to ndarray
            ``{"W": self.W, "b": self.b}``.

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.layers import Dense
        >>> layer = Dense(2, 1, rng=np.random.default_rng(0))
        >>> layer.params["W"] is layer.W
        True
        """
        return {"W": self.W, "b": self.b}

    def forward(self, X: ArrayLike) -> NDArray[np.floating]:
        """``phi(X W + b)``, keeping ``X`` and ``Z = X W + b`` for backward.

        Parameters
        ----------
        X : array_like
            Inputs of shape (n, in_size).

        Returns
        -------
        ndarray
            Outputs of shape (n, out_size).

        Raises
        ------
        TypeError
            If ``X`` is not real numbers.
        ValueError
            If ``X`` (or a parameter replaced since) has the wrong shape or is
            empty; the layer's stored state is left unchanged.

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.layers import Dense
        >>> layer = Dense.from_arrays(np.ones((2, 1)), np.zeros(1), activation="relu")
        >>> print(layer.forward(np.array([[1.0, 2.0], [-3.0, 1.0]])))
        [[3.]
         [0.]]
        """
        X = as_float(X, "X")
        check_shapes(W=(self.W, "in_size out_size"), b=(self.b, "out_size"), X=(X, "n in_size"))
        Z = X @ self.W + self.b
        H = self.activation.phi(Z)
        self.X, self.Z = X, Z
        return H

    def backward(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        """Gradients from ``grad_out = dL/dH``: stores ``grad_W``, ``grad_b``; returns ``dL/dX``.

        With ``grad_Z = grad_out * phi'(Z)`` (Hadamard product):
        ``grad_W = X.T @ grad_Z`` (in_size, out_size), ``grad_b = grad_Z.sum(axis=0)``
        (out_size,), ``dL/dX = grad_Z @ W.T`` (n, in_size).

        Parameters
        ----------
        grad_out : array_like
            Gradient with respect to the output, shape (n, out_size) of the last forward.

        Returns
        -------
        ndarray
            Gradient with respect to ``X``, shape (n, in_size).

        Raises
        ------
        RuntimeError
            If `forward` has not been called yet.
        TypeError
            If ``grad_out`` is not real numbers.
        ValueError
            If ``grad_out`` has the wrong shape; nothing is stored then.

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.layers import Dense
        >>> layer = Dense.from_arrays(np.array([[2.0], [3.0]]), np.zeros(1),
        ...                           activation="identity")
        >>> _ = layer.forward(np.array([[1.0, 1.0]]))
        >>> print(layer.backward(np.array([[1.0]])), layer.grad_W.ravel(), layer.grad_b)
        [[2. 3.]] [1. 1.] [1.]
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
