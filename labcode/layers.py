"""A dense layer, and the same layer written in the two matrix conventions.

The book works in the **row convention** (one sample per row), as numpy code
and most texts do:

    Y = phi(X W + b),  X (N, L), W (L, M), b (M,), Y (N, M)

The **column convention** (one sample per column) computes the same numbers,
transposed:

    Y = phi(W.T X + B),  X (L, N), W (L, M), B (M, 1), Y (M, N)

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
        Inputs of shape (N, L): N samples, L inputs each.
    W : array_like
        Weights of shape (L, M); ``W[i, j]`` goes from input i to output j.
    b : array_like
        Bias of shape (M,), broadcast over the N rows.
    activation : str or Activation, default "identity"
        Name from `labcode.activations.get`.

    Returns
    -------
    ndarray
        Outputs of shape (N, M).

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
    >>> X = np.array([[1.0, 2.0]])            # N = 1 sample, L = 2 inputs
    >>> W = np.array([[1.0, 0.0, 1.0],
    ...               [0.0, 1.0, 1.0]])       # L = 2, M = 3
    >>> print(dense_rows(X, W, np.array([0.0, 0.0, 0.5])))
    [[1.  2.  3.5]]
    """
    X, W, b = as_float(X, "X"), as_float(W, "W"), as_float(b, "b")
    check_shapes(W=(W, "L M"), b=(b, "M"), X=(X, "N L"))
    return get(activation).phi(X @ W + b)


def dense_columns(
    W: ArrayLike, X: ArrayLike, B: ArrayLike, activation: str | Activation = "identity"
) -> NDArray[np.floating]:
    """A dense layer in the column convention, ``phi(W.T @ X + B)``: samples are columns.

    Parameters
    ----------
    W : array_like
        Weights of shape (L, M); ``W[i, j]`` goes from input i to output j.
    X : array_like
        Inputs of shape (L, N): N samples as columns.
    B : array_like
        Bias of shape (M, 1), broadcast over the N columns.
    activation : str or Activation, default "identity"
        Name from `labcode.activations.get`.

    Returns
    -------
    ndarray
        Outputs of shape (M, N): the transpose of `dense_rows` on ``X.T``.

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
    ...               [0.0, 1.0, 1.0]])       # L = 2, M = 3
    >>> X = np.array([[1.0], [2.0]])          # L = 2 inputs, N = 1 sample
    >>> print(dense_columns(W, X, np.array([[0.0], [0.0], [0.5]])))
    [[1. ]
     [2. ]
     [3.5]]
    >>> dense_columns(W, X, np.zeros(3))
    Traceback (most recent call last):
    ...
    ValueError: B has shape (3,) but (M, 1) was expected (2 dimensions, not 1)
    """
    W, X, B = as_float(W, "W"), as_float(X, "X"), as_float(B, "B")
    check_shapes(W=(W, "L M"), B=(B, "M 1"), X=(X, "L N"))
    return get(activation).phi(W.T @ X + B)


class Dense:
    """A dense layer in the row convention: ``Y = phi(X W + b)``.

    ``W`` has shape (prev, n) and ``b`` shape (n,); ``forward`` takes X of shape
    (N, prev) and keeps it (and the pre-activation ``Z = X W + b``) for
    ``backward``.

    Parameters
    ----------
    prev : int
        Number of inputs (the width of the previous layer), at least 1.
    n : int
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
        Weights of shape (prev, n); the very array given to `from_arrays`.
    b : ndarray
        Bias of shape (n,); the very array given to `from_arrays`.
    X, Z : ndarray or None
        Input (N, prev) and pre-activation (N, n) of the last forward pass.
    dW, db : ndarray or None
        Gradients from the last backward pass, shapes of ``W`` and ``b``.

    Raises
    ------
    TypeError
        If ``prev`` or ``n`` is not an int (``2.0`` is refused), or ``rng`` is
        not a `numpy.random.Generator`.
    ValueError
        If ``prev`` or ``n`` is below 1, or ``scale`` is negative or not finite.

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
    ValueError: X has shape (4, 2) but (N, prev) was expected with prev = 3 (set
    by W)
    """

    def __init__(
        self,
        prev: int,
        n: int,
        *,
        rng: np.random.Generator,
        scale: float = 0.05,
        activation: str | Activation = "sigmoid",
    ) -> None:
        prev, n = as_int(prev, "prev", at_least=1), as_int(n, "n", at_least=1)
        rng = check_rng(rng)
        scale = as_real(scale, "scale", at_least=0)
        W = scale * rng.standard_normal((prev, n))
        b = scale * rng.standard_normal(n)
        self._set(W, b, activation)

    @classmethod
    def from_arrays(
        cls, W: NDArray[np.floating], b: NDArray[np.floating], activation: str | Activation = "sigmoid"
    ) -> Dense:
        """A layer that uses the given arrays themselves as its parameters (no copy).

        Parameters
        ----------
        W : ndarray
            Weights of shape (prev, n), a floating numpy array.
        b : ndarray
            Bias of shape (n,), a floating numpy array.
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
        check_shapes(W=(W, "prev n"), b=(b, "n"))
        act = get(activation)
        self.W, self.b, self.activation = W, b, act
        self.X: NDArray[np.floating] | None = None
        self.Z: NDArray[np.floating] | None = None
        self.dW: NDArray[np.floating] | None = None
        self.db: NDArray[np.floating] | None = None

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
            Inputs of shape (N, prev).

        Returns
        -------
        ndarray
            Outputs of shape (N, n).

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
        check_shapes(W=(self.W, "prev n"), b=(self.b, "n"), X=(X, "N prev"))
        Z = X @ self.W + self.b
        Y = self.activation.phi(Z)
        self.X, self.Z = X, Z
        return Y

    def backward(self, dY: ArrayLike) -> NDArray[np.floating]:
        """Gradients from ``dY = dL/dY``: stores ``dW``, ``db``; returns ``dL/dX``.

        With ``dZ = dY * phi'(Z)`` (Hadamard product):
        ``dW = X.T @ dZ`` (prev, n), ``db = dZ.sum(axis=0)`` (n,), ``dX = dZ @ W.T`` (N, prev).

        Parameters
        ----------
        dY : array_like
            Gradient with respect to the output, shape (N, n) of the last forward.

        Returns
        -------
        ndarray
            Gradient with respect to ``X``, shape (N, prev).

        Raises
        ------
        RuntimeError
            If `forward` has not been called yet.
        TypeError
            If ``dY`` is not real numbers.
        ValueError
            If ``dY`` has the wrong shape; nothing is stored then.

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.layers import Dense
        >>> layer = Dense.from_arrays(np.array([[2.0], [3.0]]), np.zeros(1),
        ...                           activation="identity")
        >>> _ = layer.forward(np.array([[1.0, 1.0]]))
        >>> print(layer.backward(np.array([[1.0]])), layer.dW.ravel(), layer.db)
        [[2. 3.]] [1. 1.] [1.]
        """
        if self.X is None:
            raise RuntimeError("Dense: backward called before forward (forward keeps the input)")
        dY = as_float(dY, "dY")
        check_shapes(Z=(self.Z, "N n"), dY=(dY, "N n"))
        dZ = dY * self.activation.dphi(self.Z)
        dW = self.X.T @ dZ
        db = dZ.sum(axis=0)
        dX = dZ @ self.W.T
        self.dW, self.db = dW, db
        return dX

    def __repr__(self) -> str:
        prev, n = self.W.shape
        return f"Dense(prev={prev}, n={n}, activation={self.activation.name!r})"
