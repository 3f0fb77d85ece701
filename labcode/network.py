"""A small dense network whose layers can never lose sight of its parameters.

`Network` stacks `labcode.layers.Dense` layers (affine, then an activation)
built with `Dense.from_arrays` from the arrays of a `labcode.params.Parameters`
mapping. The contract, which the pitfalls chapter relies on and the tests
check:

* ``net.params[name]`` and the layer that uses it hold *the same array*
  (``is``), and always will: `Parameters` writes assignments into the live
  array instead of replacing it, so ``net.params["W1"] = perturbed_copy``
  changes what the network computes;
* an update in place (``W -= lr * grad_W``, what `labcode.optim` does) is seen by
  every layer at once;
* `copy.deepcopy` gives an independent network whose layers hold *its* arrays
  (deepcopy keeps shared references shared).

Shapes (row convention): X (n, p), hidden weights ``W1`` (p, d), ``b1`` (d,),
output weights ``W2`` (d, q), ``b2`` (q,), and so on for a network of K
layers, whose widths are d0 = p, d1, ..., dK = q. The loss is
`labcode.gradients.mse_n`, ``||Y - Y_hat||^2 / n``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labcode.gradients import mse_n
from labcode.layers import Dense
from labcode.params import Parameters
from labcode.shapes import as_float, as_int, as_real, check_rng, check_shapes

__all__ = ["Network"]


class Network:
    """Dense layers ``W1, b1, W2, b2, ...`` reading the arrays of one `Parameters`, one activation name per layer.

    ``params`` holds ``W1`` (p, d), ``b1`` (d,), ..., ``WK``, ``bK``: a
    `Parameters` is used as it is, anything else is copied into a new one. Layer
    ``k`` of ``layers`` holds ``params[f"W{k}"]`` and ``params[f"b{k}"]``
    themselves, so assigning to an entry of ``params`` changes what it computes.
    """

    def __init__(self, params: Mapping[str, ArrayLike], activations: Sequence[str]) -> None:
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping of names to arrays, got {type(params).__name__}")
        params = params if isinstance(params, Parameters) else Parameters(params)
        depth = len(params) // 2
        expected = [f"{kind}{k}" for k in range(1, depth + 1) for kind in ("W", "b")]
        if len(params) % 2 or sorted(params) != sorted(expected) or not params:
            raise ValueError(
                f"params must be named {', '.join(expected) or 'W1, b1'}, got {', '.join(params) or 'no names'}"
            )
        if isinstance(activations, str) or not isinstance(activations, Sequence):
            raise TypeError(
                f"activations must be a sequence of names, one per layer, got {type(activations).__name__}"
            )
        if len(activations) != depth:
            raise ValueError(f"activations must be one name per layer ({depth}), got {list(activations)!r}")
        shapes = {f"W{k}": (params[f"W{k}"], f"d{k - 1} d{k}") for k in range(1, depth + 1)}
        shapes |= {f"b{k}": (params[f"b{k}"], f"d{k}") for k in range(1, depth + 1)}
        check_shapes(**shapes)
        self._params = params
        self.layers = [
            Dense.from_arrays(params[f"W{k}"], params[f"b{k}"], activation)
            for k, activation in enumerate(activations, start=1)
        ]

    @classmethod
    def init(
        cls,
        sizes: Sequence[int],
        *,
        rng: np.random.Generator,
        scale: float = 0.05,
        hidden: str = "sigmoid",
        output: str = "identity",
    ) -> Network:
        """A network with layer widths ``sizes = [p, d, ..., q]`` and weights ``scale`` times standard normal numbers.

        ``rng`` draws ``W1, b1, W2, b2, ...`` in that order; the hidden layers take
        the activation ``hidden``, the last layer ``output``.
        """
        if isinstance(sizes, str) or not isinstance(sizes, Sequence):
            raise TypeError(f"sizes must be a sequence of ints such as [p, d, q], got {type(sizes).__name__}")
        sizes = [as_int(size, f"sizes[{i}]", at_least=1) for i, size in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes must be at least two sizes (the inputs and the outputs), got {sizes}")
        rng = check_rng(rng)
        scale = as_real(scale, "scale", at_least=0)
        arrays = {}
        for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            arrays[f"W{k}"] = scale * rng.standard_normal((fan_in, fan_out))
            arrays[f"b{k}"] = scale * rng.standard_normal(fan_out)
        activations = [hidden] * (len(sizes) - 2) + [output]
        return cls(arrays, activations)

    @property
    def params(self) -> Parameters:
        """The parameters by name, the layers' own arrays: assign into ``net.params[name]``, never to ``net.params``."""
        return self._params

    @params.setter
    def params(self, value: object) -> None:
        raise AttributeError("assign into net.params[name] instead: the layers hold its arrays")

    def forward(self, X: ArrayLike) -> NDArray[np.floating]:
        """The prediction ``Y_hat`` (n, q) for inputs ``X`` (n, p)."""
        out = self._inputs(X).astype(self._params["W1"].dtype, copy=False)
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def loss(self, X: ArrayLike, Y: ArrayLike) -> float:
        """`labcode.gradients.mse_n` of the prediction, ``||Y - Y_hat||^2 / n``, in the parameters' dtype; ``X`` (n, p), ``Y`` (n, q)."""
        X, Y = self._data(X, Y)
        Y_hat = self.forward(X)
        return mse_n(Y.astype(Y_hat.dtype, copy=False), Y_hat)

    def gradient(self, X: ArrayLike, Y: ArrayLike) -> dict[str, NDArray[np.floating]]:
        """The gradient of `loss` by backpropagation, ``{"W1": grad_W1, "b1": grad_b1, ...}``, each of its parameter's shape.

        Starts from ``dL/dY_hat = -2 (Y - Y_hat) / n`` (n, q), the gradient of
        `labcode.gradients.mse_n`, and runs each layer's `Dense.backward` in reverse;
        ``X`` and ``Y`` are checked before any layer stores anything.
        """
        X, Y = self._data(X, Y)  # checked before any layer stores anything
        Y_hat = self.forward(X)
        grad_out = -2 * (Y.astype(Y_hat.dtype, copy=False) - Y_hat) / len(Y)
        grads: dict[str, NDArray[np.floating]] = {}
        for k in range(len(self.layers), 0, -1):
            layer = self.layers[k - 1]
            grad_out = layer.backward(grad_out)
            grads[f"W{k}"], grads[f"b{k}"] = layer.grad_W, layer.grad_b
        return {name: grads[name] for name in self._params}

    def _inputs(self, X: ArrayLike) -> NDArray[np.floating]:
        """``X`` as a float array of shape (n, p), by the input policy."""
        X = as_float(X, "X")
        check_shapes({"p": (self.layers[0].W.shape[0], "set by W1")}, X=(X, "n p"))
        return X

    def _data(self, X: ArrayLike, Y: ArrayLike) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """``X`` (n, p) and ``Y`` (n, q) as float arrays, by the input policy."""
        X, Y = self._inputs(X), as_float(Y, "Y")
        known = {"q": (self.layers[-1].W.shape[1], f"set by W{len(self.layers)}")}
        check_shapes(known, X=(X, "n p"), Y=(Y, "n q"))
        return X, Y

    def __repr__(self) -> str:
        return f"Network({self.layers!r})"
