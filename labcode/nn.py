"""Modules: containers of parameters with a forward method (`Linear`, `ReLU`, `Sequential`).

A `Module` finds its parameters by looking at its attributes: every `Variable`
that requires a gradient, and the parameters of every sub-module, in the order
they were assigned. Parameters hold the weight arrays by reference, so a
`Linear` built with ``weight=W1`` trains the caller's ``W1`` in place (and the
five versions of chapter 9 can start from the very same arrays).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from labcode import autograd
from labcode.autograd import Variable
from labcode.shapes import _float_dtype, as_float, as_int, check_rng, check_shapes

__all__ = ["Module", "Linear", "ReLU", "Sequential"]


class Module:
    """Base class: a forward computation plus the parameters it owns; calling the module calls ``forward``."""

    def __call__(self, *args: Any) -> Variable:
        return self.forward(*args)

    def forward(self, *args: Any) -> Variable:
        raise NotImplementedError

    def _own(self) -> Iterator[Any]:
        for value in vars(self).values():
            if isinstance(value, (list, tuple)):
                yield from value
            else:
                yield value

    def parameters(self) -> list[Variable]:
        """Every parameter of this module and its sub-modules, each once, in the order they were assigned."""
        found: list[Variable] = []
        seen: set[int] = set()
        for value in self._own():
            candidates = value.parameters() if isinstance(value, Module) else [value]
            for p in candidates:
                if isinstance(p, Variable) and p.requires_grad and id(p) not in seen:
                    seen.add(id(p))
                    found.append(p)
        return found

    def cleargrads(self) -> None:
        """Clear the gradient of every parameter (see `labcode.autograd.Variable.cleargrad`)."""
        for p in self.parameters():
            p.cleargrad()


class Linear(Module):
    """A fully connected layer ``x @ W (+ b)`` from ``in_size`` to ``out_size`` features, ``W`` (in_size, out_size).

    ``W`` is stored in the book's orientation (``W1`` is (p, d)), so the forward
    is ``x @ W`` with no transpose; PyTorch stores (out_size, in_size) and
    computes ``x @ W.T``, and a weight of that orientation is refused with both
    shapes in the message.

    Parameters
    ----------
    weight : ndarray, optional
        Initial weights, of a floating dtype. The layer holds this very array
        (no copy): training updates it in place.
    bias : bool, default False
        Whether to add a bias of shape (out_size,), initialised to zeros.
    rng : numpy.random.Generator, optional
        Draws He-scaled normal weights when ``weight`` is not given.
    dtype : dtype, default float32
        The dtype of drawn weights and of the bias, a floating type.
    """

    def __init__(
        self,
        in_size: int,
        out_size: int,
        *,
        weight: NDArray[np.floating] | None = None,
        bias: bool = False,
        rng: np.random.Generator | None = None,
        dtype: type[np.floating] = np.float32,
    ) -> None:
        in_size, out_size = as_int(in_size, "in_size", at_least=1), as_int(out_size, "out_size", at_least=1)
        dtype = _float_dtype(dtype)
        if weight is None:
            if rng is None:
                raise ValueError(
                    "weight must be an array (weight=), or rng a generator to draw it (rng=), got neither"
                )
            rng = check_rng(rng)
            weight = (rng.standard_normal((in_size, out_size)) * np.sqrt(2.0 / in_size)).astype(dtype)
        weight = as_float(weight, "weight", share=True)
        known = {"in_size": (in_size, f"set by Linear({in_size}, {out_size})"),
                 "out_size": (out_size, f"set by Linear({in_size}, {out_size})")}
        try:
            check_shapes(known, weight=(weight, "in_size out_size"))
        except ValueError as error:
            if weight.shape != (out_size, in_size):
                raise
            raise ValueError(
                f"{error}; weights stored as (out_size, in_size), as in PyTorch, must be transposed"
            ) from None
        self.W = Variable(weight, name="W")
        self.b = Variable(np.zeros(out_size, dtype=weight.dtype), name="b") if bias else None

    def forward(self, x: Variable | NDArray[np.floating]) -> Variable:
        y = autograd.matmul(x, self.W)
        return y if self.b is None else autograd.add(y, self.b)


class ReLU(Module):
    """The rectifier as a layer with no parameters."""

    def forward(self, x: Variable | NDArray[np.floating]) -> Variable:
        return autograd.relu(x)


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(a, b)(x)`` is ``b(a(x))``, and ``model[i]`` is layer ``i``."""

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layers[{i}] must be a Module, got {type(layer).__name__}")
        self.layers = list(layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def forward(self, x: Variable | NDArray[np.floating]) -> Variable:
        for layer in self.layers:
            x = layer(x)
        return x
