"""Optimizers own the update step: `SGD`, plain gradient descent on a list of parameters."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from labcode.autograd import Variable
from labcode.shapes import as_float, as_real, check_shapes

__all__ = ["SGD"]


class SGD:
    """Stochastic gradient descent: ``p.data -= lr * p.grad`` for every parameter, in place.

    ``params`` is at least one `Variable` that requires a gradient (e.g.
    ``model.parameters()``) and ``lr`` finite and > 0. The update writes into
    each parameter's array, so every layer (and every caller) holding that array
    sees the new weights: the very step of `labcode.backprop.train_by_hand`.
    """

    def __init__(self, params: Iterable[Variable], lr: float = 0.01) -> None:
        if isinstance(params, Variable) or not isinstance(params, Iterable):
            raise TypeError(f"params must be an iterable of Variables, got {type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError("params must be at least one Variable, got none")
        for i, p in enumerate(self.params):
            if not isinstance(p, Variable):
                raise TypeError(f"params[{i}] must be a Variable, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(
                    f"params[{i}] must be a Variable that requires a gradient, got a constant (requires_grad=False)"
                )
        self.lr = as_real(lr, "lr", above=0)

    def step(self) -> None:
        """Update every parameter that has a gradient, in place; every parameter is checked first, so a refused step changes none."""
        lr = as_real(self.lr, "lr", above=0)
        steps = []  # every check before the first update: never half a step
        for i, p in enumerate(self.params):
            W, grad_W = p.data, p.grad
            if grad_W is None:
                continue
            if not (type(W) is np.ndarray and W.dtype.kind == "f" and W.flags.writeable  # the common case, at once
                    and type(grad_W) is np.ndarray and grad_W.dtype.kind == "f" and grad_W.shape == W.shape):
                W = as_float(W, f"params[{i}].data", share=True, writable=True)
                grad_W = as_float(grad_W, f"params[{i}].grad")
                check_shapes(**{f"params[{i}].grad": (grad_W, W.shape)})
            steps.append((W, grad_W))
        for W, grad_W in steps:
            W -= lr * grad_W

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (gradients accumulate otherwise)."""
        for p in self.params:
            p.cleargrad()
