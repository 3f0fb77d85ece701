"""Optimizers own the update step: `SGD`, plain gradient descent on a list of parameters."""

from __future__ import annotations

from collections.abc import Iterable

from labcode.autograd import Variable
from labcode.backprop import sgd_update

__all__ = ["SGD"]


class SGD:
    """Stochastic gradient descent: ``p.data -= lr * p.grad`` for every parameter, in place.

    The update writes into each parameter's array, so every layer (and every
    caller) holding that array sees the new weights. It is
    `labcode.backprop.sgd_update`, the very step of the hand-written trainer.

    Parameters
    ----------
    params : iterable of Variable
        The parameters to update, e.g. ``model.parameters()``.
    lr : float, default 0.01
        The learning rate, > 0.

    Raises
    ------
    ValueError
        If ``lr`` is not positive or a parameter does not require a gradient.

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
        self.params = list(params)
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, got {lr}")
        for i, p in enumerate(self.params):
            if not (isinstance(p, Variable) and p.requires_grad):
                raise ValueError(f"parameter {i} is not a Variable that requires a gradient")
        self.lr = lr

    def step(self) -> None:
        """Update every parameter that has a gradient, in place.

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
        for p in self.params:
            if p.grad is not None:
                sgd_update(p.data, p.grad, self.lr)

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
