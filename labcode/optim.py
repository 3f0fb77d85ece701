"""Optimizers own the update step: `SGD`, plain gradient descent on a list of parameters."""

from __future__ import annotations

from collections.abc import Iterable

from labcode.autograd import Variable
from labcode.shapes import as_float, as_real, check_shapes

__all__ = ["SGD"]


class SGD:
    """Stochastic gradient descent: ``p.data -= lr * p.grad`` for every parameter, in place.

    The update writes into each parameter's array, so every layer (and every
    caller) holding that array sees the new weights. It is the very step of
    the hand-written trainer, `labcode.backprop.train_by_hand`.

    Parameters
    ----------
    params : iterable of Variable
        The parameters to update, e.g. ``model.parameters()``; at least one.
    lr : float, default 0.01
        The learning rate, finite and > 0.

    Raises
    ------
    TypeError
        If ``params`` holds something other than a `Variable`, or ``lr`` is
        not a real number.
    ValueError
        If ``lr`` is not finite and positive, ``params`` is empty, or a
        parameter does not require a gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Variable
    >>> from labcode.optim import SGD
    >>> w = Variable(np.array([1.0, 2.0]))
    >>> optimizer = SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> print(w.data)
    [0.8 1.6]
    >>> optimizer.zero_grad()
    >>> w.grad is None
    True
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
        """Update every parameter that has a gradient, in place.

        Every parameter is checked first (its array writable and floating, its
        gradient of the same shape, ``lr`` finite and > 0): if any is wrong,
        none is updated.

        Raises
        ------
        TypeError
            If a parameter's array or gradient has a wrong dtype.
        ValueError
            If a gradient has another shape, an array is read-only, or ``lr``
            is out of range; no parameter is changed.

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.autograd import Variable
        >>> from labcode.optim import SGD
        >>> w = Variable(np.array([1.0]))
        >>> SGD([w], lr=0.5).step()   # no gradient yet: nothing changes
        >>> print(w.data)
        [1.]
        """
        lr = as_real(self.lr, "lr", above=0)
        steps = []  # every check before the first update: never half a step
        for i, p in enumerate(self.params):
            if p.grad is not None:
                W = as_float(p.data, f"params[{i}].data", share=True, writable=True)
                grad_W = as_float(p.grad, f"params[{i}].grad")
                check_shapes(**{f"params[{i}].grad": (grad_W, W.shape)})
                steps.append((W, grad_W))
        for W, grad_W in steps:
            W -= lr * grad_W

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (gradients accumulate otherwise).

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.autograd import Variable
        >>> from labcode.optim import SGD
        >>> w = Variable(np.array([3.0]))
        >>> (w * 2.0).sum().backward()
        >>> SGD([w]).zero_grad()
        >>> print(w.grad)
        None
        """
        for p in self.params:
            p.cleargrad()
